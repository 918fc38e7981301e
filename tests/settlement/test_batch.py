"""The batch settlement service over a small synthetic region (real warehouse on DuckDB)."""

from decimal import Decimal

import pytest

from yibao.policy.loader import bundled_pack
from yibao.settlement.batch import settle_period
from yibao.store.warehouse import connect
from yibao.synth import SynthConfig, generate_region, write_warehouse


@pytest.fixture(scope="module")
def settled(tmp_path_factory):
    policy = bundled_pack("heshan-2021")
    warehouse = connect("duckdb", tmp_path_factory.mktemp("wh"))
    write_warehouse(generate_region(SynthConfig(persons=2_000, seed=11, year=policy.year, admdvs=policy.admdvs)), warehouse)
    return warehouse, settle_period(warehouse, policy)


def test_every_written_settlement_balances_to_the_fen(settled):
    warehouse, _ = settled
    s = warehouse.table("settlements")
    off = s.filter(
        (s.medfee_sumamt != s.fund_pay_sumamt + s.psn_part_amt)
        | (s.psn_part_amt != s.acct_pay + s.psn_cash_pay)
        | (s.fund_pay_sumamt != s.hifp_pay + s.hifmi_pay + s.hifob_pay + s.maf_pay)
    )
    assert off.count().to_pyarrow().as_py() == 0


def test_settled_and_refused_visits_account_for_every_visit(settled):
    warehouse, result = settled
    visits = warehouse.table("visits").count().to_pyarrow().as_py()
    assert result.settled + sum(result.refused.values()) == visits
    assert warehouse.table("settlements").count().to_pyarrow().as_py() == result.settled


def test_waiting_period_people_are_refused_with_the_stable_code(settled):
    _, result = settled
    assert result.refused["E3002"] > 0
    assert "等待期" in result.refusal_examples["E3002"]


def test_totals_equal_the_warehouse_sums(settled):
    warehouse, result = settled
    s = warehouse.table("settlements")
    sums = s.aggregate(m=s.medfee_sumamt.sum(), f=s.fund_pay_sumamt.sum()).to_pyarrow().to_pylist()[0]
    assert sums["m"] == result.totals["medfee_sumamt"]
    assert sums["f"] == result.totals["fund_pay_sumamt"]
    assert result.totals["hifp_pay"] > Decimal(0)
