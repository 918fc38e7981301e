"""``yibao db``: migrate the operational store (upgrade, downgrade, current)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from alembic.util import CommandError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from yibao.cli._common import console, err_console, handle_errors
from yibao.config import get_settings
from yibao.store import db

app = typer.Typer(no_args_is_help=True)

UrlOption = Annotated[
    str | None, typer.Option("--url", help="数据库地址；默认取 YIBAO_DATABASE_URL 或数据目录下的 SQLite 文件")
]


def _url(url: str | None) -> str:
    return url or get_settings().db_url


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@contextmanager
def _migration_errors() -> Iterator[None]:
    """Alembic and database failures as one Chinese line and exit code 2."""
    with handle_errors():
        try:
            yield
        except (CommandError, SQLAlchemyError) as exc:
            err_console.print(f"[red]迁移失败[/red]：{str(exc).splitlines()[0]}")
            raise typer.Exit(code=2) from exc


@app.command("upgrade", help="迁移到指定版本（默认最新）")
def upgrade(
    revision: Annotated[str, typer.Argument(help="目标版本，默认 head")] = "head",
    url: UrlOption = None,
) -> None:
    target = _url(url)
    with _migration_errors():
        db.upgrade(target, revision)
        console.print(f"已迁移 {_shown(target)} 至版本 [bold]{db.current(target) or '（空）'}[/bold]")


@app.command("downgrade", help="回退到指定版本（默认上一版；base 删除全部表）")
def downgrade(
    revision: Annotated[str, typer.Argument(help="目标版本，如 -1 或 base")] = "-1",
    url: UrlOption = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="不再确认")] = False,
) -> None:
    target = _url(url)
    if not yes:
        typer.confirm(f"回退 {_shown(target)} 到 {revision} 可能删除数据，确定吗？", abort=True)
    with _migration_errors():
        db.downgrade(target, revision)
        console.print(f"已回退 {_shown(target)} 至版本 [bold]{db.current(target) or '（空）'}[/bold]")


@app.command("current", help="显示数据库当前版本与最新版本")
def current(url: UrlOption = None) -> None:
    target = _url(url)
    with _migration_errors():
        revision = db.current(target)
        latest = db.head()
    state = "已是最新" if revision == latest else "需要迁移：yibao db upgrade"
    console.print(f"{_shown(target)}\n当前版本：{revision or '（未初始化）'}\n最新版本：{latest}（{state}）")
