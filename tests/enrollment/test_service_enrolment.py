"""The enrolment service on a real store: contributions, subsidies and waiting periods from the pack in force."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from yibao.enrollment import service
from yibao.errors import InputError
from yibao.policy import service as policy_service
from yibao.store import db
from yibao.store.models import PoolingRegion
from yibao.store.protect import CertnoProtector
from yibao.store.uow import SqlUnitOfWork

ADMDVS = "440784"
PROTECTOR = CertnoProtector("tests-only-secret-for-enrolment")


@pytest.fixture()
def uow(tmp_path: Path) -> Iterator[type[SqlUnitOfWork]]:
    url = f"sqlite:///{tmp_path / 'enrol.sqlite3'}"
    db.upgrade(url)
    engine = db.make_engine(url)
    factory: sessionmaker[Session] = db.session_factory(engine)
    with SqlUnitOfWork(factory) as work:
        work.regions.add(PoolingRegion(admdvs=ADMDVS, admdvs_name="鹤山市"))
        work.commit()

    def make() -> SqlUnitOfWork:
        return SqlUnitOfWork(factory, protector=PROTECTOR)

    yield make  # type: ignore[misc]
    engine.dispose()


def _person(uow: type[SqlUnitOfWork], psn_no: str, brdy: dt.date = dt.date(1970, 1, 1), certno: str = "440784197001011234") -> None:
    values = {"psn_no": psn_no, "psn_name": "测试", "gend": "1", "brdy": brdy, "psn_type": "15", "insuplc_admdvs": ADMDVS}
    service.create_person(uow(), values, certno)


def test_an_employee_enrolment_keeps_the_stated_contribution_and_has_no_waiting_period(uow: type[SqlUnitOfWork]) -> None:
    _person(uow, "E1")
    done = service.enrol(uow(), "E1", insutype="310", begndate=dt.date(2021, 3, 1), psn_clct_amt=Decimal("1234.56"))
    assert done.period.psn_clct_amt == Decimal("1234.56")
    assert done.waiting is None and done.period.wait_enddate is None


def test_a_resident_cannot_be_given_a_contribution_by_hand(uow: type[SqlUnitOfWork]) -> None:
    _person(uow, "R1")
    with pytest.raises(InputError) as caught:
        service.enrol(uow(), "R1", insutype="390", begndate=dt.date(2021, 3, 1), psn_clct_amt=Decimal("1"))
    assert caught.value.field == "psn_clct_amt"
    assert service.coverage_periods(uow(), "R1") == []


def test_a_newborn_enrolled_outside_the_window_has_no_waiting_period(uow: type[SqlUnitOfWork]) -> None:
    _person(uow, "N1", brdy=dt.date(2021, 2, 1), certno="440784202102011239")
    done = service.enrol(uow(), "N1", insutype="390", begndate=dt.date(2021, 3, 1))
    assert done.waiting is not None and done.waiting.waiting_days == 0 and "新生儿" in done.waiting.reason


def test_an_identity_that_ended_before_enrolment_does_not_subsidise_it(uow: type[SqlUnitOfWork]) -> None:
    _person(uow, "I1")
    service.add_identity(uow(), "I1", "01", dt.date(2019, 1, 1), dt.date(2020, 12, 31), None)
    done = service.enrol(uow(), "I1", insutype="390", begndate=dt.date(2021, 3, 1))
    assert done.period.subs_flag is False and done.period.psn_clct_amt == Decimal("320")


def test_a_pack_activated_for_a_date_sets_the_contribution_of_enrolments_from_that_date(uow: type[SqlUnitOfWork]) -> None:
    text = resources.files("yibao.policy").joinpath("packs/heshan_2021.toml").read_text(encoding="utf-8")
    text = text.replace('version = "2021.1"', 'version = "2021.7"', 1).replace('individual = { value = "320"', 'individual = { value = "350"', 1)
    policy_service.upload(uow(), text, "tester")
    policy_service.activate(uow(), "heshan-2021", "2021.7", dt.date(2021, 7, 1), "tester")
    _person(uow, "A1")
    _person(uow, "A2", certno="44078419700101125X")
    before = service.enrol(uow(), "A1", insutype="390", begndate=dt.date(2021, 6, 30))
    after = service.enrol(uow(), "A2", insutype="390", begndate=dt.date(2021, 7, 1))
    assert (before.period.psn_clct_amt, after.period.psn_clct_amt) == (Decimal("320"), Decimal("350"))
