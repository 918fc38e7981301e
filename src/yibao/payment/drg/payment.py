"""DRG point payment (DRG 点数法付费): budgets, point values, case amounts and statement sheets — pure.

The money rules, shared with DIP through :mod:`yibao.payment.clearing`:

- the year's DRG budget per fund: given, the pack's fixed amount, or last year's fund payment × (1 + growth);
- the month's budget: the year's budget split over 12 months to the fen (largest remainder);
- the point value (点值, DECIMAL(18,6)) fixed / floating / elastic as the pack says;
- an institution's amount: its share of the budget by points, allocated by largest remainder, so
  Σ institutions == budget to the fen (floating mode);
- a case line shows ``points × point value × fund ratio`` rounded once, in :func:`case_amount` — the
  only rounding point for case lines; the difference to the institution's allocated amount is shown
  as 尾差调整 on the statement.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

import ibis
import ibis.expr.types as ir

from yibao.money import fen
from yibao.payment import clearing
from yibao.payment.drg.points import CASE_TYPES
from yibao.payment.excel import MONEY_FORMAT, POINTS_FORMAT, Sheet
from yibao.payment.policy import Fund

PV_TYPE = "decimal(18, 6)"
FUND_LABELS = {"310": "职工医保", "390": "居民医保"}


def fund_budget(fund: Fund, last_year_cost: Decimal, given: Decimal | None = None) -> Decimal:
    """年度 DRG 预算 of one fund: ``given`` wins, then the pack's fixed amount, else history × growth."""
    if given is not None:
        return fen(given)
    if fund.budget_basis == "fixed":
        return fen(fund.annual_budget)
    return fen(last_year_cost * fund.fund_pay_ratio * (1 + fund.budget_growth))


def month_budget(budget: Decimal, month: int) -> Decimal:
    """The month's share of the year's budget; the 12 shares sum to the budget exactly."""
    return clearing.allocate(budget, {f"{m:02d}": Decimal(1) for m in range(1, 13)})[f"{month:02d}"]


def case_amount(points: ir.DecimalValue, point_value: ir.DecimalValue, ratio: ir.DecimalValue) -> ir.DecimalValue:
    """病例支付金额 = points × point value × fund ratio, rounded half-up to the fen (the one rounding point)."""
    # exact up to the one rounding: (18,4)×(18,6) and (28,10)×(5,4) stay within 38 digits, so neither
    # DuckDB nor Spark rounds the intermediate products
    exact = (points.cast("decimal(18, 4)") * point_value.cast(PV_TYPE)).cast("decimal(28, 10)")
    return (exact * ratio.cast("decimal(5, 4)")).round(2).cast("decimal(18, 2)")


def with_amounts(points: ir.Table, pv: Mapping[str, Decimal], ratio: Mapping[str, Decimal]) -> ir.Table:
    """Case lines with ``point_value`` and ``amount`` by the case's fund (``insutype``)."""
    zero = ibis.literal(Decimal(0), type=PV_TYPE)
    value = ibis.cases(*((points.insutype == k, ibis.literal(v, type=PV_TYPE)) for k, v in pv.items()), else_=zero)
    share = ibis.cases(*((points.insutype == k, ibis.literal(v, type="decimal(9, 4)")) for k, v in ratio.items()),
                       else_=ibis.literal(Decimal(0), type="decimal(9, 4)"))
    return points.mutate(point_value=value, amount=case_amount(points.points, value, share))


def case_reason(row: Mapping[str, object]) -> str:
    """Why a case has its points (Chinese), for the statement."""
    kind = str(row["case_type"])
    ratio, multiple = row.get("cost_ratio"), row.get("high_multiple")
    if kind == "high":
        return f"费用倍率 {ratio} 超过高倍率界值 {multiple}：基准点数×差异系数 + 超出倍率部分点数"
    if kind == "low":
        return f"费用倍率 {ratio} 低于低倍率界值：按基准点数×费用倍率"
    if kind == "review":
        return f"特例单议待评审（费用倍率 {ratio}）：暂按实际费用折算点数"
    if kind == "reviewed":
        return f"特例单议结论：{row.get('review_reason') or ''}"
    if kind == "ungrouped":
        return "未入组或病组无基准点数：按费用÷全部病例次均费用×100 折算"
    return ""


CASE_HEADERS = ("病例号", "险种", "出院日期", "DRG", "入组状态", "基准点数", "差异系数", "医疗总费用", "病组次均费用",
                "费用倍率", "病例类型", "病例点数", "点值", "支付金额", "说明")
CASE_FORMATS = {"基准点数": POINTS_FORMAT, "病例点数": POINTS_FORMAT, "医疗总费用": MONEY_FORMAT,
                "病组次均费用": MONEY_FORMAT, "支付金额": MONEY_FORMAT}


def case_sheet(rows: Iterable[Mapping[str, object]]) -> Sheet:
    lines = []
    for r in sorted(rows, key=lambda r: (str(r["dscg_date"]), str(r["case_id"]))):
        lines.append([r["case_id"], FUND_LABELS.get(str(r["insutype"]), r["insutype"]), str(r["dscg_date"])[:10],
                      r["drg"], r["status"], r["base_points"], r["coef"], r["cost"], r["mean_cost"], r["cost_ratio"],
                      CASE_TYPES.get(str(r["case_type"]), r["case_type"]), r["points"], r["point_value"],
                      r["amount"], case_reason(r)])
    return Sheet("病例明细", CASE_HEADERS, lines, CASE_FORMATS)


ADJ_HEADERS = ("险种", "项目", "金额", "说明")


def adjustment_sheet(rows: Iterable[Mapping[str, object]]) -> Sheet:
    lines = [[FUND_LABELS.get(str(r["insutype"]), r["insutype"]), r["kind"], r["amount"], r["reason"]] for r in rows]
    return Sheet("调整明细", ADJ_HEADERS, lines, {"金额": MONEY_FORMAT})


def monthly_adjustments(row: Mapping[str, object], withheld_share: Decimal) -> list[dict[str, object]]:
    """The month's adjustments of one institution-fund: rounding difference and the withheld share."""
    out = []
    if row["rounding"]:
        out.append({"insutype": row["insutype"], "kind": "rounding", "amount": row["rounding"],
                    "reason": "尾差调整：按点数分配预算（最大余数法）与病例金额合计之差"})
    out.append({"insutype": row["insutype"], "kind": "withheld", "amount": -Decimal(str(row["withheld"])),
                "reason": f"按 {withheld_share} 比例预留，年度清算时结算"})
    return out


__all__ = ["ADJ_HEADERS", "CASE_HEADERS", "FUND_LABELS", "adjustment_sheet", "case_amount", "case_reason",
           "case_sheet", "fund_budget", "month_budget", "monthly_adjustments", "with_amounts"]
