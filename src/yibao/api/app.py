"""``create_app()``: the FastAPI application — the national gateway plus the bureau REST API.

One engine per process. On PostgreSQL the connection pool is sized for the worker's thread pool
(``pool_size``); on SQLite writes are serialised by ``BEGIN IMMEDIATE`` in the unit of work.
"""

from __future__ import annotations

import gc
import sqlite3
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from starlette.types import Receive, Scope, Send

from yibao.api.gateway import Gateway, is_message, serve_message
from yibao.api.gateway import router as gateway_router
from yibao.api.gateway.credentials import Credentials
from yibao.config import Settings, get_settings
from yibao.store.db import PG_CONNECT_ARGS, json_text, make_engine, session_factory
from yibao.store.protect import CertnoProtector

PG_POOL_SIZE = 40
"""One connection per thread of the worker's thread pool (anyio's default limit is 40): a smaller
pool with overflow closed and reopened connections under load (a PostgreSQL backend per request)."""
GATEWAY_THREADS = 4
"""Threads answering ``/fsi/api`` per process: enough to keep the database busy while others wait on
it; more only add GIL hand-offs (each thread is mostly waiting on a round trip)."""


def build_engine(url: str, pool_size: int = PG_POOL_SIZE) -> Engine:
    """An engine for the service: a larger pool on PostgreSQL, the store's SQLite setup otherwise."""
    if make_url(url).get_backend_name() == "postgresql":
        # No pre-ping: it costs a round trip per request; a dead connection fails one call, which
        # the HIS retries with the same msgid (idempotent), and the pool then replaces it.
        return create_engine(url, pool_size=pool_size, max_overflow=10, pool_recycle=1800, json_serializer=json_text,
                             connect_args=PG_CONNECT_ARGS)
    engine = make_engine(url)

    @event.listens_for(engine, "connect")
    def _synchronous_normal(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # In WAL mode NORMAL syncs at checkpoints, not at every commit: a commit is in the WAL file
        # (the OS's page cache) before the answer leaves, so a killed process loses nothing;
        # only a power cut could lose the last commits. FULL cost one fsync per settlement.
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")

    return engine


def warm_up() -> None:
    """Parse the policy packs and index the rule library before the first request: the loaders fill
    their caches unguarded, so concurrent first requests could each see a half-filled cache."""
    from yibao.api.gateway.review import rule_index
    from yibao.policy.loader import bundled_packs

    bundled_packs()
    rule_index()


@asynccontextmanager
async def _frozen_at_start(_app: FastAPI) -> AsyncIterator[None]:
    """Once the worker is up: move what start-up built (modules, policy packs, the rule library:
    about 250,000 objects) out of the garbage collector's reach. A full collection had to walk all
    of it and paused the worker for 0.2–0.5 s under load, the slowest answers of a run; it now walks
    only what requests left behind. (Only in a served worker: a process that builds many apps, as
    the tests do, would keep every frozen one.)"""
    gc.collect()
    gc.freeze()
    yield


class ServiceApp(FastAPI):
    """FastAPI, except that national-interface messages are answered before its middleware and
    routing (:func:`~yibao.api.gateway.endpoint.serve_message`); the route stays in the OpenAPI docs."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if is_message(scope):
            await serve_message(self.state.gateway, scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def create_app(
    settings: Settings | None = None, *, warehouse_dir: Path | None = None, engine: Engine | None = None,
    freeze_at_start: bool = False,
) -> FastAPI:
    """The application for ``settings`` (default: the environment's). The database must be migrated.
    ``freeze_at_start``: see :func:`worker_app`."""
    settings = settings or get_settings()
    warm_up()
    engine = engine or build_engine(settings.db_url)
    factory = session_factory(engine)
    app = ServiceApp(
        title="yibao 医保结算服务",
        version="1.0",
        description="国家医保接口报文网关（POST /fsi/api）与医保局 REST 接口（/api）。",
        lifespan=_frozen_at_start if freeze_at_start else None,
    )
    app.state.engine = engine
    app.state.gateway = Gateway(
        factory=factory,
        protector=CertnoProtector(settings.secret_key),
        credentials=Credentials(factory),
        warehouse_dir=warehouse_dir if warehouse_dir is not None else settings.warehouse_dir,
        write_lock=threading.Lock() if engine.dialect.name == "sqlite" else None,
        threads=ThreadPoolExecutor(GATEWAY_THREADS, thread_name_prefix="fsi"),
    )
    app.include_router(gateway_router)
    _bureau(app, factory, settings)

    return app


def worker_app() -> FastAPI:
    """The application of one served worker process (``yibao serve``; ``uvicorn --factory``): the
    environment's settings, and start-up's objects frozen out of the garbage collector's way."""
    return create_app(freeze_at_start=True)


def _bureau(app: FastAPI, factory: object, settings: Settings) -> None:
    """The bureau side (``/api``: users, REST) when its modules are present."""
    try:
        from yibao.api import auth
    except ImportError:
        return
    auth.bind(app, factory=factory, settings=settings)  # type: ignore[arg-type]
    try:
        from yibao.api.rest import router as rest_router  # includes auth.router
        from yibao.api.rest.errors import install
    except ImportError:
        app.include_router(auth.router)
        return
    app.include_router(rest_router)
    install(app)


__all__ = ["GATEWAY_THREADS", "PG_POOL_SIZE", "ServiceApp", "build_engine", "create_app", "warm_up", "worker_app"]
