"""The unit of work: one transaction, repositories as attributes, rolled back unless committed.

A settlement service does::

    with SqlUnitOfWork(factory, protector=protector) as uow:
        acc = uow.accumulators.lock(psn_no, fund_year, insutype)   # row lock / write lock
        result = engine.settle(..., acc.amounts())                   # pure
        uow.settlements.add(to_row(result))
        acc.set_amounts(result.new_counters)
        uow.commit()                                                  # all or nothing

Leaving the block without ``commit()`` — by an exception or by forgetting — rolls everything back.
On SQLite the transaction starts with ``BEGIN IMMEDIATE`` (pass ``immediate=False`` for read-only
work that should not take the write lock); on PostgreSQL row locks come from ``FOR UPDATE``.

Writes whose results nobody reads back in the transaction (a settlement's rows, the message log)
may be handed to :meth:`SqlUnitOfWork.write_at_commit`: they go out on the driver's cursor
(:mod:`yibao.store.driver`) and, on PostgreSQL, as one statement sent with the ``COMMIT`` — one round
trip instead of one per statement. An error among them (a unique key) fails the commit and rolls all of
it back, as SQLAlchemy's ``IntegrityError`` like any other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from yibao.store import driver
from yibao.store.db import IMMEDIATE
from yibao.store.driver import Params, Write
from yibao.store.protect import CertnoProtector
from yibao.store.repositories import (
    AccumulatorRepository,
    CoverageRepository,
    InstitutionRepository,
    PersonRepository,
    RegionRepository,
    SettlementListRepository,
    SettlementRepository,
    UserRepository,
    VisitRepository,
)


class SqlUnitOfWork:
    """A unit of work over a SQLAlchemy session; use as a context manager, once.

    Repositories are made on first use: a settlement uses one or none of them. They are dropped
    when the block ends, so a finished unit of work leaves no reference cycle behind (the
    accumulator repository holds :meth:`write_at_commit`): garbage only reference counting frees
    keeps the service's full garbage collections, which pause a worker, rare and short."""

    regions: RegionRepository
    institutions: InstitutionRepository
    persons: PersonRepository
    coverage: CoverageRepository
    visits: VisitRepository
    settlements: SettlementRepository
    accumulators: AccumulatorRepository
    setl_lists: SettlementListRepository
    users: UserRepository

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        protector: CertnoProtector | None = None,
        immediate: bool = True,
    ) -> None:
        self._factory = factory
        self._protector = protector
        self._immediate = immediate
        self._session: Session | None = None
        self._at_commit: list[tuple[Write, Params | Sequence[Params]]] = []

    @property
    def session(self) -> Session:
        """The session, for queries the repositories do not cover."""
        if self._session is None:
            raise RuntimeError("工作单元未开始：请在 with 语句中使用")
        return self._session

    def __getattr__(self, name: str) -> object:
        """A repository (``uow.persons`` …), made on first use."""
        make = _REPOSITORIES.get(name)
        if make is None:
            raise AttributeError(name)
        repository = make(self)
        setattr(self, name, repository)
        return repository

    def __enter__(self) -> SqlUnitOfWork:
        session = self._factory()
        if self._immediate and session.get_bind().dialect.name == "sqlite":
            try:
                session.connection(execution_options={IMMEDIATE: True})
            except BaseException:
                session.close()
                raise
        self._session = session
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            session.rollback()  # a no-op after commit()
        finally:
            session.close()
            self._session = None
            for name in _REPOSITORIES:
                self.__dict__.pop(name, None)

    def flush(self) -> None:
        """Send pending writes (constraint errors surface here) without committing."""
        self.session.flush()

    def write_at_commit(self, statement: Write, params: Params | Sequence[Params]) -> None:
        """Send ``statement`` — an INSERT (one row or a list of rows), UPDATE or DELETE whose result
        nobody reads — with the commit, after the ORM's pending writes. Nothing is sent if the unit
        of work is not committed. An INSERT must be ``.inline()`` (no ``RETURNING`` of a generated key)."""
        self._at_commit.append((statement, params))

    def commit(self) -> None:
        session = self.session
        pending, self._at_commit = self._at_commit, []
        if not pending:
            session.commit()
            return
        session.flush()  # the ORM's own writes first, each answered, so their errors surface as before
        conn = session.connection()
        if conn.dialect.name == "postgresql":
            # One statement for all the writes, with the COMMIT, on the driver's connection.
            driver.send_and_commit(conn, pending)
            session.commit()  # the driver's transaction is over; this ends SQLAlchemy's
            return
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            driver.send(conn, cursor, pending)
        finally:
            cursor.close()
        session.commit()

    def rollback(self) -> None:
        self.session.rollback()


_REPOSITORIES: dict[str, Callable[[SqlUnitOfWork], object]] = {
    "regions": lambda uow: RegionRepository(uow.session),
    "institutions": lambda uow: InstitutionRepository(uow.session),
    "persons": lambda uow: PersonRepository(uow.session, uow._protector),
    "coverage": lambda uow: CoverageRepository(uow.session),
    "visits": lambda uow: VisitRepository(uow.session),
    "settlements": lambda uow: SettlementRepository(uow.session),
    "accumulators": lambda uow: AccumulatorRepository(uow.session, uow.write_at_commit),
    "setl_lists": lambda uow: SettlementListRepository(uow.session),
    "users": lambda uow: UserRepository(uow.session),
}

__all__ = ["Params", "SqlUnitOfWork", "Write"]
