"""Benchmark: the rule library's load time and the 事前/事中 single-visit review's latency.

Run: ``.venv/bin/python benchmarks/rules.py``. Prints the figures and writes
``benchmarks/results/rules.json``. The visit has 30 fee lines drawn from the national rule codes
(a third of them hit a rule) plus 60 history lines over the past 30 days.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

from yibao.supervision.review import OrderLine, Person, Visit, check_visit, index_for
from yibao.supervision.rules import Stage, load_params
from yibao.supervision.rules.library import LIBRARY_FILE, read_library

RESULTS = Path(__file__).resolve().parent / "results" / "rules.json"
DAY = dt.datetime(2024, 6, 15, 8, 0)


def _line(sn: str, code: str, when: dt.datetime, mdtrt_id: str = "") -> OrderLine:
    return OrderLine(sn, code, Decimal("12.50"), Decimal("2"), Decimal("25.00"), when, mdtrt_id)


def make_visit(codes: list[str], rng: random.Random) -> tuple[Visit, tuple[OrderLine, ...]]:
    picked = rng.sample(codes, 20) + [f"00{rng.randrange(10**13):013d}" for _ in range(10)]
    lines = tuple(_line(str(i), code, DAY + dt.timedelta(minutes=7 * i)) for i, code in enumerate(picked))
    history = tuple(
        _line(f"h{i}", rng.choice(picked), DAY - dt.timedelta(days=rng.randrange(0, 30), hours=1), f"M{i % 4}")
        for i in range(60)
    )
    person = Person("P1", gend=rng.choice("12"), brdy=dt.date(1960 + rng.randrange(60), 3, 1))
    med_type, hosp_lv = rng.choice(["11", "13", "21"]), rng.choice(["1", "2", "3"])
    visit = Visit("M9", person, insutype="310", med_type=med_type, hosp_lv=hosp_lv, lines=lines)
    return visit, history


def cold_load_seconds() -> float:
    code = (
        "import time; t=time.perf_counter(); from yibao.supervision.rules import load_library, load_params; "
        "load_library(); load_params(); print(time.perf_counter()-t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main() -> dict[str, float]:
    start = time.perf_counter()
    library = read_library(LIBRARY_FILE)
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    index = index_for(library)
    index_s = time.perf_counter() - start
    tracemalloc.start()  # memory measured on a second, traced load (tracing slows it down)
    index_for(read_library(LIBRARY_FILE))
    _, library_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    params = load_params()

    rng = random.Random(20240615)
    codes = sorted(index.by_code)
    cases = [make_visit(codes, rng) for _ in range(400)]
    hits = sum(len(check_visit(v, h, index, params)) for v, h in cases)  # warm-up and a sanity figure
    timings: dict[str, list[float]] = {}
    for stage in (Stage.PRE, Stage.IN):
        samples = []
        for _ in range(3):
            for visit, history in cases:
                t0 = time.perf_counter()
                check_visit(visit, history, index, params, stage=stage)
                samples.append(time.perf_counter() - t0)
        timings[stage.value] = samples
    figures = {
        "entries": len(library.entries),
        "library_load_s": round(load_s, 4),
        "library_cold_import_and_load_s": round(cold_load_seconds(), 4),
        "index_build_s": round(index_s, 4),
        "library_and_index_peak_mib": round(library_peak / 2**20, 1),
        "visit_lines": 30,
        "history_lines": 60,
        "hits_per_visit": round(hits / len(cases), 2),
    }
    for name, samples in timings.items():
        key = "pre" if name == Stage.PRE.value else "in"
        samples.sort()
        figures[f"{key}_visit_median_us"] = round(statistics.median(samples) * 1e6, 1)
        figures[f"{key}_visit_p99_us"] = round(samples[int(len(samples) * 0.99)] * 1e6, 1)
        figures[f"{key}_visits_per_s"] = round(len(samples) / sum(samples))
        figures[f"{key}_lines_per_s"] = round(30 * len(samples) / sum(samples))
    figures["max_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for key, value in figures.items():
        print(f"{key:36} {value}")
    return figures


if __name__ == "__main__":
    main()
