"""``yibao serve``: the settlement service on uvicorn (national gateway ``/fsi/api`` + REST ``/api``).

The database is migrated first (``yibao db upgrade`` does the same). ``--workers`` > 1 runs several
processes sharing the port; each has its own connection pool.
"""

from __future__ import annotations

import typer

from yibao.cli._common import console, handle_errors


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址"),
    port: int = typer.Option(8000, "--port", help="监听端口"),
    workers: int = typer.Option(1, "--workers", min=1, help="工作进程数"),
    migrate: bool = typer.Option(True, "--migrate/--no-migrate", help="启动前执行数据库迁移"),
    log_level: str = typer.Option("warning", "--log-level", help="日志级别"),
) -> None:
    """启动结算服务."""
    import uvicorn

    from yibao.config import get_settings
    from yibao.store import db

    with handle_errors():
        settings = get_settings()
        if migrate:
            db.upgrade(settings.db_url)
    console.print(f"结算服务启动：http://{host}:{port}/fsi/api（接口文档 /docs）")
    uvicorn.run(
        "yibao.api.app:worker_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=False,  # access lines carry no body, but keep the log to what the gateway writes
    )


def institution_secret(
    fixmedins_code: str = typer.Argument(..., help="定点医药机构编号"),
) -> None:
    """为定点医药机构签发（或重置）接口密钥；密钥只显示这一次，库中仅存 argon2 摘要."""
    from yibao.api.gateway.credentials import issue_secret, set_secret
    from yibao.config import get_settings
    from yibao.store import db

    with handle_errors():
        engine = db.make_engine(get_settings().db_url)
        try:
            secret = issue_secret()
            with db.session_factory(engine)() as session:
                set_secret(session, fixmedins_code, secret)
                session.commit()
        finally:
            engine.dispose()
    console.print(f"机构 {fixmedins_code} 的接口密钥（请求头 X-Yibao-Secret）：{secret}")
    console.print("请妥善保存：系统不保存明文，遗失只能重置。")
