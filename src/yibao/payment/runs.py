"""Warehouse helpers shared by the DIP and DRG payment runs (services: they read the warehouse)."""

from __future__ import annotations

from decimal import Decimal

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


def last_year_fund(pack: PaymentPack, cases: ir.Table, cost: ir.NumericColumn) -> dict[tuple[str, str], Decimal]:
    """Last year's fund payment per institution (cost × the fund's payment ratio): the basis of the advance (预付金).
    ``cases`` is already filtered to last year; ``cost`` is its cost column."""
    rows = cases.group_by("insutype", "fixmedins_code").agg(cost=cost.sum()).to_pyarrow().to_pylist()
    out = {}
    for r in rows:
        fund = pack.funds.get(r["insutype"])
        if fund is not None:
            out[(r["insutype"], r["fixmedins_code"])] = fen(as_decimal(r["cost"]) * fund.fund_pay_ratio)
    return out


__all__ = ["as_decimal", "cached", "last_year_fund", "monthly_paid", "optional_table"]
