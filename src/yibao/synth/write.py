"""Writing a synthetic region out: the Parquet warehouse (and, later, the operational store)."""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa

from yibao.store.warehouse import Warehouse, arrow_schema
from yibao.synth.region import Region

REGION_TABLES = ("persons", "institutions", "doctors", "catalog", "visits", "cases", "claim_items", "labels")


def write_warehouse(region: Region, warehouse: Warehouse, on_chunk: Callable[[int, dict[str, int]], None] | None = None) -> dict[str, int]:
    """Replace the region's tables in ``warehouse``; one Parquet part per chunk. Returns row counts.

    ``on_chunk(index, rows)`` is called after each chunk (progress bars). An empty ``settlements``
    table is created when none exists, so the settlement engine has a schema to fill.
    """
    for name in REGION_TABLES:
        warehouse.clear(name)
    counts: dict[str, int] = {}
    for name, table in region.static_tables().items():
        warehouse.write(name, table, partition="static" if name == "labels" else None)
        counts[name] = counts.get(name, 0) + table.num_rows
    for index, chunk in enumerate(region.chunks()):
        rows = {}
        for name, table in chunk.items():
            warehouse.write(name, table, partition=f"{index:05d}")
            rows[name] = table.num_rows
            counts[name] = counts.get(name, 0) + table.num_rows
        if on_chunk is not None:
            on_chunk(index, rows)
    if "settlements" not in warehouse.tables():
        warehouse.write("settlements", pa.Table.from_batches([], schema=arrow_schema("settlements")))
    return counts


__all__ = ["REGION_TABLES", "write_warehouse"]
