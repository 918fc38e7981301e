"""Core statements compiled once and run on the driver's own cursor (the settle hot path).

SQLAlchemy's work per execution — the statement's cache key, parameter and result set-up — cost
several times the driver's own on the settlement path (on PostgreSQL ~0.2 ms a statement against
~0.05 ms). The statements stay SQLAlchemy Core, written once for both backends; this module
compiles each one per dialect and parameter names, once, and applies the column types' own bind
and result processors (``ExactDecimal`` scales money to fen on SQLite, JSON, dates), so values go
in and come out exactly as through SQLAlchemy.

- :func:`fetch` — a SELECT's rows, on the connection's open transaction (on PostgreSQL as a
  statement prepared once per connection, with ``$n`` placeholders numbered once at compile time).
- :func:`send` — INSERT / UPDATE / DELETE whose results nobody reads; on PostgreSQL the unit of
  work sends them as one statement, then the ``COMMIT`` (:func:`send_and_commit`,
  :meth:`~yibao.store.uow.SqlUnitOfWork.write_at_commit`).

Errors are SQLAlchemy's (``IntegrityError`` …), as if the statement had gone through it.
"""

from __future__ import annotations

import re
import select
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg import pq
from psycopg.adapt import PyFormat, Transformer
from sqlalchemy import Connection, Delete, Dialect, Executable, Insert, Update
from sqlalchemy.exc import DBAPIError

Write = Insert | Update | Delete
Params = Mapping[str, object]
Processor = Callable[[Any], Any]


@dataclass(slots=True)
class _Compiled:
    """A statement compiled for one dialect and one set of parameter names."""

    sql: str
    order: tuple[str, ...] | None
    """Parameter names in placeholder order for a positional driver (SQLite), else ``None``."""
    fixed: Mapping[str, object]
    """Values the statement binds itself (``setl_stas = '1'`` written in Core)."""
    processors: Mapping[str, Processor]
    defaults: Mapping[str, Processor]
    """Python-side column defaults (``default=now``) of columns the parameters leave out."""
    result_types: tuple[Any, ...] = ()
    results: tuple[Processor | None, ...] | None = field(default=None)
    """Result processors per column, made from the first answer's column types (PostgreSQL's
    numeric processor depends on the column's type code)."""
    raw: tuple[str, tuple[str, ...]] | None = None
    """PostgreSQL: the statement with ``$n`` placeholders and the parameter names of ``$1, $2 …``,
    as libpq prepares it (:func:`fetch`, :func:`_pg_execute`): no ``%(name)s`` mapped on every call."""

    def row(self, params: Params) -> Mapping[str, object] | tuple[object, ...]:
        values = {**self.fixed, **params}
        for key, default in self.defaults.items():
            values[key] = default(None)
        for key, process in self.processors.items():
            values[key] = process(values[key])
        return values if self.order is None else tuple(values[key] for key in self.order)


_compiled: dict[tuple[int, str, tuple[str, ...]], tuple[object, _Compiled]] = {}
_lock = threading.Lock()


def _compile(statement: Executable, dialect: Dialect, keys: tuple[str, ...]) -> _Compiled:
    key = (id(statement), dialect.name, keys)
    found = _compiled.get(key)
    if found is not None and found[0] is statement:  # the statement is kept, so its id stays its own
        return found[1]
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))  # type: ignore[attr-defined]
    defaults: dict[str, Processor] = {}
    for column, default in [*((c, c.default) for c in compiled.insert_prefetch),
                            *((c, c.onupdate) for c in compiled.update_prefetch)]:
        if default is None or not (default.is_callable or default.is_scalar):  # type: ignore[attr-defined]
            raise ValueError(f"列 {column.key} 的默认值不能在驱动层计算：{compiled.string}")
        # SQLAlchemy wraps a callable default to take the execution context; ours ignore it.
        defaults[column.key] = default.arg if default.is_callable else (lambda _ctx, value=default.arg: value)  # type: ignore[attr-defined]
    if isinstance(statement, (Insert, Update, Delete)) and compiled.effective_returning:
        raise ValueError(f"随提交发送的语句不能有 RETURNING：{compiled.string}")
    fixed = {name: bind.value for name, bind in compiled.binds.items()
             if name not in keys and name not in defaults and bind.value is not None}
    positional = compiled.positiontup
    made = _Compiled(
        compiled.string, tuple(positional) if positional else None, fixed, dict(compiled._bind_processors), defaults,
        tuple(column[3] for column in compiled._result_columns),
        raw=_numbered(compiled.string) if dialect.name == "postgresql" and not positional else None,
    )
    with _lock:
        _compiled[key] = (statement, made)
    return made


def _numbered(sql: str) -> tuple[str, tuple[str, ...]]:
    """``sql``'s ``%(name)s`` as ``$n`` (one number per name) and the names in number order."""
    names: dict[str, int] = {}

    def slot(match: re.Match[str]) -> str:
        return f"${names.setdefault(match.group(1), len(names) + 1)}"

    return _PLACEHOLDER.sub(slot, sql).replace("%%", "%"), tuple(names)


def _wrapped(exc: Exception, compiled: _Compiled, params: object, dbapi_error: type[Exception]) -> DBAPIError:
    return DBAPIError.instance(compiled.sql, params, exc, dbapi_error)  # type: ignore[arg-type]


def fetch(conn: Connection, statement: Executable, params: Params) -> list[tuple[Any, ...]]:
    """The rows of ``statement`` — a SELECT, or a write with ``RETURNING`` — (values as SQLAlchemy
    would give them), in ``conn``'s transaction."""
    compiled = _compile(statement, conn.dialect, tuple(params))
    dbapi = conn.connection.driver_connection
    dbapi_error = conn.dialect.loaded_dbapi.Error
    if compiled.raw is not None:
        sql, names = compiled.raw
        row = compiled.row(params)
        values = [row[name] for name in names]  # type: ignore[call-overload]
        answer = _pg_execute(dbapi, sql, values)  # type: ignore[arg-type]
        result = answer.pgresult
        assert result is not None
        rows, types = answer.load_rows(0, result.ntuples, tuple), [result.ftype(i) for i in range(result.nfields)]
    else:
        cursor = dbapi.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(compiled.sql, compiled.row(params))
            rows, types = cursor.fetchall(), [column[1] for column in cursor.description]
        except dbapi_error as exc:
            raise _wrapped(exc, compiled, params, dbapi_error) from exc
        finally:
            cursor.close()
    if compiled.results is None:
        kinds = compiled.result_types  # empty for text(): its columns are untyped
        compiled.results = tuple(
            kinds[i]._cached_result_processor(conn.dialect, kind) if i < len(kinds) else None for i, kind in enumerate(types)
        )
    processors = compiled.results
    if not any(processors):
        return rows
    return [tuple(v if p is None or v is None else p(v) for p, v in zip(processors, row)) for row in rows]


# PostgreSQL below the cursor: each statement prepared once per connection under our own name and
# run by libpq, parameters in text form for the server to read as the column's type (psycopg's
# cursor took ~60 µs of Python a statement, this ~35 µs). The BEGIN goes out with the transaction's
# first statement and the COMMIT with its writes, in one pipeline each: a settlement is three round
# trips, not five — fewer sleeps and wake-ups of both processes. While waiting, the GIL is released.
_prepared: weakref.WeakKeyDictionary[psycopg.Connection[Any], dict[tuple[str, Sequence[int]], bytes]] = weakref.WeakKeyDictionary()
_OK = (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK)
_IDLE = pq.TransactionStatus.IDLE
_SYNC = pq.ExecStatus.PIPELINE_SYNC
_PREPARED_MAX = 100
"""Statements prepared per connection at most (psycopg's own default): the settle path has a few
shapes (one per number of fund lines); a write of many rows has one per row count."""


def _pg_check(dbapi: psycopg.Connection[Any], result: pq.abc.PGresult, sql: str, params: object) -> pq.abc.PGresult:
    if result.status in _OK:
        return result
    exc = pg_errors.error_from_result(result, encoding=dbapi.info.encoding)
    raise DBAPIError.instance(sql, params, exc, psycopg.Error)  # type: ignore[arg-type]


def _pg_execute(dbapi: psycopg.Connection[Any], sql: str, values: Sequence[object], *, commit: bool = False) -> Transformer:
    """``sql`` (``$n`` placeholders) with ``values`` in the connection's transaction — begun with it
    if none is open (psycopg's own BEGIN, with its isolation settings), committed with it when
    ``commit`` — and its result, ready to load rows from. Errors are SQLAlchemy's; after one the
    transaction is left to be rolled back."""
    pgconn = dbapi.pgconn
    transformer = Transformer(dbapi)
    dumped = transformer.dump_sequence(values, [PyFormat.TEXT] * len(values))
    types = transformer.types  # as psycopg would declare them: a CASE's result has no column to infer from
    names = _prepared.get(dbapi)
    if names is None:
        # psycopg deallocates ALL prepared statements after a rollback once it has prepared any of
        # its own: our engines ask it to prepare none (db.PG_CONNECT_ARGS); so does any connection here.
        dbapi.prepare_threshold = None
        with _lock:
            names = _prepared.setdefault(dbapi, {})
    name = names.get((sql, types))
    if name is None and len(names) < _PREPARED_MAX:
        name = f"yb{len(names)}".encode()
        _pg_check(dbapi, pgconn.prepare(name, sql.encode(), types), sql, values)
        names[(sql, types)] = name
    # Past the limit a statement runs unnamed: parsed each time, nothing kept on the server.
    statement = (name, dumped, None) if name is not None else (sql.encode(), dumped, types)
    begin = pgconn.transaction_status == _IDLE and not dbapi.autocommit
    try:
        if not (begin or commit):
            if name is not None:
                result = pgconn.exec_prepared(name, dumped)  # type: ignore[arg-type]
            else:
                result = pgconn.exec_params(*statement)  # type: ignore[arg-type]
        else:
            results = _pg_pipeline(pgconn, dbapi._get_tx_start_command() if begin else None, statement, commit)
            if begin:
                _pg_check(dbapi, results[0], "BEGIN", None)
            result = results[1 if begin else 0]
            if commit and result.status in _OK:
                _pg_check(dbapi, results[-1], "COMMIT", None)
    except psycopg.Error as exc:  # the connection failed (not a statement: those come back as results)
        raise DBAPIError.instance(sql, values, exc, psycopg.Error) from exc  # type: ignore[arg-type]
    transformer.set_pgresult(_pg_check(dbapi, result, sql, values))
    return transformer


def _pg_pipeline(
    pgconn: pq.abc.PGconn, begin: bytes | None, statement: tuple[bytes, Sequence[bytes | None], Sequence[int] | None],
    commit: bool,
) -> list[pq.abc.PGresult]:
    """[BEGIN,] the statement[, COMMIT] in one round trip; their results in order (after a failure,
    the ones skipped are PIPELINE_ABORTED). ``statement``: (prepared name, parameters, ``None``) or
    (SQL, parameters, their types). The connection is non-blocking (psycopg's)."""
    pgconn.enter_pipeline_mode()
    try:
        if begin is not None:
            pgconn.send_query_params(begin, None)
        name_or_sql, dumped, types = statement
        if types is None:
            pgconn.send_query_prepared(name_or_sql, dumped)  # type: ignore[arg-type]
        else:
            pgconn.send_query_params(name_or_sql, dumped, types)  # type: ignore[arg-type]
        if commit:
            pgconn.send_query_params(b"COMMIT", None)
        pgconn.pipeline_sync()
        while pgconn.flush():
            select.select([], [pgconn.socket], [])
        results: list[pq.abc.PGresult] = []
        while True:
            while pgconn.is_busy():  # get_result would block holding the GIL: wait in select instead
                select.select([pgconn.socket], [], [])
                pgconn.consume_input()
            result = pgconn.get_result()
            if result is None:  # the end of one statement's results
                continue
            if result.status == _SYNC:
                return results
            results.append(result)
    finally:
        pgconn.exit_pipeline_mode()


def send(conn: Connection, cursor: Any, pending: Sequence[tuple[Write, Params | Sequence[Params]]]) -> None:
    """Execute ``pending`` on the driver's ``cursor``, in order, inside ``conn``'s open transaction."""
    dbapi_error = conn.dialect.loaded_dbapi.Error
    for statement, params in pending:
        rows = [params] if isinstance(params, Mapping) else list(params)
        if not rows:
            continue
        compiled = _compile(statement, conn.dialect, tuple(rows[0]))
        try:
            if len(rows) == 1:
                cursor.execute(compiled.sql, compiled.row(rows[0]))
            else:
                cursor.executemany(compiled.sql, [compiled.row(row) for row in rows])
        except dbapi_error as exc:
            raise _wrapped(exc, compiled, rows, dbapi_error) from exc


def send_and_commit(conn: Connection, pending: Sequence[tuple[Write, Params | Sequence[Params]]]) -> None:
    """PostgreSQL: ``pending`` as ONE statement (:func:`_as_one`) with the ``COMMIT``, in one round
    trip; an error among them is raised (as SQLAlchemy's) and leaves the transaction to be rolled
    back. (psycopg's own pipeline mode cost more client CPU than the round trip it saved; libpq's,
    driven here, costs less.)"""
    dbapi = conn.connection.driver_connection
    one = _as_one(conn.dialect, pending)
    if one is not None:
        _pg_execute(dbapi, *one, commit=True)  # type: ignore[arg-type]
        return
    with dbapi.cursor() as cursor:  # type: ignore[union-attr]
        send(conn, cursor, pending)
    try:
        dbapi.commit()  # type: ignore[union-attr]
    except psycopg.Error as exc:
        raise DBAPIError.instance("COMMIT", None, exc, psycopg.Error) from exc  # type: ignore[arg-type]


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_Slot = tuple[int, int, str]
"""(write, row, parameter name) of a ``$n`` in a combined statement."""
_combined: dict[tuple[tuple[int, tuple[str, ...], int], ...], tuple[str, tuple[_Slot, ...]] | None] = {}


def _as_one(dialect: Dialect, pending: Sequence[tuple[Write, Params | Sequence[Params]]]) -> tuple[str, list[object]] | None:
    """The writes as one statement — each a data-modifying ``WITH`` entry, several rows of an INSERT
    one multi-row ``VALUES`` — with ``$n`` placeholders and their values; ``None`` when they cannot
    be (one write only, or two UPDATE / DELETE of one table, whose order one statement would not keep).

    PostgreSQL runs every entry exactly once, with the statement; constraints (a unique key, the
    accumulator's version check) fail the whole statement as they failed its parts. Per statement
    the driver and the server each pay parsing, binding and a protocol exchange: a settlement's seven
    writes cost about six of those more."""
    shapes: list[tuple[Write, list[Params]]] = []
    for statement, params in pending:
        rows = [params] if isinstance(params, Mapping) else list(params)
        if rows:
            shapes.append((statement, rows))
    if sum(len(rows) for _, rows in shapes) < 2:
        return None
    compiled = [_compile(statement, dialect, tuple(rows[0])) for statement, rows in shapes]
    key = tuple((id(statement), tuple(rows[0]), len(rows)) for statement, rows in shapes)
    found = _combined.get(key, False)
    if found is False:
        found = _combined_sql(shapes, compiled)
        with _lock:
            _combined[key] = found
    if found is None:
        return None
    sql, slots = found
    values = [[made.row(row) for row in rows] for (_, rows), made in zip(shapes, compiled)]
    return sql, [values[i][r][name] for i, r, name in slots]  # type: ignore[call-overload]


def _combined_sql(shapes: Sequence[tuple[Write, list[Params]]], compiled: Sequence[_Compiled]) -> tuple[str, tuple[_Slot, ...]] | None:
    changed = [statement.table for statement, _ in shapes if not isinstance(statement, Insert)]  # type: ignore[attr-defined]
    if len(changed) != len(set(changed)):
        return None
    slots: list[_Slot] = []

    def numbered(sql: str, i: int, r: int) -> str:
        def slot(match: re.Match[str]) -> str:
            slots.append((i, r, match.group(1)))
            return f"${len(slots)}"

        return _PLACEHOLDER.sub(slot, sql).replace("%%", "%")

    entries: list[str] = []
    for i, ((statement, rows), made) in enumerate(zip(shapes, compiled)):
        if len(rows) == 1:
            entries.append(numbered(made.sql, i, 0))
            continue
        head, found, values = made.sql.partition(" VALUES ")
        if not (isinstance(statement, Insert) and found and values.startswith("(") and values.endswith(")")):
            return None
        tuples = ", ".join(numbered(values, i, r) for r in range(len(rows)))
        entries.append(f"{numbered(head, i, 0)} VALUES {tuples}")
    return "WITH " + ", ".join(f"w{i} AS ({sql})" for i, sql in enumerate(entries)) + " SELECT 1", tuple(slots)


__all__ = ["Params", "Write", "fetch", "send", "send_and_commit"]
