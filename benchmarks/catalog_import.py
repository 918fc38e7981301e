"""Benchmark: importing a 医保目录 file through the service (parse + validate + one transaction).

Run: ``.venv/bin/python benchmarks/catalog_import.py [rows]`` (default 20 000). Writes a real xlsx
and a CSV with openpyxl / csv (untimed), then times reading each file and importing it into a fresh
SQLite store (and PostgreSQL when reachable), and re-importing the same file (all updates). Times are
taken without tracing; each action then runs once more under tracemalloc for its peak memory. Prints
rows/s and peak memory, and writes ``benchmarks/results/catalog_import.json``.
"""

from __future__ import annotations

import csv
import io
import json
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy.exc import OperationalError

from yibao.catalog.importer import FIELDS, read_file
from yibao.catalog.service import import_file
from yibao.store import db
from yibao.store.uow import SqlUnitOfWork

RESULTS = Path(__file__).resolve().parent / "results" / "catalog_import.json"


def rows(n: int) -> list[list[object]]:
    levels = ("01", "02", "03")
    return [
        [f"XB{i:08d}", f"目录项目{i}", ("101", "201", "301")[i % 3], levels[i % 3], f"{i % 14 + 1:02d}",
         "0.10" if i % 3 == 1 else "0", f"{i % 500}.25", "2021-01-01", ""]
        for i in range(n)
    ]


def xlsx_bytes(data: list[list[object]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(list(FIELDS))
    for row in data:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(data: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FIELDS)
    writer.writerows(data)
    return out.getvalue().encode("utf-8")


def timed(label: str, n: int, action: Callable[[], object]) -> dict[str, float]:
    """Wall time (untraced), then the same action again under tracemalloc for its peak Python memory."""
    start = time.perf_counter()
    action()
    seconds = time.perf_counter() - start
    tracemalloc.start()
    action()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    figures = {"seconds": round(seconds, 3), "rows_per_s": round(n / seconds), "peak_mib": round(peak / 2**20, 1)}
    print(f"{label:<24} {figures['seconds']:>7.2f} s {figures['rows_per_s']:>8,} 行/秒  峰值 {figures['peak_mib']} MiB")
    return figures


def import_twice(url: str, name: str, data: bytes, n: int, label: str) -> dict[str, dict[str, float]]:
    """First import (all inserts; the traced repeat is then all updates), then a timed re-import."""
    db.upgrade(url)
    engine = db.make_engine(url)
    factory = db.session_factory(engine)
    try:
        first = timed(f"{label} 导入 {name}", n, lambda: import_file(SqlUnitOfWork(factory), name, data))
        again = timed(f"{label} 重导（全部更新）", n, lambda: import_file(SqlUnitOfWork(factory), name, data))
    finally:
        engine.dispose()
    return {"first": first, "reimport": again}


def main(n: int) -> dict[str, object]:
    data = rows(n)
    files = {"catalog.xlsx": xlsx_bytes(data), "catalog.csv": csv_bytes(data)}
    print(f"目录导入基准：{n:,} 行；xlsx {len(files['catalog.xlsx']) / 2**20:.1f} MiB，csv {len(files['catalog.csv']) / 2**20:.1f} MiB")
    result: dict[str, object] = {"rows": n}
    for name, blob in files.items():
        result[f"read_{name}"] = timed(f"读取校验 {name}", n, lambda blob=blob, name=name: read_file(name, blob))
    with tempfile.TemporaryDirectory() as home:
        result["sqlite"] = import_twice(f"sqlite:///{home}/bench.sqlite3", "catalog.xlsx", files["catalog.xlsx"], n, "SQLite")
    try:
        with tempfile.TemporaryDirectory() as home, db.scratch_database("postgresql", Path(home), "yibao_bench") as url:
            result["postgresql"] = import_twice(url, "catalog.xlsx", files["catalog.xlsx"], n, "PostgreSQL")
    except OperationalError:  # no server: the PostgreSQL figures are simply left out
        pass
    result["max_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(f"进程最大常驻内存 {result['max_rss_mib']} MiB")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return result


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
