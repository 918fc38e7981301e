"""Settlement throughput: inpatient claims per second through all three tiers on one core.

Two shapes, reported separately and honestly:
- itemised: 30 fee lines per stay (甲/乙/丙 mix, some above the price cap);
- summarised: 8 cost-category lines per stay.
Persons (2,000, a fifth with hardship identities) carry accumulators over their stays, so
thresholds, brackets and caps are crossed as in a real year. Also reports the JSONL path
(decode + parse + settle), which ``yibao settle`` uses.

Run: ``.venv/bin/python benchmarks/settlement.py`` → prints figures, writes
``benchmarks/results/settlement.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import random
import resource
import time
from decimal import Decimal
from pathlib import Path

from yibao.catalog.model import CatalogEntry, ChargeLevel, ListType
from yibao.enrollment.rules import Coverage
from yibao.policy.loader import bundled_pack
from yibao.settlement import Accumulators, Claim, ClaimItem, Person, settle
from yibao.settlement.jsonl import BatchState, settle_lines

PACK_ID = "heshan-2021"
REGION = "440784"
N_PERSONS = 2_000
N_CLAIMS = 20_000
SEED = 20_211_231


def _catalog(rng: random.Random) -> dict[str, CatalogEntry]:
    catalog = {}
    levels = [ChargeLevel.CLASS_A] * 6 + [ChargeLevel.CLASS_B] * 3 + [ChargeLevel.CLASS_C]
    for i in range(400):
        level = levels[i % len(levels)]
        cap = Decimal(rng.randint(50, 2000)) if i % 7 == 0 else None
        catalog[f"X{i:04d}"] = CatalogEntry(f"X{i:04d}", f"项目{i}", ListType.WESTERN_DRUG, level, f"{(i % 14) + 1:02d}", pric_uplmt_amt=cap)
    return catalog


def _claims(rng: random.Random, catalog: dict[str, CatalogEntry], lines: int) -> list[tuple[Claim, Person]]:
    codes = sorted(catalog)
    persons = []
    identities = [(), (), (), (), ("minimum_living",), ("extreme_poverty",), ("low_income",)]
    for p in range(N_PERSONS):
        persons.append(Person(f"P{p:05d}", "15", REGION, frozenset(identities[p % len(identities)] if p % 5 == 0 else ())))
    claims = []
    for n in range(N_CLAIMS):
        who = persons[rng.randrange(N_PERSONS)]
        items = []
        for _ in range(lines):
            code = codes[rng.randrange(len(codes))]
            cnt = Decimal(rng.randint(1, 5))
            pric = Decimal(rng.randint(100, 300_000)).scaleb(-2)
            items.append(ClaimItem(code, pric, cnt, (pric * cnt).quantize(Decimal("0.01"))))
        day = dt.date(2021, 1, 1) + dt.timedelta(days=n * 364 // N_CLAIMS)
        level = str(rng.choice((1, 2, 3)))
        claims.append((Claim(f"M{n:06d}", who.psn_no, "390", "21", day, day, "H1", level, tuple(items), REGION, level == "1"), who))
    return claims


def _run(claims: list[tuple[Claim, Person]], catalog: dict[str, CatalogEntry]) -> dict[str, float]:
    pack = bundled_pack(PACK_ID)
    coverage = Coverage("390", dt.date(2020, 1, 1))
    accs: dict[str, Accumulators] = {}
    fund = Decimal(0)
    start, cpu = time.perf_counter(), time.process_time()
    for claim, who in claims:
        acc = accs.get(who.psn_no) or Accumulators.empty(who.psn_no, 2021, "390")
        s, accs[who.psn_no] = settle(claim, who, coverage, pack, acc, catalog=catalog)
        fund += s.fund_pay_sumamt
    return _figures(len(claims), time.perf_counter() - start, time.process_time() - cpu)


def _figures(n: int, wall: float, cpu: float) -> dict[str, float]:
    """Wall-clock and CPU-time rates: on a shared machine the CPU-time rate is the engine's own speed."""
    return {
        "claims": n,
        "seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
        "claims_per_s": round(n / wall),
        "claims_per_cpu_s": round(n / cpu),
        "us_per_claim_cpu": round(cpu / n * 1e6, 1),
    }


def _jsonl(claims: list[tuple[Claim, Person]], catalog: dict[str, CatalogEntry]) -> dict[str, float]:
    rows = []
    for claim, who in claims:
        rows.append(json.dumps({
            "mdtrt_id": claim.mdtrt_id, "insutype": "390", "med_type": "21",
            "begndate": claim.begndate.isoformat(), "setl_date": claim.setl_date.isoformat(),
            "fixmedins_code": "H1", "fixmedins_lv": claim.fixmedins_lv, "grassroots": claim.grassroots,
            "person": {"psn_no": who.psn_no, "psn_type": "15", "insuplc_admdvs": REGION, "identities": sorted(who.identities)},
            "coverage": {"enrolled_from": "2020-01-01"},
            "items": [{"med_list_codg": i.med_list_codg, "pric": str(i.pric), "cnt": str(i.cnt), "det_item_fee_sumamt": str(i.det_item_fee_sumamt)} for i in claim.items],
        }))
    start, cpu = time.perf_counter(), time.process_time()
    ok = sum(1 for o in settle_lines(rows, bundled_pack(PACK_ID), catalog, BatchState()) if o.settlement is not None)
    assert ok == len(rows)
    return _figures(len(rows), time.perf_counter() - start, time.process_time() - cpu)


def main() -> None:
    rng = random.Random(SEED)
    catalog = _catalog(rng)
    bundled_pack(PACK_ID)  # parse once, outside the timing
    summarised = _claims(rng, catalog, 8)
    itemised = _claims(rng, catalog, 30)
    _run(summarised[:2000], catalog)  # warm-up
    results = {
        "pack": PACK_ID,
        "python": platform.python_version(),
        "summarised_8_lines": _run(summarised, catalog),
        "itemised_30_lines": _run(itemised, catalog),
        "jsonl_itemised_30_lines": _jsonl(itemised[:5_000], catalog),
        "target_claims_per_s": 20_000,
    }
    results["load_average_1min"] = round(os.getloadavg()[0], 2)
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    for name in ("summarised_8_lines", "itemised_30_lines", "jsonl_itemised_30_lines"):
        r = results[name]
        print(
            f"{name:26s} {r['claims_per_cpu_s']:>8,} claims per CPU-second "
            f"({r['claims_per_s']:,}/s wall; {r['claims']:,} claims, {r['us_per_claim_cpu']} µs each)"
        )
    print(f"peak RSS {results['peak_rss_mb']} MB; load average {results['load_average_1min']}; target ≥ 20,000 inpatient claims/s")
    out = Path(__file__).parent / "results" / "settlement.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
