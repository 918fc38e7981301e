"""3101 / 3102 事前事中审核 through the store: the visit's lines (given, or as uploaded) and the
person's earlier lines in the window the rules need, judged by the packaged national rule library.
An empty ``result`` means no rule fired."""

from __future__ import annotations

import datetime as dt
from functools import cache

from sqlalchemy import select

from yibao.api.gateway.schemas import ReviewData
from yibao.errors import ErrorCode, InputError
from yibao.settlement.service import Caller, own_visit
from yibao.store.models import FeeDetail, Institution, Visit
from yibao.store.uow import SqlUnitOfWork
from yibao.supervision.review import OrderLine, Person, RuleIndex, Visit as ReviewVisit
from yibao.supervision.review import check_visit, history_days, index_for, to_national
from yibao.supervision.rules import load_library


@cache
def rule_index() -> RuleIndex:
    """The packaged rule library, indexed once per process."""
    return index_for(load_library())


def review(uow: SqlUnitOfWork, caller: Caller, data: ReviewData) -> dict[str, object]:
    visit = own_visit(uow, caller, data.mdtrt_id, data.psn_no)
    person = uow.persons.get(data.psn_no)
    assert person is not None  # the visit's foreign key
    if data.feedetail:
        lines = tuple(
            OrderLine(x.feedetl_sn, x.med_list_codg, x.pric, x.cnt, x.det_item_fee_sumamt, x.fee_ocur_time, visit.mdtrt_id)
            for x in data.feedetail
        )
    else:
        lines = tuple(_line(fee, visit.mdtrt_id) for fee in visit.fee_details)
    if not lines:
        raise InputError(ErrorCode.MISSING_FIELD, field="data.feedetail", detail="未给出明细且该就诊未上传明细")
    index = rule_index()
    history = _history(uow, visit, lines, history_days(index, {line.med_list_codg for line in lines}))
    institution = uow.session.get(Institution, visit.fixmedins_code)
    level = "grassroots" if institution is None or institution.grassroots_flag or not institution.hosp_lv else str(institution.hosp_lv)
    subject = ReviewVisit(
        visit.mdtrt_id, Person(person.psn_no, person.gend, person.brdy), data.insutype or visit.insutype,
        data.med_type or visit.med_type, level, lines, visit.fixmedins_code,
    )
    hits = check_visit(subject, history, index)
    return {"result": to_national(hits, subject)}


def _line(fee: FeeDetail, mdtrt_id: str) -> OrderLine:
    return OrderLine(fee.feedetl_sn, fee.med_list_codg, fee.pric, fee.cnt, fee.det_item_fee_sumamt, fee.fee_ocur_time, mdtrt_id)


def _history(uow: SqlUnitOfWork, visit: Visit, lines: tuple[OrderLine, ...], days: int) -> list[OrderLine]:
    if days == 0:
        return []
    first = min(line.fee_ocur_time for line in lines)
    since = dt.datetime.combine(first.date() - dt.timedelta(days=days), dt.time())
    query = (
        select(FeeDetail, Visit.mdtrt_id)
        .join(Visit, FeeDetail.mdtrt_id == Visit.mdtrt_id)
        .where(Visit.psn_no == visit.psn_no, Visit.mdtrt_id != visit.mdtrt_id, FeeDetail.fee_ocur_time >= since)
        .limit(5000)
    )
    return [_line(fee, mdtrt_id) for fee, mdtrt_id in uow.session.execute(query)]


__all__ = ["review", "rule_index"]
