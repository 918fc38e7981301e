"""Benchmark: generate synthetic regions and write the Parquet warehouse.

    .venv/bin/python benchmarks/synth.py --persons 200000,1000000

Prints rows/s per table, total seconds and peak RSS, and writes benchmarks/results/synth.json.
Each size runs in a fresh subprocess so peak RSS is that size's own. Target: 1,000,000 persons
in under 120 s within 4 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_one(persons: int, seed: int) -> dict:
    from yibao.store.warehouse import connect
    from yibao.synth import SynthConfig, generate_region, write_warehouse

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        region = generate_region(SynthConfig(persons=persons, seed=seed))
        prepared = time.perf_counter() - start
        counts = write_warehouse(region, connect("duckdb", Path(tmp)))
        total = time.perf_counter() - start
        size = sum(p.stat().st_size for p in Path(tmp).rglob("*.parquet"))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "persons": persons, "seconds": round(total, 2), "prepare_seconds": round(prepared, 2),
        "peak_rss_mb": round(peak_mb, 1), "parquet_mb": round(size / 2**20, 1),
        "rows": counts, "rows_per_second": {k: round(v / total) for k, v in counts.items()},
        "total_rows_per_second": round(sum(counts.values()) / total),
        "target_met": persons < 1_000_000 or (total < 120 and peak_mb < 4096),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", default="200000,1000000")
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(int(args.persons), args.seed)))
        return
    results = []
    for n in (int(x) for x in args.persons.split(",")):
        out = subprocess.run([sys.executable, __file__, "--one", "--persons", str(n), "--seed", str(args.seed)],
                             check=True, capture_output=True, text=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        results.append(result)
        print(f"{n:>9,} 人: {result['seconds']:7.1f} s, 峰值内存 {result['peak_rss_mb']:8.1f} MB, "
              f"总计 {result['total_rows_per_second']:,} 行/秒, Parquet {result['parquet_mb']} MB")
        for table, rows in result["rows"].items():
            print(f"    {table:<13} {rows:>11,} 行  {result['rows_per_second'][table]:>11,} 行/秒")
    target = Path(__file__).parent / "results" / "synth.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"benchmark": "synth", "results": results}, ensure_ascii=False, indent=2))
    print(f"写入 {target}")


if __name__ == "__main__":
    main()
