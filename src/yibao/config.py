"""The one settings object (pydantic-settings). Read by entry points and services, never by engines."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_LOCAL_SECRET = "local-development-only-secret-change-me"


class Settings(BaseSettings):
    """Settings from the environment (``YIBAO_*``).

    ``home`` is the data directory (SQLite file, Parquet warehouse, reports); ``database_url``
    defaults to a SQLite file in it. Outside ``env=local`` a real ``secret_key`` is required.
    """

    model_config = SettingsConfigDict(env_prefix="YIBAO_", extra="ignore")

    env: Literal["local", "test", "production"] = "local"
    home: Path = Field(default=Path("./.yibao"))
    database_url: str | None = None
    warehouse_backend: Literal["duckdb", "pyspark"] = "duckdb"
    secret_key: str = _LOCAL_SECRET
    token_minutes: int = 60

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> "Settings":
        if self.env == "production" and self.secret_key == _LOCAL_SECRET:
            raise ValueError("生产环境必须设置 YIBAO_SECRET_KEY")
        return self

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.home / 'yibao.sqlite3').resolve()}"

    @property
    def warehouse_dir(self) -> Path:
        return self.home / "warehouse"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"


@lru_cache
def get_settings() -> Settings:
    return Settings()


__all__ = ["Settings", "get_settings"]
