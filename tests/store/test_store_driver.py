"""Statements run on the driver's cursor store and read exactly what SQLAlchemy would, on both backends."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import store_samples as s
from sqlalchemy import bindparam, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from yibao.errors import InputError
from yibao.store import db, driver
from yibao.store.models import AnnualAccumulator, AuditLog, CatalogItem, MessageLog, PoolingRegion
from yibao.store.protect import CertnoProtector
from yibao.store.uow import SqlUnitOfWork

_MESSAGE = insert(MessageLog.__table__).inline()
_ITEM = insert(CatalogItem.__table__).inline()
_ACC = AnnualAccumulator.__table__
_ACC_READ = select(_ACC.c.counters, _ACC.c.version, _ACC.c.updated_at).where(_ACC.c.psn_no == bindparam("psn_no"))  # type: ignore[attr-defined]


def _message(msgid: str) -> dict[str, object]:
    at = dt.datetime(2024, 3, 1, 10, 0, 0)
    return {"msgid": msgid, "body_hash": "h", "infno": "2207", "fixmedins_code": "H1", "infcode": 0,
            "response": "{\"金额\": \"12.50\"}", "recv_time": at, "respond_time": at}


def test_writes_at_commit_read_back_as_through_sqlalchemy(
    db_factory: sessionmaker[Session], certno_protector: CertnoProtector
) -> None:
    with SqlUnitOfWork(db_factory, protector=certno_protector) as uow:
        s.seed_reference(uow)
        uow.commit()
    with SqlUnitOfWork(db_factory) as uow:
        uow.accumulators.lock(s.PSN_NO, 2024, "390")
        uow.commit()
    with SqlUnitOfWork(db_factory) as uow:
        counters, version = uow.accumulators.lock_counters(s.PSN_NO, 2024, "390")
        assert (counters, version) == ({}, 1)
        uow.accumulators.write_counters(s.PSN_NO, 2024, "390", {"hifp_pay": "5500.11", "admissions": 2}, version)
        uow.write_at_commit(_MESSAGE, _message("M1"))
        uow.write_at_commit(_ITEM, [_item("A1", Decimal("1.50")), _item("A2", None)])  # several rows: executemany
        uow.commit()
    with db_factory() as session:
        row = session.get(AnnualAccumulator, (s.PSN_NO, 2024, "390"))
        assert row is not None and row.counters == {"hifp_pay": "5500.11", "admissions": 2} and row.version == 2
        assert row.amounts()["hifp_pay"] == Decimal("5500.11")
        message = session.get(MessageLog, "M1")
        assert message is not None and message.response == _message("M1")["response"]
        items = session.scalars(select(CatalogItem).order_by(CatalogItem.med_list_codg)).all()
        assert [(i.med_list_codg, i.pric_uplmt_amt) for i in items] == [("A1", Decimal("1.50")), ("A2", None)]
        # Reads through the driver give what SQLAlchemy gives (JSON decoded, datetimes typed).
        conn = session.connection()
        assert driver.fetch(conn, _ACC_READ, {"psn_no": s.PSN_NO}) == [tuple(conn.execute(_ACC_READ, {"psn_no": s.PSN_NO}).one())]


def _item(code: str, limit: Decimal | None) -> dict[str, object]:
    return {"med_list_codg": code, "name": "药", "list_type": "101", "chrgitm_lv": "01", "med_chrgitm_type": "09",
            "selfpay_prop": Decimal("0.100000"), "pric_uplmt_amt": limit, "admdvs": "000000", "begndate": dt.date(2024, 1, 1)}


def test_amounts_keep_their_decimals_and_refuse_more_through_the_driver(db_factory: sessionmaker[Session]) -> None:
    table = CatalogItem.__table__
    row = _item("X1", Decimal("12.34"))
    with SqlUnitOfWork(db_factory) as uow:
        uow.write_at_commit(_ITEM, row)
        uow.commit()
    read = select(table.c.pric_uplmt_amt, table.c.selfpay_prop, table.c.begndate).where(table.c.med_list_codg == bindparam("code"))  # type: ignore[attr-defined]
    with db_factory() as session:
        assert driver.fetch(session.connection(), read, {"code": "X1"}) == [(Decimal("12.340000"), Decimal("0.100000"), dt.date(2024, 1, 1))]
        stored = session.scalars(select(CatalogItem)).one()
        assert isinstance(stored.updated_at, dt.datetime)  # the column's Python default (now) was applied
    with pytest.raises(InputError), SqlUnitOfWork(db_factory) as uow:
        uow.write_at_commit(_ITEM, {**row, "med_list_codg": "X2", "pric_uplmt_amt": Decimal("1.0000005")})
        uow.commit()


def test_a_clash_among_the_writes_at_commit_rolls_back_everything(db_factory: sessionmaker[Session]) -> None:
    with SqlUnitOfWork(db_factory) as uow:
        uow.write_at_commit(_MESSAGE, _message("M2"))
        uow.commit()
    with pytest.raises(IntegrityError), SqlUnitOfWork(db_factory) as uow:
        uow.regions.add(s.region())  # an ORM write before the pending ones
        uow.write_at_commit(_ITEM, _item("B1", None))
        uow.write_at_commit(_MESSAGE, _message("M2"))
        uow.commit()
    with db_factory() as session:
        assert session.scalars(select(PoolingRegion)).all() == []
        assert session.scalars(select(CatalogItem)).all() == []


def test_a_moved_accumulator_version_fails_the_commit(
    db_factory: sessionmaker[Session], certno_protector: CertnoProtector
) -> None:
    with SqlUnitOfWork(db_factory, protector=certno_protector) as uow:
        s.seed_reference(uow)
        uow.accumulators.lock(s.PSN_NO, 2024, "390")
        uow.commit()
    with pytest.raises(IntegrityError), SqlUnitOfWork(db_factory) as uow:
        _, version = uow.accumulators.lock_counters(s.PSN_NO, 2024, "390")
        uow.accumulators.write_counters(s.PSN_NO, 2024, "390", {"hifp_pay": "1.00"}, version + 1)  # not the row's
        uow.commit()
    with db_factory() as session:
        row = session.get(AnnualAccumulator, (s.PSN_NO, 2024, "390"))
        assert row is not None and (row.counters, row.version) == ({}, 1)


def test_a_write_that_would_need_its_result_is_refused() -> None:
    from sqlalchemy.dialects import postgresql

    with pytest.raises(ValueError, match="RETURNING"):
        driver._compile(insert(AuditLog.__table__), postgresql.psycopg.dialect(), ("msgid",))  # implicit RETURNING id


def test_a_connection_goes_back_to_the_pool_out_of_pipeline_mode(db_backend: str, db_factory: sessionmaker[Session]) -> None:
    """Another thread may take the connection as soon as it is checked in: the pipeline must be over."""
    if db_backend != "postgresql":
        pytest.skip("pipelines are PostgreSQL's")
    from psycopg import pq
    from sqlalchemy import event

    engine = db_factory.kw["bind"]
    states: list[object] = []

    def on_checkin(dbapi_connection: object, _record: object) -> None:
        states.append(dbapi_connection.pgconn.pipeline_status)  # type: ignore[attr-defined]

    event.listen(engine, "checkin", on_checkin)
    try:
        with SqlUnitOfWork(db_factory) as uow:
            uow.write_at_commit(_MESSAGE, _message("M3"))
            uow.commit()
    finally:
        event.remove(engine, "checkin", on_checkin)
    assert states and all(state == pq.PipelineStatus.OFF for state in states)


def test_writes_at_commit_go_to_postgresql_as_one_statement_unless_their_order_matters() -> None:
    from sqlalchemy import update
    from sqlalchemy.dialects import postgresql

    dialect = postgresql.psycopg.dialect()
    rows = [_item("A1", Decimal("1.50")), _item("A2", None)]
    sql, params = driver._as_one(dialect, [(_MESSAGE, _message("M9")), (_ITEM, rows)])  # type: ignore[misc]
    assert sql.startswith("WITH w0 AS (INSERT INTO message_log") and sql.endswith(" SELECT 1")
    assert sql.count("VALUES") == 2 and "), ($" in sql  # the two catalog rows in one VALUES list
    assert "M9" in params and params.count("A2") == 1 and f"${len(params)}" in sql and f"${len(params) + 1}" not in sql
    assert driver._as_one(dialect, [(_MESSAGE, _message("M9"))]) is None  # a single write goes as it is
    bump = update(_ACC).where(_ACC.c.psn_no == bindparam("k")).values(version=bindparam("v"))  # type: ignore[attr-defined]
    twice = [(bump, {"k": "P1", "v": 2}), (_MESSAGE, _message("M8")), (bump, {"k": "P1", "v": 3})]
    assert driver._as_one(dialect, twice) is None  # one statement would not keep their order


def test_statements_prepared_for_the_settle_path_outlive_a_rollback(db_backend: str, db_factory: sessionmaker[Session]) -> None:
    """The driver prepares its statements once per connection. psycopg, once it has prepared
    statements of its own (any run five times), deallocates ALL of them at a rollback."""
    if db_backend != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    engine = db_factory.kw["bind"]
    regions = select(PoolingRegion.admdvs)
    with engine.connect() as conn:
        assert driver.fetch(conn, _ACC_READ, {"psn_no": "nobody"}) == []
        for _ in range(6):
            conn.execute(regions).all()
        conn.rollback()
        assert driver.fetch(conn, _ACC_READ, {"psn_no": "nobody"}) == []
        conn.rollback()


def test_a_failed_write_is_reported_as_itself_not_as_the_commit_sent_with_it(db_factory: sessionmaker[Session]) -> None:
    with SqlUnitOfWork(db_factory) as uow:
        uow.write_at_commit(_MESSAGE, _message("M9"))
        uow.write_at_commit(_MESSAGE, _message("M9"))  # the same key twice, in one statement on PostgreSQL
        with pytest.raises(IntegrityError) as raised:
            uow.commit()
    assert "COMMIT" not in str(raised.value.statement)
    with db_factory() as session:
        assert session.get(MessageLog, "M9") is None


def test_past_the_prepared_limit_statements_run_unnamed(
    db_backend: str, db_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connection keeps at most ``_PREPARED_MAX`` statements on the server; the rest still run."""
    if db_backend != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    monkeypatch.setattr(driver, "_PREPARED_MAX", 0)
    engine = db.make_engine(db_factory.kw["bind"].url.render_as_string(hide_password=False))
    factory = db.session_factory(engine)
    try:
        with SqlUnitOfWork(factory) as uow:
            assert driver.fetch(uow.session.connection(), _ACC_READ, {"psn_no": "nobody"}) == []
            uow.write_at_commit(_MESSAGE, _message("M7"))
            uow.write_at_commit(_MESSAGE, _message("M8"))
            uow.commit()
        with factory() as session:  # the same connection: this engine has opened only one
            assert {m.msgid for m in session.scalars(select(MessageLog))} == {"M7", "M8"}
            assert not session.execute(text("SELECT name FROM pg_prepared_statements WHERE name LIKE 'yb%'")).all()
    finally:
        engine.dispose()
