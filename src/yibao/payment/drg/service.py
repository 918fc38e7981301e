"""Group a file of cases (CSV or Parquet in, CSV or Parquet out): the imperative shell of the grouper.

The file is streamed by DuckDB (CSV as text, so every other column passes through exactly as
written) in chunks of ``chunk_size`` cases, each grouped by
:func:`~yibao.payment.drg.batch.group_table` on a second connection and appended to the output
in input order, so memory is bounded by the chunk, not the file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import uuid

import duckdb
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
    reader, group_con = duckdb.connect(), ibis.duckdb.connect()  # a stream and a query at once
    literal = "'" + str(source).replace("'", "''") + "'"
    scan = f"read_csv({literal}, all_varchar = true)" if fmt_in == ".csv" else f"read_parquet({literal})"
    raw = reader.sql(f"SELECT * FROM {scan}")
    missing = [c for c in INPUT_COLUMNS if c not in raw.columns]
    if missing:
        raise InputError(ErrorCode.MISSING_FIELD, field="、".join(missing), detail=source.name)
    ((total, ids, nulls),) = reader.sql(
        f"SELECT count(*), count(DISTINCT case_id), count(*) - count(case_id) FROM {scan}"
    ).fetchall()
    if ids != total or nulls:
        raise InputError(ErrorCode.INVALID_VALUE, field="case_id", detail="病例编号不能为空或重复")
    summary = GroupSummary()
    writer: pq.ParquetWriter | pacsv.CSVWriter | None = None
    try:
        # stream the file in chunks: memory stays bounded by the chunk, not the file
        for batch in raw.to_arrow_reader(chunk_size):
            chunk = pa.Table.from_batches([batch])
            chunk = chunk.append_column(_ROW, pa.array(range(chunk.num_rows), type=pa.int64()))
            out = group_table(ibis.memtable(chunk), scheme).order_by(_ROW).drop(_ROW)
            table = group_con.to_pyarrow(out)
            writer = writer or _writer(target, fmt_out, table.schema)
            writer.write_table(table)
            summary.cases += table.num_rows
            summary.by_status.update(table.column("status").to_pylist())
            if on_progress:
                on_progress(summary.cases, total)
    finally:
        if writer is not None:
            writer.close()
        reader.close()
        group_con.disconnect()
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
