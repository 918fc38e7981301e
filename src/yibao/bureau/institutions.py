"""Pooling regions and designated institutions (定点医药机构) with their agreements (协议管理).

An agreement moves between 正常 (1), 暂停拨付 (2) and 解除协议 (3); every change needs a reason and
is kept in ``agreement_event``. A terminated agreement (3) is final: a new agreement is a new record.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from yibao.bureau import detached
from yibao.errors import ConflictError, ErrorCode, InputError, NotFoundError
from yibao.store.models import AgreementEvent, AgreementStatus, Institution, PoolingRegion
from yibao.store.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

AGREEMENT_LABELS = {"1": "正常", "2": "暂停拨付", "3": "解除协议"}
# Allowed moves; 解除协议 is final.
_MOVES = {"1": {"2", "3"}, "2": {"1", "3"}, "3": set()}
EDITABLE = frozenset(
    {
        "fixmedins_name",
        "fixmedins_type",
        "hosp_lv",
        "grassroots_flag",
        "aprv_bed_cnt",
        "open_bed_cnt",
        "hi_agre_bed_cnt",
        "agre_begndate",
        "agre_enddate",
    }
)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list and the total it came from."""

    data: Sequence[object]
    count: int


def add_region(uow: SqlUnitOfWork, admdvs: str, admdvs_name: str, prnt_admdvs: str | None = None) -> PoolingRegion:
    with uow:
        if uow.regions.get(admdvs) is not None:
            raise ConflictError(ErrorCode.ALREADY_EXISTS, field="admdvs", detail=admdvs)
        if prnt_admdvs is not None and uow.regions.get(prnt_admdvs) is None:
            raise InputError(ErrorCode.UNKNOWN_CODE, field="prnt_admdvs", detail=prnt_admdvs)
        region = uow.regions.add(PoolingRegion(admdvs=admdvs, admdvs_name=admdvs_name, prnt_admdvs=prnt_admdvs))
        uow.commit()
        return region


def list_regions(uow: SqlUnitOfWork) -> list[PoolingRegion]:
    with uow:
        return detached(uow, list(uow.session.scalars(select(PoolingRegion).order_by(PoolingRegion.admdvs))))


def create_institution(uow: SqlUnitOfWork, values: Mapping[str, object]) -> Institution:
    code = str(values["fixmedins_code"])
    with uow:
        if uow.institutions.get(code) is not None:
            raise ConflictError(ErrorCode.ALREADY_EXISTS, field="fixmedins_code", detail=code)
        if uow.regions.get(str(values["admdvs"])) is None:
            raise InputError(ErrorCode.UNKNOWN_CODE, field="admdvs", detail=f"统筹区 {values['admdvs']} 未登记")
        institution = uow.institutions.add(Institution(**dict(values), agre_stas=AgreementStatus.NORMAL.value))
        uow.commit()
        log.info("定点机构已登记 fixmedins_code=%s", code)
        return institution


def get_institution(uow: SqlUnitOfWork, code: str) -> Institution:
    with uow:
        return detached(uow, _institution(uow, code))


def _institution(uow: SqlUnitOfWork, code: str) -> Institution:
    found = uow.institutions.get(code)
    if found is None:
        raise NotFoundError(ErrorCode.INSTITUTION_NOT_FOUND, field="fixmedins_code", detail=code)
    return found


def list_institutions(
    uow: SqlUnitOfWork, *, admdvs: str | None = None, agre_stas: str | None = None, offset: int = 0, limit: int = 100
) -> Page:
    query = select(Institution)
    if admdvs is not None:
        query = query.where(Institution.admdvs == admdvs)
    if agre_stas is not None:
        query = query.where(Institution.agre_stas == agre_stas)
    with uow:
        count = uow.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = uow.session.scalars(query.order_by(Institution.fixmedins_code).offset(offset).limit(limit)).all()
        return detached(uow, Page(list(rows), count))


def update_institution(uow: SqlUnitOfWork, code: str, changes: Mapping[str, object]) -> Institution:
    unknown = set(changes) - EDITABLE
    if unknown:
        raise InputError(ErrorCode.INVALID_VALUE, field=sorted(unknown)[0], detail="不可修改；协议状态请用协议变更")
    with uow:
        institution = _institution(uow, code)
        for name, value in changes.items():
            setattr(institution, name, value)
        _check_dates(institution.agre_begndate, institution.agre_enddate)
        uow.commit()
        return institution


def _check_dates(begin: dt.date | None, end: dt.date | None) -> None:
    if begin is not None and end is not None and end < begin:
        raise InputError(ErrorCode.INVALID_DATE, field="agre_enddate", detail="协议结束日期早于开始日期")


def delete_institution(uow: SqlUnitOfWork, code: str) -> None:
    """Remove an institution that nothing refers to yet (a mistaken entry); otherwise refuse."""
    with uow:
        institution = _institution(uow, code)
        uow.session.delete(institution)
        try:
            uow.flush()
        except IntegrityError as exc:
            raise ConflictError(ErrorCode.INVALID_STATE, field="fixmedins_code", detail="已有业务数据，不能删除，请解除协议") from exc
        uow.commit()


def change_agreement(
    uow: SqlUnitOfWork, code: str, *, new_stas: str, reason: str, effective_date: dt.date, changed_by: str
) -> AgreementEvent:
    """协议状态变更 with its reason; a move the agreement cannot make is refused."""
    if not reason.strip():
        raise InputError(ErrorCode.MISSING_FIELD, field="reason", detail="协议状态变更须写明原因")
    with uow:
        institution = _institution(uow, code)
        old = institution.agre_stas
        if new_stas not in _MOVES.get(old, set()):
            raise ConflictError(
                ErrorCode.INVALID_STATE,
                field="agre_stas",
                detail=f"协议状态不能从「{AGREEMENT_LABELS.get(old, old)}」变为「{AGREEMENT_LABELS.get(new_stas, new_stas)}」",
            )
        institution.agre_stas = new_stas
        if new_stas == AgreementStatus.TERMINATED.value:
            institution.agre_enddate = effective_date
        event = AgreementEvent(
            fixmedins_code=code,
            old_stas=old,
            new_stas=new_stas,
            reason=reason.strip(),
            effective_date=effective_date,
            changed_by=changed_by,
        )
        uow.session.add(event)
        uow.commit()
        log.info("协议状态变更 fixmedins_code=%s %s→%s", code, old, new_stas)
        return event


def agreement_events(uow: SqlUnitOfWork, code: str) -> list[AgreementEvent]:
    with uow:
        _institution(uow, code)
        query = select(AgreementEvent).where(AgreementEvent.fixmedins_code == code).order_by(AgreementEvent.id)
        return detached(uow, list(uow.session.scalars(query)))


__all__ = [
    "AGREEMENT_LABELS",
    "EDITABLE",
    "Page",
    "add_region",
    "agreement_events",
    "change_agreement",
    "create_institution",
    "delete_institution",
    "get_institution",
    "list_institutions",
    "list_regions",
    "update_institution",
]
