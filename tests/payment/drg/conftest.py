"""Fixtures of the DRG tests; the helpers live in ``drg_cases``."""

import ibis
import pyarrow as pa
import pytest
from drg_cases import groups

from yibao.payment.drg import group_table


@pytest.fixture(scope="module")
def duckdb_con():
    return ibis.duckdb.connect()


@pytest.fixture(scope="module")
def batch(duckdb_con):
    def run(table: pa.Table) -> dict[str, tuple]:
        return groups(duckdb_con.to_pyarrow(group_table(ibis.memtable(table))))

    return run
