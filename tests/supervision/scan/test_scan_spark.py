"""DuckDB and Spark give the same leads for the same warehouse (the session-wide local[1] session)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from yibao.store.warehouse import Warehouse
from yibao.supervision.scan.run import scan_warehouse
from yibao.synth import SynthConfig, generate_region
from yibao.synth.write import write_warehouse

pytestmark = pytest.mark.spark
PERIOD = (dt.date(2025, 1, 1), dt.date(2025, 6, 30))
TINY = SynthConfig(persons=3_000, chunk_persons=3_000, seed=20250708)


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("monitor_spark")
    write_warehouse(generate_region(TINY), Warehouse(root))
    return root


def _keys(table: object) -> list[tuple[object, ...]]:
    cols = ("rule_id", "pattern", "level", "mdtrt_id", "feedetl_sn", "related_mdtrt_id", "psn_no", "fixmedins_code",
            "atddr_no", "amount")
    return sorted(tuple(r[c] for c in cols) for r in table.to_pylist())  # type: ignore[attr-defined]


def test_the_scan_gives_identical_leads_on_duckdb_and_spark(tiny_dir: Path, spark_session: object) -> None:
    on_duckdb = scan_warehouse(Warehouse(tiny_dir), *PERIOD)
    on_spark = scan_warehouse(Warehouse(tiny_dir, "pyspark", spark_session=spark_session), *PERIOD)
    assert len({r["rule_id"] for r in on_duckdb.to_pylist()}) >= 6
    assert on_duckdb.num_rows > 0
    assert _keys(on_spark) == _keys(on_duckdb)
