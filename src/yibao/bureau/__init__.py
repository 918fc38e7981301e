"""Bureau services (经办): institutions and agreements, settlement queries and monthly statements."""

from __future__ import annotations

from typing import TypeVar

from yibao.store.uow import SqlUnitOfWork

T = TypeVar("T")


def detached(uow: SqlUnitOfWork, value: T) -> T:
    """Hand rows read in ``uow`` out of it: detached, they keep what was loaded when the unit of work
    rolls back on exit (a rollback would otherwise expire them)."""
    uow.session.expunge_all()
    return value


__all__ = ["detached"]
