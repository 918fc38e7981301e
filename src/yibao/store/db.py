"""Engines, sessions and migrations of the operational store (SQLAlchemy 2 + Alembic).

``make_engine(url)`` works for SQLite and PostgreSQL alike. On SQLite it turns on foreign keys,
WAL and a busy timeout, and takes over transaction control from the driver so that a transaction
can start with ``BEGIN IMMEDIATE`` (the write lock up front — SQLite's stand-in for
``SELECT … FOR UPDATE``): pass the execution option ``{IMMEDIATE: True}`` when procuring the
connection, as :class:`yibao.store.uow.SqlUnitOfWork` does.

Migrations ship inside the package (``yibao/store/migrations``) and run programmatically:
``upgrade(url)``, ``downgrade(url, "base")``, ``current(url)``.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path

import orjson
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session, sessionmaker


def json_text(value: object) -> str:
    """JSON columns' text (the engines' ``json_serializer``): compact, written by orjson — several
    times faster than ``json.dumps`` on the settlement path's trace and counters."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")


PG_CONNECT_ARGS = {"prepare_threshold": None}
"""psycopg prepares no statement of its own: after a rollback it deallocates ALL prepared statements
of the connection, those :mod:`yibao.store.driver` prepared for the settle path too."""

IMMEDIATE = "yibao_sqlite_begin_immediate"
"""Execution option: on SQLite, begin the transaction with ``BEGIN IMMEDIATE``."""

_BUSY_TIMEOUT_MS = 10_000


def make_engine(url: str, *, echo: bool = False, busy_timeout_ms: int = _BUSY_TIMEOUT_MS) -> Engine:
    """An engine for ``url``; a SQLite file's directory is created if missing.

    ``busy_timeout_ms`` is how long a SQLite connection waits for another writer's lock.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, echo=echo, pool_pre_ping=True, json_serializer=json_text, connect_args=PG_CONNECT_ARGS)
    database = parsed.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo, connect_args={"timeout": busy_timeout_ms / 1000}, json_serializer=json_text)
    _configure_sqlite(engine, busy_timeout_ms)
    return engine


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # The driver's implicit BEGIN would hide our BEGIN IMMEDIATE and skip transactional DDL.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine``; objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def migrations_dir() -> Path:
    """Where the bundled Alembic scripts are."""
    return Path(str(files("yibao.store") / "migrations"))


def alembic_config(url: str) -> Config:
    """An Alembic config for the bundled scripts, no alembic.ini needed."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _run(url: str, action: str, revision: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            getattr(command, action)(config, revision)
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> None:
    """迁移到 ``revision``（默认最新）."""
    _run(url, "upgrade", revision)


def downgrade(url: str, revision: str = "-1") -> None:
    """回退到 ``revision``（默认上一版；``base`` 清空全部表）."""
    _run(url, "downgrade", revision)


def current(url: str) -> str | None:
    """The revision the database is at, ``None`` if never migrated."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head() -> str:
    """The newest bundled revision."""
    revision = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    if revision is None:
        raise RuntimeError("迁移脚本缺失")
    return revision


SCRATCH_ADMIN_URL = os.environ.get("YIBAO_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
"""Where tests and benchmarks create their throw-away PostgreSQL databases (trust auth on loopback)."""


@contextmanager
def scratch_database(backend: str, directory: Path, prefix: str = "yibao_t") -> Iterator[str]:
    """The URL of a new, empty database for a test or a benchmark, removed afterwards.

    ``sqlite``: a file under ``directory``; ``postgresql``: a database ``<prefix>_<hex>`` created
    through :data:`SCRATCH_ADMIN_URL` and dropped (``WITH (FORCE)``) on the way out.
    """
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    if backend == "sqlite":
        yield f"sqlite:///{directory / f'{name}.sqlite3'}"
        return
    admin = create_engine(SCRATCH_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(SCRATCH_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


__all__ = [
    "IMMEDIATE",
    "alembic_config",
    "current",
    "downgrade",
    "head",
    "make_engine",
    "migrations_dir",
    "scratch_database",
    "session_factory",
    "upgrade",
]
