"""Fixtures: a migrated, seeded store per module (SQLite; PostgreSQL where marked) and an in-process app."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from gateway_world import SECRET_KEY, His, database, seed

from yibao.api.app import create_app
from yibao.config import Settings


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with database("sqlite", tmp_path_factory.mktemp("gw")) as url:
        seed(url)
        yield url


@pytest.fixture(scope="module")
def pg_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The same seeded store on a fresh PostgreSQL database, for the modules that need the real server."""
    if os.environ.get("YIBAO_SKIP_PG") == "1":
        pytest.skip("YIBAO_SKIP_PG=1")
    with database("postgresql", tmp_path_factory.mktemp("pg")) as url:
        seed(url, people=20)
        yield url


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("warehouse")


@pytest.fixture(scope="module")
def client(store_url: str, warehouse: Path) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=store_url, secret_key=SECRET_KEY, env="test"), warehouse_dir=warehouse)
    with TestClient(app) as http:
        yield http


@pytest.fixture()
def h1(client: TestClient) -> His:
    his = His(client, "H1")
    his.sign_in()
    return his


@pytest.fixture()
def h2(client: TestClient) -> His:
    his = His(client, "H2")
    his.sign_in()
    return his
