"""The whole DIP cycle on a small synthetic region: catalog, monthly settlement, review, clearing, statements."""

from __future__ import annotations

import shutil
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from yibao.cli import app
from yibao.payment.dip.statements import balance_check, export_statement
from yibao.payment.excel import read_sheet
from yibao.store.warehouse import Warehouse, connect


def _pack_file(folder: Path) -> Path:
    """Zibo with a lower review multiple and a larger cap, so this small region queues some cases."""
    text = resources.files("yibao.payment").joinpath("packs", "zibo-dip-2025.toml").read_text(encoding="utf-8")
    text = text.replace('special_review_ratio = { value = "5"', 'special_review_ratio = { value = "2.5"')
    text = text.replace('special_review_cap = { value = "0.005"', 'special_review_cap = { value = "0.02"')
    path = folder / "zibo-test.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _cli(*args: str) -> str:
    result = CliRunner().invoke(app, ["dip", *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def region(synth_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """The cycle run through the CLI: build-catalog, settle two months, review, clear with statements."""
    root = tmp_path_factory.mktemp("dip_region")
    for name in ("cases", "institutions", "persons"):
        shutil.copytree(synth_root / name, root / name)
    pack = str(_pack_file(root))
    where = ["--warehouse", str(root)]
    assert "核心病种病例覆盖率" in _cli("build-catalog", "--pack", pack, "--year", "2025", *where)
    for month in ("1", "2"):
        _cli("settle", "--month", month, "--pack", pack, *where)
    queue = connect("duckdb", root).table("dip_review_queue").execute()
    _cli("review", str(queue["case_id"].iloc[0]), "--points", "2500", "--reason", "新技术使用，专家评议",
         "--reviewer", "评审组", *where)
    out = _cli("clear", "--year", "2025", "--pack", pack, "--statements", str(root / "statements"), *where)
    assert "不平衡" not in out and "平衡" in out
    return connect("duckdb", root)


def test_the_catalog_reports_coverage_riv_and_every_groups_statistics(region: Warehouse) -> None:
    summary = region.table("dip_catalog_summary").execute().iloc[0]
    assert 0 < summary["core_coverage"] <= 1 and 0 < summary["riv"] < 1
    assert summary["method"] == "mean_cost"  # the base group is absent from this small region: fallback
    groups = region.table("dip_catalog").execute()
    assert (groups["case_count"] > 0).all() and groups["cv"].notna().all() and (groups["score"] > 0).all()
    assert groups["group_code"].is_unique


def test_every_case_of_the_year_gets_a_group_and_points(region: Warehouse) -> None:
    cases = region.table("cases")
    n = cases.filter(cases.setl_year == 2025).count().execute()
    points = region.table("dip_year_points").execute()
    assert len(points) == n
    assert points["group_code"].notna().all() and (points["points"] > 0).all()


def test_the_year_balances_to_the_budget_to_the_fen_for_each_fund(region: Warehouse) -> None:
    for fund, (total, budget) in balance_check(region, 2025).items():
        if budget:
            assert total == budget, fund


def test_each_month_balances_to_its_monthly_budget(region: Warehouse) -> None:
    m = region.table("dip_monthly").execute()
    for (_month, _fund), part in m.groupby(["month", "insutype"]):
        assert sum(part["amount"]) == part["budget"].iloc[0]
        assert all(part["amount"] == part["withheld"] + part["paid"])


def test_clearing_balance_equals_the_cleared_amount_less_every_adjustment(region: Warehouse) -> None:
    clearing = region.table("dip_clearing").execute()
    adj = region.table("dip_adjustments").execute()
    for _, row in clearing.iterrows():
        mine = adj[(adj.fixmedins_code == row.fixmedins_code) & (adj.insutype == row.insutype)]
        deductions = sum(mine[mine.kind.isin(["monthly_paid", "advance", "audit", "quality_deposit"])]["amount"])
        assert row.balance == row.cleared + deductions


def test_the_reviewed_case_is_settled_with_the_reviewers_points(region: Warehouse) -> None:
    decisions = region.table("dip_review_decisions").execute()
    assert len(decisions) == 1
    points = region.table("dip_year_points").execute().set_index("case_id")
    for _, d in decisions.iterrows():
        assert points.loc[d.case_id, "points"] == d.points
        assert points.loc[d.case_id, "outlier"] == "review"


def test_clear_exports_one_annual_statement_per_institution(region: Warehouse) -> None:
    codes = set(region.table("dip_clearing").execute()["fixmedins_code"])
    files = sorted((region.root / "statements").glob("*.xlsx"))
    assert len(files) == len(codes)
    assert read_sheet(files[0], "清算汇总")


def test_monthly_statements_export_with_case_lines_that_read_back(region: Warehouse, tmp_path: Path) -> None:
    m = region.table("dip_monthly").execute()
    code = m.sort_values("points").iloc[-1]["fixmedins_code"]
    path = export_statement(region, tmp_path / "m1.xlsx", 2025, code, month=1)
    cases = read_sheet(path, "病例明细")
    lines = region.table("dip_case_points").execute()
    mine = lines[(lines.fixmedins_code == code) & (lines.setl_month == 1)]
    assert len(cases) == len(mine)
    assert sum(Decimal(str(r[16])) for r in cases) == sum(mine["amount"])
