"""DIP benchmark: build the catalog from three history years and settle / clear a year.

Cases are generated with numpy straight into the warehouse's ``cases`` schema (a pool of diagnosis ×
procedure paths with Zipf popularity and lognormal costs, real ICD-10 / ICD-9-CM-3 医保版 codes), so
sizes up to 10,000,000 are quick to make. Runs on DuckDB (the default backend).

    .venv/bin/python benchmarks/dip.py                      # 1,000,000 history cases + 1,000,000 in the year
    .venv/bin/python benchmarks/dip.py --history 10000000 --year-cases 10000000
    .venv/bin/python benchmarks/dip.py --history 100000 --year-cases 100000   # quick

Prints cases/s and peak RSS, and writes ``benchmarks/results/dip.json`` (keyed by size).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from yibao.codes.kinds import or_procedures
from yibao.codes.tables import data_dir, read_tsv
from yibao.payment.dip import service, settlement
from yibao.payment.policy import load_payment_pack
from yibao.store.warehouse import SCHEMAS, connect
from yibao.synth.arrow import decimal_from_units

YEAR = 2025
PATHS = 6_000
INSTITUTIONS = 300


def _pool(rng: np.random.Generator) -> tuple[pa.Array, pa.Array, np.ndarray]:
    diags = [r[0] for r in read_tsv(data_dir() / "diagnoses.tsv")]
    ccs = [r[0] for r in read_tsv(data_dir() / "cc.tsv")][:3000]
    ors = sorted(or_procedures())
    or_set = set(ors)
    others = [r[0] for r in read_tsv(data_dir() / "procedures.tsv") if r[0] not in or_set][:4000]
    principal = rng.choice(diags, PATHS)
    dx, ox = [], []
    for i in range(PATHS):
        second = f"|{ccs[rng.integers(len(ccs))]}" if rng.random() < 0.3 else ""
        dx.append(principal[i] + second)
        r = rng.random()
        if r < 0.45:
            ox.append("")
        elif r < 0.8:
            ox.append(ors[rng.integers(len(ors))])
        elif r < 0.9:
            ox.append(f"{ors[rng.integers(len(ors))]}|{others[rng.integers(len(others))]}")
        else:
            ox.append(others[rng.integers(len(others))])
    mean = np.exp(rng.normal(9.3, 0.8, PATHS))  # ≈ 11,000 yuan median
    return pa.array(dx), pa.array(ox), mean


def _ids(prefix: str, numbers: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pa.array(numbers).cast(pa.string()), "")


def _cases(rng: np.random.Generator, n: int, year: int, first: int, pool: tuple[pa.Array, pa.Array, np.ndarray],
           levels: np.ndarray) -> pa.Table:
    dx, ox, mean = pool
    weights = 1.0 / np.arange(1, PATHS + 1) ** 0.9
    path = rng.choice(PATHS, n, p=weights / weights.sum())
    inst = rng.integers(0, INSTITUTIONS, n)
    level_factor = np.array([0.75, 0.9, 1.0])[levels[inst] - 1]
    # ICU stays (3 %, 1-5 days) and tumour stages (malignant principal diagnoses) make a case dearer
    icu = np.where(rng.random(n) < 0.03, rng.integers(1, 6, n), 0)
    tumour = np.asarray(pc.starts_with(dx.take(pa.array(path)), "C"))
    stage = rng.integers(0, 4, n)
    factor = np.where(icu > 0, 1.6, 1.0) * np.where(tumour, 1 + 0.2 * stage, 1.0)
    cost = np.round(mean[path] * level_factor * factor * rng.lognormal(0, 0.45, n) * (1.04 ** (year - YEAR)), 2)
    start = np.datetime64(f"{year}-01-01")
    days = rng.integers(1, 30, n)
    dscg = start + rng.integers(0, 365, n).astype("timedelta64[D]")
    adm = dscg - days.astype("timedelta64[D]")
    money = decimal_from_units(np.round(cost * 100).astype(np.int64))
    zero = decimal_from_units(np.zeros(n, np.int64))
    ids = np.arange(first, first + n)
    cols = {
        "case_id": _ids("C", ids), "mdtrt_id": _ids("M", ids),
        "psn_no": _ids("P", rng.integers(0, max(n * 4, 1), n)), "fixmedins_code": _ids("H", inst),
        "insutype": pc.if_else(pa.array(rng.random(n) < 0.4), "310", "390"),
        "gend": pa.array(rng.integers(1, 3, n), pa.int32()), "age": pa.array(rng.integers(0, 95, n), pa.int32()),
        "age_days": pa.nulls(n, pa.int32()), "nwb_bir_wt": pa.nulls(n, pa.int32()),
        "ipt_days": pa.array(days, pa.int32()),
        "dscg_way": pc.if_else(pa.array(rng.random(n) < 0.01), "5", "1"),
        "icu_days": pa.array(icu, pa.int32()),
        "tumor_stage": pa.array(np.where(tumour, np.array(["I", "II", "III", "IV"])[stage], None), pa.string()),
        "diag_codes": dx.take(pa.array(path)), "oprn_codes": ox.take(pa.array(path)),
        "adm_date": pa.array(adm), "dscg_date": pa.array(dscg), "atddr_no": pa.repeat("D1", n),
        "dept_code": pa.repeat("01", n), "setl_year": pa.array(np.full(n, year), pa.int32()),
        "medfee_sumamt": money, **{f"fee_{i:02d}": zero for i in range(1, 15)},
    }
    return pa.table(cols).cast(SCHEMAS["cases"].to_pyarrow())


def generate(root: Path, history: int, year_cases: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    pool = _pool(rng)
    levels = rng.choice([1, 2, 3], INSTITUTIONS, p=[0.6, 0.3, 0.1])
    wh = connect("duckdb", root)
    codes = np.char.add("H", np.arange(INSTITUTIONS).astype(str))
    wh.write("institutions", pa.table({
        "fixmedins_code": codes, "fixmedins_name": codes, "fixmedins_type": np.full(INSTITUTIONS, "1"),
        "hosp_lv": levels.astype(str), "inst_kind": np.full(INSTITUTIONS, "hospital"),
        "grassroots_flag": np.zeros(INSTITUTIONS, bool), "aprv_bed_cnt": pa.array(np.full(INSTITUTIONS, 100), pa.int32()),
        "admdvs": np.full(INSTITUTIONS, "370302")}))
    shares = (1, 2, 7)  # history volume grows; the split only sizes the files
    first = 0
    for i, year in enumerate((YEAR - 3, YEAR - 2, YEAR - 1)):
        n = history * shares[i] // sum(shares) if i < 2 else history - first
        for part, lo in enumerate(range(0, n, 1_000_000)):
            m = min(1_000_000, n - lo)
            wh.write("cases", _cases(rng, m, year, first + lo, pool, levels), partition=f"{year}-{part:03d}")
        first += n
    for part, lo in enumerate(range(0, year_cases, 1_000_000)):
        m = min(1_000_000, year_cases - lo)
        wh.write("cases", _cases(rng, m, YEAR, first + lo, pool, levels), partition=f"{YEAR}-{part:03d}")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(history: int, year_cases: int, months: int, keep: Path | None, memory_limit: str) -> dict[str, object]:
    root = keep or Path(tempfile.mkdtemp(prefix="yibao-dip-bench-"))
    try:
        t0 = time.perf_counter()
        generate(root, history, year_cases)
        t_gen = time.perf_counter() - t0
        wh = connect("duckdb", root)
        # an in-memory DuckDB cannot spill unless told where: bound it and give it a temp folder
        wh.con.raw_sql(f"SET memory_limit = '{memory_limit}'")
        wh.con.raw_sql(f"SET temp_directory = '{root / '_spill'}'")
        pack = load_payment_pack("zibo-dip-2025")
        t1, c1 = time.perf_counter(), time.process_time()
        summary = service.build_catalog(wh, pack, YEAR)
        t_cat, c_cat = time.perf_counter() - t1, time.process_time() - c1
        t2 = time.perf_counter()
        for month in range(1, months + 1):
            settlement.settle_month(wh, pack, YEAR, month)
        t_month = time.perf_counter() - t2
        t3, c3 = time.perf_counter(), time.process_time()
        funds = settlement.clear_year(wh, pack, YEAR)
        t_clear, c_clear = time.perf_counter() - t3, time.process_time() - c3
        balanced = all(f.paid_total == f.budget for f in funds if f.budget)
        return {
            "history_cases": history, "year_cases": year_cases, "generate_s": round(t_gen, 2),
            "catalog_s": round(t_cat, 2), "catalog_cases_per_s": round(history / t_cat),
            "monthly_settlements": months, "monthly_s": round(t_month, 2),
            "clearing_s": round(t_clear, 2), "clearing_cases_per_s": round(year_cases / t_clear),
            "catalog_plus_year_s": round(t_cat + t_clear, 2),
            # CPU seconds of the process (every DuckDB thread): comparable on a loaded machine
            "catalog_cpu_s": round(c_cat, 2), "clearing_cpu_s": round(c_clear, 2),
            "subtype_groups": summary.subtype_groups,
            "groups": summary.groups, "core_coverage": str(summary.core_coverage), "riv": str(summary.riv),
            "balanced_to_budget": balanced, "peak_rss_mb": round(_rss_mb()),
        }
    finally:
        if keep is None:
            shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, default=1_000_000, help="cases in the three history years together")
    parser.add_argument("--year-cases", type=int, default=1_000_000, help="cases in the settled year")
    parser.add_argument("--months", type=int, default=1, help="monthly settlements to run before clearing")
    parser.add_argument("--keep", type=Path, default=None, help="keep the warehouse in this folder")
    parser.add_argument("--memory-limit", default="3GB", help="DuckDB memory limit (it spills beyond)")
    args = parser.parse_args()
    result = run(args.history, args.year_cases, args.months, args.keep, args.memory_limit)
    result["memory_limit"] = args.memory_limit
    for key, value in result.items():
        print(f"{key:>24}: {value}")
    out = Path(__file__).parent / "results" / "dip.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(out.read_text()) if out.exists() else {}
    data[f"{args.history}+{args.year_cases}"] = result
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
