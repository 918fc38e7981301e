"""The store-backed settlement service (结算服务): load → lock → pure engine → write.

Each use case takes an open :class:`~yibao.store.uow.SqlUnitOfWork` and a :class:`Caller` and does
its reads and writes inside that one transaction; the caller (the national-interface gateway, a
test, a batch) commits once — after adding its own message log — so a settlement, its fund lines,
its accumulator change and the message that asked for it are all or nothing.

Concurrency: :func:`settle_visit` locks the visit row, then the person's annual accumulator
(``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the unit of work holds the write lock from
``BEGIN IMMEDIATE``), so two settlements of one person never both see the same threshold or cap
room, and one visit is never settled twice.

Reference data that every call needs is cached per process: policy packs (bundled, parsed once)
and the catalog of a region (:func:`load_catalog`, refreshed after ``CATALOG_TTL_SECONDS`` or on
:func:`invalidate_catalog_cache`).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from yibao.catalog.model import CatalogEntry
from yibao.enrollment.rules import Coverage
from yibao.errors import ConflictError, ErrorCode, InputError, NotFoundError, PermissionDenied
from yibao.money import FEN, ZERO
from yibao.policy.loader import pack_in_force
from yibao.policy.schema import PolicyPack
from yibao.settlement import engine, steps
from yibao.settlement.accumulators import Accumulators
from yibao.settlement.model import Claim, ClaimItem
from yibao.settlement.model import Person as EnginePerson
from yibao.settlement.model import Settlement as EngineSettlement
from yibao.store.models import (
    CatalogItem,
    CoveragePeriod,
    FeeDetail,
    Institution,
    Person,
    Settlement,
    SettlementDelta,
    SettlementDetail,
    SettlementStatus,
    Visit,
    VisitExtra,
    VisitStatus,
)
from yibao.store.models.gateway import NATIONAL_ADMDVS
from yibao.store.uow import SqlUnitOfWork

CATALOG_TTL_SECONDS = 30.0
OUTPATIENT_MED_TYPES = frozenset({"11", "12", "13", "14", "51"})
INPATIENT_MED_TYPES = frozenset({"21", "22", "23", "24", "52"})
# psn_idet_type (store, HardshipIdentity) → the identity names policy packs use (policy.schema.IDENTITIES).
IDENTITY_NAMES = {
    "01": "extreme_poverty",
    "02": "minimum_living",
    "03": "low_income",
    "04": "relapse_risk",
    "05": "lifted_out",
}


@dataclass(frozen=True, slots=True)
class Caller:
    """Who asks: the institution (authenticated upstream), its operator and the message."""

    fixmedins_code: str
    opter: str
    mdtrtarea_admvs: str
    msgid: str
    when: dt.datetime


@dataclass(frozen=True, slots=True)
class VisitInput:
    """2201 挂号 / 2401 入院办理."""

    psn_no: str
    insutype: str
    med_type: str
    begntime: dt.datetime
    ipt_otp_no: str | None = None
    atddr_no: str | None = None
    dr_name: str | None = None
    dept_code: str | None = None
    dept_name: str | None = None
    caty: str | None = None
    dise_codg: str | None = None
    diagnoses: tuple[tuple[str, str | None, bool], ...] = ()  # (diag_code, diag_name, maindiag_flag)


@dataclass(frozen=True, slots=True)
class FeeLine:
    """2204 / 2301 ``feedetail`` line, amounts already parsed to Decimal."""

    feedetl_sn: str
    mdtrt_id: str
    psn_no: str
    med_list_codg: str
    medins_list_codg: str | None
    pric: Decimal
    cnt: Decimal
    det_item_fee_sumamt: Decimal
    fee_ocur_time: dt.datetime
    bilg_dr_codg: str | None = None
    bilg_dept_codg: str | None = None


@dataclass(frozen=True, slots=True)
class SettleInput:
    """2206/2207 (门诊) and 2303/2304 (住院) ``data``."""

    psn_no: str
    mdtrt_id: str
    insutype: str
    med_type: str
    medfee_sumamt: Decimal
    acct_used_flag: bool = True


@dataclass(frozen=True, slots=True)
class SettleOutcome:
    """The engine's settlement and, once written, its ``setl_id``."""

    settlement: EngineSettlement
    setl_id: str | None
    setl_time: dt.datetime


def new_id(prefix: str) -> str:
    """A 26-character id: prefix + time + randomness (unique across processes)."""
    return f"{prefix}{time.strftime('%y%m%d')}{uuid.uuid4().hex[:26 - len(prefix) - 6]}"


# -- reference data -----------------------------------------------------------------------------

_catalog_lock = threading.Lock()
_catalog_cache: dict[tuple[str, dt.date], tuple[float, dict[str, CatalogEntry]]] = {}


def invalidate_catalog_cache() -> None:
    """Forget cached catalogs (call after a catalog import in this process)."""
    with _catalog_lock:
        _catalog_cache.clear()


def load_catalog(session: Session, admdvs: str, on: dt.date) -> Mapping[str, CatalogEntry]:
    """The catalog valid on ``on`` for ``admdvs``: national lines, overridden by the region's own."""
    key = (admdvs, on)
    with _catalog_lock:
        cached = _catalog_cache.get(key)
        if cached is not None and time.monotonic() - cached[0] < CATALOG_TTL_SECONDS:
            return cached[1]
    query = select(CatalogItem).where(
        CatalogItem.admdvs.in_((NATIONAL_ADMDVS, admdvs)),
        CatalogItem.begndate <= on,
        or_(CatalogItem.enddate.is_(None), CatalogItem.enddate >= on),
    )
    rows = sorted(session.scalars(query), key=lambda r: (r.admdvs != NATIONAL_ADMDVS, r.begndate))
    entries = {row.med_list_codg: row.entry() for row in rows}  # regional and newer lines win
    with _catalog_lock:
        _catalog_cache[key] = (time.monotonic(), entries)
    return entries


def coverage_of(period: CoveragePeriod | None) -> Coverage | None:
    """The enrolment rules' view of a stored coverage period."""
    if period is None:
        return None
    benefit_from = period.wait_enddate + dt.timedelta(days=1) if period.wait_enddate else None
    suspended: tuple[tuple[dt.date, dt.date], ...] = ()
    if period.psn_insu_stas != "1":
        suspended = ((period.begndate, period.enddate or dt.date.max),)
    return Coverage(period.insutype, period.begndate, period.enddate, benefit_from, suspended)


def engine_person(person: Person, on: dt.date) -> EnginePerson:
    identities = frozenset(
        IDENTITY_NAMES[i.psn_idet_type]
        for i in person.identities
        if i.psn_idet_type in IDENTITY_NAMES and i.begndate <= on and (i.enddate is None or i.enddate >= on)
    )
    return EnginePerson(person.psn_no, person.psn_type, person.insuplc_admdvs, identities)


def _person(uow: SqlUnitOfWork, psn_no: str) -> Person:
    person = uow.persons.get(psn_no)
    if person is None:
        raise NotFoundError(ErrorCode.PERSON_NOT_FOUND, field="psn_no", detail=psn_no)
    return person


def _own_visit(uow: SqlUnitOfWork, caller: Caller, mdtrt_id: str, psn_no: str, *, lock: bool = False) -> Visit:
    query = select(Visit).where(Visit.mdtrt_id == mdtrt_id)
    if lock:
        query = query.with_for_update()
    visit = uow.session.scalars(query).one_or_none()
    if visit is None:
        raise NotFoundError(ErrorCode.NOT_FOUND, field="mdtrt_id", detail=f"就诊 {mdtrt_id} 不存在")
    if visit.fixmedins_code != caller.fixmedins_code:
        raise PermissionDenied(ErrorCode.FORBIDDEN, field="mdtrt_id", detail="该就诊不属于本机构")
    if visit.psn_no != psn_no:
        raise InputError(ErrorCode.INVALID_VALUE, field="psn_no", detail="与就诊登记的人员不一致")
    return visit


def _kind_check(med_type: str, inpatient: bool) -> None:
    allowed = INPATIENT_MED_TYPES if inpatient else OUTPATIENT_MED_TYPES
    if med_type not in allowed:
        where = "住院" if inpatient else "门诊"
        raise InputError(ErrorCode.UNKNOWN_CODE, field="med_type", detail=f"「{med_type}」不是{where}医疗类别")


# -- visits and fee details ---------------------------------------------------------------------


def register_visit(uow: SqlUnitOfWork, caller: Caller, data: VisitInput, *, inpatient: bool) -> Visit:
    """2201 门诊挂号 / 2401 入院办理: check the person is covered on the day and open a visit."""
    _kind_check(data.med_type, inpatient)
    person = _person(uow, data.psn_no)
    day = data.begntime.date()
    coverage = coverage_of(uow.coverage.covering(person.psn_no, data.insutype, day))
    engine.check_coverage(coverage, data.insutype, day)
    visit = Visit(
        mdtrt_id=new_id("MD"),
        psn_no=person.psn_no,
        fixmedins_code=caller.fixmedins_code,
        insutype=data.insutype,
        med_type=data.med_type,
        begntime=data.begntime,
        dept_code=data.dept_code,
        dept_name=data.dept_name,
        atddr_no=data.atddr_no,
    )
    _apply_diagnoses(visit, data.diagnoses)
    uow.visits.add(visit)
    uow.session.add(
        VisitExtra(
            mdtrt_id=visit.mdtrt_id,
            ipt_otp_no=data.ipt_otp_no,
            mdtrtarea_admvs=caller.mdtrtarea_admvs,
            dise_codg=data.dise_codg,
            dr_name=data.dr_name,
            caty=data.caty,
        )
    )
    return visit


def _apply_diagnoses(visit: Visit, diagnoses: Sequence[tuple[str, str | None, bool]]) -> None:
    from yibao.store.models import VisitDiagnosis

    if diagnoses:
        visit.diagnoses = [
            VisitDiagnosis(diag_srt_no=n, diag_code=code, diag_name=name, maindiag_flag=main)
            for n, (code, name, main) in enumerate(diagnoses, start=1)
        ]


def update_visit(
    uow: SqlUnitOfWork, caller: Caller, mdtrt_id: str, psn_no: str, *, med_type: str | None, dise_codg: str | None,
    diagnoses: Sequence[tuple[str, str | None, bool]], inpatient: bool, endtime: dt.datetime | None = None,
) -> Visit:
    """2203 就诊信息上传 / 2402 出院办理: med_type, chronic disease, diagnoses, discharge time."""
    visit = _own_visit(uow, caller, mdtrt_id, psn_no, lock=True)
    _open(visit)
    if med_type is not None:
        _kind_check(med_type, inpatient)
        visit.med_type = med_type
    extra = uow.session.get(VisitExtra, mdtrt_id)
    if extra is not None and dise_codg is not None:
        extra.dise_codg = dise_codg
    _apply_diagnoses(visit, diagnoses)
    if endtime is not None:
        if endtime < visit.begntime:
            raise InputError(ErrorCode.INVALID_VALUE, field="endtime", detail="出院时间早于入院时间")
        visit.endtime = endtime
    return visit


def cancel_visit(uow: SqlUnitOfWork, caller: Caller, mdtrt_id: str, psn_no: str) -> Visit:
    """2202 挂号撤销: only a visit with no live settlement."""
    visit = _own_visit(uow, caller, mdtrt_id, psn_no, lock=True)
    _open(visit)
    if _live_settlement(uow, mdtrt_id) is not None:
        raise ConflictError(ErrorCode.INVALID_STATE, field="mdtrt_id", detail="已结算的就诊须先撤销结算")
    visit.mdtrt_stas = VisitStatus.CANCELLED.value
    return visit


def _open(visit: Visit) -> None:
    if visit.mdtrt_stas == VisitStatus.CANCELLED.value:
        raise ConflictError(ErrorCode.INVALID_STATE, field="mdtrt_id", detail="就诊已撤销")


def _live_settlement(uow: SqlUnitOfWork, mdtrt_id: str) -> Settlement | None:
    query = select(Settlement).where(Settlement.mdtrt_id == mdtrt_id, Settlement.setl_stas == SettlementStatus.NORMAL.value)
    return uow.session.scalars(query).first()


def _policy(person: Person, on: dt.date) -> PolicyPack:
    return pack_in_force(person.insuplc_admdvs, on)


def upload_fees(uow: SqlUnitOfWork, caller: Caller, lines: Sequence[FeeLine]) -> list[dict[str, object]]:
    """2204 / 2301 费用明细上传: store the lines and answer each one's catalog classification."""
    if not lines:
        raise InputError(ErrorCode.MISSING_FIELD, field="feedetail", detail="至少一条明细")
    mdtrt_id, psn_no = lines[0].mdtrt_id, lines[0].psn_no
    visit = _own_visit(uow, caller, mdtrt_id, psn_no, lock=True)
    _open(visit)
    if _live_settlement(uow, mdtrt_id) is not None:
        raise ConflictError(ErrorCode.INVALID_STATE, field="mdtrt_id", detail="已结算的就诊不能再上传明细")
    person = _person(uow, psn_no)
    extra = uow.session.get(VisitExtra, mdtrt_id)
    region = extra.mdtrtarea_admvs if extra else caller.mdtrtarea_admvs
    seen = {fee.feedetl_sn for fee in visit.fee_details}
    rules = _policy(person, caller.when.date()).rules(visit.insutype)
    out: list[dict[str, object]] = []
    for n, line in enumerate(lines):
        where = f"feedetail[{n}]"
        if line.mdtrt_id != mdtrt_id or line.psn_no != psn_no:
            raise InputError(ErrorCode.INVALID_VALUE, field=f"{where}.mdtrt_id", detail="同一批明细须属于同一就诊")
        if line.feedetl_sn in seen:
            raise ConflictError(ErrorCode.ALREADY_EXISTS, field=f"{where}.feedetl_sn", detail=line.feedetl_sn)
        seen.add(line.feedetl_sn)
        if (line.pric * line.cnt).quantize(FEN, ROUND_HALF_UP) != line.det_item_fee_sumamt:
            raise InputError(ErrorCode.UNBALANCED, field=f"{where}.det_item_fee_sumamt", detail="不等于单价×数量")
        catalog = load_catalog(uow.session, region, line.fee_ocur_time.date())
        entry = catalog.get(line.med_list_codg)
        if entry is None:
            raise InputError(ErrorCode.UNKNOWN_CODE, field=f"{where}.med_list_codg", detail=f"医保目录无「{line.med_list_codg}」")
        visit.fee_details.append(
            FeeDetail(
                feedetl_sn=line.feedetl_sn,
                med_list_codg=line.med_list_codg,
                medins_list_codg=line.medins_list_codg,
                pric=line.pric,
                cnt=line.cnt,
                det_item_fee_sumamt=line.det_item_fee_sumamt,
                chrgitm_lv=entry.chrgitm_lv.value,
                med_chrgitm_type=entry.med_chrgitm_type,
                fee_ocur_time=line.fee_ocur_time,
                bilg_dr_codg=line.bilg_dr_codg,
                bilg_dept_codg=line.bilg_dept_codg,
            )
        )
        out.append(_classify(line, entry, visit, caller, rules))
    return out


def _classify(line: FeeLine, entry: CatalogEntry, visit: Visit, caller: Caller, rules: object) -> dict[str, object]:
    item = ClaimItem(line.med_list_codg, line.pric, line.cnt, line.det_item_fee_sumamt)
    claim = Claim(visit.mdtrt_id, visit.psn_no, visit.insutype, visit.med_type, visit.begntime.date(), caller.when.date(),
                  visit.fixmedins_code, "1", (item,), caller.mdtrtarea_admvs)
    split = steps.catalog_split(claim, {entry.med_list_codg: entry}, rules)  # type: ignore[arg-type]
    selfpay = entry.selfpay_prop if entry.chrgitm_lv.value == "02" else Decimal("0")
    if entry.chrgitm_lv.value == "03":
        selfpay = Decimal("1")
    return {
        "feedetl_sn": line.feedetl_sn,
        "det_item_fee_sumamt": line.det_item_fee_sumamt,
        "cnt": line.cnt,
        "pric": line.pric,
        "pric_uplmt_amt": entry.pric_uplmt_amt,
        "selfpay_prop": selfpay,
        "fulamt_ownpay_amt": split.fulamt_ownpay_amt,
        "overlmt_amt": split.overlmt_selfpay,
        "preselfpay_amt": split.preselfpay_amt,
        "inscp_scp_amt": split.inscp_scp_amt,
        "chrgitm_lv": entry.chrgitm_lv.value,
        "med_chrgitm_type": entry.med_chrgitm_type,
        "list_sp_item_flag": "0",
    }


def revoke_fees(uow: SqlUnitOfWork, caller: Caller, mdtrt_id: str, psn_no: str, feedetl_sn: str | None) -> int:
    """2205 / 2302 明细撤销: one line (``feedetl_sn``) or all (``None``) of an unsettled visit."""
    visit = _own_visit(uow, caller, mdtrt_id, psn_no, lock=True)
    if _live_settlement(uow, mdtrt_id) is not None:
        raise ConflictError(ErrorCode.INVALID_STATE, field="mdtrt_id", detail="已结算的就诊须先撤销结算")
    keep = [fee for fee in visit.fee_details if feedetl_sn is not None and fee.feedetl_sn != feedetl_sn]
    removed = len(visit.fee_details) - len(keep)
    if feedetl_sn is not None and removed == 0:
        raise NotFoundError(ErrorCode.NOT_FOUND, field="feedetl_sn", detail=feedetl_sn)
    visit.fee_details = keep
    return removed
