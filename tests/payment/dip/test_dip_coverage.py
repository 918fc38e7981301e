"""The synthetic region's catalog at the demo's size (50,000 insured, three history years, about 28,000
cases): core groups at the policy's 15 cases cover ≥ 90 % of cases, and CV and RIV are reported."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from yibao.demo import DemoOptions
from yibao.payment.dip import service
from yibao.payment.policy import PaymentPack
from yibao.store.warehouse import connect
from yibao.synth import SynthConfig, generate_region

pytestmark = pytest.mark.slow


def test_core_groups_cover_ninety_percent_of_a_demo_sized_region(tmp_path: Path, zibo: PaymentPack) -> None:
    demo = DemoOptions(home=tmp_path)
    assert zibo.require_dip().catalog.min_core_cases == 15  # the policy's threshold, not lowered for the test
    region = generate_region(SynthConfig(persons=demo.persons, seed=demo.seed, year=2021, history_years=3))
    wh = connect("duckdb", tmp_path / "wh")
    wh.write("institutions", region.static_tables()["institutions"])
    chunks = [region.chunk(i) for i in range(region.n_chunks)]
    wh.write("cases", pa.concat_tables([c["cases"] for c in chunks]))
    wh.write("persons", pa.concat_tables([c["persons"] for c in chunks]))
    summary = service.build_catalog(wh, zibo, 2021)
    assert summary.cases > 25_000
    assert summary.core_coverage >= 0.90
    assert 0.5 < summary.riv < 1 and summary.group_cv < summary.all_cv
    assert {"severity", "icu", "tumor"} <= set(summary.subtype_groups)
