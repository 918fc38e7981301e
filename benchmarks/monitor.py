"""Post-event supervision benchmark: a full scan of a synthetic year, then evaluation and ranking.

Generates (or reuses, with ``--cache``) a synthetic region with ``yibao.synth``, then times, in a
fresh subprocess so its peak RSS is its own:

* the full post-event scan (national rules vectorised, price caps, every local rule) over the year,
  in rows of fee lines per second;
* the anomaly ranking of institutions and doctors;

and reports precision / recall per injected pattern and the anomaly score's ROC / PR AUC.

    .venv/bin/python benchmarks/monitor.py --persons 1000000 --cache /tmp/yibao-monitor-1m
    .venv/bin/python benchmarks/monitor.py --persons 100000                       # quick

Writes ``benchmarks/results/monitor.json``.
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

RESULTS = Path(__file__).parent / "results" / "monitor.json"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ensure_region(root: Path, persons: int, seed: int) -> float:
    """Write the region to ``root`` unless a region of that size and seed is already there."""
    stamp = root / "REGION.json"
    # Two earlier years of cases: the anomaly score's CMI / CC-rate drift compares with them.
    if stamp.exists() and json.loads(stamp.read_text()) == {"persons": persons, "seed": seed, "history_years": 2}:
        return 0.0
    from yibao.store.warehouse import Warehouse
    from yibao.synth import SynthConfig, generate_region
    from yibao.synth.write import write_warehouse

    t0 = time.perf_counter()
    write_warehouse(generate_region(SynthConfig(persons=persons, seed=seed, history_years=2)), Warehouse(root))
    stamp.write_text(json.dumps({"persons": persons, "seed": seed, "history_years": 2}))
    return time.perf_counter() - t0


def measure(root: Path) -> dict[str, object]:
    """Scan, evaluate and rank in this process; return the figures."""
    import datetime as dt

    from yibao.store.warehouse import Warehouse
    from yibao.supervision.anomaly.run import rank_entities
    from yibao.supervision.anomaly.score import auc
    from yibao.supervision.scan.evaluate import evaluate
    from yibao.supervision.scan.run import scan_warehouse

    period = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    wh = Warehouse(root)
    lines = wh.table("claim_items").count().to_pyarrow().as_py()
    cases = wh.table("cases").count().to_pyarrow().as_py()
    t0, c0 = time.perf_counter(), time.process_time()
    leads = scan_warehouse(wh, *period)
    scan_s, scan_cpu = time.perf_counter() - t0, time.process_time() - c0
    scan_rss = _rss_mb()
    labels = wh.table("labels").to_pyarrow()
    patterns = {s.pattern: {"leads": s.leads, "labels": s.labels, "precision": round(s.precision, 4),
                            "recall": round(s.recall, 4)} for s in evaluate(leads, labels)}
    rows = labels.to_pylist()
    ranking = {}
    for level, kind, key in (("institution", "abusive_institution", "fixmedins_code"), ("doctor", "abusive_doctor", "atddr_no")):
        t1 = time.perf_counter()
        scored = rank_entities(wh, leads, *period, level)
        roc, pr, n = auc(scored, {r[key] for r in rows if r["kind"] == kind})
        ranking[level] = {"scored": len(scored), "positives": n, "roc_auc": round(roc, 4), "pr_auc": round(pr, 4),
                          "seconds": round(time.perf_counter() - t1, 2)}
    return {"claim_lines": lines, "cases": cases, "leads": leads.num_rows, "scan_seconds": round(scan_s, 2),
            "scan_cpu_seconds": round(scan_cpu, 2),
            "lines_per_second": round(lines / scan_s), "scan_peak_rss_mb": round(scan_rss),
            "peak_rss_mb": round(_rss_mb()), "patterns": patterns, "anomaly": ranking}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument("--cache", type=Path, default=None, help="region directory to reuse between runs")
    parser.add_argument("--measure", type=Path, default=None, help=argparse.SUPPRESS)  # child process
    args = parser.parse_args()
    if args.measure is not None:
        print(json.dumps(measure(args.measure)))
        return
    with tempfile.TemporaryDirectory(prefix="yibao-monitor-bench-") as tmp:
        root = args.cache or Path(tmp) / "region"
        root.mkdir(parents=True, exist_ok=True)
        gen_s = ensure_region(root, args.persons, args.seed)
        out = subprocess.run([sys.executable, __file__, "--measure", str(root)], check=True, capture_output=True, text=True)
    figures = {"persons": args.persons, "seed": args.seed, "generate_seconds": round(gen_s, 1),
               **json.loads(out.stdout.strip().splitlines()[-1])}
    print(f"{args.persons:,} persons: {figures['claim_lines']:,} fee lines, {figures['cases']:,} cases")
    print(f"full scan: {figures['scan_seconds']} s ({figures['scan_cpu_seconds']} CPU-s), "
          f"{figures['lines_per_second']:,} lines/s, "
          f"peak RSS {figures['scan_peak_rss_mb']} MB; {figures['leads']:,} leads")
    for name, p in figures["patterns"].items():  # type: ignore[union-attr]
        print(f"  {name:24s} leads {p['leads']:7d}  precision {p['precision']:.3f}  recall {p['recall']:.3f}")
    for level, a in figures["anomaly"].items():  # type: ignore[union-attr]
        print(f"  anomaly {level:11s} scored {a['scored']:5d} positives {a['positives']:3d} "
              f"ROC AUC {a['roc_auc']:.3f} PR AUC {a['pr_auc']:.3f} ({a['seconds']} s)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
