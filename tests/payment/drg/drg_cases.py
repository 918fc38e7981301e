"""Worked-case helpers shared by the DRG tests (a plain module: test files import it by name)."""

import re
from pathlib import Path

import pyarrow as pa

from yibao.payment.drg import Case, group_case

COLUMNS = ("case_id", "gend", "age", "age_days", "nwb_bir_wt", "ipt_days", "dscg_way", "diag_codes", "oprn_codes")
SCHEMA = pa.schema(
    [
        ("case_id", pa.string()),
        ("gend", pa.int64()),
        ("age", pa.float64()),
        ("age_days", pa.float64()),
        ("nwb_bir_wt", pa.float64()),
        ("ipt_days", pa.int64()),
        ("dscg_way", pa.string()),
        ("diag_codes", pa.string()),
        ("oprn_codes", pa.string()),
    ]
)
SNAPSHOTS = Path(__file__).parent / "snapshots"


def rows_table(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist([{k: r.get(k) for k in COLUMNS} for r in rows], schema=SCHEMA)


def groups(table: pa.Table) -> dict[str, tuple]:
    """case_id → (mdc, adrg, drg, status) from a grouped Arrow table."""
    return {r["case_id"]: (r["mdc"], r["adrg"], r["drg"], r["status"]) for r in table.to_pylist()}


def single_groups(table: pa.Table) -> dict[str, tuple]:
    out = {}
    for row in table.to_pylist():
        r = group_case(Case.from_row(row))
        out[row["case_id"]] = (r.mdc, r.adrg, r.drg, r.status.value)
    return out


def normalised_sql(sql: str) -> str:
    """SQL with the random in-memory table names replaced by stable placeholders."""
    names: dict[str, str] = {}
    return re.sub(r"ibis_\w+?_memtable_[a-z0-9]+", lambda m: names.setdefault(m.group(0), f"scheme_table_{len(names)}"), sql)


def check_snapshot(name: str, sql: str) -> None:
    """Compare with the stored snapshot; YIBAO_UPDATE_SNAPSHOTS=1 rewrites it."""
    import os

    path = SNAPSHOTS / name
    if os.environ.get("YIBAO_UPDATE_SNAPSHOTS") == "1" or not path.exists():
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_bytes(sql.encode("utf-8"))
    stored = path.read_bytes().decode("utf-8")  # bytes: the SQL holds a literal carriage return
    assert sql == stored, f"{name} changed; rerun with YIBAO_UPDATE_SNAPSHOTS=1 if intended"


