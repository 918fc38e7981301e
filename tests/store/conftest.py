"""Backend fixtures: every store test runs on SQLite (a temp file) and on PostgreSQL.

PostgreSQL is the server at 127.0.0.1:5432 (user postgres, trust auth; override with
``YIBAO_TEST_PG_ADMIN_URL``). Each module gets its own database ``yibao_t_<hex>``, dropped after;
the PG cases carry the ``pg`` marker and are skipped only when ``YIBAO_SKIP_PG=1``.

Nothing here is specific to tests/store: moved to tests/conftest.py, these fixtures serve every
area (``migrated_url`` / ``db_engine`` / ``db_factory`` for a ready store, ``fresh_db_url`` for an empty
one).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session, sessionmaker

from yibao.store import db
from yibao.store.models import Base
from yibao.store.protect import CertnoProtector

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)]
TEST_SECRET = "tests-only-secret-for-certno-protection"


@contextmanager
def temporary_database(backend: str, directory: Path) -> Iterator[str]:
    """The URL of a new, empty database on ``backend``, removed afterwards."""
    if backend != "sqlite" and os.environ.get("YIBAO_SKIP_PG") == "1":
        pytest.skip("YIBAO_SKIP_PG=1")
    with db.scratch_database(backend, directory) as url:
        yield url


@pytest.fixture(scope="module", params=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture()
def fresh_db_url(db_backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database (no tables) for this test alone."""
    with temporary_database(db_backend, tmp_path) as url:
        yield url


@pytest.fixture(scope="module")
def migrated_url(db_backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to head, shared by the tests of one module (emptied after each test)."""
    with temporary_database(db_backend, tmp_path_factory.mktemp("store")) as url:
        db.upgrade(url)
        yield url


@pytest.fixture(scope="module")
def db_engine(migrated_url: str) -> Iterator[Engine]:
    engine = db.make_engine(migrated_url)
    yield engine
    engine.dispose()


@pytest.fixture()
def db_factory(db_engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions on the migrated database; every row but the seeded roles is deleted after the test."""
    yield db.session_factory(db_engine)
    with db_engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name != "role":
                conn.execute(delete(table))


@pytest.fixture(scope="session")
def certno_protector() -> CertnoProtector:
    return CertnoProtector(TEST_SECRET)
