"""Each local rule on hand-made stays: it fires on the behaviour and stays quiet on the look-alike."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pytest

from yibao.store.warehouse import SCHEMAS
from yibao.supervision.local.params import LocalParams, load_local_params
from yibao.supervision.local.rules import bed_hanging, low_standard_admission, phantom_stay, split_hospitalisation, upcoding
from yibao.supervision.scan.facts import case_facts, severity_codes

D0 = dt.date(2025, 3, 1)
# An ordinary medical stay's bill by category (fee_NN), in yuan: some beds and nursing, mostly care.
ORDINARY = {"01": 400, "02": 100, "03": 600, "04": 600, "05": 800, "07": 300, "09": 2000}


def _case(n: int, psn: str, adm: dt.date, days: int, dx: str = "J18.000", fees: dict[str, int] | None = None,
          oprn: str | None = None, inst: str = "H1") -> dict[str, object]:
    fees = fees if fees is not None else ORDINARY
    row: dict[str, object] = {c: None for c in SCHEMAS["cases"].names}
    row.update(case_id=f"C{n}", mdtrt_id=f"M{n}", psn_no=psn, fixmedins_code=inst, insutype="310", gend=1, age=60,
               ipt_days=days, dscg_way="1", diag_codes=dx, oprn_codes=oprn, adm_date=adm,
               dscg_date=adm + dt.timedelta(days=days), atddr_no="DR1", dept_code="A01", setl_year=2025)
    for i in range(1, 15):
        row[f"fee_{i:02d}"] = Decimal(fees.get(f"{i:02d}", 0))
    row["medfee_sumamt"] = sum((Decimal(v) for v in fees.values()), Decimal(0))
    return row


def _peers(start: int, n: int = 6, days: int = 8, dx: str = "J18.000") -> list[dict[str, object]]:
    """Ordinary stays of other people: the peer group the rules compare against."""
    return [_case(start + i, f"Q{start + i}", D0 + dt.timedelta(days=7 * i), days, dx) for i in range(n)]


def _facts(rows: list[dict[str, object]], visits: list[dict[str, object]] | None = None,
           lines: list[dict[str, object]] | None = None) -> ir.Table:
    cases = ibis.memtable(pa.Table.from_pylist(rows, schema=SCHEMAS["cases"].to_pyarrow()))
    vrows = visits or []
    vt = pa.Table.from_pylist(vrows, schema=SCHEMAS["visits"].to_pyarrow())
    items = ibis.memtable(pa.Table.from_pylist(lines or [], schema=SCHEMAS["claim_items"].to_pyarrow()))
    return case_facts(cases, ibis.memtable(vt), severity_codes(), min_peer_cases=5, items=items,
                      upcoding=load_local_params().upcoding)


def _lines(mdtrt: str, n: int, item_type: str, code: str) -> list[dict[str, object]]:
    """``n`` fee lines of one item on a stay (the facts count lines and read item codes)."""
    when = dt.datetime.combine(D0, dt.time(10))
    return [{"mdtrt_id": mdtrt, "feedetl_sn": f"{mdtrt}-{code}-{k}", "psn_no": "P", "fixmedins_code": "H1",
             "med_list_codg": code, "list_type": "101" if item_type == "09" else "201", "chrgitm_lv": "01",
             "med_chrgitm_type": item_type, "pric": Decimal("10.00"), "cnt": Decimal(1),
             "det_item_fee_sumamt": Decimal("10.00"), "fee_ocur_time": when, "bilg_dr_codg": "DR1"} for k in range(n)]


@pytest.fixture(scope="module")
def params() -> LocalParams:
    return load_local_params()


def _ids(t: ir.Table) -> list[str]:
    return sorted(t.to_pyarrow().column("mdtrt_id").to_pylist())


def test_a_readmission_within_the_window_for_the_same_condition_is_a_split(params: LocalParams) -> None:
    first = _case(1, "P1", D0, 5)
    second = _case(2, "P1", D0 + dt.timedelta(days=5 + 7), 4)
    leads = split_hospitalisation(_facts([first, second]), params.split_hospitalisation, params.version).to_pyarrow()
    assert leads.column("mdtrt_id").to_pylist() == ["M2"]
    assert leads.column("related_mdtrt_id").to_pylist() == ["M1"]
    assert "7天再次入院" in leads.column("evidence")[0].as_py()


@pytest.mark.parametrize(("gap", "dx2"), [(20, "J18.000"), (7, "K35.800"), (7, "Z51.100")],
                         ids=["beyond-the-window", "another-condition", "planned-chemotherapy"])
def test_a_readmission_outside_the_rule_is_not_a_split(params: LocalParams, gap: int, dx2: str) -> None:
    dx1 = "Z51.100" if dx2.startswith("Z51") else "J18.000"
    rows = [_case(1, "P1", D0, 5, dx1), _case(2, "P1", D0 + dt.timedelta(days=5 + gap), 4, dx2)]
    assert _ids(split_hospitalisation(_facts(rows), params.split_hospitalisation, params.version)) == []


def test_the_window_is_a_parameter(params: LocalParams) -> None:
    rows = [_case(1, "P1", D0, 5), _case(2, "P1", D0 + dt.timedelta(days=5 + 12), 4)]
    narrow = dataclasses.replace(params.split_hospitalisation, window_days=10)
    assert _ids(split_hospitalisation(_facts(rows), narrow, params.version)) == []


def test_a_short_exam_only_stay_without_procedure_is_a_low_standard_admission(params: LocalParams) -> None:
    exams = {"01": 60, "02": 20, "03": 500, "04": 400, "09": 60}
    rows = [*_peers(10), _case(1, "P1", D0, 2, fees=exams), _case(2, "P2", D0, 2, fees=exams, oprn="47.0100")]
    leads = _ids(low_standard_admission(_facts(rows), params.low_standard_admission, params.version))
    assert leads == ["M1"]


def test_beds_and_nursing_do_not_dilute_the_exam_share_of_a_low_standard_admission(params: LocalParams) -> None:
    # Three days of beds and nursing are 47% of this bill, exams 37%: but exams are 70% of all else.
    exams = {"01": 600, "07": 300, "03": 400, "04": 300, "09": 300}
    leads = low_standard_admission(_facts([*_peers(10), _case(1, "P1", D0, 3, fees=exams)]), params.low_standard_admission,
                                   params.version).to_pyarrow()
    assert leads.column("mdtrt_id").to_pylist() == ["M1"]
    assert "床位护理费以外费用的70.0%" in leads.column("evidence")[0].as_py()


def test_a_stay_of_beds_and_nursing_only_is_a_phantom_stay(params: LocalParams) -> None:
    beds = {"01": 700, "02": 20, "07": 500}
    rows = [*_peers(10), _case(1, "P1", D0, 7, fees=beds)]
    assert _ids(phantom_stay(_facts(rows), params.phantom_stay, params.version)) == ["M1"]


def _outpatient(n: int, psn: str, day: dt.date, inst: str) -> dict[str, object]:
    when = dt.datetime.combine(day, dt.time(10))
    return {"mdtrt_id": f"V{n}", "psn_no": psn, "fixmedins_code": inst, "insutype": "310", "med_type": "11",
            "begntime": when, "endtime": when, "atddr_no": "X", "dept_code": "A01", "diag_code": "J06.900",
            "medfee_sumamt": Decimal("80.00")}


def test_a_long_stay_while_seen_elsewhere_is_bed_hanging(params: LocalParams) -> None:
    rows = [*_peers(10), _case(1, "P1", D0, 24), _case(2, "P2", D0, 24)]
    visits = [_outpatient(1, "P1", D0 + dt.timedelta(days=6), "H9"), _outpatient(2, "P2", D0 + dt.timedelta(days=6), "H1")]
    # P2's "outpatient" visit is at the admitting hospital itself: no alibi.
    assert _ids(bed_hanging(_facts(rows, visits), params.bed_hanging, params.phantom_stay, params.version)) == ["M1"]


def test_an_ordinary_stay_seen_elsewhere_is_not_bed_hanging(params: LocalParams) -> None:
    rows = [*_peers(10), _case(1, "P1", D0, 8)]
    visits = [_outpatient(1, "P1", D0 + dt.timedelta(days=3), "H9")]
    assert _ids(bed_hanging(_facts(rows, visits), params.bed_hanging, params.phantom_stay, params.version)) == []


def test_an_mcc_without_the_care_its_peers_get_is_suspected_upcoding(params: LocalParams) -> None:
    mcc = "J18.000|J96.000"  # 呼吸衰竭 as a secondary diagnosis: an MCC in CHS-DRG 1.1
    plain = [_case(10 + i, f"Q{i}", D0, 10) for i in range(6)]
    treated = [_case(20 + i, f"R{i}", D0, 10, mcc) for i in range(6)]
    rows = [*plain, *treated, _case(1, "P1", D0, 10, mcc), _case(2, "P2", D0, 10, mcc)]
    # Uncomplicated stays: 2 treatment lines in 10 days; a treated MCC adds about 2 a day (monitoring,
    # blood gas, oxygen). P1 is coded with the MCC but billed like an uncomplicated stay; P2 like its peers.
    lines = [x for r in plain for x in _lines(str(r["mdtrt_id"]), 2, "05", "T1")]
    lines += [x for r in treated for x in _lines(str(r["mdtrt_id"]), 22, "05", "T1")]
    lines += _lines("M1", 3, "05", "T1") + _lines("M2", 21, "05", "T1")
    facts = _facts(rows, lines=lines)
    assert facts.filter(facts.mdtrt_id == "M1").to_pyarrow().column("severity").to_pylist() == [2]
    assert _ids(upcoding(facts, params.upcoding, params.version)) == ["M1"]
    # The cost alone says nothing: P1's bill is the same as its peers'.
    assert facts.filter(facts.mdtrt_id == "M1").to_pyarrow().column("cost_ratio").to_pylist() == [1.0]


def test_a_principal_diagnosis_whose_usual_drugs_are_not_billed_is_suspected_upcoding(params: LocalParams) -> None:
    rows = [_case(10 + i, f"Q{i}", D0, 8, "K35.800") for i in range(6)] + [_case(1, "P1", D0, 8, "K35.800")]
    lines = [x for r in rows[:6] for x in _lines(str(r["mdtrt_id"]), 6, "09", "D1")]
    lines += _lines("M1", 6, "09", "D9")  # the drugs of another condition
    assert _ids(upcoding(_facts(rows, lines=lines), params.upcoding, params.version)) == ["M1"]
    # The same stay with the usual drug is not a lead.
    lines = lines[:-6] + _lines("M1", 6, "09", "D1")
    assert _ids(upcoding(_facts(rows, lines=lines), params.upcoding, params.version)) == []
