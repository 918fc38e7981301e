"""DRG statements (DRG 结算单): per hospital and month or year — summary, every case's points and amount,
each adjustment with its reason — or the region's summary (every hospital, and the budget balance).
Assembled from the warehouse tables :mod:`~yibao.payment.drg.pay_service` writes; exported to Excel."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import ibis.expr.types as ir

from yibao.errors import ErrorCode, NotFoundError
from yibao.payment.runs import optional_table
from yibao.payment.drg.payment import FUND_LABELS, adjustment_sheet, case_sheet, monthly_adjustments
from yibao.payment.excel import MONEY_FORMAT, POINTS_FORMAT, Sheet, write_workbook
from yibao.store.warehouse import Warehouse

MONTH_HEADERS = ("险种", "病例数", "病例点数", "点值", "月度预算", "核定结算额", "预留", "本月拨付", "尾差调整")
YEAR_HEADERS = ("险种", "病例数", "年度点数", "点值", "年度预算", "DRG核定额", "实际基金记账", "留用/分担后",
                "应拨(+)/应收回(−)")
REGION_MONTH = ("机构编码", *MONTH_HEADERS)
REGION_YEAR = ("机构编码", *YEAR_HEADERS)
_MONEY = {h: MONEY_FORMAT for h in ("月度预算", "核定结算额", "预留", "本月拨付", "尾差调整", "年度预算", "DRG核定额",
                                    "实际基金记账", "留用/分担后", "应拨(+)/应收回(−)", "预算", "机构合计", "差额")}
_FORMATS = {**_MONEY, "病例点数": POINTS_FORMAT, "年度点数": POINTS_FORMAT}


def _table(wh: Warehouse, name: str, hint: str) -> ir.Table:
    t = optional_table(wh, name)
    if t is None:
        raise NotFoundError(ErrorCode.NOT_FOUND, field=name, detail=hint)
    return t


def _month_row(r: dict) -> list[object]:
    return [FUND_LABELS.get(r["insutype"], r["insutype"]), r["cases"], r["points"], r["point_value"], r["budget"],
            r["amount"], r["withheld"], r["paid"], r["rounding"]]


def _year_row(r: dict) -> list[object]:
    return [FUND_LABELS.get(r["insutype"], r["insutype"]), r["cases"], r["points"], r["point_value"], r["budget"],
            r["drg_amount"], r["actual_fund"], r["cleared"], r["balance"]]


def monthly_statement(wh: Warehouse, year: int, month: int, code: str, withheld_share: Decimal) -> list[Sheet]:
    m = _table(wh, "drg_monthly", "请先运行 yibao drg settle")
    rows = m.filter((m.year == year) & (m.month == month) & (m.fixmedins_code == code)).to_pyarrow().to_pylist()
    if not rows:
        raise NotFoundError(ErrorCode.INSTITUTION_NOT_FOUND, field="fixmedins_code", detail=f"{code} {year}-{month:02d}")
    cases = wh.table("drg_case_points")
    lines = cases.filter((cases.year == year) & (cases.setl_month == month) & (cases.fixmedins_code == code))
    adjustments = [a for r in rows for a in monthly_adjustments(r, withheld_share)]
    return [Sheet("月度汇总", MONTH_HEADERS, [_month_row(r) for r in rows], _FORMATS),
            case_sheet(lines.to_pyarrow().to_pylist()), adjustment_sheet(adjustments)]


def annual_statement(wh: Warehouse, year: int, code: str) -> list[Sheet]:
    c = _table(wh, "drg_clearing", "请先运行 yibao drg clear")
    rows = c.filter((c.year == year) & (c.fixmedins_code == code)).to_pyarrow().to_pylist()
    if not rows:
        raise NotFoundError(ErrorCode.INSTITUTION_NOT_FOUND, field="fixmedins_code", detail=f"{code} {year}")
    a = wh.table("drg_adjustments")
    adj = a.filter((a.year == year) & (a.fixmedins_code == code)).to_pyarrow().to_pylist()
    pts = wh.table("drg_year_points")
    lines = pts.filter((pts.year == year) & (pts.fixmedins_code == code)).to_pyarrow().to_pylist()
    return [Sheet("清算汇总", YEAR_HEADERS, [_year_row(r) for r in rows], _FORMATS), case_sheet(lines),
            adjustment_sheet(adj)]


def region_statement(wh: Warehouse, year: int, month: int | None = None) -> list[Sheet]:
    """Every hospital's line, and per fund the budget against Σ hospitals (预算平衡)."""
    if month:
        m = _table(wh, "drg_monthly", "请先运行 yibao drg settle")
        rows = m.filter((m.year == year) & (m.month == month)).to_pyarrow().to_pylist()
        lines = [[r["fixmedins_code"], *_month_row(r)] for r in sorted(rows, key=lambda r: (r["insutype"], r["fixmedins_code"]))]
        heads, amount = REGION_MONTH, "amount"
    else:
        c = _table(wh, "drg_clearing", "请先运行 yibao drg clear")
        rows = c.filter(c.year == year).to_pyarrow().to_pylist()
        lines = [[r["fixmedins_code"], *_year_row(r)] for r in sorted(rows, key=lambda r: (r["insutype"], r["fixmedins_code"]))]
        heads, amount = REGION_YEAR, "drg_amount"
    if not rows:
        raise NotFoundError(ErrorCode.NOT_FOUND, field="year", detail=f"{year}{f'-{month:02d}' if month else ''} 没有结算结果")
    balance = []
    for fund in sorted({r["insutype"] for r in rows}):
        mine = [r for r in rows if r["insutype"] == fund]
        budget = mine[0]["budget"]
        total = sum((r[amount] for r in mine), Decimal(0))
        balance.append([FUND_LABELS.get(fund, fund), budget, total, total - budget])
    return [Sheet("机构汇总", heads, lines, _FORMATS),
            Sheet("预算平衡", ("险种", "预算", "机构合计", "差额"), balance, _FORMATS)]


def export_statement(wh: Warehouse, path: Path, year: int, code: str | None = None, month: int | None = None,
                     withheld_share: Decimal = Decimal(0)) -> Path:
    """Write a hospital's (``code``) or the region's monthly (``month``) or annual statement to ``path``."""
    if code is None:
        sheets = region_statement(wh, year, month)
        who = "全市"
    else:
        sheets = monthly_statement(wh, year, month, code, withheld_share) if month else annual_statement(wh, year, code)
        who = code
    title = f"{who} {year}年{f'{month}月' if month else '度'} DRG 点数法结算单"
    return write_workbook(path, title, sheets)


def balance_check(wh: Warehouse, year: int) -> dict[str, tuple[Decimal, Decimal]]:
    """Per fund: (Σ hospitals' DRG amounts, budget) of the year's clearing — equal to the fen when floating."""
    c = _table(wh, "drg_clearing", "请先运行 yibao drg clear")
    c = c.filter(c.year == year)
    rows = c.group_by("insutype").agg(s=c.drg_amount.sum(), b=c.budget.max()).to_pyarrow().to_pylist()
    return {r["insutype"]: (Decimal(str(r["s"])), Decimal(str(r["b"]))) for r in rows}


__all__ = ["annual_statement", "balance_check", "export_statement", "monthly_statement", "region_statement"]
