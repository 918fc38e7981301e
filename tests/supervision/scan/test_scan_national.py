"""The vectorised national rules give the same hits as the per-visit ``check_visit`` on the same data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import ibis
import pyarrow as pa
import pytest
from scan_random_lines import per_visit_hits, write_random_region

from yibao.store.warehouse import Warehouse
from yibao.supervision.review.kinds import CHECKS
from yibao.supervision.rules import RuleKind, load_library, load_params
from yibao.supervision.scan.model import PATTERN_NAMES
from yibao.supervision.scan.national import (
    PATTERNS,
    VECTORISED,
    entries_table,
    national_leads,
    national_parts,
    price_leads,
)
from yibao.supervision.scan.run import period_items

YEAR = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def test_every_kind_check_visit_implements_is_vectorised() -> None:
    assert set(VECTORISED) == set(CHECKS)


def test_the_vectorised_scan_agrees_with_check_visit_line_by_line(warehouse: Warehouse) -> None:
    n = 4000
    keep = warehouse.table("persons").order_by("psn_no").limit(n).select("psn_no")
    items = period_items(warehouse.table("claim_items"), *YEAR).semi_join(keep, "psn_no")
    leads = national_leads(items, warehouse.table("visits"), warehouse.table("persons"), warehouse.table("institutions"),
                           entries_table(load_library()), load_params()).to_pyarrow().to_pylist()
    batch = {(r["rule_id"], r["feedetl_sn"], r["amount"]) for r in leads}
    expected = per_visit_hits(warehouse, VECTORISED, keep.to_pyarrow()["psn_no"].to_pylist())
    assert expected, "the sample region should hit some national rules"
    assert batch == expected


@pytest.fixture(scope="module")
def random_region(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    return write_random_region(tmp_path_factory.mktemp("random_lines"), persons=300, seed=3)


@pytest.fixture(scope="module")
def random_expected(random_region: Warehouse) -> set[tuple[str, str, Decimal]]:
    return per_visit_hits(random_region, VECTORISED)


@pytest.mark.parametrize("kind", VECTORISED, ids=lambda k: k.value)
def test_each_kind_agrees_with_check_visit_on_lines_drawn_from_its_codes(
        random_region: Warehouse, random_expected: set[tuple[str, str, Decimal]], kind: RuleKind) -> None:
    wh = random_region
    [part] = national_parts(period_items(wh.table("claim_items"), *YEAR), wh.table("visits"), wh.table("persons"),
                            wh.table("institutions"), entries_table(load_library()), load_params(), kinds=(kind,))
    batch = {(r["rule_id"], r["feedetl_sn"], r["amount"]) for r in part.to_pyarrow().to_pylist()}
    library = load_library()
    expected = {h for h in random_expected if library.rule(h[0]).kind is kind}
    assert expected, f"the random lines should hit {kind.value} rules"
    assert batch == expected


def _scan(kind: RuleKind, *lines: tuple[str, str, dt.datetime, str, str]) -> dict[str, tuple[Decimal, str]]:
    """One kind over a woman's fee lines ``(mdtrt_id, code, time, price, count)``: sn → (amount, evidence)."""
    rows = [{"mdtrt_id": m, "feedetl_sn": f"{i:04d}", "psn_no": "P", "fixmedins_code": "H", "med_list_codg": code,
             "pric": Decimal(p), "cnt": Decimal(n), "det_item_fee_sumamt": Decimal(p) * Decimal(n),
             "fee_ocur_time": when, "bilg_dr_codg": "D"} for i, (m, code, when, p, n) in enumerate(lines)]
    items = ibis.memtable(pa.Table.from_pylist(rows).cast(pa.schema([
        (name, pa.decimal128(18, 2) if name in ("pric", "det_item_fee_sumamt") else
         pa.decimal128(16, 4) if name == "cnt" else pa.timestamp("us") if name == "fee_ocur_time" else pa.string())
        for name in rows[0]])))
    ids = sorted({r["mdtrt_id"] for r in rows})
    visits = ibis.memtable({"mdtrt_id": ids, "insutype": ["310"] * len(ids), "med_type": ["21"] * len(ids)})
    persons = ibis.memtable({"psn_no": ["P"], "gend": ["2"], "brdy": [dt.date(1970, 1, 1)]})
    institutions = ibis.memtable({"fixmedins_code": ["H"], "hosp_lv": ["3"], "grassroots_flag": [False]})
    [part] = national_parts(items, visits, persons, institutions, entries_table(load_library()), load_params(),
                            kinds=(kind,))
    return {r["feedetl_sn"]: (r["amount"], r["evidence"]) for r in part.to_pyarrow().to_pylist()}


def _day(month: int, day: int) -> dt.datetime:
    return dt.datetime(2025, month, day, 9)


def test_a_course_counts_every_code_of_the_drug_and_a_long_gap_starts_a_new_one() -> None:
    # 奥扎格雷钠注射液: two codes of one drug, payable 14 days.
    a, b = "XB01AXA223B002010100156", "XB01AXA223B002010101157"
    lines = [("M1", a, _day(1, d), "20.00", "1") for d in range(1, 11)]
    lines += [("M2", b, _day(1, d), "20.00", "2") for d in range(11, 17)]
    lines += [("M3", a, _day(2, d), "20.00", "1") for d in (1, 2, 3)]  # 16 days after the last: a new course
    hits = _scan(RuleKind.COURSE, *lines)
    assert sorted(hits) == ["0014", "0015"]  # 15 and 16 January: the 15th and 16th day of the course
    assert hits["0014"][0] == Decimal("40.00")
    assert "疗程第15天，超过14天" in hits["0014"][1]


def test_the_second_operation_through_one_incision_is_a_lead_for_the_undiscounted_share() -> None:
    # 胃肠手术组: the dearer operation is the main one; the other should be charged at 50 %.
    main, second = "003310010140000", "003310010160000"
    hits = _scan(RuleKind.OPERATION, ("M1", main, _day(3, 1), "1000.00", "1"), ("M1", second, _day(3, 1), "600.00", "1"),
                 ("M1", second, _day(3, 2), "600.00", "1"), ("M2", main, _day(3, 2), "1000.00", "1"))
    assert set(hits) == {"0001"}  # the next day's pair is in two visits: not one incision
    assert hits["0001"][0] == Decimal("300.00")
    assert main in hits["0001"][1]


def test_a_period_limit_counts_a_rolling_window_of_days() -> None:
    # 糖化血红蛋白测定: once per 15 days.
    code = "002503020030000"
    hits = _scan(RuleKind.PERIOD, *[("M1", code, _day(m, d), "50.00", "1") for m, d in ((1, 1), (1, 10), (1, 20), (2, 10))])
    assert {sn: amount for sn, (amount, _) in hits.items()} == {"0001": Decimal("50.00"), "0002": Decimal("50.00")}


def test_a_unit_price_above_the_payment_standard_is_a_lead_for_the_excess() -> None:
    t0 = dt.datetime(2025, 3, 1, 9)
    items = ibis.memtable(pa.table({
        "mdtrt_id": ["M1", "M1"], "feedetl_sn": ["1", "2"], "psn_no": ["P", "P"], "fixmedins_code": ["H", "H"],
        "med_list_codg": ["D1", "D2"], "pric": pa.array([Decimal("12.50"), Decimal("9.00")], pa.decimal128(18, 2)),
        "cnt": pa.array([Decimal("2"), Decimal("1")], pa.decimal128(16, 4)),
        "det_item_fee_sumamt": pa.array([Decimal("25.00"), Decimal("9.00")], pa.decimal128(18, 2)),
        "fee_ocur_time": [t0, t0], "bilg_dr_codg": ["D", "D"],
    }))
    catalog = ibis.memtable(pa.table({"med_list_codg": ["D1", "D2"], "name": ["甲药", "乙药"],
                                      "pric_uplmt_amt": pa.array([Decimal("10.00")] * 2, pa.decimal128(18, 2))}))
    rows = price_leads(items, catalog, "0.00", "test").to_pyarrow().to_pylist()
    assert [(r["feedetl_sn"], r["amount"], r["pattern"]) for r in rows] == [("1", Decimal("5.00"), "over_limit_price")]
    assert "支付标准" in rows[0]["evidence"]


def test_every_vectorised_pattern_has_a_chinese_name() -> None:
    assert set(PATTERNS.values()) <= set(PATTERN_NAMES)
