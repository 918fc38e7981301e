"""Settlement queries and monthly statements (结算查询与月度对账单), read from the ledger.

Amounts are summed over every ledger row of the period, so a reversal (冲销, ``setl_stas = 2``,
negated amounts) nets its original out — in the month the reversal was made. The count follows the
same rule: a live or cancelled original counts +1, a reversal −1.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import selectinload

from yibao.bureau import detached
from yibao.bureau.institutions import Page
from yibao.errors import ErrorCode, InputError, NotFoundError
from yibao.store.models import Institution, Settlement, SettlementDetail, SettlementList, SettlementStatus
from yibao.store.uow import SqlUnitOfWork

ZERO = Decimal("0.00")
SUMMED = ("medfee_sumamt", "fund_pay_sumamt", "psn_part_amt", "hifp_pay", "hifmi_pay", "hifob_pay", "maf_pay", "acct_pay", "psn_cash_pay")


@dataclass(frozen=True, slots=True)
class SettlementFilter:
    """Who may see what is decided before: ``fixmedins_code`` is already the tenant's when it must be."""

    fixmedins_code: str | None = None
    psn_no: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    setl_stas: str | None = None


def _filtered(query: Select[tuple[Settlement]], f: SettlementFilter) -> Select[tuple[Settlement]]:
    if f.date_from is not None and f.date_to is not None and f.date_to < f.date_from:
        raise InputError(ErrorCode.INVALID_DATE, field="date_to", detail="结束日期早于开始日期")
    if f.fixmedins_code is not None:
        query = query.where(Settlement.fixmedins_code == f.fixmedins_code)
    if f.psn_no is not None:
        query = query.where(Settlement.psn_no == f.psn_no)
    if f.date_from is not None:
        query = query.where(Settlement.setl_time >= dt.datetime.combine(f.date_from, dt.time.min))
    if f.date_to is not None:
        query = query.where(Settlement.setl_time < dt.datetime.combine(f.date_to + dt.timedelta(days=1), dt.time.min))
    if f.setl_stas is not None:
        query = query.where(Settlement.setl_stas == f.setl_stas)
    return query


def list_settlements(uow: SqlUnitOfWork, f: SettlementFilter, *, offset: int = 0, limit: int = 100) -> Page:
    query = _filtered(select(Settlement), f)
    with uow:
        count = uow.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = uow.session.scalars(
            query.options(selectinload(Settlement.details))
            .order_by(Settlement.setl_time.desc(), Settlement.setl_id)
            .offset(offset)
            .limit(limit)
        ).all()
        return detached(uow, Page(list(rows), count))


def get_settlement(uow: SqlUnitOfWork, setl_id: str) -> Settlement:
    with uow:
        found = uow.session.scalars(
            select(Settlement).where(Settlement.setl_id == setl_id).options(selectinload(Settlement.details))
        ).one_or_none()
        if found is None:
            raise NotFoundError(ErrorCode.NOT_FOUND, field="setl_id", detail=setl_id)
        return detached(uow, found)


def get_settlement_list(uow: SqlUnitOfWork, setl_id: str) -> SettlementList:
    """结算清单 with its diagnoses, procedures and fee items."""
    with uow:
        found = uow.session.scalars(
            select(SettlementList)
            .where(SettlementList.setl_id == setl_id)
            .options(
                selectinload(SettlementList.diagnoses),
                selectinload(SettlementList.procedures),
                selectinload(SettlementList.items),
            )
        ).one_or_none()
        if found is None:
            raise NotFoundError(ErrorCode.NOT_FOUND, field="setl_id", detail=f"结算清单 {setl_id}")
        return detached(uow, found)


@dataclass(frozen=True, slots=True)
class Statement:
    """月度对账单 of one institution: count, the summed setlinfo amounts and fund pay by fund type."""

    fixmedins_code: str
    fixmedins_name: str
    month: str
    setl_cnt: int
    amounts: dict[str, Decimal]
    fund_pay: dict[str, Decimal] = field(default_factory=dict)


def month_range(month: str) -> tuple[dt.datetime, dt.datetime]:
    """``"2021-03"`` → [2021-03-01 00:00, 2021-04-01 00:00)."""
    try:
        first = dt.date.fromisoformat(f"{month}-01")
    except ValueError:
        raise InputError(ErrorCode.INVALID_DATE, field="month", detail=f"应为 YYYY-MM：{month}") from None
    following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return dt.datetime.combine(first, dt.time.min), dt.datetime.combine(following, dt.time.min)


def monthly_statements(uow: SqlUnitOfWork, month: str, fixmedins_code: str | None = None) -> list[Statement]:
    """Per institution for ``month``; only institutions with ledger rows that month appear."""
    start, end = month_range(month)
    sign = case((Settlement.setl_stas == SettlementStatus.REVERSAL.value, -1), else_=1)
    columns = [func.sum(getattr(Settlement, name)).label(name) for name in SUMMED]
    period = [Settlement.setl_time >= start, Settlement.setl_time < end]
    if fixmedins_code is not None:
        period.append(Settlement.fixmedins_code == fixmedins_code)
    totals = (
        select(Settlement.fixmedins_code, Institution.fixmedins_name, func.sum(sign).label("setl_cnt"), *columns)
        .join(Institution, Institution.fixmedins_code == Settlement.fixmedins_code)
        .where(*period)
        .group_by(Settlement.fixmedins_code, Institution.fixmedins_name)
        .order_by(Settlement.fixmedins_code)
    )
    funds = (
        select(Settlement.fixmedins_code, SettlementDetail.fund_pay_type, func.sum(SettlementDetail.fund_payamt))
        .join(SettlementDetail, SettlementDetail.setl_id == Settlement.setl_id)
        .where(*period)
        .group_by(Settlement.fixmedins_code, SettlementDetail.fund_pay_type)
    )
    with uow:
        by_fund: dict[str, dict[str, Decimal]] = {}
        for code, fund_type, amount in uow.session.execute(funds):
            by_fund.setdefault(code, {})[fund_type] = amount or ZERO
        return [
            Statement(
                fixmedins_code=row.fixmedins_code,
                fixmedins_name=row.fixmedins_name,
                month=month,
                setl_cnt=int(row.setl_cnt or 0),
                amounts={name: getattr(row, name) or ZERO for name in SUMMED},
                fund_pay=dict(sorted(by_fund.get(row.fixmedins_code, {}).items())),
            )
            for row in uow.session.execute(totals)
        ]


__all__ = [
    "SUMMED",
    "SettlementFilter",
    "Statement",
    "get_settlement",
    "get_settlement_list",
    "list_settlements",
    "month_range",
    "monthly_statements",
]
