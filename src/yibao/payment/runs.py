"""Warehouse helpers shared by the DIP and DRG payment runs (services: they read the warehouse)."""

from __future__ import annotations

from decimal import Decimal

import ibis
import ibis.expr.types as ir

from yibao.money import fen
from yibao.payment.policy import PaymentPack
from yibao.store.warehouse import Warehouse


def cached(wh: Warehouse, expr: ir.Table) -> ir.Table:
    """Materialise ``expr`` on the warehouse backend (its in-memory lookup tables registered first:
    Ibis's PySpark cache does not register them itself)."""
    wh.con._register_in_memory_tables(expr)
    return expr.cache()


def optional_table(wh: Warehouse, name: str) -> ir.Table | None:
    return wh.table(name) if name in wh.tables() else None


def as_decimal(value: object) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def monthly_paid(wh: Warehouse, table: str, year: int) -> dict[tuple[str, str], Decimal]:
    """What the year's monthly settlements in ``table`` paid, per (insutype, fixmedins_code)."""
    monthly = optional_table(wh, table)
    if monthly is None:
        return {}
    m = monthly.filter(monthly.year == year)
    rows = m.group_by("insutype", "fixmedins_code").agg(paid=m.paid.sum()).to_pyarrow().to_pylist()
    return {(r["insutype"], r["fixmedins_code"]): as_decimal(r["paid"]) for r in rows}


FROM_SETTLEMENT = "settlement"  # fund_source: the case's own settlement (统筹基金支出 hifp_pay)
FROM_RATIO = "ratio"  # fund_source: no settlement in the warehouse, cost × the pack's fund payment ratio
RATIO_PLACES = Decimal("0.000001")


def with_fund_payment(wh: Warehouse, pack: PaymentPack, cases: ir.Table, cost: ir.NumericColumn) -> ir.Table:
    """``cases`` with ``fund_pay`` (统筹基金支付) and ``fund_source``: the case's settlement in the warehouse
    ``settlements`` (joined on ``mdtrt_id``, ``hifp_pay`` summed over its settlement rows); where a case has
    none (a history year settled elsewhere, a list without a settlement), ``fen(cost × fund_pay_ratio)`` of
    the case's fund in the pack, marked ``ratio`` so statements show which rule gave the amount."""
    ratio = ibis.cases(*((cases.insutype == k, ibis.literal(f.fund_pay_ratio, type="decimal(18, 6)"))
                         for k, f in pack.funds.items()), else_=ibis.literal(Decimal(0), type="decimal(18, 6)"))
    fallback = (cost * ratio).round(2).cast("decimal(18, 2)")
    setl = optional_table(wh, "settlements")
    if setl is None:
        return cases.mutate(fund_pay=fallback, fund_source=ibis.literal(FROM_RATIO))
    paid = setl.group_by(s_mdtrt="mdtrt_id").agg(s_fund=setl.hifp_pay.sum())
    t = cases.left_join(paid, cases.mdtrt_id == paid.s_mdtrt)
    found = t.s_mdtrt.notnull()
    return t.mutate(fund_pay=ibis.ifelse(found, t.s_fund.cast("decimal(18, 2)"), fallback),
                    fund_source=ibis.ifelse(found, FROM_SETTLEMENT, FROM_RATIO)).drop("s_mdtrt", "s_fund")


def fund_ratio(fund_pay: Decimal, cost: Decimal, default: Decimal) -> Decimal:
    """基金支付比例 of a scope: Σ fund payment ÷ Σ cost (6 decimals); ``default`` (the pack's) when no cost."""
    if cost <= 0:
        return default
    return (fund_pay / cost).quantize(RATIO_PLACES)


def last_year_fund(pack: PaymentPack, cases: ir.Table, cost: ir.NumericColumn,
                   fund_pay: ir.NumericColumn | None = None) -> dict[tuple[str, str], Decimal]:
    """Last year's fund payment per institution: the basis of the advance (预付金). ``cases`` is already
    filtered to last year; ``fund_pay`` (from :func:`with_fund_payment`) is summed when given, else the
    cost column × the fund's payment ratio."""
    amount = fund_pay if fund_pay is not None else cost
    rows = cases.group_by("insutype", "fixmedins_code").agg(amount=amount.sum()).to_pyarrow().to_pylist()
    out = {}
    for r in rows:
        fund = pack.funds.get(r["insutype"])
        if fund is not None:
            ratio = Decimal(1) if fund_pay is not None else fund.fund_pay_ratio
            out[(r["insutype"], r["fixmedins_code"])] = fen(as_decimal(r["amount"]) * ratio)
    return out


__all__ = ["FROM_RATIO", "FROM_SETTLEMENT", "as_decimal", "cached", "fund_ratio", "last_year_fund", "monthly_paid",
           "optional_table", "with_fund_payment"]
