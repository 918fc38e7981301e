"""Point payment clearing (点数法结算清算), shared by DIP and DRG: pure functions on per-institution data.

- :func:`allocate` splits an amount over weights to the fen, the remainder going by largest remainder
  (ties by key), so the parts always sum to the amount exactly;
- :func:`point_value` 点值: fixed (expected), floating (budget ÷ fund ratio ÷ points) or elastic;
- :func:`advance_payments` 预付金: last year's monthly average fund payment × months by credit grade;
- :func:`monthly_settlement` 月度结算: the month's budget over the month's points, less the withheld share;
- :func:`annual_clearing` 年度清算: the year's DIP/DRG amount, the surplus-retention / overspend-sharing
  bands against the institution's actual fund charges, then less the monthly payments, the advance,
  audit deductions and the quality deposit.

Every line carries its reason (Chinese) so statements explain each adjustment. Rounding to the fen
happens only in :func:`fen` (ROUND_HALF_UP) and :func:`allocate`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from yibao.errors import ErrorCode, InputError
from yibao.money import fen
from yibao.payment.policy import Band, Clearing, PointValue

CENT = Decimal("0.01")
PV_PLACES = Decimal("0.000001")  # 点值 kept to 6 decimals (yuan per point)


def allocate(total: Decimal, weights: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Split ``total`` (fen) over ``weights`` proportionally; Σ result == total exactly (largest remainder)."""
    if total != total.quantize(CENT):
        raise InputError(ErrorCode.INVALID_AMOUNT, field="total", detail=f"{total} 不是整分")
    weight_sum = sum(weights.values(), Decimal(0))
    if not weights or weight_sum <= 0:
        return {k: Decimal("0.00") for k in weights}
    cents = int(total / CENT)
    raw = {k: Decimal(cents) * w / weight_sum for k, w in weights.items()}
    floors = {k: int(v.to_integral_value(ROUND_DOWN)) for k, v in raw.items()}
    left = cents - sum(floors.values())
    order = sorted(raw, key=lambda k: (-(raw[k] - floors[k]), k))
    for k in order[:left]:
        floors[k] += 1
    return {k: (Decimal(v) * CENT).quantize(CENT) for k, v in floors.items()}


def expected_point_value(cost: Decimal, points: Decimal) -> Decimal:
    """预期点值 = last years' cost ÷ points."""
    if points <= 0:
        raise InputError(ErrorCode.INVALID_VALUE, field="points", detail="历史分值为 0，无法测算预期点值")
    return (cost / points).quantize(PV_PLACES)


def point_value(rule: PointValue, budget: Decimal, fund_pay_ratio: Decimal, points: Decimal,
                expected: Decimal) -> Decimal:
    """结算点值 (yuan of total cost per point) by the pack's mode."""
    if points <= 0:
        return expected
    floating = (budget / fund_pay_ratio / points).quantize(PV_PLACES)
    if rule.mode == "fixed":
        return expected
    if rule.mode == "floating":
        return floating
    return (rule.base_share * expected + rule.increment_share * floating).quantize(PV_PLACES)


def fund_amounts(rule: PointValue, budget: Decimal, fund_pay_ratio: Decimal, points: Mapping[str, Decimal],
                 expected: Decimal) -> tuple[Decimal, dict[str, Decimal]]:
    """(point value, fund amount per key). Floating: the budget itself is allocated by points, to the fen;
    fixed / elastic: the total Σ points × value × ratio is rounded once and allocated the same way."""
    total_points = sum(points.values(), Decimal(0))
    pv = point_value(rule, budget, fund_pay_ratio, total_points, expected)
    total = budget if rule.mode == "floating" else fen(total_points * pv * fund_pay_ratio)
    return pv, allocate(fen(total), points)


@dataclass(frozen=True)
class FundResult:
    """One fund's (职工 / 居民) month or year under the point method, as DIP and DRG both report it."""

    insutype: str
    budget: Decimal
    point_value: Decimal
    points: Decimal
    paid_total: Decimal  # Σ institution amounts (== budget in floating mode)
    institutions: int


@dataclass(frozen=True)
class Adjustment:
    """One line of a statement's adjustments: a signed amount and why."""

    kind: str
    amount: Decimal
    reason: str


@dataclass(frozen=True)
class MonthlyLine:
    key: str
    points: Decimal
    amount: Decimal  # 月度核定结算额
    withheld: Decimal  # 预留
    paid: Decimal  # 本月拨付


def monthly_settlement(params: Clearing, rule: PointValue, monthly_budget: Decimal, fund_pay_ratio: Decimal,
                       points: Mapping[str, Decimal], expected: Decimal) -> tuple[Decimal, list[MonthlyLine]]:
    """月度结算: each institution's share of the month's budget (by points), less the withheld share."""
    pv, amounts = fund_amounts(rule, monthly_budget, fund_pay_ratio, points, expected)
    lines = []
    for key in sorted(points):
        amount = amounts[key]
        withheld = fen(amount * params.withheld_share)
        lines.append(MonthlyLine(key, points[key], amount, withheld, amount - withheld))
    return pv, lines


def advance_payments(params: Clearing, last_year_fund: Mapping[str, Decimal],
                     credit: Mapping[str, str]) -> dict[str, Decimal]:
    """预付金 = last year's monthly average fund payment × months for the institution's credit grade."""
    out = {}
    for key, paid in last_year_fund.items():
        grade = credit.get(key, "")
        months = params.advance_months.get(grade, Decimal(0))
        out[key] = fen(paid / 12 * months)
    return out


def _banded(amount: Decimal, base: Decimal, bands: Sequence[Band]) -> Decimal:
    """Σ over bands of (part of ``amount`` whose rate ÷ ``base`` falls in the band) × the band's share."""
    out, lower = Decimal(0), Decimal(0)
    for band in bands:
        upper = band.upto * base
        part = min(amount, upper) - lower
        if part > 0:
            out += part * band.share
        lower = upper
        if amount <= upper:
            break
    return out


@dataclass(frozen=True)
class InstitutionYear:
    """The inputs of one institution's annual clearing for one fund."""

    key: str
    points: Decimal
    actual_fund: Decimal  # 实际记账: the fund's item-based charges for the year's cases
    monthly_paid: Decimal  # Σ monthly payments (withheld shares excluded)
    advance: Decimal = Decimal(0)
    audit_deduction: Decimal = Decimal(0)
    assessment_score: Decimal = Decimal(1)  # share of the quality deposit returned (年度考核)


@dataclass(frozen=True)
class ClearingLine:
    key: str
    points: Decimal
    dip_amount: Decimal  # 年度 DIP/DRG 核定额 (Σ == budget in floating mode)
    actual_fund: Decimal
    cleared: Decimal  # after retention / sharing
    balance: Decimal  # to pay (+) or recover (−)
    adjustments: tuple[Adjustment, ...] = field(default_factory=tuple)


def annual_clearing(params: Clearing, rule: PointValue, budget: Decimal, fund_pay_ratio: Decimal,
                    rows: Sequence[InstitutionYear], expected: Decimal) -> tuple[Decimal, list[ClearingLine]]:
    """年度清算 of one fund: returns (point value, one line per institution)."""
    pv, amounts = fund_amounts(rule, budget, fund_pay_ratio, {r.key: r.points for r in rows}, expected)
    lines = []
    for row in sorted(rows, key=lambda r: r.key):
        dip = amounts[row.key]
        adj: list[Adjustment] = []
        cleared = dip
        if row.actual_fund < dip:
            surplus = dip - row.actual_fund
            kept = fen(_banded(surplus, dip, params.surplus_bands))
            cleared = row.actual_fund + kept
            adj.append(Adjustment("surplus", cleared - dip,
                                  f"结余留用：结余 {surplus}，按结余率分段留用 {kept}"))
        elif row.actual_fund > dip:
            over = row.actual_fund - dip
            shared = fen(_banded(over, dip, params.overspend_bands))
            cleared = dip + shared
            adj.append(Adjustment("overspend", shared, f"合理超支分担：超支 {over}，按超支率分段由基金分担 {shared}"))
        deposit = fen(cleared * params.quality_deposit_share)
        kept_deposit = fen(deposit * (1 - row.assessment_score))
        adj.append(Adjustment("monthly_paid", -row.monthly_paid, "扣减月度已拨付结算额"))
        if row.advance:
            adj.append(Adjustment("advance", -row.advance, "收回年初预付金（年末对账）"))
        if row.audit_deduction:
            adj.append(Adjustment("audit", -row.audit_deduction, "病例审核违规费用扣减"))
        if kept_deposit:
            adj.append(Adjustment("quality_deposit", -kept_deposit,
                                  f"质量保证金 {deposit}，按考核得分 {row.assessment_score} 扣除 {kept_deposit}"))
        balance = cleared - row.monthly_paid - row.advance - row.audit_deduction - kept_deposit
        lines.append(ClearingLine(row.key, row.points, dip, row.actual_fund, cleared, balance, tuple(adj)))
    return pv, lines


__all__ = [
    "Adjustment", "ClearingLine", "FundResult", "InstitutionYear", "MonthlyLine", "advance_payments", "allocate",
    "annual_clearing", "expected_point_value", "fund_amounts", "monthly_settlement", "point_value",
]
