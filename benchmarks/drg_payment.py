"""DRG point payment benchmark: a synthetic region's year paid and cleared on DuckDB.

Steps timed (synthetic generation not timed): grouping every case of the warehouse, base points
(3 history years 1:2:7), 12 monthly pre-settlements, the annual clearing, and the region's and one
hospital's Excel statements. Prints cases/s per step, peak RSS, and whether Σ hospitals == budget.

    .venv/bin/python benchmarks/drg_payment.py --persons 100000
    .venv/bin/python benchmarks/drg_payment.py --persons 20000        # quick

Writes ``benchmarks/results/drg_payment.json``.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "drg_payment.json"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(persons: int, year: int) -> dict[str, object]:
    from yibao.payment.drg import pay_service, statements
    from yibao.payment.policy import load_payment_pack
    from yibao.store.warehouse import connect
    from yibao.synth import SynthConfig, generate_region

    pack = load_payment_pack("zhoushan-drg-2019")
    out: dict[str, object] = {"persons": persons, "year": year}
    with tempfile.TemporaryDirectory(prefix="yibao-drg-pay-bench-") as tmp:
        tables = generate_region(SynthConfig(persons=persons, seed=11, year=year, history_years=3)).collect()
        wh = connect("duckdb", Path(tmp))
        for name in ("cases", "institutions", "persons"):
            wh.write(name, tables[name])
        cases = tables["cases"].num_rows
        year_cases = sum(1 for y in tables["cases"]["setl_year"].to_pylist() if y == year)
        del tables
        out.update(cases=cases, year_cases=year_cases)
        timings = {}
        t = time.perf_counter()
        summary = pay_service.build_base_points(wh, pack, year)
        timings["group_and_base_points"] = time.perf_counter() - t
        t = time.perf_counter()
        for month in range(1, 13):
            pay_service.settle_month(wh, pack, year, month)
        timings["twelve_months"] = time.perf_counter() - t
        t = time.perf_counter()
        pay_service.clear_year(wh, pack, year)
        timings["clearing"] = time.perf_counter() - t
        t = time.perf_counter()
        statements.export_statement(wh, Path(tmp) / "region.xlsx", year)
        code = sorted(wh.table("drg_clearing").to_pyarrow()["fixmedins_code"].to_pylist())[0]
        statements.export_statement(wh, Path(tmp) / "hospital.xlsx", year, code)
        timings["statements"] = time.perf_counter() - t
        balance = statements.balance_check(wh, year)
        out.update(
            groups=summary.groups, small_groups=summary.small, unstable_groups=summary.unstable,
            seconds={k: round(v, 3) for k, v in timings.items()},
            cases_per_s={
                "group_and_base_points": round(cases / timings["group_and_base_points"]),
                "twelve_months": round(year_cases / timings["twelve_months"]),
                "clearing": round(year_cases / timings["clearing"]),
            },
            balanced={k: str(v[0]) == str(v[1]) for k, v in balance.items()},
            budget={k: str(v[1]) for k, v in balance.items()},
            peak_rss_mb=round(_rss_mb(), 1),
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--year", type=int, default=2025)
    args = parser.parse_args()
    result = run(args.persons, args.year)
    for key, value in result.items():
        print(f"{key:>16}: {value}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"written {RESULTS}")


if __name__ == "__main__":
    main()
