"""Enrolment services (参保登记): persons, hardship identities, coverage periods with contributions.

Resident enrolment (``insutype`` 390) takes its contribution from
:func:`yibao.enrollment.rules.contribution` (subsidised identities pay nothing themselves: 资助参保)
and its benefit start from :func:`yibao.enrollment.rules.waiting_period`, both with the figures of
the policy pack in force for the person's region on the enrolment date (activated stored packs
included). Employee enrolment (310) is wage-based: the contribution is what the caller states and
there is no waiting period.

The ID number goes in clear only as far as the certno protector; logs carry ``psn_no`` only.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from yibao.bureau import detached
from yibao.bureau.institutions import Page
from yibao.enrollment.rules import Contribution, EnrolmentEvent, WaitingDecision, contribution, waiting_period
from yibao.errors import ConflictError, ErrorCode, InputError, NotFoundError
from yibao.money import fen
from yibao.policy.loader import pack_in_force
from yibao.policy.schema import IDENTITY_CODES
from yibao.policy.service import packs_for
from yibao.store.models import CoveragePeriod, InsuranceStatus, Person, PersonIdentity
from yibao.store.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

RESIDENT = "390"
EMPLOYEE = "310"
ASSISTANCE_SOURCE = "医疗救助基金"


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A stored coverage period with how its contribution and benefit start were decided."""

    period: CoveragePeriod
    pack_id: str | None
    contribution: Contribution | None
    waiting: WaitingDecision | None


def create_person(uow: SqlUnitOfWork, values: Mapping[str, object], certno: str) -> Person:
    """参保人员登记; ``psn_no`` is generated when not given. A known ID number is refused."""
    data = dict(values)
    psn_no = str(data.pop("psn_no", None) or f"P{uuid.uuid4().hex[:20].upper()}")
    with uow:
        if uow.regions.get(str(data["insuplc_admdvs"])) is None:
            raise InputError(ErrorCode.UNKNOWN_CODE, field="insuplc_admdvs", detail=f"统筹区 {data['insuplc_admdvs']} 未登记")
        if uow.persons.get(psn_no) is not None:
            raise ConflictError(ErrorCode.ALREADY_EXISTS, field="psn_no", detail=psn_no)
        if uow.persons.get_by_certno(certno) is not None:
            raise ConflictError(ErrorCode.ALREADY_EXISTS, field="certno", detail="该证件号码已登记")
        person = uow.persons.add(Person(psn_no=psn_no, **data), certno)
        uow.commit()
        log.info("参保人员已登记 psn_no=%s", psn_no)
        return person


def _person(uow: SqlUnitOfWork, psn_no: str) -> Person:
    found = uow.persons.get(psn_no)
    if found is None:
        raise NotFoundError(ErrorCode.PERSON_NOT_FOUND, field="psn_no", detail=psn_no)
    return found


def get_person(uow: SqlUnitOfWork, psn_no: str) -> Person:
    with uow:
        return detached(uow, _person(uow, psn_no))


def find_by_certno(uow: SqlUnitOfWork, certno: str) -> Person:
    with uow:
        found = uow.persons.get_by_certno(certno)
        if found is None:
            raise NotFoundError(ErrorCode.PERSON_NOT_FOUND, field="certno", detail="该证件号码未登记")
        return detached(uow, found)


def list_persons(uow: SqlUnitOfWork, *, insuplc_admdvs: str | None = None, offset: int = 0, limit: int = 100) -> Page:
    query = select(Person)
    if insuplc_admdvs is not None:
        query = query.where(Person.insuplc_admdvs == insuplc_admdvs)
    with uow:
        count = uow.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = uow.session.scalars(query.order_by(Person.psn_no).offset(offset).limit(limit)).all()
        return detached(uow, Page(list(rows), count))


def add_identity(
    uow: SqlUnitOfWork, psn_no: str, psn_idet_type: str, begndate: dt.date, enddate: dt.date | None, memo: str | None
) -> PersonIdentity:
    """困难人员身份 held from ``begndate`` (to ``enddate``, or still held)."""
    if psn_idet_type not in IDENTITY_CODES:
        raise InputError(ErrorCode.UNKNOWN_CODE, field="psn_idet_type", detail=f"可选 {'、'.join(IDENTITY_CODES)}")
    if enddate is not None and enddate < begndate:
        raise InputError(ErrorCode.INVALID_DATE, field="enddate", detail="结束日期早于开始日期")
    with uow:
        person = _person(uow, psn_no)
        if any(i.psn_idet_type == psn_idet_type and i.begndate == begndate for i in person.identities):
            raise ConflictError(ErrorCode.ALREADY_EXISTS, field="psn_idet_type", detail="同一身份同一开始日期已登记")
        identity = PersonIdentity(psn_idet_type=psn_idet_type, begndate=begndate, enddate=enddate, memo=memo)
        person.identities.append(identity)
        uow.commit()
        return identity


def identities(uow: SqlUnitOfWork, psn_no: str) -> list[PersonIdentity]:
    with uow:
        return detached(uow, list(_person(uow, psn_no).identities))


def held_on(person: Person, on: dt.date) -> frozenset[str]:
    """The policy identity names ``person`` holds on ``on``."""
    return frozenset(
        IDENTITY_CODES[i.psn_idet_type]
        for i in person.identities
        if i.psn_idet_type in IDENTITY_CODES and i.begndate <= on and (i.enddate is None or i.enddate >= on)
    )


def enrol(
    uow: SqlUnitOfWork,
    psn_no: str,
    *,
    insutype: str,
    begndate: dt.date,
    enddate: dt.date | None = None,
    psn_insu_date: dt.date | None = None,
    employee_coverage_ended: dt.date | None = None,
    psn_clct_amt: Decimal | None = None,
) -> Enrolment:
    """参保: store a coverage period with its contribution and waiting period (资助参保 when subsidised)."""
    if insutype not in (RESIDENT, EMPLOYEE):
        raise InputError(ErrorCode.UNKNOWN_CODE, field="insutype", detail="可选 310（职工）、390（城乡居民）")
    if enddate is not None and enddate < begndate:
        raise InputError(ErrorCode.INVALID_DATE, field="enddate", detail="结束日期早于开始日期")
    registered = psn_insu_date or begndate
    with uow:
        person = uow.session.scalars(
            select(Person).where(Person.psn_no == psn_no).options(selectinload(Person.coverage_periods), selectinload(Person.identities))
        ).one_or_none()
        if person is None:
            raise NotFoundError(ErrorCode.PERSON_NOT_FOUND, field="psn_no", detail=psn_no)
        _refuse_overlap(person, insutype, begndate, enddate)
        period = CoveragePeriod(
            insutype=insutype, begndate=begndate, enddate=enddate, psn_insu_date=registered,
            psn_insu_stas=InsuranceStatus.NORMAL.value,
        )
        enrolment = Enrolment(period, None, None, None)
        if insutype == RESIDENT:
            if psn_clct_amt is not None:
                raise InputError(ErrorCode.INVALID_VALUE, field="psn_clct_amt", detail="城乡居民个人缴费按政策包计算，不可指定")
            enrolment = _resident(uow, person, period, registered, employee_coverage_ended)
        else:
            period.psn_clct_amt = psn_clct_amt if psn_clct_amt is not None else Decimal("0.00")
        person.coverage_periods.append(period)
        uow.commit()
        log.info("参保登记 psn_no=%s insutype=%s begndate=%s", psn_no, insutype, begndate)
        return enrolment


def _refuse_overlap(person: Person, insutype: str, begin: dt.date, end: dt.date | None) -> None:
    for other in person.coverage_periods:
        if other.insutype != insutype:
            continue
        if (other.enddate is None or other.enddate >= begin) and (end is None or end >= other.begndate):
            raise ConflictError(
                ErrorCode.ALREADY_EXISTS, field="begndate", detail=f"与已有参保期间（自 {other.begndate.isoformat()}）重叠"
            )


def _resident(
    uow: SqlUnitOfWork, person: Person, period: CoveragePeriod, registered: dt.date, employee_ended: dt.date | None
) -> Enrolment:
    pack = pack_in_force(person.insuplc_admdvs, period.begndate, packs_for(uow.session))
    rules = pack.enrollment
    if rules is None:
        raise InputError(ErrorCode.POLICY_INVALID, field="enrollment", detail=f"政策包 {pack.pack_id} 未设参保缴费规则")
    held = held_on(person, period.begndate)
    due = contribution(rules, held)
    waiting = waiting_period(
        rules, EnrolmentEvent(enrol_date=registered, identities=held, birth_date=person.brdy, employee_coverage_ended=employee_ended)
    )
    period.psn_clct_amt = fen(due.individual_due)
    period.subs_clct_amt = fen(due.assistance_subsidy)
    period.subs_flag = due.assistance_subsidy > 0
    period.subs_src = ASSISTANCE_SOURCE if period.subs_flag else None
    period.wait_enddate = waiting.benefit_from - dt.timedelta(days=1) if waiting.waiting_days else None
    return Enrolment(period, pack.pack_id, due, waiting)


def coverage_periods(uow: SqlUnitOfWork, psn_no: str) -> list[CoveragePeriod]:
    with uow:
        _person(uow, psn_no)
        return detached(uow, list(uow.coverage.for_person(psn_no)))


__all__ = [
    "ASSISTANCE_SOURCE",
    "Enrolment",
    "add_identity",
    "coverage_periods",
    "create_person",
    "enrol",
    "find_by_certno",
    "get_person",
    "held_on",
    "identities",
    "list_persons",
]
