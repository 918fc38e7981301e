"""A small random warehouse whose fee lines are drawn from the codes of every national rule kind, so
the vectorised scan and ``check_visit`` can be compared kind by kind (the synthetic region charges
few course, period, insurance-type, setting or level codes).

Each person keeps a small set of codes (whole course groups and incision groups among them) and
charges them again and again over one or more visits, with gaps short and long, so courses, periods,
daily frequency, duplicates and secondary operations all occur. A person's fee times are distinct.

``per_visit_hits`` is the reference: ``check_visit`` on each visit with the person's other lines.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa

from yibao.store.warehouse import Warehouse
from yibao.supervision.review import OrderLine, Person, Visit, check_visit
from yibao.supervision.review.visit import CARE_SETTINGS
from yibao.supervision.rules import RuleKind, Stage, load_library

YEAR = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
_PRICES = [Decimal(p) for p in ("10.00", "25.50", "80.00", "80.00", "133.33")]
_COUNTS = [Decimal(c) for c in ("1", "1", "1", "2", "3", "0.5", "12", "25")]
_LEVELS = (("grassroots", None, True), ("1", "1", False), ("2", "2", False), ("3", "3", False))


def _code_pool(rng: np.random.Generator) -> list[list[str]]:
    """Bundles of codes a person may keep: single codes of the line kinds, both items of duplicate
    pairs, and several codes of one course group or incision group."""
    library = load_library()
    by_kind: dict[RuleKind, list] = defaultdict(list)
    for entry in library.entries:
        by_kind[library.rule(entry.rule_id).kind].append(entry)
    bundles: list[list[str]] = []
    for kind, n in ((RuleKind.SEX, 6), (RuleKind.AGE, 8), (RuleKind.WORKING_AGE, 1), (RuleKind.INSUTYPE, 4),
                    (RuleKind.SETTING, 4), (RuleKind.LEVEL, 4), (RuleKind.FREQUENCY, 6), (RuleKind.PERIOD, 6)):
        entries = by_kind[kind]
        bundles += [[entries[i].code] for i in rng.choice(len(entries), min(n, len(entries)), replace=False)]
    duplicates = by_kind[RuleKind.DUPLICATE]
    for window in ("当次就诊", "单日", "小时"):
        of_window = [e for e in duplicates if e.window is not None and e.window.value == window]
        bundles += [[of_window[i].code, of_window[i].pair_code] for i in rng.choice(len(of_window), 3, replace=False)]
    for kind in (RuleKind.COURSE, RuleKind.OPERATION):
        groups: dict[str, list[str]] = defaultdict(list)
        for entry in by_kind[kind]:
            groups[entry.group].append(entry.code)
        names = sorted(g for g, codes in groups.items() if len(codes) >= 2)
        for name in rng.choice(names, 4, replace=False):
            codes = sorted(groups[name])
            bundles.append([str(c) for c in rng.choice(codes, min(3, len(codes)), replace=False)])
        singles = sorted(g for g, codes in groups.items() if len(codes) == 1)
        bundles += [groups[str(g)] for g in rng.choice(singles, min(4, len(singles)), replace=False)]
    # Every course entry with an interval or a period limit (few, and otherwise rarely drawn).
    bundles += [[e.code] for e in by_kind[RuleKind.COURSE] if e.min_interval_days is not None or e.period_n is not None]
    return bundles


def write_random_region(root: Path, persons: int = 160, seed: int = 7) -> Warehouse:
    """Write persons, institutions, visits and claim_items under ``root``; return the warehouse."""
    rng = np.random.default_rng(seed)
    pool = _code_pool(rng)
    wh = Warehouse(root)
    inst = [(f"H{i}", *_LEVELS[i % len(_LEVELS)]) for i in range(8)]
    wh.write("institutions", pa.Table.from_pylist([
        {"fixmedins_code": code, "fixmedins_name": f"医院{code}", "fixmedins_type": "1", "hosp_lv": lv,
         "inst_kind": "hospital", "grassroots_flag": flag, "aprv_bed_cnt": 100, "admdvs": "330900"}
        for code, _, lv, flag in inst]))
    people, visits, items = [], [], []
    sn = 0
    for p in range(persons):
        psn = f"P{p:05d}"
        age_days = int(rng.choice([rng.integers(0, 40), rng.integers(0, 6 * 365), rng.integers(15 * 365, 80 * 365)]))
        brdy = dt.date(2025, 6, 1) - dt.timedelta(days=age_days)
        people.append({"psn_no": psn, "gend": str(rng.choice(["1", "2", "1", "2", "9"])), "brdy": brdy, "age": 0,
                       "insutype": "310", "psn_type": "1", "psn_idet_type": "00", "insu_admdvs": "330900",
                       "insu_begn_date": dt.date(2000, 1, 1), "wait_end_date": None, "chronic_dise_codg": None})
        keep = [c for i in rng.choice(len(pool), 3, replace=False) for c in pool[i]]
        start = dt.date(2025, 1, 1) + dt.timedelta(days=int(rng.integers(0, 300)))
        for v in range(int(rng.integers(1, 6))):
            mdtrt = f"{psn}V{v}"
            begin = start + dt.timedelta(days=int(rng.choice([0, 3, 10, 20, 40])) * v)
            stay = int(rng.choice([0, 0, 2, 6, 15, 30]))
            med_type = str(rng.choice(sorted(CARE_SETTINGS)))
            visits.append({"mdtrt_id": mdtrt, "psn_no": psn, "fixmedins_code": inst[int(rng.integers(0, len(inst)))][0],
                           "insutype": str(rng.choice(["310", "390", "410", "510"])), "med_type": med_type,
                           "begntime": dt.datetime.combine(begin, dt.time(8)),
                           "endtime": dt.datetime.combine(begin + dt.timedelta(days=stay), dt.time(17)),
                           "atddr_no": "D1", "dept_code": "A01", "diag_code": "I63.900", "medfee_sumamt": Decimal(0)})
            for _ in range(int(rng.integers(1, 14))):
                day = begin + dt.timedelta(days=int(rng.integers(0, stay + 1)))
                if day > YEAR[1]:
                    continue
                when = dt.datetime.combine(day, dt.time(8)) + dt.timedelta(minutes=int(rng.integers(0, 600)))
                price, count = _PRICES[int(rng.integers(0, len(_PRICES)))], _COUNTS[int(rng.integers(0, len(_COUNTS)))]
                items.append({"mdtrt_id": mdtrt, "feedetl_sn": f"{sn:010d}", "psn_no": psn,
                              "fixmedins_code": visits[-1]["fixmedins_code"], "med_list_codg": str(rng.choice(keep)),
                              "list_type": "201", "chrgitm_lv": "01", "med_chrgitm_type": "05", "pric": price,
                              "cnt": count, "det_item_fee_sumamt": (price * count).quantize(Decimal("0.01")),
                              "fee_ocur_time": when, "bilg_dr_codg": "D1"})
                sn += 1
    items = _distinct_times(items)
    wh.write("persons", pa.Table.from_pylist(people))
    wh.write("visits", pa.Table.from_pylist(visits))
    wh.write("claim_items", pa.Table.from_pylist(items))
    return wh


def _distinct_times(items: list[dict]) -> list[dict]:
    """No two fee lines of a person at the same instant (check_visit orders a tie by visit first)."""
    seen: set[tuple[str, dt.datetime]] = set()
    for item in items:
        while (item["psn_no"], item["fee_ocur_time"]) in seen:
            item["fee_ocur_time"] += dt.timedelta(seconds=1)
        seen.add((item["psn_no"], item["fee_ocur_time"]))
    return items


def per_visit_hits(wh: Warehouse, kinds: tuple[RuleKind, ...], persons: list[str] | None = None
                   ) -> set[tuple[str, str, Decimal]]:
    """``check_visit`` on every visit (of ``persons``), the person's lines of every other visit as its
    history (post-event: before or after): ``(rule_id, feedetl_sn, amount)`` of the rules of ``kinds``."""
    library = load_library()
    rule_ids = {r.rule_id for r in library.rules if r.kind in kinds}
    keep = set(persons) if persons is not None else None
    people = {r["psn_no"]: Person(r["psn_no"], r["gend"], r["brdy"])
              for r in wh.table("persons").to_pyarrow().to_pylist() if keep is None or r["psn_no"] in keep}
    inst = {r["fixmedins_code"]: ("grassroots" if r["grassroots_flag"] or not r["hosp_lv"] else r["hosp_lv"])
            for r in wh.table("institutions").to_pyarrow().to_pylist()}
    by_visit: dict[str, list[OrderLine]] = defaultdict(list)
    by_person: dict[str, list[OrderLine]] = defaultdict(list)
    items = wh.table("claim_items").filter(wh.table("claim_items").psn_no.isin(list(people)))
    for r in items.order_by("feedetl_sn").to_pyarrow().to_pylist():
        line = OrderLine(r["feedetl_sn"], r["med_list_codg"], r["pric"], r["cnt"], r["det_item_fee_sumamt"],
                         r["fee_ocur_time"], r["mdtrt_id"])
        by_visit[r["mdtrt_id"]].append(line)
        by_person[r["psn_no"]].append(line)
    hits = set()
    for v in wh.table("visits").to_pyarrow().to_pylist():
        if v["psn_no"] not in people:
            continue
        own = tuple(by_visit.get(v["mdtrt_id"], ()))
        history = _after_ties(own, [h for h in by_person[v["psn_no"]] if h.mdtrt_id != v["mdtrt_id"]])
        visit = Visit(v["mdtrt_id"], people[v["psn_no"]], v["insutype"], v["med_type"], inst[v["fixmedins_code"]], own)
        for hit in check_visit(visit, history, library, stage=Stage.POST):
            if hit.rule_id in rule_ids:
                hits.add((hit.rule_id, hit.feedetl_sn, hit.vola_amt))
    return hits


def _after_ties(own: tuple[OrderLine, ...], history: list[OrderLine]) -> list[OrderLine]:
    """The scan orders lines charged at the same instant by ``feedetl_sn``; check_visit puts history
    first. A history line tied with an earlier-numbered line of the visit moves one microsecond later."""
    first_sn: dict[dt.datetime, str] = {}
    for line in own:
        first_sn[line.fee_ocur_time] = min(first_sn.get(line.fee_ocur_time, line.feedetl_sn), line.feedetl_sn)
    return [replace(h, fee_ocur_time=h.fee_ocur_time + dt.timedelta(microseconds=1))
            if h.fee_ocur_time in first_sn and first_sn[h.fee_ocur_time] < h.feedetl_sn else h for h in history]
