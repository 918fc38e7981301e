"""DRG point payment over a small synthetic region: a year paid month by month and cleared, with
statements that balance against the budget (read back from Excel)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from yibao.errors import InputError, NotFoundError
from yibao.payment.drg import pay_service, statements
from yibao.payment.drg.payment import fund_budget, month_budget
from yibao.payment.excel import read_sheet
from yibao.payment.policy import PaymentPack, load_payment_pack
from yibao.store.warehouse import Warehouse, connect

YEAR = 2025


@pytest.fixture(scope="module")
def pack() -> PaymentPack:
    return load_payment_pack("zhoushan-drg-2019")


@pytest.fixture(scope="module")
def paid(tmp_path_factory: pytest.TempPathFactory, pack: PaymentPack) -> Warehouse:
    """A region of 6,000 persons (about 4,700 cases over 2022–2025), base points built, 12 months settled,
    one audit deduction, the year cleared."""
    from yibao.synth import SynthConfig, generate_region

    root = tmp_path_factory.mktemp("drg_pay")
    tables = generate_region(SynthConfig(persons=6_000, seed=11, history_years=3)).collect()
    wh = connect("duckdb", root)
    for name in ("cases", "institutions", "persons"):
        wh.write(name, tables[name])
    pay_service.build_base_points(wh, pack, YEAR)
    for month in range(1, 13):
        pay_service.settle_month(wh, pack, YEAR, month)
    first = sorted(wh.table("drg_monthly").to_pyarrow()["fixmedins_code"].to_pylist())[0]
    pay_service.record_audit(wh, YEAR, first, Decimal("1234.56"), "病例审核：重复收费", "t1")
    pay_service.clear_year(wh, pack, YEAR)
    return wh


def test_every_case_of_the_region_is_grouped_with_a_status(paid: Warehouse) -> None:
    cases = paid.table("drg_cases")
    assert cases.count().execute() == paid.table("cases").count().execute()
    assert cases.filter(cases.drg.isnull() | cases.status.isnull()).count().execute() == 0


def test_the_twelve_months_pay_exactly_the_year_budget(paid: Warehouse) -> None:
    params = pay_service.parameters(paid, YEAR)
    monthly = paid.table("drg_monthly").to_pyarrow().to_pylist()
    for fund, p in params.items():
        rows = [r for r in monthly if r["insutype"] == fund]
        assert sum((r["amount"] for r in rows), Decimal(0)) == p["budget"]
        assert all(r["paid"] + r["withheld"] == r["amount"] for r in rows)


def test_the_clearing_balances_against_the_budget_to_the_fen(paid: Warehouse) -> None:
    for fund, (total, budget) in statements.balance_check(paid, YEAR).items():
        assert total == budget, fund


def test_case_lines_plus_the_rounding_line_give_each_hospitals_amount(paid: Warehouse) -> None:
    lines = paid.table("drg_case_points")
    sums = lines.group_by("insutype", "fixmedins_code", "setl_month").agg(s=lines.amount.sum()).to_pyarrow().to_pylist()
    by_key = {(r["insutype"], r["fixmedins_code"], r["setl_month"]): r["s"] for r in sums}
    for r in paid.table("drg_monthly").to_pyarrow().to_pylist():
        assert by_key[(r["insutype"], r["fixmedins_code"], r["month"])] + r["rounding"] == r["amount"]
        assert abs(r["rounding"]) < Decimal("1.00")


def test_the_annual_balance_is_the_cleared_amount_less_every_adjustment(paid: Warehouse) -> None:
    adj = paid.table("drg_adjustments").to_pyarrow().to_pylist()
    for r in paid.table("drg_clearing").to_pyarrow().to_pylist():
        mine = [a["amount"] for a in adj if (a["insutype"], a["fixmedins_code"]) == (r["insutype"], r["fixmedins_code"])]
        assert r["drg_amount"] + sum(mine, Decimal(0)) == r["balance"]


def test_an_audit_deduction_is_taken_once_with_its_reason(paid: Warehouse) -> None:
    audits = [a for a in paid.table("drg_adjustments").to_pyarrow().to_pylist() if a["kind"] == "audit"]
    assert len(audits) == 1
    assert audits[0]["amount"] == Decimal("-1234.56") and "重复收费" in audits[0]["reason"]


def test_the_region_statement_read_back_from_excel_sums_to_the_budget(paid: Warehouse, tmp_path: Path) -> None:
    path = statements.export_statement(paid, tmp_path / "region.xlsx", YEAR)
    rows = read_sheet(path, "机构汇总")
    budgets = {fund: p["budget"] for fund, p in pay_service.parameters(paid, YEAR).items()}
    labels = {"310": "职工医保", "390": "居民医保"}
    for fund, budget in budgets.items():
        amounts = [Decimal(str(r[6])) for r in rows if r[1] == labels[fund]]
        assert sum(amounts, Decimal(0)).quantize(Decimal("0.01")) == budget
    assert all(Decimal(str(r[3])) == 0 for r in read_sheet(path, "预算平衡"))


def test_a_hospital_month_statement_lists_its_cases_and_adjustments(paid: Warehouse, tmp_path: Path,
                                                                     pack: PaymentPack) -> None:
    m = paid.table("drg_monthly")
    row = m.filter(m.month == 3).order_by("fixmedins_code").limit(1).to_pyarrow().to_pylist()[0]
    path = statements.export_statement(paid, tmp_path / "h.xlsx", YEAR, row["fixmedins_code"], 3,
                                       pack.clearing.withheld_share)
    summary = read_sheet(path, "月度汇总")
    cases = read_sheet(path, "病例明细")
    assert sum(r[1] for r in summary) == len(cases)
    reasons = [r[3] for r in read_sheet(path, "调整明细")]
    assert any("预留" in str(r) for r in reasons)


def test_a_special_review_decision_replaces_the_points_with_its_reason(paid: Warehouse, pack: PaymentPack) -> None:
    queue = paid.table("drg_review_queue").to_pyarrow().to_pylist()
    assert queue, "the synthetic year has high-cost cases to review"
    case_id = queue[0]["case_id"]
    pay_service.record_review(paid, case_id, Decimal("321.5"), "专家组认定：罕见并发症")
    pts = pay_service.year_points(paid, pack, YEAR)
    row = pts.filter(pts.case_id == case_id).to_pyarrow().to_pylist()[0]
    assert (row["case_type"], row["points"], row["review_reason"]) == ("reviewed", Decimal("321.5000"),
                                                                       "专家组认定：罕见并发症")
    with pytest.raises(NotFoundError):
        pay_service.record_review(paid, "no-such-case", Decimal(1), "x")
    with pytest.raises(InputError):
        pay_service.record_review(paid, case_id, Decimal(1), " ")


def test_settling_before_base_points_is_refused(tmp_path: Path, pack: PaymentPack) -> None:
    with pytest.raises(NotFoundError):
        pay_service.settle_month(connect("duckdb", tmp_path), pack, YEAR, 1)


def test_a_given_budget_wins_and_the_twelve_month_shares_sum_to_it(pack: PaymentPack) -> None:
    fund = pack.funds["310"]
    assert fund_budget(fund, Decimal("1000"), Decimal("120.05")) == Decimal("120.05")
    assert fund_budget(fund, Decimal("1000")) == Decimal("787.50")  # 1000 × 0.75 × 1.05
    assert sum(month_budget(Decimal("120.05"), m) for m in range(1, 13)) == Decimal("120.05")


def test_the_cli_clears_a_year_and_exports_a_statement(paid: Warehouse, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from yibao.cli import app

    runner = CliRunner()
    home = ["--warehouse", str(paid.root)]
    result = runner.invoke(app, ["drg", "clear", "--year", str(YEAR), *home])
    assert result.exit_code == 0, result.output
    assert "平衡" in result.output and "不平衡" not in result.output
    out = tmp_path / "cli.xlsx"
    result = runner.invoke(app, ["drg", "statement", "--export", str(out), "--year", str(YEAR), *home])
    assert result.exit_code == 0, result.output
    assert read_sheet(out, "预算平衡")
    result = runner.invoke(app, ["drg", "statement", "--export", str(out), "--month", "2", "--fixmedins-code", "XX",
                                 *home])
    assert result.exit_code == 2 and "E2003" in result.output


def test_a_fixed_point_value_pays_points_at_the_expected_value_whatever_the_budget(paid: Warehouse,
                                                                                  pack: PaymentPack) -> None:
    from yibao.money import fen
    from yibao.payment.policy import PointValue

    fixed = pack.model_copy(update={"drg": pack.drg.model_copy(update={"point_value": PointValue(mode="fixed")})})
    try:
        results = pay_service.clear_year(paid, fixed, YEAR)
        params = pay_service.parameters(paid, YEAR)
        for r in results:
            expected = params[r.insutype]["expected_pv"]
            assert r.point_value == expected
            assert r.paid_total == fen(r.points * expected * pack.funds[r.insutype].fund_pay_ratio)
    finally:
        pay_service.clear_year(paid, pack, YEAR)  # leave the module's warehouse as floating
