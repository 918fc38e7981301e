"""Settle a period of the warehouse through the one-stop engine (批量结算服务).

Reads persons, institutions, the catalog, visits and claim items from the warehouse, settles every
visit in the order it ended (so the annual accumulators build up as they would at the counters),
and writes the ``settlements`` table. Refusals (未参保 / 等待期 / 暂停 / bad input) settle nothing and
are counted by their stable code. The engine is the same pure function the HIS gateway calls.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from yibao.catalog.model import CatalogEntry, ChargeLevel, ListType
from yibao.enrollment.rules import Coverage
from yibao.errors import YibaoError
from yibao.money import ZERO
from yibao.policy.schema import IDENTITY_CODES, PolicyPack
from yibao.settlement.accumulators import Accumulators
from yibao.settlement.engine import settle
from yibao.settlement.model import MONEY_FIELDS, Claim, ClaimItem, Person, Settlement
from yibao.settlement.watch import BurdenCase, burden_watchlist
from yibao.store.warehouse import Warehouse, arrow_schema

Progress = Callable[[int], None]


@dataclass
class PeriodResult:
    """What a batch run did: counts, refusals by code, fund totals, the burden watch list."""

    settled: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    refusal_examples: dict[str, str] = field(default_factory=dict)
    totals: dict[str, Decimal] = field(default_factory=dict)
    totals_by_insutype: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    watchlist: list[BurdenCase] = field(default_factory=list)


def _catalog(table: pa.Table) -> dict[str, CatalogEntry]:
    rows = table.select(["med_list_codg", "name", "list_type", "chrgitm_lv", "med_chrgitm_type", "selfpay_prop", "pric_uplmt_amt"])
    return {
        r["med_list_codg"]: CatalogEntry(
            med_list_codg=r["med_list_codg"],
            name=r["name"],
            list_type=ListType(r["list_type"]),
            chrgitm_lv=ChargeLevel(r["chrgitm_lv"]),
            med_chrgitm_type=r["med_chrgitm_type"],
            selfpay_prop=r["selfpay_prop"] or Decimal(0),
            pric_uplmt_amt=r["pric_uplmt_amt"],
        )
        for r in rows.to_pylist()
    }


def _people(table: pa.Table, year_end: dt.date) -> dict[str, tuple[Person, Coverage]]:
    cols = ["psn_no", "insutype", "psn_type", "psn_idet_type", "insu_admdvs", "insu_begn_date", "wait_end_date"]
    out: dict[str, tuple[Person, Coverage]] = {}
    for r in table.select(cols).to_pylist():
        identity = IDENTITY_CODES.get(r["psn_idet_type"] or "")
        person = Person(
            psn_no=r["psn_no"],
            psn_type=r["psn_type"],
            insuplc_admdvs=r["insu_admdvs"],
            identities=frozenset((identity,)) if identity else frozenset(),
            acct_balc=ZERO,
        )
        coverage = Coverage(r["insutype"], r["insu_begn_date"], year_end, r["wait_end_date"])
        out[r["psn_no"]] = (person, coverage)
    return out


def _items_by_visit(items: pa.Table) -> tuple[dict[str, slice], list[ClaimItem]]:
    """Claim items grouped by mdtrt_id: one sort, then contiguous slices (no per-group filtering)."""
    items = items.sort_by("mdtrt_id")
    ids = items.column("mdtrt_id").to_numpy(zero_copy_only=False)
    lines = [
        ClaimItem(c, p, n, t)
        for c, p, n, t in zip(
            items.column("med_list_codg").to_pylist(),
            items.column("pric").to_pylist(),
            items.column("cnt").to_pylist(),
            items.column("det_item_fee_sumamt").to_pylist(),
            strict=True,
        )
    ]
    if len(ids) == 0:
        return {}, lines
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    ends = np.r_[starts[1:], len(ids)]
    return {ids[s]: slice(int(s), int(e)) for s, e in zip(starts, ends, strict=True)}, lines


def settle_period(
    warehouse: Warehouse,
    policy: PolicyPack,
    *,
    progress: Progress | None = None,
) -> PeriodResult:
    """Settle every visit in the warehouse under ``policy``; write ``settlements``; return the summary."""
    year_end = policy.valid_to or dt.date(policy.year, 12, 31)
    catalog = _catalog(warehouse.table("catalog").to_pyarrow())
    people = _people(warehouse.table("persons").to_pyarrow(), year_end)
    inst = warehouse.table("institutions").select("fixmedins_code", "hosp_lv", "grassroots_flag", "admdvs").to_pyarrow()
    levels = {r["fixmedins_code"]: (r["hosp_lv"], r["grassroots_flag"], r["admdvs"]) for r in inst.to_pylist()}
    chronic = {
        r["psn_no"]: r["chronic_dise_codg"]
        for r in warehouse.table("persons").select("psn_no", "chronic_dise_codg").to_pyarrow().to_pylist()
        if r["chronic_dise_codg"]
    }
    visits = warehouse.table("visits").to_pyarrow()
    visits = visits.take(pc.sort_indices(visits, [("endtime", "ascending"), ("mdtrt_id", "ascending")]))
    slices, lines = _items_by_visit(warehouse.table("claim_items").select(
        "mdtrt_id", "med_list_codg", "pric", "cnt", "det_item_fee_sumamt").to_pyarrow())

    result = PeriodResult()
    accs: dict[tuple[str, int, str], Accumulators] = {}
    rows: list[Settlement] = []
    setl_times: list[dt.datetime] = []
    fixmedins: list[str] = []
    cols = ["mdtrt_id", "psn_no", "fixmedins_code", "insutype", "med_type", "begntime", "endtime"]
    for n, v in enumerate(visits.select(cols).to_pylist(), start=1):
        if progress is not None and n % 5000 == 0:
            progress(5000)
        person, coverage = people[v["psn_no"]]
        level, grassroots, area = levels[v["fixmedins_code"]]
        span = slices.get(v["mdtrt_id"])
        claim = Claim(
            mdtrt_id=v["mdtrt_id"],
            psn_no=v["psn_no"],
            insutype=v["insutype"],
            med_type=v["med_type"],
            begndate=v["begntime"].date(),
            setl_date=v["endtime"].date(),
            fixmedins_code=v["fixmedins_code"],
            fixmedins_lv=level,
            items=tuple(lines[span]) if span else (),
            mdtrtarea_admvs=area,
            grassroots=bool(grassroots),
            chronic_code=chronic.get(v["psn_no"]) if v["med_type"] == "14" else None,
        )
        key = (claim.psn_no, claim.setl_date.year, claim.insutype)
        acc = accs.get(key) or Accumulators.empty(*key)
        try:
            settlement, accs[key] = settle(claim, person, coverage, policy, acc, catalog=catalog)
        except YibaoError as exc:
            result.refused[exc.code.value] += 1
            result.refusal_examples.setdefault(exc.code.value, exc.message)
            continue
        rows.append(settlement)
        setl_times.append(v["endtime"])
        fixmedins.append(claim.fixmedins_code)
    if progress is not None:
        progress(len(visits) % 5000)

    warehouse.write("settlements", _to_arrow(rows, setl_times, fixmedins))
    result.settled = len(rows)
    result.totals = _totals(rows)
    for insutype in sorted({s.insutype for s in rows}):
        result.totals_by_insutype[insutype] = _totals([s for s in rows if s.insutype == insutype])
    result.watchlist = burden_watchlist(accs.values(), policy)
    return result


def _totals(rows: list[Settlement]) -> dict[str, Decimal]:
    return {name: sum((getattr(s, name) for s in rows), ZERO) for name in MONEY_FIELDS if name != "balc"}


def _to_arrow(rows: list[Settlement], setl_times: list[dt.datetime], fixmedins: list[str]) -> pa.Table:
    schema = arrow_schema("settlements")
    columns: Mapping[str, list[object]] = {
        "setl_id": [f"S{s.mdtrt_id}" for s in rows],
        "mdtrt_id": [s.mdtrt_id for s in rows],
        "psn_no": [s.psn_no for s in rows],
        "fixmedins_code": fixmedins,
        "insutype": [s.insutype for s in rows],
        "med_type": [s.med_type for s in rows],
        "setl_time": setl_times,
        "policy_version": [f"{s.pack_id}@{s.pack_version}" for s in rows],
    }
    data = {}
    for f in schema:
        if f.name in columns:
            data[f.name] = pa.array(columns[f.name], type=f.type)
        elif hasattr(Settlement, f.name):
            data[f.name] = pa.array([getattr(s, f.name) for s in rows], type=f.type)
        else:  # funds this engine does not pay (公务员补助, 企业补充, 其他, 医院负担)
            data[f.name] = pa.array([ZERO] * len(rows), type=f.type)
    return pa.table(data, schema=schema)


__all__ = ["PeriodResult", "settle_period"]
