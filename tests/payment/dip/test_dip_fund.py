"""DIP pays on the fund payment of the cases' real settlements (batch settlement engine), with a traced
fallback for cases that have none; the point value uses the year's actual fund payment ratio."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from yibao.money import fen
from yibao.payment.dip import service
from yibao.payment.dip.settlement import clear_year, settle_month
from yibao.payment.dip.statements import balance_check, export_statement
from yibao.payment.excel import read_sheet
from yibao.payment.policy import PaymentPack
from yibao.policy.loader import bundled_pack
from yibao.settlement.batch import settle_period
from yibao.store.warehouse import Warehouse, connect
from yibao.synth import SynthConfig, generate_region, write_warehouse

DROPPED = 5  # settlements removed: their cases must fall back to the ratio rule, marked


@pytest.fixture(scope="module")
def settled(tmp_path_factory: pytest.TempPathFactory, zibo: PaymentPack) -> Warehouse:
    policy = bundled_pack("heshan-2021")
    wh = connect("duckdb", tmp_path_factory.mktemp("dip_fund"))
    config = SynthConfig(persons=3_000, seed=11, year=policy.year, admdvs=policy.admdvs, history_years=3)
    write_warehouse(generate_region(config), wh)
    settle_period(wh, policy)
    setl = wh.table("settlements").to_pyarrow()
    inpatient = pc.equal(setl["med_type"], "21")
    dropped = set(setl.filter(inpatient)["mdtrt_id"].to_pylist()[:DROPPED])
    wh.write("settlements", setl.filter(pc.invert(pc.is_in(setl["mdtrt_id"], pa.array(list(dropped))))))
    service.build_catalog(wh, zibo, policy.year)
    settle_month(wh, zibo, policy.year, 1)
    clear_year(wh, zibo, policy.year)
    return wh


def test_each_case_carries_its_settlements_fund_payment_or_the_marked_fallback(settled: Warehouse,
                                                                              zibo: PaymentPack) -> None:
    pts = settled.table("dip_year_points").to_pyarrow().to_pylist()
    cases = {r["case_id"]: r["mdtrt_id"] for r in settled.table("cases").select("case_id", "mdtrt_id").to_pyarrow().to_pylist()}
    fund = {r["mdtrt_id"]: r["hifp_pay"] for r in settled.table("settlements").to_pyarrow().to_pylist()}
    sources = {"settlement": 0, "ratio": 0}
    for p in pts:
        sources[p["fund_source"]] += 1
        mdtrt = cases[p["case_id"]]
        if mdtrt in fund:
            assert p["fund_source"] == "settlement" and p["fund_pay"] == fund[mdtrt]
        else:
            ratio = zibo.funds[p["insutype"]].fund_pay_ratio
            assert p["fund_source"] == "ratio"
            assert p["fund_pay"] == fen(p["cost"] * ratio)  # half-up, as everywhere
    assert sources["settlement"] > 100 and sources["ratio"] >= DROPPED


def test_clearing_uses_the_actual_fund_payment_and_its_ratio(settled: Warehouse) -> None:
    pts = settled.table("dip_year_points").to_pyarrow().to_pylist()
    clearing = settled.table("dip_clearing").to_pyarrow().to_pylist()
    for fund in {c["insutype"] for c in clearing}:
        local = [p for p in pts if p["insutype"] == fund and not p["cross_region"]]
        paid = sum((p["fund_pay"] for p in local), Decimal(0))
        cost = sum((p["cost"] for p in local), Decimal(0))
        rows = [c for c in clearing if c["insutype"] == fund]
        assert {c["fund_pay_ratio"] for c in rows} == {(paid / cost).quantize(Decimal("0.000001"))}
        for c in rows:
            mine = [p["fund_pay"] for p in local if p["fixmedins_code"] == c["fixmedins_code"]]
            assert c["actual_fund"] == sum(mine, Decimal(0))
        # the ratio differs from the pack's assumed one: the settlements, not the assumption, set it
        assert rows[0]["fund_pay_ratio"] not in (Decimal("0.75"), Decimal("0.60"))


def test_the_point_value_is_budget_over_actual_ratio_over_points_and_balances(settled: Warehouse) -> None:
    clearing = settled.table("dip_clearing").to_pyarrow().to_pylist()
    params = service.parameters(settled, 2021)
    for fund, (total, budget) in balance_check(settled, 2021).items():
        rows = [c for c in clearing if c["insutype"] == fund]
        if not rows:
            continue
        points = sum((c["points"] for c in rows), Decimal(0))
        ratio = rows[0]["fund_pay_ratio"]
        assert rows[0]["point_value"] == (budget / ratio / points).quantize(Decimal("0.000001"))
        assert total == budget == Decimal(params[fund]["budget"])


def test_statements_show_each_cases_fund_payment_and_source(settled: Warehouse, tmp_path: Path) -> None:
    clearing = settled.table("dip_clearing").to_pyarrow().to_pylist()
    code = max(clearing, key=lambda c: c["points"])["fixmedins_code"]
    path = export_statement(settled, tmp_path / "a.xlsx", 2021, code)
    summary = read_sheet(path, "清算汇总")
    assert all("基金支付比例" in str(r[-1]) for r in summary)  # 点值说明: how the point value was set
    lines = read_sheet(path, "病例明细")
    assert lines and all(r[-2] is not None and r[-1] in {"结算记录", "无结算记录，按医疗总费用×参数包基金支付比例推算"}
                         for r in lines)
