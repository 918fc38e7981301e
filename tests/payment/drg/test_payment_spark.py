"""DuckDB and PySpark give the same DRG base points, case points and case amounts (one local[1] session)."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal

import ibis
import pyarrow as pa
import pytest

from yibao.payment.drg.batch import Materialise
from yibao.payment.drg.payment import with_amounts
from yibao.payment.drg.points import (DrgRules, base_points, case_points, hospital_coefficients, review_queue,
                                      score_cases)
from yibao.payment.drg.service import spark_materialiser
from yibao.payment.policy import load_payment_pack

pytestmark = pytest.mark.spark

YEARS = [2022, 2023, 2024]
DRGS = {"FD39": 30000, "GD25": 18000, "FU25": 3500, "ES29": 9000, "XJ19": 60000}
HOSPITALS = {"H1": "1", "H2": "2", "H3": "3"}
CASES_DDL = ("case_id string, fixmedins_code string, insutype string, setl_year int, drg string, status string, "
             "cost decimal(18,2)")


def _cases() -> list[dict]:
    rnd = random.Random(7)
    rows = []
    for year in [*YEARS, 2025]:
        for i in range(90):
            drg = rnd.choice(sorted(DRGS))
            cost = Decimal(str(round(DRGS[drg] * rnd.lognormvariate(0, 0.6), 2))).quantize(Decimal("0.01"))
            grouped = rnd.random() > 0.03
            rows.append({"case_id": f"{year}-{i:03d}", "fixmedins_code": rnd.choice(sorted(HOSPITALS)),
                         "insutype": rnd.choice(["310", "390"]), "setl_year": year,
                         "drg": drg if grouped else "0000", "status": "grouped" if grouped else "no_diagnosis",
                         "cost": cost})
    return rows


@pytest.fixture(scope="module")
def spark_con():
    pyspark_sql = pytest.importorskip("pyspark.sql")
    session = (pyspark_sql.SparkSession.builder.master("local[1]").appName("yibao-drg-pay-test")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "1")
               .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    return ibis.pyspark.connect(session)


def _run(con: ibis.BaseBackend, cases: ibis.Table, inst: ibis.Table, keep: Materialise) -> list[dict]:
    rules = DrgRules.from_pack(load_payment_pack("zhoushan-drg-2019"))
    rules = rules.model_copy(update={"drg": rules.drg.model_copy(update={"special_review_share": Decimal("0.02")})})
    hist = keep(cases.filter(cases.setl_year.isin(YEARS)))
    base = keep(base_points(hist, rules, YEARS))
    coefs = keep(hospital_coefficients(inst, hist, base, rules))
    scored = keep(score_cases(cases.filter(cases.setl_year == 2025), base, coefs, rules))
    pts = case_points(scored, review_queue(scored, rules), rules)
    lines = with_amounts(pts, {"310": Decimal("12.345678"), "390": Decimal("9.876543")},
                         {"310": Decimal("0.75"), "390": Decimal("0.6")})
    out = lines.select("case_id", "drg", "base_points", "coef", "cost_ratio", "case_type", "points", "amount")
    return sorted(con.to_pyarrow(out).to_pylist(), key=lambda r: r["case_id"])


def test_duckdb_and_spark_pay_the_same_points_and_amounts(spark_con) -> None:
    rows = _cases()
    inst_rows = [{"fixmedins_code": k, "hosp_lv": v} for k, v in HOSPITALS.items()]
    schema = pa.schema([("case_id", pa.string()), ("fixmedins_code", pa.string()), ("insutype", pa.string()),
                        ("setl_year", pa.int32()), ("drg", pa.string()), ("status", pa.string()),
                        ("cost", pa.decimal128(18, 2))])
    duck = ibis.duckdb.connect()
    names = itertools.count()
    on_duckdb = _run(duck, ibis.memtable(pa.Table.from_pylist(rows, schema=schema)),
                     ibis.memtable(pa.Table.from_pylist(inst_rows)),
                     lambda t: duck.create_table(f"drg_pay_{next(names)}", t, temp=True))
    session = spark_con._session
    session.createDataFrame(rows, schema=CASES_DDL).createOrReplaceTempView("drg_pay_cases")
    session.createDataFrame(inst_rows, schema="fixmedins_code string, hosp_lv string").createOrReplaceTempView("drg_pay_inst")
    # intermediate results persisted as Spark does in the service (it inlines shared subplans otherwise)
    on_spark = _run(spark_con, spark_con.table("drg_pay_cases"), spark_con.table("drg_pay_inst"),
                    spark_materialiser(spark_con))
    assert len(on_duckdb) == 90
    assert {r["case_type"] for r in on_duckdb} >= {"normal", "high", "low", "review", "ungrouped"}
    assert on_spark == on_duckdb
