"""A real app over a real migrated SQLite file (and PostgreSQL for tests marked ``pg``), seeded once per module.

The app is the real one (``yibao.api.app.create_app``: gateway + bureau API); every seeded user gets
a bearer token once per module.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import rest_seed as seed
from rest_env import RestEnv
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from yibao.api.auth import Principal, issue_token
from yibao.api.app import create_app
from yibao.config import Settings
from yibao.store import db

TEST_SECRET = "tests-only-secret-for-rest-api"


def build_app(engine: Engine, settings: Settings) -> FastAPI:
    """The real application (gateway + bureau API) on ``engine``."""
    return create_app(settings, engine=engine, warehouse_dir=settings.warehouse_dir)


def _pg_database(home: Path) -> Iterator[str]:
    if os.environ.get("YIBAO_SKIP_PG") == "1":
        pytest.skip("YIBAO_SKIP_PG=1")
    with db.scratch_database("postgresql", home, prefix="yibao_rest") as url:
        yield url


def _env(url: str, home: Path) -> Iterator[RestEnv]:
    db.upgrade(url)
    engine: Engine = db.make_engine(url)
    factory = db.session_factory(engine)
    settings = Settings(env="test", home=home, database_url=url, secret_key=TEST_SECRET, token_minutes=5)
    env = RestEnv(TestClient(build_app(engine, settings)), factory, settings, {})
    with env.uow() as uow:
        seed.seed(uow)
        uow.commit()
    with env.uow() as uow:
        for username in seed.USERS:
            user = uow.users.get_by_username(username)
            assert user is not None
            principal = Principal(user.user_id, user.username, user.role_codes, user.fixmedins_code)
            # Tokens are issued directly (test_rest_auth logs in over HTTP): a login costs an argon2 verification.
            env.headers[username] = {"Authorization": f"Bearer {issue_token(principal, settings).access_token}"}
    try:
        yield env
    finally:
        env.client.close()
        engine.dispose()


@pytest.fixture(scope="module")
def rest(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RestEnv]:
    """The app on a fresh SQLite file, seeded, with every role logged in."""
    home = tmp_path_factory.mktemp("rest")
    yield from _env(f"sqlite:///{home / 'yibao.sqlite3'}", home)


@pytest.fixture(scope="module")
def rest_pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RestEnv]:
    """The same on a fresh PostgreSQL database."""
    home = tmp_path_factory.mktemp("rest_pg")
    for url in _pg_database(home):
        yield from _env(url, home)
