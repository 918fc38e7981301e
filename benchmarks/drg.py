"""CHS-DRG grouper benchmark: batch on DuckDB (1M, 10M cases) and single-case µs/case.

Random coherent cases come from the scheme's own code lists (``yibao.payment.drg.sample``).
Each size runs in a fresh subprocess so its peak RSS is its own:

* ``group_table``: the Ibis expression on DuckDB over an in-memory Arrow table, in chunks of
  ``--chunk`` cases (generation not timed);
* ``group_file``: the CLI's service, Parquet in → Parquet out, reading and writing included.

    .venv/bin/python benchmarks/drg.py --sizes 1000000,10000000
    .venv/bin/python benchmarks/drg.py --sizes 100000 --single 5000      # quick

Writes ``benchmarks/results/drg.json``.
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

RESULTS = Path(__file__).parent / "results" / "drg.json"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_size(n: int, chunk: int) -> dict[str, float]:
    """Group ``n`` cases both ways in this process; return the figures."""
    import ibis
    import pyarrow.parquet as pq

    from yibao.payment.drg import group_table
    from yibao.payment.drg.sample import sample_cases
    from yibao.payment.drg.service import group_file

    con = ibis.duckdb.connect()
    seconds, cpu, grouped = 0.0, 0.0, 0
    with tempfile.TemporaryDirectory(prefix="yibao-drg-bench-") as tmp:
        source = Path(tmp) / "cases.parquet"
        writer = None
        for start in range(0, n, chunk):
            size = min(chunk, n - start)
            table = sample_cases(size, seed=start, start=start)
            t0, c0 = time.perf_counter(), _cpu()
            out = con.to_pyarrow(group_table(ibis.memtable(table)))
            seconds += time.perf_counter() - t0
            cpu += _cpu() - c0
            grouped += sum(1 for s in out.column("status").to_pylist() if s == "grouped")
            writer = writer or pq.ParquetWriter(source, table.schema)
            writer.write_table(table)
            del out, table
        writer.close()
        rss_table = _rss_mb()
        t0 = time.perf_counter()
        summary = group_file(source, Path(tmp) / "grouped.parquet", chunk_size=chunk)
        file_seconds = time.perf_counter() - t0
    return {
        "cases": n,
        "chunk": chunk,
        "group_table_s": round(seconds, 3),
        "group_table_cases_per_s": round(n / seconds),
        "group_table_cpu_s": round(cpu, 3),  # user+sys of all threads: meaningful on a busy machine
        "group_file_s": round(file_seconds, 3),
        "group_file_cases_per_s": round(n / file_seconds),
        "grouped_share": round(grouped / n, 4),
        "file_grouped_share": round(summary.grouped_share, 4),
        "peak_rss_mb_after_group_table": round(rss_table),
        "peak_rss_mb": round(_rss_mb()),
    }


def run_single(n: int) -> dict[str, float]:
    """µs per case for ``group_case`` on pre-built cases (validation, translation and trace included)."""
    from yibao.payment.drg import Case, group_case
    from yibao.payment.drg.sample import sample_cases

    cases = [Case.from_row(r) for r in sample_cases(n, seed=99).to_pylist()]
    group_case(cases[0])
    t0, c0 = time.perf_counter(), time.process_time()
    for case in cases:
        group_case(case)
    per_case = (time.perf_counter() - t0) / n
    cpu_per_case = (time.process_time() - c0) / n
    return {
        "cases": n,
        "us_per_case": round(per_case * 1e6, 2),
        "cpu_us_per_case": round(cpu_per_case * 1e6, 2),
        "cases_per_s": round(1 / per_case),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000", help="comma-separated case counts")
    parser.add_argument("--chunk", type=int, default=1_000_000, help="cases per chunk")
    parser.add_argument("--single", type=int, default=20_000, help="cases for the single-case timing")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: one size, JSON on stdout
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_size(args.one, args.chunk)))
        return
    results: dict[str, object] = {"benchmark": "drg", "backend": "duckdb", "batch": [], "single": run_single(args.single)}
    single = results["single"]
    print(f"单病例分组：{single['us_per_case']} µs/例，CPU {single['cpu_us_per_case']} µs/例（{single['cases']} 例）")  # type: ignore[index]
    for n in (int(s) for s in args.sizes.split(",") if s):
        cmd = [sys.executable, __file__, "--one", str(n), "--chunk", str(args.chunk)]
        figures = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.splitlines()[-1])
        results["batch"].append(figures)  # type: ignore[union-attr]
        print(
            f"批量分组 {n:,} 例：group_table {figures['group_table_s']} s（{figures['group_table_cases_per_s']:,} 例/秒，"
            f"CPU {figures['group_table_cpu_s']} s），"
            f"group_file {figures['group_file_s']} s（{figures['group_file_cases_per_s']:,} 例/秒），"
            f"峰值内存 {figures['peak_rss_mb']} MB，入组率 {figures['grouped_share']:.2%}"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"结果已写入 {RESULTS}")


if __name__ == "__main__":
    main()
