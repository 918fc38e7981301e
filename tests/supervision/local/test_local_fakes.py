"""The three fakes (假病人、假病情、假票据) on hand-made visits: each rule fires on the behaviour and stays
quiet on its near miss; and the full scan carries them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pytest

from yibao.store.warehouse import SCHEMAS
from yibao.supervision.local.fakes import multi_institution_day, receipt_mismatch, unregistered_condition
from yibao.supervision.local.params import LocalParams, load_local_params
from yibao.supervision.scan.run import local_line_leads

D0 = dt.date(2025, 5, 6)


def _table(name: str, rows: list[dict[str, object]]) -> ir.Table:
    full = [{c: r.get(c) for c in SCHEMAS[name].names} for r in rows]
    return ibis.memtable(pa.Table.from_pylist(full, schema=SCHEMAS[name].to_pyarrow()))


def _visit(n: int, psn: str, day: dt.date, inst: str, med_type: str = "11", dx: str | None = "J06.900",
           total: str = "50.00", days: int = 0) -> dict[str, object]:
    when = dt.datetime.combine(day, dt.time(9 + n % 8))
    return {"mdtrt_id": f"M{n}", "psn_no": psn, "fixmedins_code": inst, "insutype": "310", "med_type": med_type,
            "begntime": when, "endtime": when + dt.timedelta(days=days, minutes=30), "atddr_no": "D1",
            "dept_code": "A03", "diag_code": dx, "medfee_sumamt": Decimal(total)}


def _line(mdtrt_id: str, sn: str, when: dt.datetime, fee: str = "50.00") -> dict[str, object]:
    return {"mdtrt_id": mdtrt_id, "feedetl_sn": sn, "psn_no": "P", "fixmedins_code": "H1", "med_list_codg": "X1",
            "list_type": "201", "chrgitm_lv": "01", "med_chrgitm_type": "03", "pric": Decimal(fee), "cnt": Decimal(1),
            "det_item_fee_sumamt": Decimal(fee), "fee_ocur_time": when, "bilg_dr_codg": "D1"}


@pytest.fixture(scope="module")
def params() -> LocalParams:
    return load_local_params()


def _ids(t: ir.Table) -> list[str]:
    return sorted(t.to_pyarrow().column("mdtrt_id").to_pylist())


def test_one_card_at_three_institutions_in_a_day_is_a_fake_patient_lead(params: LocalParams) -> None:
    visits = _table("visits", [
        _visit(1, "P1", D0, "H1"), _visit(2, "P1", D0, "Y1", "41", None), _visit(3, "P1", D0, "C1"),
        _visit(4, "P1", D0 + dt.timedelta(days=1), "H1"),  # the next day: not part of it
        _visit(5, "P2", D0, "H1"), _visit(6, "P2", D0, "H1"), _visit(7, "P2", D0, "Y1", "41", None),  # two places
        _visit(8, "P3", D0, "H1"), _visit(9, "P3", D0, "Y1", "41", None), _visit(10, "P3", D0, "H2", "21", days=4),
    ])
    leads = multi_institution_day(visits, params.fake_patient, params.version).to_pyarrow().to_pylist()
    assert sorted(r["mdtrt_id"] for r in leads) == ["M1", "M2", "M3"]
    assert all("3家定点机构" in r["evidence"] and r["amount"] == Decimal("50.00") for r in leads)


def test_a_chronic_disease_visit_without_its_registration_is_a_fake_condition_lead(params: LocalParams) -> None:
    persons = _table("persons", [{"psn_no": "P1", "chronic_dise_codg": "I10.x00"}, {"psn_no": "P2"},
                                 {"psn_no": "P3", "chronic_dise_codg": "E11.900"}])
    visits = _table("visits", [
        _visit(1, "P1", D0, "H1", "14", "I10.x00"),  # the registered disease
        _visit(2, "P1", D0, "H1", "14", "I10.x05"),  # same category (I10)
        _visit(3, "P1", D0, "H1", "14", "E11.900"),  # another disease
        _visit(4, "P2", D0, "H1", "14", "I10.x00"),  # nobody registered
        _visit(5, "P2", D0, "H1", "11", "I10.x00"),  # an ordinary visit may have any diagnosis
        _visit(6, "P3", D0, "H1", "14", "E11.900"),
    ])
    leads = unregistered_condition(visits, persons, params.fake_condition, params.version).to_pyarrow().to_pylist()
    assert sorted(r["mdtrt_id"] for r in leads) == ["M3", "M4"]
    by = {r["mdtrt_id"]: r["evidence"] for r in leads}
    assert "登记病种 （无登记）" in by["M4"] and "登记病种 I10.x00" in by["M3"]


def test_lines_outside_their_visit_and_totals_off_their_lines_are_fake_receipt_leads(params: LocalParams) -> None:
    visits = _table("visits", [
        _visit(1, "P1", D0, "H1"), _visit(2, "P1", D0, "H1"),
        _visit(3, "P2", D0, "H1", total="80.00"), _visit(4, "P3", D0, "H1", "21", total="100.00", days=3),
    ])
    at = dt.datetime.combine(D0, dt.time(10))
    items = _table("claim_items", [
        _line("M1", "S1", at),
        _line("M2", "S2", at + dt.timedelta(days=6)),  # six days after a same-day visit
        _line("M3", "S3", at),  # the visit claims 80.00 for a 50.00 line
        _line("M4", "S4", at + dt.timedelta(days=3)), _line("M4", "S5", at + dt.timedelta(days=1)),  # within the stay
    ])
    dated, totals = (t.to_pyarrow().to_pylist() for t in receipt_mismatch(visits, items, params.fake_receipt, params.version))
    assert [(r["mdtrt_id"], r["feedetl_sn"], r["amount"]) for r in dated] == [("M2", "S2", Decimal("50.00"))]
    assert [(r["mdtrt_id"], r["amount"]) for r in totals] == [("M3", Decimal("30.00"))]
    assert "相差 30.00 元" in totals[0]["evidence"]


def test_the_scan_runs_the_line_and_visit_rules(params: LocalParams) -> None:
    visits = [_visit(1, "P1", D0, "H1"), _visit(2, "P1", D0, "Y1", "41", None), _visit(3, "P1", D0, "C1")]
    at = dt.datetime.combine(D0, dt.time(10))
    tables = {
        "visits": _table("visits", visits),
        "claim_items": _table("claim_items", [_line(f"M{i}", f"S{i}", at) for i in (1, 2, 3)]),
        "persons": _table("persons", [{"psn_no": "P1"}]),
        "catalog": _table("catalog", [{"med_list_codg": "X1", "name": "检查", "pric": Decimal("50.00")}]),
    }
    leads = ibis.union(*local_line_leads(tables, dt.date(2025, 1, 1), dt.date(2025, 12, 31), params)).to_pyarrow()
    assert sorted(set(leads.column("pattern").to_pylist())) == ["fake_patient"]
    assert local_line_leads(tables, dt.date(2026, 1, 1), dt.date(2026, 12, 31), params)[2].count().execute() == 0
