"""3101 / 3102 事前事中审核 through the store: the visit's lines (given, or as uploaded) and the
person's earlier lines in the window the rules need, judged by the packaged national rule library,
and the local prescription rules with the catalog's daily doses and generic names (超量开药; 重复开药
against the person's earlier prescriptions of the same drug in its window). An empty ``result``
means no rule fired."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from decimal import Decimal
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yibao.api.gateway.schemas import ReviewData
from yibao.errors import ErrorCode, InputError
from yibao.settlement.service import Caller, load_catalog, own_visit
from yibao.store.models import CatalogItem, FeeDetail, Institution, Visit
from yibao.store.models.gateway import NATIONAL_ADMDVS
from yibao.store.models.visits import VisitStatus
from yibao.store.uow import SqlUnitOfWork
from yibao.supervision.local.params import RepeatPrescriptionParams, load_local_params
from yibao.supervision.review import Dispensed, OrderLine, Person, RuleIndex, Visit as ReviewVisit
from yibao.supervision.review import check_visit, history_days, index_for, to_national
from yibao.supervision.rules import load_library
from yibao.supervision.rules.model import Stage


@cache
def rule_index() -> RuleIndex:
    """The packaged rule library, indexed once per process."""
    return index_for(load_library())


@cache
def known_rule_ids() -> frozenset[str]:
    """The rule ids a 3101 ``rule_ids`` may name: the national library's and the local prescription rules'."""
    from yibao.supervision.local.prescriptions import OVER_RX, REPEAT_RX  # Ibis-backed module: on first use

    return frozenset(rule.rule_id for rule in rule_index().library.rules) | {OVER_RX, REPEAT_RX}


def review(uow: SqlUnitOfWork, caller: Caller, data: ReviewData, stage: Stage) -> dict[str, object]:
    """The rules of ``stage`` (3101 事前, 3102 事中) that the visit's lines hit, in the national shape."""
    assert data.mdtrt_id is not None and data.psn_no is not None  # ReviewData's validator
    visit = own_visit(uow, caller, data.mdtrt_id, data.psn_no)
    index = rule_index()
    wanted = frozenset(data.rule_ids)
    unknown = sorted(wanted - known_rule_ids())
    if unknown:
        raise InputError(ErrorCode.UNKNOWN_CODE, field="data.rule_ids", detail=f"未知的规则标识：{'、'.join(unknown)}")
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
    history = _history(uow, visit, lines, history_days(index, {line.med_list_codg for line in lines}))
    institution = uow.session.get(Institution, visit.fixmedins_code)
    level = "grassroots" if institution is None or institution.grassroots_flag or not institution.hosp_lv else str(institution.hosp_lv)
    subject = ReviewVisit(
        visit.mdtrt_id, Person(person.psn_no, person.gend, person.brdy), data.insutype or visit.insutype,
        data.med_type or visit.med_type, level, lines, visit.fixmedins_code,
    )
    local = load_local_params()
    day = min(line.fee_ocur_time for line in lines).date()
    admdvs = institution.admdvs if institution is not None else NATIONAL_ADMDVS
    doses, generic = _drugs(uow.session, {line.med_list_codg for line in lines}, admdvs, day)
    dispensed = _dispensed(uow.session, visit, doses, day, local.repeat_prescription) if doses else []
    hits = check_visit(subject, history, index, stage=stage, doses=doses, generic=generic, dispensed=dispensed, local=local)
    if data.rule_ids:
        hits = [hit for hit in hits if hit.rule_id in wanted]
    return {"result": to_national(hits, subject, data.task_id or "")}


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
        .where(Visit.psn_no == visit.psn_no, Visit.mdtrt_id != visit.mdtrt_id, FeeDetail.fee_ocur_time >= since,
               Visit.mdtrt_stas != VisitStatus.CANCELLED.value)
        .limit(5000)
    )
    return [_line(fee, mdtrt_id) for fee, mdtrt_id in uow.session.execute(query)]


def _drugs(session: Session, codes: Collection[str], admdvs: str,
           on: dt.date) -> tuple[dict[str, Decimal], dict[str, str]]:
    """Daily doses and generic names of the visit's drugs and of the other specifications of their
    generic names, from the catalog the settlement reads on ``on`` (:func:`load_catalog`). Codes
    without a dose are left out: the rules cannot count their days."""
    catalog = load_catalog(session, admdvs, on)
    names = {entry.genname_codg for code in codes if (entry := catalog.get(code)) is not None and entry.genname_codg}
    siblings = set(session.scalars(select(CatalogItem.med_list_codg).where(CatalogItem.genname_codg.in_(names)))) if names else set()
    entries = [entry for code in {*codes, *siblings} if (entry := catalog.get(code)) is not None]
    doses = {e.med_list_codg: e.day_dose for e in entries if e.day_dose is not None and e.day_dose > 0}
    generic = {e.med_list_codg: e.genname_codg for e in entries if e.genname_codg and e.med_list_codg in doses}
    return doses, generic


def _dispensed(session: Session, visit: Visit, doses: dict[str, Decimal], day: dt.date,
               p: RepeatPrescriptionParams) -> list[Dispensed]:
    """The person's prescriptions (one drug's lines of one visit) of these drugs in 重复开药's window
    before ``day`` (same day included), from visits of the settings the rule looks at, not cancelled."""
    since = dt.datetime.combine(day - dt.timedelta(days=p.window_days), dt.time())
    until = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
    query = (
        select(Visit.mdtrt_id, Visit.fixmedins_code, Visit.med_type, FeeDetail.med_list_codg, func.sum(FeeDetail.cnt),
               func.min(FeeDetail.fee_ocur_time))
        .join(Visit, FeeDetail.mdtrt_id == Visit.mdtrt_id)
        .where(Visit.psn_no == visit.psn_no, Visit.mdtrt_id != visit.mdtrt_id, Visit.med_type.in_(p.med_types),
               Visit.mdtrt_stas != VisitStatus.CANCELLED.value, FeeDetail.med_list_codg.in_(doses),
               FeeDetail.fee_ocur_time >= since, FeeDetail.fee_ocur_time < until)
        .group_by(Visit.mdtrt_id, Visit.fixmedins_code, Visit.med_type, FeeDetail.med_list_codg)
        .limit(5000)
    )
    return [Dispensed(*row) for row in session.execute(query)]


__all__ = ["known_rule_ids", "review", "rule_index"]
