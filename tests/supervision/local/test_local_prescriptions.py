"""超量开药, 重复开药 and 项目串换 on hand-made fee lines: each fires on the behaviour and not on its near
miss, in the post-event scan and (超量开药) in the single-visit review."""

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
from yibao.supervision.local.prescriptions import over_prescription, repeat_prescription
from yibao.supervision.local.substitution import item_substitution
from yibao.supervision.review import OrderLine, Person, Visit, check_visit

D0 = dt.date(2025, 3, 1)
# Drug A: one unit lasts 10 days (0.1 a day); drug B: 4 units a day; an item has no dose. G1 and G2 are
# two specifications of one generic name: a day of G1 costs 1.00, a day of G2 5.00.
CATALOG = [("DRUGA", "甲药", "0.1000", "20.00"), ("DRUGB", "乙药", "4.0000", "0.50"), ("ITEM1", "检查", None, "80.00"),
           ("G1", "普通片", "1.0000", "1.00"), ("G2", "缓释片", "2.0000", "2.50")]


def _table(name: str, rows: list[dict[str, object]]) -> ir.Table:
    full = [{c: r.get(c) for c in SCHEMAS[name].names} for r in rows]
    return ibis.memtable(pa.Table.from_pylist(full, schema=SCHEMAS[name].to_pyarrow()))


def _catalog() -> ir.Table:
    return _table("catalog", [{"med_list_codg": c, "name": n, "list_type": "101" if d else "201", "chrgitm_lv": "01",
                               "med_chrgitm_type": "09" if d else "03", "pric": Decimal(p),
                               "day_dose": Decimal(d) if d else None, "genname_codg": "GEN1" if c[0] == "G" else None}
                              for c, n, d, p in CATALOG])


class Claims:
    """Visits and their lines, built one prescription at a time."""

    def __init__(self) -> None:
        self.visits: list[dict[str, object]] = []
        self.items: list[dict[str, object]] = []

    def visit(self, psn: str, day: dt.date, med_type: str = "11", inst: str = "H1",
              lines: tuple[tuple[str, int], ...] = (("DRUGA", 1),)) -> str:
        mdtrt_id = f"M{len(self.visits) + 1}"
        when = dt.datetime.combine(day, dt.time(9))
        self.visits.append({"mdtrt_id": mdtrt_id, "psn_no": psn, "fixmedins_code": inst, "insutype": "310",
                            "med_type": med_type, "begntime": when, "endtime": when + dt.timedelta(minutes=20),
                            "atddr_no": "D1", "dept_code": "A03", "diag_code": "I10.x00", "medfee_sumamt": Decimal(0)})
        price = {c: Decimal(p) for c, _, _, p in CATALOG}
        for code, cnt in lines:
            sn = f"S{len(self.items) + 1}"
            self.items.append({"mdtrt_id": mdtrt_id, "feedetl_sn": sn, "psn_no": psn, "fixmedins_code": inst,
                               "med_list_codg": code, "list_type": "101", "chrgitm_lv": "01", "med_chrgitm_type": "09",
                               "pric": price[code], "cnt": Decimal(cnt), "det_item_fee_sumamt": price[code] * cnt,
                               "fee_ocur_time": when + dt.timedelta(minutes=10), "bilg_dr_codg": "D1"})
        return mdtrt_id

    def tables(self) -> tuple[ir.Table, ir.Table]:
        return _table("claim_items", self.items), _table("visits", self.visits)


@pytest.fixture(scope="module")
def params() -> LocalParams:
    return load_local_params()


def _over(claims: Claims, params: LocalParams) -> list[dict[str, object]]:
    items, visits = claims.tables()
    return over_prescription(items, visits, _catalog(), params.over_prescription, params.version).to_pyarrow().to_pylist()


def test_a_prescription_beyond_its_settings_days_is_over_prescription(params: LocalParams) -> None:
    c = Claims()
    c.visit("P1", D0, "11", lines=(("DRUGA", 2),))  # 20 days at an ordinary outpatient visit: limit 7
    c.visit("P2", D0, "11", lines=(("DRUGB", 28),))  # 7 days: at the limit
    c.visit("P3", D0, "11", lines=(("DRUGA", 1),))  # one unit lasts 10 days: the smallest pack is allowed
    c.visit("P4", D0, "14", lines=(("DRUGA", 8),))  # 80 days of a chronic-disease drug: within 12 weeks
    c.visit("P5", D0, "14", lines=(("DRUGB", 400),))  # 100 days: beyond 12 weeks
    c.visit("P6", D0, "21", lines=(("DRUGA", 30),))  # inpatient drugs are not prescriptions to take home
    leads = _over(c, params)
    assert sorted(r["psn_no"] for r in leads) == ["P1", "P5"]
    by = {r["psn_no"]: r for r in leads}
    # 7 days allow 0.7 of a unit → the one unit; the second unit (20.00) is the amount at risk.
    assert by["P1"]["amount"] == Decimal("20.00")
    assert "折合带药20.0天" in by["P1"]["evidence"] and "7天限量" in by["P1"]["evidence"]
    assert by["P5"]["amount"] == Decimal("0.50") * (400 - 336)
    assert by["P1"]["level"] == "item" and by["P1"]["feedetl_sn"] == "S1"


def test_lines_of_one_drug_in_one_visit_are_one_prescription(params: LocalParams) -> None:
    c = Claims()
    c.visit("P1", D0, "11", lines=(("DRUGB", 16), ("DRUGB", 16)))  # 4 + 4 days: 8 days together
    c.visit("P2", D0, "11", lines=(("DRUGB", 12), ("DRUGB", 16)))  # 7 days together
    assert [r["psn_no"] for r in _over(c, params)] == ["P1"]


def test_the_limits_are_parameters(params: LocalParams) -> None:
    c = Claims()
    c.visit("P1", D0, "11", lines=(("DRUGA", 2),))
    wide = dataclasses.replace(params, over_prescription=dataclasses.replace(
        params.over_prescription, max_days={**params.over_prescription.max_days, "11": 30}))
    assert _over(c, wide) == []


def _review_visit(med_type: str, lines: tuple[tuple[str, str, int], ...]) -> Visit:
    when = dt.datetime(2025, 3, 1, 9)
    price = {c: Decimal(p) for c, _, _, p in CATALOG}
    order = tuple(OrderLine(sn, code, price[code], Decimal(cnt), price[code] * cnt, when) for sn, code, cnt in lines)
    return Visit("M1", Person("P1", "1", dt.date(1960, 1, 1)), "310", med_type, "2", order)


DOSES = {c: Decimal(d) for c, _, d, _ in CATALOG if d}


def test_the_single_visit_review_finds_over_prescription_with_its_amount() -> None:
    visit = _review_visit("11", (("1", "DRUGA", 3), ("2", "ITEM1", 1), ("3", "DRUGB", 20)))
    hits = check_visit(visit, doses=DOSES)
    assert [(h.rule_id, h.feedetl_sn, h.vola_amt) for h in hits] == [("LOCAL-OVERRX", "1", Decimal("40.00"))]
    assert "折合带药30.0天" in hits[0].vola_cont
    # Without daily doses the rule cannot judge, and at a 门诊慢特病 visit 30 days are allowed.
    assert check_visit(visit) == []
    assert check_visit(dataclasses.replace(visit, med_type="14"), doses=DOSES) == []


def test_the_single_visit_review_sums_a_drugs_lines() -> None:
    visit = _review_visit("11", (("1", "DRUGB", 16), ("2", "DRUGB", 16)))
    hits = check_visit(visit, doses=DOSES)
    assert [(h.feedetl_sn, h.related_sn, h.vola_amt) for h in hits] == [("1", ("2",), Decimal("2.00"))]


def _repeat(claims: Claims, params: LocalParams, since: dt.date | None = None) -> list[str]:
    items, visits = claims.tables()
    leads = repeat_prescription(items, visits, _catalog(), params.repeat_prescription, params.version, since=since)
    return sorted(leads.to_pyarrow().column("mdtrt_id").to_pylist())


def test_the_same_drug_again_elsewhere_while_supply_lasts_is_repeat_prescription(params: LocalParams) -> None:
    c = Claims()
    c.visit("P1", D0, "14", "H1", (("DRUGB", 112),))  # 28 days
    second = c.visit("P1", D0 + dt.timedelta(days=3), "41", "Y1", (("DRUGB", 28),))  # 7 more, 3 days later
    third = c.visit("P1", D0 + dt.timedelta(days=6), "11", "H2", (("DRUGB", 28),))
    assert _repeat(c, params) == sorted([second, third])
    # Only lines from the period's first day are leads; earlier ones still count as supply held.
    assert _repeat(c, params, since=D0 + dt.timedelta(days=5)) == [third]


def test_refills_when_the_supply_runs_out_or_a_little_early_are_not_repeats(params: LocalParams) -> None:
    c = Claims()
    for k, gap in enumerate((0, 28, 51, 74, 97)):  # 28-day supplies, refilled up to 5 days early
        c.visit("P1", D0 + dt.timedelta(days=gap), "14", f"H{k}", (("DRUGB", 112),))
    c.visit("P2", D0, "11", "H1", (("DRUGB", 28),))
    c.visit("P2", D0 + dt.timedelta(days=2), "11", "H2", (("DRUGA", 1),))  # another drug
    c.visit("P3", D0, "11", "H1", (("DRUGB", 28),))
    c.visit("P3", D0 + dt.timedelta(days=2), "21", "H2", (("DRUGB", 28),))  # in hospital: not taken home
    assert _repeat(c, params) == []


def _substitution(claims: Claims, params: LocalParams) -> list[dict[str, object]]:
    items, visits = claims.tables()
    leads = item_substitution(items, visits, _catalog(), params.item_substitution, params.version)
    return leads.to_pyarrow().to_pylist()


def _dispense(claims: Claims, inst: str, n_dear: int, n_plain: int) -> None:
    for k in range(n_dear + n_plain):
        code, cnt = ("G2", 10) if k < n_dear else ("G1", 5)  # 5 days either way
        claims.visit(f"{inst}P{k}", D0 + dt.timedelta(days=k % 20), "11", inst, ((code, cnt),))


def test_an_institution_billing_the_dear_specification_far_more_than_its_peers_is_item_substitution(
        params: LocalParams) -> None:
    c = Claims()
    _dispense(c, "H1", n_dear=8, n_plain=4)  # two thirds of the days in the dear specification
    for inst in ("H2", "H3", "H4"):
        _dispense(c, inst, n_dear=1, n_plain=11)  # one in twelve elsewhere
    leads = _substitution(c, params)
    assert {r["fixmedins_code"] for r in leads} == {"H1"} and len(leads) == 8
    # A day of G2 costs 5.00; the others pay (3 × (1 × 25.00 + 11 × 5.00)) / (3 × 60) days = 1.33 a day.
    peer = (Decimal("25.00") + 11 * Decimal("5.00")) / 60
    assert leads[0]["amount"] == (Decimal("25.00") - peer * 5).quantize(Decimal("0.01"))
    assert "缓释片 G2（通用名 GEN1）" in leads[0]["evidence"]


def test_the_same_share_as_the_peers_or_too_few_lines_is_not_item_substitution(params: LocalParams) -> None:
    c = Claims()
    _dispense(c, "H1", n_dear=1, n_plain=11)
    _dispense(c, "H5", n_dear=6, n_plain=2)  # dear, but 8 lines are too few to judge a habit
    for inst in ("H2", "H3", "H4"):
        _dispense(c, inst, n_dear=1, n_plain=11)
    assert _substitution(c, params) == []
