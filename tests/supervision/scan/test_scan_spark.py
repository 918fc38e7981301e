"""DuckDB and Spark give the same leads for the same warehouse (the session-wide local[1] session)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from scan_random_lines import YEAR, write_random_region

from yibao.store.warehouse import Warehouse
from yibao.supervision.rules import load_library, load_params
from yibao.supervision.scan.national import VECTORISED, entries_table, national_leads
from yibao.supervision.scan.run import period_items, scan_warehouse
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


def test_every_national_kind_gives_the_same_leads_on_spark(tmp_path_factory: pytest.TempPathFactory,
                                                            spark_session: object) -> None:
    root = tmp_path_factory.mktemp("random_lines_spark")
    write_random_region(root, persons=120, seed=5)
    found = []
    for wh in (Warehouse(root), Warehouse(root, "pyspark", spark_session=spark_session)):
        items = period_items(wh.table("claim_items"), *YEAR)
        leads = national_leads(items, wh.table("visits"), wh.table("persons"), wh.table("institutions"),
                               entries_table(load_library()), load_params())
        found.append(_keys(leads.to_pyarrow()))
    on_duckdb, on_spark = found
    assert len({row[1] for row in on_duckdb}) == len(VECTORISED)  # a pattern per kind
    assert on_spark == on_duckdb
