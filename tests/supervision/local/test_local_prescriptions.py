"""超量开药, 重复开药 and 项目串换 on hand-made fee lines: each fires on the behaviour and not on its near
miss, in the post-event scan and (超量开药, 重复开药) in the single-visit review."""

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
from yibao.supervision.local.substitution import div_half_up, floor_div, item_substitution
from yibao.supervision.review import Dispensed, Hit, OrderLine, Person, Visit, check_visit, to_national
from yibao.supervision.rules.model import Stage

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


# -- 重复开药 in the single-visit review (事中) ------------------------------------------------------

GENERIC = {c: "GEN1" for c, *_ in CATALOG if c[0] == "G"}
PRICE = {c: Decimal(p) for c, _, _, p in CATALOG}


def _earlier(mdtrt_id: str, day: dt.date, code: str, cnt: int, med_type: str = "14", inst: str = "H1") -> Dispensed:
    return Dispensed(mdtrt_id, inst, med_type, code, Decimal(cnt), dt.datetime.combine(day, dt.time(9)))


def _now(day: dt.date, lines: tuple[tuple[str, int], ...], med_type: str = "11") -> Visit:
    when = dt.datetime.combine(day, dt.time(10))
    order = tuple(OrderLine(f"{i + 1}", code, PRICE[code], Decimal(cnt), PRICE[code] * cnt, when)
                  for i, (code, cnt) in enumerate(lines))
    return Visit("MNOW", Person("P1", "1", dt.date(1960, 1, 1)), "310", med_type, "2", order, "H2")


def _by_generic_name(params: LocalParams, on: bool = True) -> LocalParams:
    return dataclasses.replace(params, repeat_prescription=dataclasses.replace(
        params.repeat_prescription, same_generic_name=on))


def _repeat_hits(visit: Visit, dispensed: list[Dispensed], local: LocalParams | None = None) -> list[Hit]:
    hits = check_visit(visit, doses=DOSES, generic=GENERIC, dispensed=dispensed, local=local)
    return [h for h in hits if h.rule_id == "LOCAL-REPEATRX"]


def test_the_review_finds_a_drug_given_again_while_the_earlier_supply_lasts() -> None:
    earlier = [_earlier("M0", D0, "DRUGB", 112)]  # 28 days, three days ago
    [hit] = _repeat_hits(_now(D0 + dt.timedelta(days=3), (("DRUGB", 28), ("DRUGB", 4))), earlier)
    assert (hit.feedetl_sn, hit.related_sn, hit.vola_amt) == ("1", ("2",), Decimal("16.00"))  # the whole prescription
    assert "M0（H1，2025-03-01，DRUGB）28.0天，尚余25.0天" in hit.vola_evid
    assert "此前3天内（窗口90天）已开28.0天用量" in hit.vola_cont
    [record] = to_national([hit], _now(D0, ()))
    assert record["rule_id"] == "LOCAL-REPEATRX" and record["vola_amt"] == Decimal("16.00")
    assert record["vola_amt_stas"] == "2"  # 可疑: the whole prescription is an estimate of the harm


def test_specifications_of_one_generic_name_add_up_where_the_parameters_say_so(params: LocalParams) -> None:
    earlier = [_earlier("M0", D0, "G1", 30)]  # 30 days of the plain tablet
    visit = _now(D0 + dt.timedelta(days=2), (("G2", 20),))  # 10 days of the slow-release one
    assert [h.med_list_codg for h in _repeat_hits(visit, earlier, _by_generic_name(params))] == ["G2"]
    assert _repeat_hits(visit, earlier, _by_generic_name(params, on=False)) == []  # two drugs: nothing repeats


@pytest.mark.parametrize(("days_later", "med_type", "earlier_type"), [
    (23, "11", "14"),  # refilled five days early: ordinary
    (3, "21", "14"),  # in hospital the drug is taken on the ward
    (3, "11", "21"),  # nor does an inpatient stay's drug count as supply held
    (95, "11", "14"),  # beyond the window
], ids=["early refill", "inpatient visit", "inpatient history", "outside the window"])
def test_a_refill_as_the_supply_runs_out_or_outside_the_settings_is_not_a_repeat(
        days_later: int, med_type: str, earlier_type: str) -> None:
    earlier = [_earlier("M0", D0, "DRUGB", 112, earlier_type)]
    assert _repeat_hits(_now(D0 + dt.timedelta(days=days_later), (("DRUGB", 28),), med_type), earlier) == []


def test_the_pre_event_review_leaves_the_history_to_the_in_event_one() -> None:
    earlier = [_earlier("M0", D0, "DRUGB", 112)]
    visit = _now(D0 + dt.timedelta(days=3), (("DRUGB", 28),))
    assert check_visit(visit, doses=DOSES, dispensed=earlier, stage=Stage.PRE) == []


@pytest.mark.parametrize("gaps", [(0, 3, 6), (0, 28, 51, 74, 97), (0, 10, 12), (0, 1), (0, 40, 60, 61, 62), (0, 6, 7, 8)],
                         ids=str)
@pytest.mark.parametrize("generic", [False, True], ids=["by code", "by generic name"])
def test_the_review_and_the_scan_agree_on_which_prescriptions_repeat(params: LocalParams, gaps: tuple[int, ...],
                                                                     generic: bool) -> None:
    params = _by_generic_name(params, generic)
    c = Claims()
    ids = [c.visit("P1", D0 + dt.timedelta(days=g), "14" if k % 2 else "11", f"H{k}",
                   (("DRUGB", 112 if k % 2 else 28), ("G1" if k % 2 else "G2", 20)))
           for k, g in enumerate(gaps)]
    scan = set(_repeat(c, params))
    review = set()
    for k, mdtrt_id in enumerate(ids):
        mine = [i for i in c.items if i["mdtrt_id"] == mdtrt_id]
        meta = {v["mdtrt_id"]: v for v in c.visits}
        earlier = [Dispensed(i["mdtrt_id"], i["fixmedins_code"], meta[i["mdtrt_id"]]["med_type"], i["med_list_codg"],
                             i["cnt"], i["fee_ocur_time"]) for i in c.items if i["mdtrt_id"] in ids[:k]]
        visit = Visit(mdtrt_id, Person("P1", "1", dt.date(1960, 1, 1)), "310", meta[mdtrt_id]["med_type"], "2",
                      tuple(OrderLine(i["feedetl_sn"], i["med_list_codg"], i["pric"], i["cnt"], i["det_item_fee_sumamt"],
                                      i["fee_ocur_time"]) for i in mine), f"H{k}")
        if _repeat_hits(visit, earlier, params):
            review.add(mdtrt_id)
    assert review == scan


def test_the_scan_adds_up_specifications_of_one_generic_name_where_the_parameters_say_so(params: LocalParams) -> None:
    c = Claims()
    c.visit("P1", D0, "11", "H1", (("G1", 30),))
    again = c.visit("P1", D0 + dt.timedelta(days=2), "11", "H2", (("G2", 20),))
    assert _repeat(c, _by_generic_name(params)) == [again]
    assert _repeat(c, _by_generic_name(params, on=False)) == []


def test_the_substitution_amount_is_exact_and_rounded_half_up_to_the_fen(params: LocalParams) -> None:
    c = Claims()
    _dispense(c, "H1", n_dear=8, n_plain=4)
    for inst in ("H2", "H3", "H4"):
        _dispense(c, inst, n_dear=1, n_plain=11)
    peer_dear = next(i for i in c.items if i["fixmedins_code"] == "H2" and i["med_list_codg"] == "G2")
    peer_dear["det_item_fee_sumamt"] = Decimal("19.54")  # the peers: 234.54 for 180 days, 1.303 a day
    leads = _substitution(c, params)
    # 25.00 − 234.54 × 5 ÷ 180 = 18.485 exactly: half up gives 18.49 (in floating point it is 18.48499…).
    assert {r["amount"] for r in leads} == {Decimal("18.49")}
    assert "每治疗日 5.00 元，其他机构该通用名每治疗日 1.30 元" in leads[0]["evidence"]


@pytest.mark.parametrize(("a", "b"), [(0, 7), (13, 7), (14, 7), (2**61 + 12345, 10**6 + 3), (10**18 + 1, 10**9 + 7),
                                      (2**61 - 1, 2**31 - 1), (5, 10**12)])
def test_integer_division_is_exact_where_a_double_is_not(a: int, b: int) -> None:
    t = ibis.memtable({"a": [a], "b": [b]}, schema={"a": "int64", "b": "int64"})
    row = t.select(q=floor_div(t.a, t.b), h=div_half_up(t.a, t.b)).to_pyarrow().to_pylist()[0]
    assert (row["q"], row["h"]) == (a // b, (2 * a + b) // (2 * b))
