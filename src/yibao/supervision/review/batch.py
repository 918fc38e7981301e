"""Replay the in-event review (事中审核) over a warehouse period: every visit through ``check_visit``.

A service (reads the warehouse); the rules are the same pure functions the 3101/3102 gateway calls.
History is the person's earlier lines in the year, kept per person as visits are replayed in order.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from yibao.money import ZERO
from yibao.store.warehouse import Warehouse
from yibao.supervision.review.check import check_visit, history_days
from yibao.supervision.review.context import index_for
from yibao.supervision.review.visit import OrderLine, Person, Visit
from yibao.supervision.rules.library import load_library
from yibao.supervision.rules.model import Stage

Progress = Callable[[int], None]


@dataclass
class ReviewResult:
    visits: int = 0
    visits_hit: int = 0
    hits_by_rule: Counter[str] = field(default_factory=Counter)
    amount_by_rule: dict[str, Decimal] = field(default_factory=dict)
    rule_names: dict[str, str] = field(default_factory=dict)


def _lines(items: pa.Table) -> tuple[dict[str, slice], list[OrderLine]]:
    items = items.sort_by([("mdtrt_id", "ascending"), ("feedetl_sn", "ascending")])
    ids = items.column("mdtrt_id").to_numpy(zero_copy_only=False)
    lines = [
        OrderLine(sn, code, p, n, t, when, mdtrt)
        for sn, code, p, n, t, when, mdtrt in zip(
            *(items.column(c).to_pylist() for c in
              ("feedetl_sn", "med_list_codg", "pric", "cnt", "det_item_fee_sumamt", "fee_ocur_time", "mdtrt_id")),
            strict=True,
        )
    ]
    if len(ids) == 0:
        return {}, lines
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    ends = np.r_[starts[1:], len(ids)]
    return {ids[s]: slice(int(s), int(e)) for s, e in zip(starts, ends, strict=True)}, lines


def review_period(warehouse: Warehouse, *, progress: Progress | None = None) -> ReviewResult:
    """Run the in-event review over every visit of the warehouse, in the order visits ended."""
    rules = index_for(load_library())
    people = {
        r["psn_no"]: Person(r["psn_no"], r["gend"], r["brdy"])
        for r in warehouse.table("persons").select("psn_no", "gend", "brdy").to_pyarrow().to_pylist()
    }
    inst = warehouse.table("institutions").select("fixmedins_code", "hosp_lv", "grassroots_flag").to_pyarrow().to_pylist()
    levels = {r["fixmedins_code"]: ("grassroots" if r["grassroots_flag"] or not r["hosp_lv"] else r["hosp_lv"]) for r in inst}
    visits = warehouse.table("visits").select("mdtrt_id", "psn_no", "fixmedins_code", "insutype", "med_type", "endtime").to_pyarrow()
    visits = visits.take(pc.sort_indices(visits, [("endtime", "ascending"), ("mdtrt_id", "ascending")]))
    slices, lines = _lines(warehouse.table("claim_items").select(
        "mdtrt_id", "feedetl_sn", "med_list_codg", "pric", "cnt", "det_item_fee_sumamt", "fee_ocur_time").to_pyarrow())
    needs_history = history_days(rules, {line.med_list_codg for line in lines}) > 0

    result = ReviewResult()
    history: dict[str, list[OrderLine]] = defaultdict(list)
    for n, v in enumerate(visits.to_pylist(), start=1):
        if progress is not None and n % 5000 == 0:
            progress(5000)
        span = slices.get(v["mdtrt_id"])
        own = tuple(lines[span]) if span else ()
        visit = Visit(v["mdtrt_id"], people[v["psn_no"]], v["insutype"], v["med_type"], levels[v["fixmedins_code"]], own)
        hits = check_visit(visit, history[v["psn_no"]] if needs_history else (), rules, stage=Stage.IN)
        if needs_history:
            history[v["psn_no"]].extend(own)
        result.visits += 1
        if hits:
            result.visits_hit += 1
        for hit in hits:
            result.hits_by_rule[hit.rule_id] += 1
            result.amount_by_rule[hit.rule_id] = result.amount_by_rule.get(hit.rule_id, ZERO) + hit.vola_amt
            result.rule_names[hit.rule_id] = hit.rule_name
    if progress is not None:
        progress(len(visits) % 5000)
    return result


__all__ = ["ReviewResult", "review_period"]
