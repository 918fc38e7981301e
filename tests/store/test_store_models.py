"""Every model round-trips to the fen, and the database refuses what it must refuse."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import store_samples as s
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from yibao.errors import InputError
from yibao.store.models import Base, Institution, Settlement, SettlementList, SettlementStatus, Visit
from yibao.store.protect import CertnoProtector
from yibao.store.uow import SqlUnitOfWork


def columns(row: Base) -> dict[str, object]:
    return {attr.key: getattr(row, attr.key) for attr in inspect(row).mapper.column_attrs}


def _seeded(db_factory: sessionmaker[Session], certno_protector: CertnoProtector) -> None:
    with SqlUnitOfWork(db_factory, protector=certno_protector) as uow:
        s.seed_reference(uow)
        uow.commit()


def test_an_institution_with_its_bed_record_round_trips(db_factory: sessionmaker[Session]) -> None:
    with SqlUnitOfWork(db_factory) as uow:
        uow.regions.add(s.region())
        institution = uow.institutions.add(s.hospital())
        uow.flush()  # defaults are filled in at flush
        written = columns(institution)
        uow.commit()
    with SqlUnitOfWork(db_factory, immediate=False) as uow:
        institution = uow.institutions.get(s.HOSPITAL)
        assert institution is not None
        assert columns(institution) == written
        assert (institution.hosp_lv, institution.aprv_bed_cnt, institution.agre_stas) == (3, 1200, "1")


def test_a_person_keeps_identities_and_subsidised_coverage(
    db_factory: sessionmaker[Session], certno_protector: CertnoProtector
) -> None:
    _seeded(db_factory, certno_protector)
    with SqlUnitOfWork(db_factory, protector=certno_protector, immediate=False) as uow:
        person = uow.persons.get(s.PSN_NO)
        assert person is not None
        assert [(i.psn_idet_type, i.begndate, i.enddate) for i in person.identities] == [
            ("02", date(2023, 3, 1), date(2024, 2, 29)),
            ("03", date(2024, 3, 1), None),
        ]
        (period,) = person.coverage_periods
        assert (period.subs_flag, period.subs_src, period.subs_clct_amt) == (True, "医疗救助基金", Decimal("400.00"))
        assert uow.coverage.covering(s.PSN_NO, "390", date(2024, 6, 1)) == period
        assert uow.coverage.covering(s.PSN_NO, "390", date(2025, 1, 1)) is None


def test_a_visit_keeps_unit_price_quantity_and_amount_exactly(
    db_factory: sessionmaker[Session], certno_protector: CertnoProtector
) -> None:
    _seeded(db_factory, certno_protector)
    with db_factory() as session:
        visit = session.get(Visit, s.MDTRT_ID)
        assert visit is not None
        (line,) = visit.fee_details
        assert (line.pric, line.cnt, line.det_item_fee_sumamt) == (
            Decimal("12.345678"),
            Decimal("3.5000"),
            Decimal("43.21"),
        )
        assert [d.diag_code for d in visit.diagnoses if d.maindiag_flag] == ["J18.900"]


def test_a_settlement_and_its_fund_lines_round_trip_to_the_fen(
    db_factory: sessionmaker[Session], certno_protector: CertnoProtector
) -> None:
    _seeded(db_factory, certno_protector)
    sample = s.settlement()
    with SqlUnitOfWork(db_factory) as uow:
        uow.settlements.add(sample)
        uow.flush()
        written = columns(sample)
        lines = [columns(line) for line in sample.details]
        uow.commit()
    with SqlUnitOfWork(db_factory, immediate=False) as uow:
        stored = uow.settlements.get(s.SETL_ID)
        assert stored is not None
        assert columns(stored) == written
        assert [columns(line) for line in stored.details] == lines
        assert stored.hifp_pay == Decimal("5500.11") and str(stored.hifp_pay) == "5500.11"
        assert stored.pool_prop_selfpay == Decimal("0.650000")
        assert uow.settlements.get_by_msgid("H3309020000120240120100000001") == stored


def test_a_settlement_list_round_trips_with_diagnoses_procedures_and_costs(
    db_factory: sessionmaker[Session], certno_protector: CertnoProtector
) -> None:
    _seeded(db_factory, certno_protector)
    with SqlUnitOfWork(db_factory) as uow:
        uow.settlements.add(s.settlement())
        uow.setl_lists.put(s.settlement_list())
        uow.commit()
    with db_factory() as session:
        stored = session.get(SettlementList, s.SETL_ID)
        assert stored is not None
        assert (stored.act_ipt_days, stored.dscg_way, stored.age) == (5, "1", 34)
        assert [(d.diag_code, d.maindiag_flag) for d in stored.diagnoses] == [("J18.900", True), ("I10.x00", False)]
        assert [p.oprn_oprt_code for p in stored.procedures if p.main_oprn_flag] == ["33.2400"]
        assert {i.med_chrgitm_type: i.amt for i in stored.items} == {"01": Decimal("250.00"), "09": Decimal("8515.43")}
        assert sum((i.amt for i in stored.items), Decimal(0)) == stored.medfee_sumamt


def test_uploading_a_settlement_list_again_replaces_it(
    db_factory: sessionmaker[Session], certno_protector: CertnoProtector
) -> None:
    _seeded(db_factory, certno_protector)
    with SqlUnitOfWork(db_factory) as uow:
        uow.settlements.add(s.settlement())
        uow.setl_lists.put(s.settlement_list())
        uow.commit()
    corrected = s.settlement_list()
    corrected.act_ipt_days = 6
    corrected.diagnoses = corrected.diagnoses[:1]
    with SqlUnitOfWork(db_factory) as uow:
        uow.setl_lists.put(corrected)
        uow.commit()
    with db_factory() as session:
        stored = session.get(SettlementList, s.SETL_ID)
        assert stored is not None and stored.act_ipt_days == 6 and len(stored.diagnoses) == 1


def test_a_sum_over_settlements_is_exact_in_yuan(db_factory: sessionmaker[Session], certno_protector: CertnoProtector) -> None:
    _seeded(db_factory, certno_protector)
    with SqlUnitOfWork(db_factory) as uow:
        for n in range(3):
            uow.settlements.add(s.settlement(f"ST{n}", msgid=None))
        uow.commit()
    with db_factory() as session:
        total = session.scalar(select(func.sum(Settlement.hifp_pay)))
    assert total == Decimal("16500.33")


@pytest.mark.parametrize(
    "amount",
    [Decimal("9999999999999999.99"), Decimal("0.01"), Decimal("-1234567890.05"), Decimal("0.00")],
    ids=["largest", "one-fen", "negative", "zero"],
)
def test_extreme_amounts_come_back_unchanged(
    db_factory: sessionmaker[Session], certno_protector: CertnoProtector, amount: Decimal
) -> None:
    _seeded(db_factory, certno_protector)
    row = s.settlement(msgid=None)
    row.medfee_sumamt = row.psn_part_amt = amount
    row.fund_pay_sumamt = Decimal("0.00")
    with SqlUnitOfWork(db_factory) as uow:
        uow.settlements.add(row)
        uow.commit()
    with db_factory() as session:
        assert session.scalar(select(Settlement.medfee_sumamt)) == amount


@pytest.mark.parametrize("bad", [Decimal("12.345"), 12.34], ids=["three-decimals", "float"])
def test_an_amount_the_column_cannot_hold_exactly_is_refused(
    db_factory: sessionmaker[Session], certno_protector: CertnoProtector, bad: object
) -> None:
    _seeded(db_factory, certno_protector)
    row = s.settlement(msgid=None)
    row.hifp_pay = bad  # type: ignore[assignment]
    with SqlUnitOfWork(db_factory) as uow:
        uow.settlements.add(row)
        with pytest.raises(StatementError) as caught:
            uow.flush()
    assert isinstance(caught.value.orig, InputError)


def test_a_duplicate_setl_id_is_refused(db_factory: sessionmaker[Session], certno_protector: CertnoProtector) -> None:
    _seeded(db_factory, certno_protector)
    with SqlUnitOfWork(db_factory) as uow:
        uow.settlements.add(s.settlement())
        uow.commit()
    with SqlUnitOfWork(db_factory) as uow:
        uow.session.add(s.settlement(msgid="another-message"))
        with pytest.raises(IntegrityError):
            uow.flush()


def test_a_replayed_msgid_cannot_produce_a_second_settlement(
    db_factory: sessionmaker[Session], certno_protector: CertnoProtector
) -> None:
    _seeded(db_factory, certno_protector)
    with SqlUnitOfWork(db_factory) as uow:
        uow.settlements.add(s.settlement("ST-A"))
        uow.settlements.add(s.settlement("ST-B"))
        with pytest.raises(IntegrityError):
            uow.flush()


def test_an_unbalanced_settlement_is_refused_by_the_database(
    db_factory: sessionmaker[Session], certno_protector: CertnoProtector
) -> None:
    _seeded(db_factory, certno_protector)
    row = s.settlement()
    row.psn_part_amt = Decimal("2765.30")  # one fen short
    with SqlUnitOfWork(db_factory) as uow:
        uow.settlements.add(row)
        with pytest.raises(IntegrityError):
            uow.flush()


def test_a_reversal_references_the_original_once(db_factory: sessionmaker[Session], certno_protector: CertnoProtector) -> None:
    _seeded(db_factory, certno_protector)
    original = s.settlement()
    reversal = s.settlement("ST-REV", msgid="reversal-msg")
    for name in ("medfee_sumamt", "hifp_pay", "hifmi_pay", "maf_pay", "fund_pay_sumamt", "psn_part_amt"):
        setattr(reversal, name, -getattr(reversal, name))
    reversal.setl_stas, reversal.init_setl_id = SettlementStatus.REVERSAL.value, s.SETL_ID
    with SqlUnitOfWork(db_factory) as uow:
        uow.settlements.add(original)
        uow.flush()
        original.setl_stas = SettlementStatus.CANCELLED.value
        uow.settlements.add(reversal)
        uow.commit()
    with SqlUnitOfWork(db_factory) as uow:
        found = uow.settlements.reversal_of(s.SETL_ID)
        assert found is not None and found.setl_id == "ST-REV"
        net = uow.session.scalar(select(func.sum(Settlement.fund_pay_sumamt)))
        assert net == Decimal("0.00")
        second = s.settlement("ST-REV2", msgid=None)
        second.init_setl_id = s.SETL_ID
        uow.settlements.add(second)
        with pytest.raises(IntegrityError):
            uow.flush()


def test_a_visit_of_an_unknown_person_is_refused(db_factory: sessionmaker[Session], certno_protector: CertnoProtector) -> None:
    _seeded(db_factory, certno_protector)
    with SqlUnitOfWork(db_factory) as uow:
        uow.visits.add(s.visit("MD-OTHER", psn_no="nobody"))
        with pytest.raises(IntegrityError):
            uow.flush()


def test_a_hospital_level_outside_one_to_three_is_refused(db_factory: sessionmaker[Session]) -> None:
    with SqlUnitOfWork(db_factory) as uow:
        uow.regions.add(s.region())
        bad = s.hospital()
        bad.hosp_lv = 4
        uow.institutions.add(bad)
        with pytest.raises(IntegrityError):
            uow.flush()


def test_institutions_are_listed_by_region(db_factory: sessionmaker[Session]) -> None:
    with SqlUnitOfWork(db_factory) as uow:
        uow.regions.add(s.region())
        uow.institutions.add(s.hospital("H2"))
        uow.institutions.add(s.hospital("H1"))
        uow.commit()
    with SqlUnitOfWork(db_factory, immediate=False) as uow:
        assert [i.fixmedins_code for i in uow.institutions.list(s.ADMDVS)] == ["H1", "H2"]
        assert uow.institutions.list("999999") == []
        assert isinstance(uow.institutions.get("H1"), Institution)
