"""The store-backed settlement service, on SQLite and PostgreSQL, without HTTP."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from yibao.errors import ConflictError, CoverageError, InputError, PermissionDenied
from yibao.settlement.service import Caller, SettleInput, presettle_visit, reverse_settlement, settle_visit
from yibao.settlement.visit_service import FeeLine, VisitInput, register_visit, upload_fees
from yibao.store import db
from yibao.store.models import (
    AnnualAccumulator,
    CatalogItem,
    CoveragePeriod,
    Institution,
    Person,
    PoolingRegion,
    Settlement,
)
from yibao.store.protect import CertnoProtector
from yibao.store.uow import SqlUnitOfWork

PROTECTOR = CertnoProtector("service-tests-secret")
WHEN = dt.datetime(2019, 3, 1, 10)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def factory(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker[Session]]:
    if request.param == "postgresql" and os.environ.get("YIBAO_SKIP_PG") == "1":
        pytest.skip("YIBAO_SKIP_PG=1")
    with db.scratch_database(request.param, tmp_path_factory.mktemp("svc"), prefix="yibao_svc") as url:
        db.upgrade(url)
        engine = db.make_engine(url)
        made = db.session_factory(engine)
        _seed(made)
        yield made
        engine.dispose()


def _seed(factory: sessionmaker[Session]) -> None:
    with SqlUnitOfWork(factory, protector=PROTECTOR) as uow:
        uow.regions.add(PoolingRegion(admdvs="330902", admdvs_name="定海区"))
        uow.session.flush()
        uow.institutions.add(Institution(fixmedins_code="H1", fixmedins_name="甲医院", hosp_lv=3, admdvs="330902"))
        uow.institutions.add(Institution(fixmedins_code="H2", fixmedins_name="乙医院", hosp_lv=2, admdvs="330902"))
        uow.session.add(CatalogItem(med_list_codg="A-DRUG", name="甲类药", list_type="101", chrgitm_lv="01",
                                    med_chrgitm_type="09", selfpay_prop=Decimal("0"), admdvs="000000", begndate=dt.date(2019, 1, 1)))
        for n in range(1, 6):
            person = Person(psn_no=f"S{n}", psn_name="某", gend="1", brdy=dt.date(1980, 1, 1), psn_type="15", insuplc_admdvs="330902")
            uow.persons.add(person, f"33090219800101{n:04d}")
            person.coverage_periods = [CoveragePeriod(insutype="390", begndate=dt.date(2019, 1, 1), enddate=dt.date(2019, 12, 31),
                                                      psn_insu_date=dt.date(2018, 12, 1))]
        uow.commit()


def caller(code: str = "H1") -> Caller:
    return Caller(code, "001", "330902", uuid.uuid4().hex[:20], WHEN)


def visit_with_fees(factory: sessionmaker[Session], psn: str, amount: str) -> str:
    with SqlUnitOfWork(factory, protector=PROTECTOR) as uow:
        visit = register_visit(uow, caller(), VisitInput(psn, "390", "11", WHEN), inpatient=False)
        upload_fees(uow, caller(), [FeeLine("1", visit.mdtrt_id, psn, "A-DRUG", None, Decimal(amount), Decimal(1), Decimal(amount), WHEN)])
        uow.commit()
        return visit.mdtrt_id


def counters(factory: sessionmaker[Session], psn: str) -> dict[str, object]:
    with factory() as session:
        return session.scalar(select(AnnualAccumulator.counters).where(AnnualAccumulator.psn_no == psn)) or {}


def test_settling_writes_the_ledger_and_accumulators_and_reversing_restores_them(factory: sessionmaker[Session]) -> None:
    mdtrt_id = visit_with_fees(factory, "S1", "500.00")
    with SqlUnitOfWork(factory) as uow:
        outcome = settle_visit(uow, caller(), SettleInput("S1", mdtrt_id, "390", "11", Decimal("500.00")))
        uow.commit()
    assert outcome.settlement.hifp_pay == Decimal("150.00")
    assert counters(factory, "S1")["outpatient_fund_paid"] == "150.00"
    with SqlUnitOfWork(factory) as uow:
        reverse_settlement(uow, caller(), str(outcome.setl_id), "S1", mdtrt_id)
        uow.commit()
    assert counters(factory, "S1")["outpatient_fund_paid"] == "0.00"
    with factory() as session:
        assert session.scalar(select(func.sum(Settlement.hifp_pay)).where(Settlement.mdtrt_id == mdtrt_id)) == Decimal("0.00")


def test_presettling_writes_nothing(factory: sessionmaker[Session]) -> None:
    mdtrt_id = visit_with_fees(factory, "S2", "100.00")
    with SqlUnitOfWork(factory) as uow:
        result = presettle_visit(uow, caller(), SettleInput("S2", mdtrt_id, "390", "11", Decimal("100.00")))
        uow.commit()
    assert result.setl_id is None and result.settlement.hifp_pay == Decimal("30.00")
    assert counters(factory, "S2") == {}


def test_a_visit_is_settled_once_and_only_by_its_institution(factory: sessionmaker[Session]) -> None:
    mdtrt_id = visit_with_fees(factory, "S3", "100.00")
    data = SettleInput("S3", mdtrt_id, "390", "11", Decimal("100.00"))
    with SqlUnitOfWork(factory) as uow, pytest.raises(PermissionDenied):
        settle_visit(uow, caller("H2"), data)
    with SqlUnitOfWork(factory) as uow:
        settle_visit(uow, caller(), data)
        uow.commit()
    with SqlUnitOfWork(factory) as uow, pytest.raises(ConflictError):
        settle_visit(uow, caller(), data)


def test_a_total_unlike_the_details_or_an_uncovered_date_is_refused(factory: sessionmaker[Session]) -> None:
    mdtrt_id = visit_with_fees(factory, "S4", "100.00")
    with SqlUnitOfWork(factory) as uow, pytest.raises(InputError, match="medfee_sumamt"):
        settle_visit(uow, caller(), SettleInput("S4", mdtrt_id, "390", "11", Decimal("99.99")))
    late = Caller("H1", "001", "330902", "m", dt.datetime(2020, 2, 1))
    with SqlUnitOfWork(factory) as uow, pytest.raises(CoverageError):
        register_visit(uow, late, VisitInput("S4", "390", "11", late.when), inpatient=False)


def test_a_visit_without_fees_is_refused_naming_the_field(factory: sessionmaker[Session]) -> None:
    with SqlUnitOfWork(factory, protector=PROTECTOR) as uow:
        visit = register_visit(uow, caller(), VisitInput("S4", "390", "11", WHEN), inpatient=False)
        uow.commit()
    with SqlUnitOfWork(factory) as uow, pytest.raises(InputError, match="feedetail"):
        settle_visit(uow, caller(), SettleInput("S4", visit.mdtrt_id, "390", "11", Decimal("1.00")))


def _locked(factory: sessionmaker[Session], sql: str, **params: object) -> bool:
    """Does another transaction hold the row ``sql`` selects ``FOR UPDATE NOWAIT``?"""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    with factory() as other:
        try:
            other.execute(text(sql + " FOR UPDATE NOWAIT"), params).all()
        except OperationalError as exc:
            assert "lock" in str(exc.orig).lower()
            return True
        finally:
            other.rollback()
    return False


def test_on_postgresql_a_settlement_holds_the_visit_and_accumulator_locks_and_a_refused_one_takes_none(
    factory: sessionmaker[Session],
) -> None:
    """The fees statement takes the accumulator lock too (hot_path.fees_and_lock_counters): both rows
    stay locked until the settlement ends; a visit refused at the first read locks no accumulator."""
    if factory.kw["bind"].dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite holds the write lock")
    first, second = visit_with_fees(factory, "S5", "100.00"), visit_with_fees(factory, "S5", "200.00")
    with SqlUnitOfWork(factory) as uow:  # the person's first settlement of the year creates the row
        settle_visit(uow, caller(), SettleInput("S5", first, "390", "11", Decimal("100.00")))
        uow.commit()
    visit_sql = "SELECT 1 FROM mdtrt WHERE mdtrt_id = :m"
    acc_sql = "SELECT 1 FROM annual_accumulator WHERE psn_no = 'S5' AND fund_year = 2019 AND insutype = '390'"
    before = counters(factory, "S5")
    with SqlUnitOfWork(factory) as uow:
        with pytest.raises(PermissionDenied, match="不属于本机构"):
            settle_visit(uow, caller("H2"), SettleInput("S5", second, "390", "11", Decimal("200.00")))
        assert not _locked(factory, acc_sql)
    assert counters(factory, "S5") == before
    with SqlUnitOfWork(factory) as uow:
        settle_visit(uow, caller(), SettleInput("S5", second, "390", "11", Decimal("200.00")))
        assert _locked(factory, visit_sql, m=second) and _locked(factory, acc_sql)
        uow.commit()
    assert not _locked(factory, visit_sql, m=second) and not _locked(factory, acc_sql)
    assert counters(factory, "S5")["outpatient_fund_paid"] == "90.00"  # 30 % of 100 + 30 % of 200
