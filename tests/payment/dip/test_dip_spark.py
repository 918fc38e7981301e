"""DuckDB and PySpark give the same DIP catalog and the same case points on the same cases."""

from __future__ import annotations

import shutil
from pathlib import Path

from decimal import Decimal

import pytest

from yibao.payment.dip import service
from yibao.payment.policy import PaymentPack
from yibao.store.warehouse import Warehouse, connect

pytestmark = [pytest.mark.spark, pytest.mark.slow]

INPUTS = ("cases", "institutions", "persons")


@pytest.fixture(scope="module")
def spark(spark_session: object) -> object:
    return spark_session


def _copy(src: Path, dst: Path, names: tuple[str, ...]) -> None:
    for name in names:
        shutil.copytree(src / name, dst / name)


@pytest.fixture(scope="module")
def both(tiny_synth_root: Path, tmp_path_factory: pytest.TempPathFactory, spark: object,
         zibo: PaymentPack) -> tuple[Warehouse, Warehouse]:
    duck_root, spark_root = tmp_path_factory.mktemp("dip_duck"), tmp_path_factory.mktemp("dip_spark")
    _copy(tiny_synth_root, duck_root, INPUTS)
    _copy(tiny_synth_root, spark_root, INPUTS)
    duck = connect("duckdb", duck_root)
    sparkwh = connect("pyspark", spark_root, spark_session=spark)
    service.build_catalog(duck, zibo, 2025)
    service.build_catalog(sparkwh, zibo, 2025)
    return duck, sparkwh


def test_both_backends_build_the_same_catalog(both: tuple[Warehouse, Warehouse]) -> None:
    duck, sparkwh = both
    cols = ["group_code", "group_type", "case_count", "kept_count", "mean_cost", "score"]
    a = duck.table("dip_catalog").execute()[cols].sort_values("group_code").reset_index(drop=True)
    b = sparkwh.table("dip_catalog").execute()[cols].sort_values("group_code").reset_index(drop=True)
    assert a[["group_code", "group_type", "case_count", "kept_count", "mean_cost"]].equals(
        b[["group_code", "group_type", "case_count", "kept_count", "mean_cost"]])
    # scores are means of float costs: they agree to the 4th decimal but for float summation order
    assert ((a["score"] - b["score"]).abs().max()) <= 0.0002


def test_both_backends_keep_the_same_subtypes_icu_and_tumour_stage_included(both: tuple[Warehouse, Warehouse]) -> None:
    duck, sparkwh = both
    cols = ["group_code", "dimension", "level", "cases", "coefficient"]
    a = duck.table("dip_subtypes").execute()[cols].sort_values(cols[:3]).reset_index(drop=True)
    b = sparkwh.table("dip_subtypes").execute()[cols].sort_values(cols[:3]).reset_index(drop=True)
    assert len(a) > 0 and a[cols[:4]].equals(b[cols[:4]])
    # coefficients are float means rounded to 4 places: equal but for a float summation-order tie
    assert (a["coefficient"] - b["coefficient"]).abs().max() <= Decimal("0.0001")
    assert {"icu", "tumor"} & set(a["dimension"])


def test_both_backends_give_the_same_case_points_on_the_same_catalog(
        both: tuple[Warehouse, Warehouse], zibo: PaymentPack) -> None:
    duck, sparkwh = both
    for name in ("dip_catalog", "dip_catalog_combos", "dip_subtypes", "dip_parameters"):
        sparkwh.write(name, duck.table(name).to_pyarrow())
    cols = ["case_id", "group_code", "subtype", "subtype_coef", "base_points", "std_cost", "cost_ratio", "outlier",
            "points", "fund_pay", "fund_source", "readmit_15d", "low_standard", "long_stay", "low_risk_death"]
    a = service.year_points(duck, zibo, 2025).execute()[cols].sort_values("case_id").reset_index(drop=True)
    b = service.year_points(sparkwh, zibo, 2025).execute()[cols].sort_values("case_id").reset_index(drop=True)
    assert len(a) == len(b) > 500
    assert a.equals(b)
