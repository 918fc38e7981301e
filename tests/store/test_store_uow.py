"""The unit of work is all or nothing, and the annual accumulator is read and rewritten under a lock."""

from __future__ import annotations

from decimal import Decimal

import pytest
import store_samples as s
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from yibao.store import db
from yibao.store.models import AnnualAccumulator, PoolingRegion
from yibao.store.protect import CertnoProtector
from yibao.store.uow import SqlUnitOfWork

KEY = (s.PSN_NO, 2024, "390")


def _regions(db_factory: sessionmaker[Session]) -> list[str]:
    with db_factory() as session:
        return list(session.scalars(select(PoolingRegion.admdvs)))


def test_work_not_committed_is_rolled_back(db_factory: sessionmaker[Session]) -> None:
    with SqlUnitOfWork(db_factory) as uow:
        uow.regions.add(s.region())
        uow.flush()
    assert _regions(db_factory) == []


def test_work_interrupted_by_an_error_is_rolled_back(db_factory: sessionmaker[Session]) -> None:
    with pytest.raises(RuntimeError, match="boom"), SqlUnitOfWork(db_factory) as uow:
        uow.regions.add(s.region())
        uow.flush()
        raise RuntimeError("boom")
    assert _regions(db_factory) == []


def test_committed_work_is_kept(db_factory: sessionmaker[Session]) -> None:
    with SqlUnitOfWork(db_factory) as uow:
        uow.regions.add(s.region())
        uow.commit()
    assert _regions(db_factory) == [s.ADMDVS]


def test_a_unit_of_work_is_unusable_outside_its_block(db_factory: sessionmaker[Session]) -> None:
    uow = SqlUnitOfWork(db_factory)
    with pytest.raises(RuntimeError):
        uow.commit()


def _seed_person(db_factory: sessionmaker[Session], certno_protector: CertnoProtector) -> None:
    with SqlUnitOfWork(db_factory, protector=certno_protector) as uow:
        s.seed_reference(uow)
        uow.commit()


def test_locking_a_missing_accumulator_creates_an_empty_one(
    db_factory: sessionmaker[Session], certno_protector: CertnoProtector
) -> None:
    _seed_person(db_factory, certno_protector)
    with SqlUnitOfWork(db_factory) as uow:
        accumulator = uow.accumulators.lock(*KEY)
        assert (accumulator.amounts(), accumulator.version) == ({}, 1)
        assert uow.accumulators.lock(*KEY) is accumulator  # locking twice in one transaction is harmless
        uow.commit()
    with SqlUnitOfWork(db_factory, immediate=False) as uow:
        assert uow.accumulators.get(*KEY) is not None


def test_rewriting_an_accumulator_keeps_decimals_and_bumps_its_version(
    db_factory: sessionmaker[Session], certno_protector: CertnoProtector
) -> None:
    _seed_person(db_factory, certno_protector)
    with SqlUnitOfWork(db_factory) as uow:
        accumulator = uow.accumulators.lock(*KEY)
        accumulator.set_amounts({"hifp_pay": Decimal("5500.11"), "act_pay_dedc": Decimal("800.00"), "admissions": 2})
        uow.commit()
    with SqlUnitOfWork(db_factory) as uow:
        accumulator = uow.accumulators.lock(*KEY)
        assert accumulator.version == 2
        assert accumulator.amounts() == {
            "act_pay_dedc": Decimal("800.00"),
            "admissions": 2,
            "hifp_pay": Decimal("5500.11"),
        }
        assert accumulator.counters == {"act_pay_dedc": "800.00", "admissions": 2, "hifp_pay": "5500.11"}
        with pytest.raises(TypeError):
            accumulator.set_amounts({"hifp_pay": 1.5})  # type: ignore[dict-item]


def test_a_stale_accumulator_cannot_overwrite_a_newer_one(
    db_factory: sessionmaker[Session], certno_protector: CertnoProtector
) -> None:
    _seed_person(db_factory, certno_protector)
    with SqlUnitOfWork(db_factory) as uow:
        uow.accumulators.lock(*KEY)
        uow.commit()
    # Two readers that skipped the lock: the second write must lose, not silently win.
    with db_factory() as first, db_factory() as second:
        mine, theirs = first.get(AnnualAccumulator, KEY), second.get(AnnualAccumulator, KEY)
        assert mine is not None and theirs is not None
        first.commit()  # end the read transactions; loaded state stays (expire_on_commit=False)
        second.commit()
        mine.set_amounts({"hifp_pay": Decimal("1.00")})
        first.commit()
        theirs.set_amounts({"hifp_pay": Decimal("2.00")})
        with pytest.raises(StaleDataError):
            second.commit()


def _impatient(url: str) -> sessionmaker[Session]:
    return db.session_factory(db.make_engine(url, busy_timeout_ms=100))


def test_a_second_settlement_of_the_same_person_waits_for_the_first(
    db_backend: str, migrated_url: str, db_factory: sessionmaker[Session], certno_protector: CertnoProtector
) -> None:
    _seed_person(db_factory, certno_protector)
    with SqlUnitOfWork(db_factory) as uow:
        uow.accumulators.lock(*KEY)
        uow.commit()
    impatient = _impatient(migrated_url)
    try:
        with SqlUnitOfWork(db_factory) as first:
            accumulator = first.accumulators.lock(*KEY)
            accumulator.set_amounts({"hifp_pay": Decimal("100.00")})
            first.flush()
            # While the first holds the lock, the second cannot get it (it would wait; here it gives up).
            with pytest.raises(OperationalError), SqlUnitOfWork(impatient) as second:
                if db_backend == "postgresql":
                    second.session.execute(text("SET LOCAL lock_timeout = '100ms'"))
                second.accumulators.lock(*KEY)
            first.commit()
        with SqlUnitOfWork(impatient) as second:
            seen = second.accumulators.lock(*KEY)
            assert seen.version == 2 and seen.amounts() == {"hifp_pay": Decimal("100.00")}
    finally:
        engine = impatient.kw["bind"]
        engine.dispose()


def _sqlite_path(url: str) -> str:
    from sqlalchemy.engine import make_url

    return str(make_url(url).database)


@pytest.mark.parametrize("immediate", [True, False], ids=["write-unit", "read-unit"])
def test_on_sqlite_a_write_unit_takes_the_write_lock_before_its_first_write(
    db_backend: str, migrated_url: str, db_factory: sessionmaker[Session], immediate: bool
) -> None:
    if db_backend != "sqlite":
        pytest.skip("BEGIN IMMEDIATE is SQLite's stand-in for FOR UPDATE")
    import sqlite3

    other = sqlite3.connect(_sqlite_path(migrated_url), timeout=0.05, isolation_level=None)
    try:
        with SqlUnitOfWork(db_factory, immediate=immediate) as uow:
            uow.regions.get(s.ADMDVS)  # a read only
            if immediate:
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
            else:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
    finally:
        other.close()


def test_a_finished_unit_of_work_leaves_no_reference_cycle(db_factory: sessionmaker[Session]) -> None:
    """Garbage that reference counting cannot free waits for a full collection, which pauses a
    service worker for as long as its heap takes to walk: a settlement must leave none."""
    import gc

    from yibao.store.uow import _REPOSITORIES

    def one_unit() -> None:
        with SqlUnitOfWork(db_factory) as uow:
            for name in _REPOSITORIES:  # every repository made (the accumulators' holds the unit of work)
                getattr(uow, name)
            uow.regions.get("000000")
            uow.commit()

    one_unit()  # first use fills SQLAlchemy's caches
    gc.collect()
    gc.disable()
    try:
        one_unit()
        assert gc.collect() == 0
    finally:
        gc.enable()
