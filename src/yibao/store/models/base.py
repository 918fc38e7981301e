"""The declarative base, its naming convention, and small column helpers shared by the models.

Constraint names follow one convention so that the hand-written migration, PostgreSQL and SQLite
agree on them (and autogenerate finds no drift).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every operational-store model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def now() -> datetime:
    """Local wall-clock time, second precision, naive — the national interface's time style."""
    return datetime.now().replace(microsecond=0)


__all__ = ["NAMING_CONVENTION", "Base", "now"]
