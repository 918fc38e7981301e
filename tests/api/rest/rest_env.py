"""The test environment of the bureau REST API tests (a plain module: tests import it by name)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from yibao.config import Settings
from yibao.store.uow import SqlUnitOfWork


@dataclass
class RestEnv:
    client: TestClient
    factory: sessionmaker[Session]
    settings: Settings
    headers: dict[str, dict[str, str]]

    def uow(self) -> SqlUnitOfWork:
        from yibao.store.protect import CertnoProtector

        return SqlUnitOfWork(self.factory, protector=CertnoProtector(self.settings.secret_key))
