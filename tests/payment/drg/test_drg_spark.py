"""DuckDB and PySpark give the same groups on the same cases (on the suite's one local SparkSession)."""

import ibis
import pyarrow as pa
import pytest
from drg_cases import SCHEMA, check_snapshot, groups, normalised_sql, rows_table
from test_drg_batch import WORKED

from yibao.payment.drg import group_table
from yibao.payment.drg.sample import sample_cases
from yibao.payment.drg.service import spark_materialiser

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark_con(spark_session):
    return ibis.pyspark.connect(spark_session)


def test_duckdb_and_spark_give_identical_groups(spark_con, duckdb_con):
    table = pa.concat_tables([rows_table(WORKED), sample_cases(40, seed=5).select(SCHEMA.names).cast(SCHEMA)])
    on_duckdb = groups(duckdb_con.to_pyarrow(group_table(ibis.memtable(table))))
    # a real Spark table: Ibis' in-memory tables turn null strings into non-null values on Spark
    ddl = "case_id string, gend bigint, age double, age_days double, nwb_bir_wt double, ipt_days bigint, "
    ddl += "dscg_way string, diag_codes string, oprn_codes string"
    spark_con._session.createDataFrame(table.to_pylist(), schema=ddl).createOrReplaceTempView("drg_spark_cases")
    expr = group_table(spark_con.table("drg_spark_cases"), materialise=spark_materialiser(spark_con))
    on_spark = groups(spark_con.to_pyarrow(expr))
    assert on_spark == on_duckdb
    assert len(on_spark) == table.num_rows


def test_the_spark_sql_of_the_grouper_is_snapshotted(spark_con):
    cases = ibis.table(ibis.schema({f.name: str(ibis.dtype(f.type)) for f in SCHEMA}), name="cases")
    check_snapshot("group_table.pyspark.sql", normalised_sql(str(spark_con.compile(group_table(cases)))))
