"""Visit queries (就诊查询): visits with their diagnoses and fee details, filtered like settlements."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from yibao.bureau import detached
from yibao.bureau.institutions import Page
from yibao.errors import ErrorCode, InputError, NotFoundError
from yibao.store.models import Visit
from yibao.store.uow import SqlUnitOfWork


@dataclass(frozen=True, slots=True)
class VisitFilter:
    """``fixmedins_code`` is already the tenant's own when the caller is an institution."""

    fixmedins_code: str | None = None
    psn_no: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def list_visits(uow: SqlUnitOfWork, f: VisitFilter, *, offset: int = 0, limit: int = 100) -> Page:
    if f.date_from is not None and f.date_to is not None and f.date_to < f.date_from:
        raise InputError(ErrorCode.INVALID_DATE, field="date_to", detail="结束日期早于开始日期")
    query = select(Visit)
    if f.fixmedins_code is not None:
        query = query.where(Visit.fixmedins_code == f.fixmedins_code)
    if f.psn_no is not None:
        query = query.where(Visit.psn_no == f.psn_no)
    if f.date_from is not None:
        query = query.where(Visit.begntime >= dt.datetime.combine(f.date_from, dt.time.min))
    if f.date_to is not None:
        query = query.where(Visit.begntime < dt.datetime.combine(f.date_to + dt.timedelta(days=1), dt.time.min))
    with uow:
        count = uow.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = uow.session.scalars(
            query.options(selectinload(Visit.diagnoses)).order_by(Visit.begntime.desc(), Visit.mdtrt_id).offset(offset).limit(limit)
        ).all()
        return detached(uow, Page(list(rows), count))


def get_visit(uow: SqlUnitOfWork, mdtrt_id: str) -> Visit:
    with uow:
        found = uow.session.scalars(
            select(Visit)
            .where(Visit.mdtrt_id == mdtrt_id)
            .options(selectinload(Visit.diagnoses), selectinload(Visit.fee_details))
        ).one_or_none()
        if found is None:
            raise NotFoundError(ErrorCode.NOT_FOUND, field="mdtrt_id", detail=mdtrt_id)
        return detached(uow, found)


__all__ = ["VisitFilter", "get_visit", "list_visits"]
