"""Builders for settlement tests: a small catalog and claims in a few words."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from yibao.catalog.model import CatalogEntry, ChargeLevel, ListType
from yibao.enrollment.rules import Coverage
from yibao.policy.loader import bundled_pack
from yibao.settlement import Accumulators, Claim, ClaimItem, Person, settle

CATALOG = {
    "A-BED": CatalogEntry("A-BED", "床位费", ListType.SERVICE_ITEM, ChargeLevel.CLASS_A, "01"),
    "A-DRUG": CatalogEntry("A-DRUG", "甲类西药", ListType.WESTERN_DRUG, ChargeLevel.CLASS_A, "09"),
    "B-DRUG": CatalogEntry("B-DRUG", "乙类西药", ListType.WESTERN_DRUG, ChargeLevel.CLASS_B, "09"),
    "B-DRUG-20": CatalogEntry("B-DRUG-20", "乙类自付20%", ListType.WESTERN_DRUG, ChargeLevel.CLASS_B, "09", Decimal("0.20")),
    "C-ITEM": CatalogEntry("C-ITEM", "丙类项目", ListType.SERVICE_ITEM, ChargeLevel.CLASS_C, "05"),
    "A-STENT": CatalogEntry("A-STENT", "限价支架", ListType.CONSUMABLE, ChargeLevel.CLASS_A, "08", pric_uplmt_amt=Decimal("700.00")),
}

REGIONS = {"zhoushan-2019": ("330902", 2019), "heshan-2021": ("440784", 2021), "national-2021": ("510104", 2021)}


def D(text: str | int) -> Decimal:
    return Decimal(str(text))


def item(code: str, amount: str | int, cnt: str | int = 1) -> ClaimItem:
    total = D(amount)
    count = D(cnt)
    return ClaimItem(code, total / count, count, total.quantize(Decimal("0.01")))


def person(pack_id: str, psn_no: str = "P1", psn_type: str = "15", identities: tuple[str, ...] = (), acct: str = "0") -> Person:
    region, _ = REGIONS[pack_id]
    return Person(psn_no, psn_type, region, frozenset(identities), D(acct).quantize(Decimal("0.01")))


def claim(
    pack_id: str,
    items: tuple[ClaimItem, ...],
    *,
    med_type: str = "21",
    level: str = "3",
    grassroots: bool = False,
    insutype: str = "390",
    psn_no: str = "P1",
    day: int = 1,
    chronic_code: str | None = None,
    treated_in: str | None = None,
    mdtrt_id: str | None = None,
) -> Claim:
    region, year = REGIONS[pack_id]
    date = dt.date(year, 1, 1) + dt.timedelta(days=day)
    return Claim(
        mdtrt_id or f"M{day}",
        psn_no,
        insutype,
        med_type,
        date,
        date,
        "H001",
        level,
        items,
        treated_in or region,
        grassroots,
        chronic_code,
    )


def coverage(insutype: str = "390") -> Coverage:
    return Coverage(insutype, dt.date(2000, 1, 1))


def empty(pack_id: str, psn_no: str = "P1", insutype: str = "390") -> Accumulators:
    return Accumulators.empty(psn_no, REGIONS[pack_id][1], insutype)


def run(pack_id: str, claims: list[Claim], who: Person, acc: Accumulators | None = None):
    """Settle claims in order; returns (settlements, final accumulators)."""
    pack = bundled_pack(pack_id)
    acc = acc or empty(pack_id, who.psn_no, claims[0].insutype)
    results = []
    for c in claims:
        s, acc = settle(c, who, coverage(c.insutype), pack, acc, catalog=CATALOG)
        results.append(s)
    return results, acc
