"""Group a file of cases (CSV or Parquet in, CSV or Parquet out): the imperative shell of the grouper.

The file is read by DuckDB (CSV as text, so every other column passes through exactly as
written), grouped by :func:`~yibao.payment.drg.batch.group_table` in chunks of ``chunk_size``
cases (so ten million cases stay within a few GB), and written in input order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import uuid

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from yibao.errors import ErrorCode, InputError
from ibis.backends import BaseBackend

from yibao.payment.drg.batch import INPUT_COLUMNS, OUTPUT_COLUMNS, Materialise, group_table
from yibao.payment.drg.model import GroupStatus
from yibao.payment.drg.scheme import Scheme

FORMATS = (".csv", ".parquet")
_ROW = "_yibao_row"


@dataclass
class GroupSummary:
    """What a grouping run did: cases and status counts (入组情况)."""

    cases: int = 0
    by_status: Counter[str] = field(default_factory=Counter)

    @property
    def grouped(self) -> int:
        return self.by_status.get(GroupStatus.GROUPED.value, 0)

    @property
    def grouped_share(self) -> float:
        return self.grouped / self.cases if self.cases else 0.0


def _format(path: Path, field_name: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InputError(ErrorCode.INVALID_VALUE, field=field_name, detail=f"{path.name}：只支持 .csv 或 .parquet")
    return suffix


def group_file(
    source: Path,
    target: Path,
    scheme: Scheme | None = None,
    chunk_size: int = 500_000,
    on_progress: Callable[[int, int], None] | None = None,
) -> GroupSummary:
    """Group every case of ``source`` into ``target``; ``on_progress(done, total)`` after each chunk."""
    fmt_in, fmt_out = _format(source, "INPUT"), _format(target, "--out")
    if not source.exists():
        raise InputError(ErrorCode.NOT_FOUND, field="INPUT", detail=str(source))
    con = ibis.duckdb.connect()
    raw = con.read_csv(source, all_varchar=True) if fmt_in == ".csv" else con.read_parquet(source)
    missing = [c for c in INPUT_COLUMNS if c not in raw.columns]
    if missing:
        raise InputError(ErrorCode.MISSING_FIELD, field="、".join(missing), detail=source.name)
    cases = con.create_table("cases", raw.mutate(**{_ROW: ibis.row_number()}), temp=True)
    stats = con.to_pyarrow(
        cases.aggregate(n=cases.count(), ids=cases.case_id.nunique(), nulls=cases.case_id.isnull().sum())
    ).to_pylist()[0]
    total = int(stats["n"])
    if stats["ids"] != total or stats["nulls"]:
        raise InputError(ErrorCode.INVALID_VALUE, field="case_id", detail="病例编号不能为空或重复")
    summary = GroupSummary()
    writer: pq.ParquetWriter | pacsv.CSVWriter | None = None
    try:
        for start in range(0, max(total, 1), chunk_size):
            chunk = cases.filter((cases[_ROW] >= start) & (cases[_ROW] < start + chunk_size))
            out = group_table(chunk, scheme).order_by(_ROW).drop(_ROW)
            table = con.to_pyarrow(out)
            writer = writer or _writer(target, fmt_out, table.schema)
            writer.write_table(table)
            summary.cases += table.num_rows
            summary.by_status.update(table.column("status").to_pylist())
            if on_progress:
                on_progress(summary.cases, total)
    finally:
        if writer is not None:
            writer.close()
        con.disconnect()
    return summary


def spark_materialiser(con: BaseBackend) -> Materialise:
    """For ``group_table(..., materialise=...)`` on PySpark: persist each shared intermediate table.

    Spark inlines CTEs, so without this every branch would re-plan and recompute its inputs.
    (Ibis' own ``Table.cache`` names the view ``temp.main.…``, which Spark 4 rejects.)
    """

    def persist(table: ir.Table) -> ir.Table:
        name = f"yibao_drg_{uuid.uuid4().hex}"
        con._run_pre_execute_hooks(table)  # registers the scheme's in-memory tables once
        con._session.sql(con.compile(table)).cache().createOrReplaceTempView(name)  # type: ignore[attr-defined]
        return con.table(name)

    return persist


def _writer(target: Path, fmt: str, schema: pa.Schema) -> pq.ParquetWriter | pacsv.CSVWriter:
    target.parent.mkdir(parents=True, exist_ok=True)
    if fmt == ".parquet":
        return pq.ParquetWriter(target, schema)
    return pacsv.CSVWriter(target, schema)


__all__ = ["FORMATS", "GroupSummary", "OUTPUT_COLUMNS", "group_file", "spark_materialiser"]
