"""The warehouse keeps documented schemas and reads back what was written, on DuckDB and Spark."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from yibao.errors import InputError, NotFoundError
from yibao.store.warehouse import SCHEMAS, arrow_schema, connect
from yibao.synth import SynthConfig, generate_region, write_warehouse

REGION = SynthConfig(persons=4_000, chunk_persons=2_000, seed=7)
_SUMS = {"cases": "medfee_sumamt", "visits": "medfee_sumamt", "claim_items": "det_item_fee_sumamt", "persons": "age"}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    root = tmp_path_factory.mktemp("warehouse")
    region = generate_region(REGION)
    counts = write_warehouse(region, connect("duckdb", root))
    return root, counts, region.collect()


def test_every_region_table_is_listed_with_its_documented_schema(written):
    root, counts, _ = written
    wh = connect("duckdb", root)
    assert set(wh.tables()) == set(counts) | {"settlements"}
    for name in wh.tables():
        assert wh.table(name).schema() == SCHEMAS[name], name


def test_duckdb_reads_back_the_same_rows_and_money_to_the_fen(written):
    root, counts, tables = written
    wh = connect("duckdb", root)
    for name, column in _SUMS.items():
        t = wh.table(name)
        assert t.count().execute() == counts[name] == tables[name].num_rows
        assert t[column].sum().execute() == pc.sum(tables[name][column]).as_py()


def test_money_columns_are_decimal_18_2(written):
    assert arrow_schema("claim_items").field("det_item_fee_sumamt").type == pa.decimal128(18, 2)
    assert arrow_schema("settlements").field("hifp_pay").type == pa.decimal128(18, 2)


def test_a_table_with_a_missing_column_is_refused_and_nothing_is_written(tmp_path):
    wh = connect("duckdb", tmp_path)
    with pytest.raises(InputError):
        wh.write("persons", pa.table({"psn_no": ["1"]}))
    assert wh.tables() == []
    with pytest.raises(NotFoundError):
        wh.table("persons")


@pytest.mark.parametrize("column", [{"brdy": pa.array(["not-a-date"])}, {"psn_no": pa.array([{"x": 1}])}],
                         ids=["invalid-value", "unsupported-cast"])
def test_a_column_the_schema_cannot_take_is_refused_naming_the_table(tmp_path, column):
    row = {f.name: pa.nulls(1, f.type) for f in SCHEMAS["persons"].to_pyarrow()}
    wh = connect("duckdb", tmp_path)
    with pytest.raises(InputError) as refused:
        wh.write("persons", pa.table({**row, **column}))
    assert refused.value.field == "persons"
    assert wh.tables() == []


def test_writing_an_ibis_expression_stores_its_result(written, tmp_path):
    root, _, _ = written
    source = connect("duckdb", root)
    target = connect("duckdb", tmp_path)
    target.write("inpatient_visits", source.table("visits").filter(lambda t: t.med_type == "21"))
    assert target.table("inpatient_visits").count().execute() == source.table("cases").count().execute()


def _totals(wh, name, column):
    t = wh.table(name)
    return t.aggregate(rows=t.count(), total=t[column].sum()).to_pyarrow().to_pylist()[0]


@pytest.mark.spark
def test_pyspark_reads_the_same_tables_with_the_same_counts_and_sums(written, spark_session):
    root, counts, _ = written
    duck = connect("duckdb", root)
    spark = connect("pyspark", root, spark_session=spark_session)
    for name, column in _SUMS.items():
        on_spark = _totals(spark, name, column)
        assert on_spark == _totals(duck, name, column), name
        assert on_spark["rows"] == counts[name]


def test_every_column_of_every_table_has_a_chinese_description():
    from yibao.store.warehouse import COLUMNS

    assert {c for schema in SCHEMAS.values() for c in schema.names} <= set(COLUMNS)
