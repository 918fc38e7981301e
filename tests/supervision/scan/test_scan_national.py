"""The vectorised national rules give the same hits as the per-visit ``check_visit`` on the same data."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import ibis
import pyarrow as pa
import pyarrow.compute as pc

from yibao.store.warehouse import Warehouse
from yibao.supervision.review import OrderLine, Person, Visit, check_visit
from yibao.supervision.rules import Stage, load_library, load_params
from yibao.supervision.scan.national import VECTORISED, entries_table, national_leads, price_leads
from yibao.supervision.scan.run import period_items

YEAR = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def _per_visit_hits(warehouse: Warehouse, persons_limit: int) -> set[tuple[str, str, Decimal]]:
    library = load_library()
    kinds = {r.rule_id for r in library.rules if r.kind in VECTORISED}
    persons = warehouse.table("persons").order_by("psn_no").limit(persons_limit).to_pyarrow().to_pylist()
    keep = [p["psn_no"] for p in persons]
    people = {p["psn_no"]: Person(p["psn_no"], p["gend"], p["brdy"]) for p in persons}
    inst = {r["fixmedins_code"]: ("grassroots" if r["grassroots_flag"] or not r["hosp_lv"] else r["hosp_lv"])
            for r in warehouse.table("institutions").to_pyarrow().to_pylist()}
    visits = warehouse.table("visits").to_pyarrow()
    visits = visits.filter(pc.is_in(visits["psn_no"], value_set=ibis.memtable({"k": keep}).to_pyarrow()["k"]))
    items = warehouse.table("claim_items").to_pyarrow()
    items = items.filter(pc.is_in(items["psn_no"], value_set=visits["psn_no"].unique()))
    by_visit: dict[str, list[OrderLine]] = defaultdict(list)
    by_person_day: dict[tuple[str, dt.date], list[OrderLine]] = defaultdict(list)
    for r in items.to_pylist():
        line = OrderLine(r["feedetl_sn"], r["med_list_codg"], r["pric"], r["cnt"], r["det_item_fee_sumamt"],
                         r["fee_ocur_time"], r["mdtrt_id"])
        by_visit[r["mdtrt_id"]].append(line)
        by_person_day[(r["psn_no"], r["fee_ocur_time"].date())].append(line)
    hits = set()
    for v in visits.to_pylist():
        own = by_visit.get(v["mdtrt_id"], [])
        days = {line.fee_ocur_time.date() for line in own}
        # Post-event: the person's lines of the same days in other visits are history, before or after.
        history = [h for d in days for h in by_person_day[(v["psn_no"], d)] if h.mdtrt_id != v["mdtrt_id"]]
        visit = Visit(v["mdtrt_id"], people[v["psn_no"]], v["insutype"], v["med_type"], inst[v["fixmedins_code"]], tuple(own))
        for hit in check_visit(visit, history, library, stage=Stage.POST):
            if hit.rule_id in kinds:
                hits.add((hit.rule_id, hit.feedetl_sn, hit.vola_amt))
    return hits


def test_the_vectorised_scan_agrees_with_check_visit_line_by_line(warehouse: Warehouse) -> None:
    n = 4000
    keep = warehouse.table("persons").order_by("psn_no").limit(n).select("psn_no")
    items = period_items(warehouse.table("claim_items"), *YEAR).semi_join(keep, "psn_no")
    leads = national_leads(items, warehouse.table("visits"), warehouse.table("persons"), warehouse.table("institutions"),
                           entries_table(load_library()), load_params()).to_pyarrow().to_pylist()
    batch = {(r["rule_id"], r["feedetl_sn"], r["amount"]) for r in leads}
    expected = _per_visit_hits(warehouse, n)
    assert expected, "the sample region should hit some national rules"
    assert batch == expected


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
