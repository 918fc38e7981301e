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
may be handed to :meth:`SqlUnitOfWork.write_at_commit`. They are Core statements like any other,
compiled once per dialect, but sent on the driver's cursor — SQLAlchemy's per-execution work (cache
key, parameter processing, result set-up) cost several times the driver's on the settle hot path —
and, on PostgreSQL, pipelined with the ``COMMIT``: one round trip instead of one per statement. An
error among them (a unique key) fails the commit and rolls all of it back, as SQLAlchemy's
``IntegrityError`` like any other.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType

from sqlalchemy import Connection, Delete, Dialect, Insert, Update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from yibao.store.db import IMMEDIATE
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


Write = Insert | Update | Delete
Params = Mapping[str, object]


@dataclass(frozen=True, slots=True)
class _DriverSql:
    """A Core statement compiled for one dialect and one set of parameter names."""

    sql: str
    order: tuple[str, ...] | None
    """Parameter names in placeholder order for a positional driver (SQLite), else ``None``."""
    processors: Mapping[str, Callable[[object], object]]
    defaults: Mapping[str, Callable[[object], object]]
    """Python-side column defaults (``default=now``) of columns the parameters leave out."""

    def row(self, params: Params) -> Mapping[str, object] | tuple[object, ...]:
        values = dict(params)
        for key, default in self.defaults.items():
            values[key] = default(None)
        for key, process in self.processors.items():
            values[key] = process(values[key])
        return values if self.order is None else tuple(values[key] for key in self.order)


_compiled: dict[tuple[int, str, tuple[str, ...]], _DriverSql] = {}
_compiled_lock = threading.Lock()


def _driver_sql(statement: Write, dialect: Dialect, keys: tuple[str, ...]) -> _DriverSql:
    # Statements are module-level constants, so their id() is stable; the statement is kept in the
    # value's closure neither way, hence the key also holds the names.
    key = (id(statement), dialect.name, keys)
    found = _compiled.get(key)
    if found is not None:
        return found
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))
    defaults: dict[str, Callable[[object], object]] = {}
    for column, default in [*((c, c.default) for c in compiled.insert_prefetch),
                            *((c, c.onupdate) for c in compiled.update_prefetch)]:
        if default is None or not (default.is_callable or default.is_scalar):  # type: ignore[attr-defined]
            raise ValueError(f"列 {column.key} 的默认值不能随提交计算：{compiled.string}")
        # SQLAlchemy wraps a callable default to take the execution context; ours ignore it.
        defaults[column.key] = default.arg if default.is_callable else (lambda _ctx, value=default.arg: value)  # type: ignore[attr-defined]
    if compiled.effective_returning:
        raise ValueError(f"随提交发送的语句不能有 RETURNING：{compiled.string}")
    positional = compiled.positiontup
    made = _DriverSql(compiled.string, tuple(positional) if positional else None, dict(compiled._bind_processors), defaults)
    with _compiled_lock:
        _compiled[key] = made
    return made


def _send(conn: Connection, cursor: object, pending: list[tuple[Write, Params | Sequence[Params]]]) -> None:
    """Execute ``pending`` on the driver's ``cursor``, in order, inside the open transaction."""
    dbapi_error = conn.dialect.loaded_dbapi.Error
    for statement, params in pending:
        rows = [params] if isinstance(params, Mapping) else list(params)
        if not rows:
            continue
        compiled = _driver_sql(statement, conn.dialect, tuple(rows[0]))
        try:
            if len(rows) == 1:
                cursor.execute(compiled.sql, compiled.row(rows[0]))  # type: ignore[attr-defined]
            else:
                cursor.executemany(compiled.sql, [compiled.row(row) for row in rows])  # type: ignore[attr-defined]
        except dbapi_error as exc:
            raise DBAPIError.instance(compiled.sql, rows, exc, dbapi_error) from exc


class SqlUnitOfWork:
    """A unit of work over a SQLAlchemy session; use as a context manager, once."""

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

    def __enter__(self) -> SqlUnitOfWork:
        session = self._factory()
        if self._immediate and session.get_bind().dialect.name == "sqlite":
            try:
                session.connection(execution_options={IMMEDIATE: True})
            except BaseException:
                session.close()
                raise
        self._session = session
        self.regions = RegionRepository(session)
        self.institutions = InstitutionRepository(session)
        self.persons = PersonRepository(session, self._protector)
        self.coverage = CoverageRepository(session)
        self.visits = VisitRepository(session)
        self.settlements = SettlementRepository(session)
        self.accumulators = AccumulatorRepository(session, self.write_at_commit)
        self.setl_lists = SettlementListRepository(session)
        self.users = UserRepository(session)
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
        driver = conn.connection.driver_connection
        cursor = driver.cursor()  # type: ignore[union-attr]
        try:
            if conn.dialect.name != "postgresql":
                _send(conn, cursor, pending)
                session.commit()
                return
            # psycopg queues the statements and the COMMIT and reads every answer in one round trip;
            # an error among them is raised by the commit, which SQLAlchemy wraps like any other.
            with driver.pipeline():  # type: ignore[union-attr]
                _send(conn, cursor, pending)
                session.commit()
        finally:
            cursor.close()

    def rollback(self) -> None:
        self.session.rollback()


__all__ = ["Params", "SqlUnitOfWork", "Write"]
