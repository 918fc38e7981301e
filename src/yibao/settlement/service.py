"""The store-backed settlement service (结算服务): load → lock → pure engine → write.

Each use case takes an open :class:`~yibao.store.uow.SqlUnitOfWork` and a :class:`Caller` and does
its reads and writes inside that one transaction; the caller (the national-interface gateway, a
test, a batch) commits once — after adding its own message log — so a settlement, its fund lines,
its accumulator change and the message that asked for it are all or nothing.

Concurrency: :func:`settle_visit` locks the visit row, then the person's annual accumulator
(``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the unit of work holds the write lock from
``BEGIN IMMEDIATE``), so two settlements of one person never both see the same threshold or cap
room, and one visit is never settled twice.

Reference data that every call needs is cached per process: the policy packs — bundled and those
the bureau activated in the store — (:func:`policy_packs`), the catalog of a region
(:func:`load_catalog`) and an institution's level (:func:`institution_profile`), refreshed after
``REFERENCE_TTL_SECONDS`` or at once in this process on :func:`invalidate_reference_data` (an
import or an activation calls it; other processes see the change within the TTL).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.orm import Session, joinedload

from yibao.catalog.model import CatalogEntry
from yibao.enrollment.rules import Coverage
from yibao.errors import ConflictError, ErrorCode, InputError, NotFoundError, PermissionDenied
from yibao.money import ZERO
from yibao.policy.loader import pack_in_force
from yibao.policy.schema import IDENTITY_CODES, PolicyPack
from yibao.policy.service import packs_for
from yibao.settlement import engine, hot_path
from yibao.settlement.accumulators import Accumulators
from yibao.settlement.hot_path import VisitRow
from yibao.settlement.model import Claim, ClaimItem
from yibao.settlement.model import Person as EnginePerson
from yibao.settlement.model import Settlement as EngineSettlement
from yibao.store.models import (
    AnnualAccumulator,
    CatalogItem,
    CoveragePeriod,
    Institution,
    Person,
    Settlement,
    SettlementDelta,
    SettlementDetail,
    SettlementStatus,
    Visit,
    VisitStatus,
)
from yibao.store.models.gateway import NATIONAL_ADMDVS
from yibao.store.uow import SqlUnitOfWork

REFERENCE_TTL_SECONDS = 30.0
OUTPATIENT_MED_TYPES = frozenset({"11", "12", "13", "14", "51"})
INPATIENT_MED_TYPES = frozenset({"21", "22", "23", "24", "52"})
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Caller:
    """Who asks: the institution (authenticated upstream), its operator and the message."""

    fixmedins_code: str
    opter: str
    mdtrtarea_admvs: str
    msgid: str
    when: dt.datetime


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

_reference_lock = threading.Lock()
_reference: dict[tuple[object, ...], tuple[float, object]] = {}
"""(kind, database, key…) → (when loaded, value): packs, catalogs and institution profiles."""


_store_keys: weakref.WeakKeyDictionary[object, str] = weakref.WeakKeyDictionary()


def _store_key(session: Session) -> str:
    """Which database: caches are per database, not only per process (tests run several). Kept
    per engine: rendering the URL on each of a settlement's three cache look-ups cost more than them."""
    bind = session.get_bind()
    key = _store_keys.get(bind)
    if key is None:
        key = _store_keys[bind] = str(bind.url)
    return key


def _remembered(key: tuple[object, ...], load: Callable[[], T]) -> T:
    """``load()``'s value, kept for ``REFERENCE_TTL_SECONDS``; loaded outside the lock (a slow query
    must not hold up other threads' hits)."""
    with _reference_lock:
        found = _reference.get(key)
    if found is not None and time.monotonic() - found[0] < REFERENCE_TTL_SECONDS:
        return found[1]  # type: ignore[return-value]
    value = load()
    with _reference_lock:
        _reference[key] = (time.monotonic(), value)
    return value


def invalidate_reference_data() -> None:
    """Forget cached packs, catalogs and institution profiles (after an import or an activation)."""
    with _reference_lock:
        _reference.clear()


def policy_packs(session: Session) -> tuple[PolicyPack, ...]:
    """The bundled packs and those activated in the store (:func:`yibao.policy.service.packs_for`)."""
    return _remembered(("packs", _store_key(session)), lambda: packs_for(session))


def load_catalog(session: Session, admdvs: str, on: dt.date) -> Mapping[str, CatalogEntry]:
    """The catalog valid on ``on`` for ``admdvs``: national lines, overridden by the region's own."""

    def load() -> dict[str, CatalogEntry]:
        query = select(CatalogItem).where(
            CatalogItem.admdvs.in_((NATIONAL_ADMDVS, admdvs)),
            CatalogItem.begndate <= on,
            or_(CatalogItem.enddate.is_(None), CatalogItem.enddate >= on),
        )
        rows = sorted(session.scalars(query), key=lambda r: (r.admdvs != NATIONAL_ADMDVS, r.begndate))
        return {row.med_list_codg: row.entry() for row in rows}  # regional and newer lines win

    return _remembered(("catalog", _store_key(session), admdvs, on), load)


def institution_profile(session: Session, fixmedins_code: str) -> tuple[str, bool, str]:
    """(hospital level ``"1"``–``"3"``, 基层 flag, region) of an institution, cached like the catalog."""

    def load() -> tuple[str, bool, str]:
        institution = session.get(Institution, fixmedins_code)
        if institution is None:
            raise NotFoundError(ErrorCode.INSTITUTION_NOT_FOUND, field="fixmedins_code", detail=fixmedins_code)
        return (str(institution.hosp_lv or 1), institution.grassroots_flag, institution.admdvs)

    return _remembered(("institution", _store_key(session), fixmedins_code), load)


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
        IDENTITY_CODES[i.psn_idet_type]
        for i in person.identities
        if i.psn_idet_type in IDENTITY_CODES and i.begndate <= on and (i.enddate is None or i.enddate >= on)
    )
    return EnginePerson(person.psn_no, person.psn_type, person.insuplc_admdvs, identities)


def person_or_404(uow: SqlUnitOfWork, psn_no: str) -> Person:
    query = select(Person).where(Person.psn_no == psn_no).options(joinedload(Person.identities))
    person = uow.session.scalars(query).unique().one_or_none()
    if person is None:
        raise NotFoundError(ErrorCode.PERSON_NOT_FOUND, field="psn_no", detail=psn_no)
    return person


def own_visit(uow: SqlUnitOfWork, caller: Caller, mdtrt_id: str, psn_no: str, *, lock: bool = False) -> Visit:
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


def check_med_type(med_type: str, inpatient: bool) -> None:
    allowed = INPATIENT_MED_TYPES if inpatient else OUTPATIENT_MED_TYPES
    if med_type not in allowed:
        where = "住院" if inpatient else "门诊"
        raise InputError(ErrorCode.UNKNOWN_CODE, field="med_type", detail=f"「{med_type}」不是{where}医疗类别")


def ensure_open(visit: Visit) -> None:
    if visit.mdtrt_stas == VisitStatus.CANCELLED.value:
        raise ConflictError(ErrorCode.INVALID_STATE, field="mdtrt_id", detail="就诊已撤销")


def live_settlement(uow: SqlUnitOfWork, mdtrt_id: str) -> str | None:
    """The ``setl_id`` of the visit's live (not reversed) settlement, if any."""
    query = select(Settlement.setl_id).where(
        Settlement.mdtrt_id == mdtrt_id, Settlement.setl_stas == SettlementStatus.NORMAL.value
    )
    return uow.session.scalars(query.limit(1)).first()


def policy_for(session: Session, person: Person, on: dt.date) -> PolicyPack:
    return pack_in_force(person.insuplc_admdvs, on, policy_packs(session))



# -- settlement ---------------------------------------------------------------------------------


def _checked_visit(caller: Caller, data: SettleInput, visit: VisitRow | None) -> VisitRow:
    """The visit, if the caller may settle it as the message says."""
    if visit is None:
        raise NotFoundError(ErrorCode.NOT_FOUND, field="mdtrt_id", detail=f"就诊 {data.mdtrt_id} 不存在")
    if visit.fixmedins_code != caller.fixmedins_code:
        raise PermissionDenied(ErrorCode.FORBIDDEN, field="mdtrt_id", detail="该就诊不属于本机构")
    if visit.psn_no != data.psn_no:
        raise InputError(ErrorCode.INVALID_VALUE, field="psn_no", detail="与就诊登记的人员不一致")
    if visit.mdtrt_stas == VisitStatus.CANCELLED.value:
        raise ConflictError(ErrorCode.INVALID_STATE, field="mdtrt_id", detail="就诊已撤销")
    if data.insutype != visit.insutype:
        raise InputError(ErrorCode.INVALID_VALUE, field="insutype", detail=f"就诊登记的险种为 {visit.insutype}")
    if data.med_type != visit.med_type:
        raise InputError(ErrorCode.INVALID_VALUE, field="med_type", detail=f"就诊登记的医疗类别为 {visit.med_type}")
    return visit


def _claim_for(
    uow: SqlUnitOfWork, caller: Caller, data: SettleInput, visit: VisitRow, fees: list[hot_path.Fee], settled: bool
) -> Claim:
    """The engine's claim of a checked visit, if it is not settled yet and its fees add up."""
    if settled:
        raise ConflictError(ErrorCode.INVALID_STATE, field="mdtrt_id", detail="该就诊已结算")
    if not fees:
        raise InputError(ErrorCode.MISSING_FIELD, field="feedetail", detail="该就诊未上传费用明细")
    total = sum((fee[3] for fee in fees), ZERO)
    if total != data.medfee_sumamt:
        raise InputError(ErrorCode.UNBALANCED, field="medfee_sumamt", detail=f"与已上传明细合计 {total} 元不符")
    hosp_lv, grassroots, home = institution_profile(uow.session, visit.fixmedins_code)
    claim = Claim(
        mdtrt_id=visit.mdtrt_id,
        psn_no=visit.psn_no,
        insutype=visit.insutype,
        med_type=visit.med_type,
        begndate=visit.begntime.date(),
        setl_date=caller.when.date(),
        fixmedins_code=visit.fixmedins_code,
        fixmedins_lv=hosp_lv,
        items=tuple(ClaimItem(code, pric, cnt, amount) for code, pric, cnt, amount in fees),
        mdtrtarea_admvs=(visit.mdtrtarea_admvs if visit.has_extra else home),  # type: ignore[arg-type]
        grassroots=grassroots,
        chronic_code=visit.dise_codg if visit.has_extra else None,
        use_acct=data.acct_used_flag,
    )
    return claim


def _run_engine(
    uow: SqlUnitOfWork, claim: Claim, visit: VisitRow, counters: Mapping[str, str | int]
) -> tuple[EngineSettlement, Accumulators]:
    day = claim.setl_date
    policy = pack_in_force(visit.insuplc_admdvs, day, policy_packs(uow.session))
    coverage = visit.coverage_on(claim.begndate)
    acc = Accumulators.from_dict({"psn_no": claim.psn_no, "fund_year": day.year, "insutype": claim.insutype, **counters})
    catalog = load_catalog(uow.session, claim.mdtrtarea_admvs, day)
    identities = frozenset(
        IDENTITY_CODES[kind]
        for kind, begndate, enddate in visit.identities
        if kind in IDENTITY_CODES and begndate <= day and (enddate is None or enddate >= day)
    )
    person = EnginePerson(visit.psn_no, visit.psn_type, visit.insuplc_admdvs, identities)
    return engine.settle(claim, person, coverage, policy, acc, catalog=catalog)


def presettle_visit(uow: SqlUnitOfWork, caller: Caller, data: SettleInput) -> SettleOutcome:
    """2206 / 2303 预结算: what settling now would give; writes nothing."""
    conn = uow.session.connection()
    visit = _checked_visit(caller, data, hot_path.load_visit(conn, data.mdtrt_id, lock=False))
    claim = _claim_for(uow, caller, data, visit, *hot_path.fees_and_settled(conn, visit.mdtrt_id))
    row = uow.accumulators.get(claim.psn_no, claim.setl_date.year, claim.insutype)
    settlement, _ = _run_engine(uow, claim, visit, row.counters if row else {})
    return SettleOutcome(settlement, None, caller.when)


# inline(): no RETURNING of generated ids — these go out with the commit (write_at_commit).
_INSERT_SETL = insert(Settlement.__table__).inline()
_INSERT_DETAIL = insert(SettlementDetail.__table__).inline()
_INSERT_DELTA = insert(SettlementDelta.__table__).inline()
_CLOSE_VISIT = (
    update(Visit.__table__)
    .where(Visit.__table__.c.mdtrt_id == bindparam("k_mdtrt_id"))  # type: ignore[attr-defined]
    .values(mdtrt_stas=bindparam("mdtrt_stas"))
)


def settle_visit(uow: SqlUnitOfWork, caller: Caller, data: SettleInput) -> SettleOutcome:
    """2207 / 2304 结算: lock visit and accumulator, settle, write settlement + lines + accumulator.

    Two reads: the visit, locked and checked; then its fees with the accumulator lock in the same
    statement (:func:`~yibao.settlement.hot_path.fees_and_lock_counters`).

    The writes are plain Core statements sent with the commit (no ORM bookkeeping for rows this
    transaction never reads again; on PostgreSQL one round trip with the message log and the
    ``COMMIT``); the accumulator update keeps the version check.
    """
    conn = uow.session.connection()
    visit = _checked_visit(caller, data, hot_path.load_visit(conn, data.mdtrt_id, lock=True))
    year = caller.when.year  # the settlement date's (claim.setl_date)
    fees, settled, locked = hot_path.fees_and_lock_counters(
        conn, visit.mdtrt_id, psn_no=visit.psn_no, fund_year=year, insutype=visit.insutype
    )
    claim = _claim_for(uow, caller, data, visit, fees, settled)
    # No row yet (the person's first settlement of the year): lock_counters creates and locks it.
    counters, version = locked or uow.accumulators.lock_counters(claim.psn_no, year, claim.insutype, seen_missing=True)
    settlement, after = _run_engine(uow, claim, visit, counters)
    setl_id = new_id("ST")
    uow.write_at_commit(_INSERT_SETL, _settlement_values(settlement, setl_id, visit, caller))
    uow.write_at_commit(
        _INSERT_DETAIL,
        [
            {
                "setl_id": setl_id,
                "fund_pay_type": line.fund_pay_type,
                "fund_pay_type_name": line.fund_pay_type_name,
                "inscp_scp_amt": line.inscp_scp_amt,
                "crt_payb_lmt_amt": line.crt_payb_lmt_amt,
                "fund_payamt": line.fund_payamt,
                "setl_proc_info": line.setl_proc_info,
            }
            for line in settlement.setldetail
        ],
    )
    uow.write_at_commit(_INSERT_DELTA, {"setl_id": setl_id, "counters": _counters(settlement.deltas)})
    stored = AnnualAccumulator(counters={})
    stored.set_amounts(dict(zip(after._fields[3:], after[3:])))  # the model's own encoding of the counters
    uow.accumulators.write_counters(claim.psn_no, year, claim.insutype, stored.counters, version)
    if visit.med_type in OUTPATIENT_MED_TYPES:
        uow.write_at_commit(_CLOSE_VISIT, {"k_mdtrt_id": visit.mdtrt_id, "mdtrt_stas": VisitStatus.CLOSED.value})
    return SettleOutcome(settlement, setl_id, caller.when)


def _counters(acc: Accumulators) -> dict[str, str | int]:
    return {name: value for name, value in acc.to_dict().items() if name not in ("psn_no", "fund_year", "insutype")}


_RATIO_UNIT = Decimal("0.000001")
_AMOUNT_COLUMNS = (
    "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt", "act_pay_dedc",
    "hifp_pay", "hifmi_pay", "hifob_pay", "maf_pay", "fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay",
)


def _trace_json(settlement: EngineSettlement) -> list[dict[str, object]]:
    return [
        {
            "tier": entry.tier,
            "param": entry.param,
            "value": entry.value,
            "base": None if entry.base is None else str(entry.base),
            "amount": None if entry.amount is None else str(entry.amount),
        }
        for entry in settlement.trace
    ]


def _settlement_values(settlement: EngineSettlement, setl_id: str, visit: VisitRow, caller: Caller) -> dict[str, object]:
    values: dict[str, object] = {name: getattr(settlement, name) for name in _AMOUNT_COLUMNS}
    values.update(
        setl_id=setl_id,
        mdtrt_id=visit.mdtrt_id,
        psn_no=visit.psn_no,
        fixmedins_code=visit.fixmedins_code,
        insutype=visit.insutype,
        med_type=visit.med_type,
        psn_type=visit.psn_type,
        setl_time=caller.when,
        pool_prop_selfpay=settlement.pool_prop_selfpay.quantize(_RATIO_UNIT),
        balc=settlement.balc,
        setl_stas=SettlementStatus.NORMAL.value,
        msgid=caller.msgid,
        policy_pack_id=settlement.pack_id,
        policy_pack_version=settlement.pack_version,
        trace=_trace_json(settlement),
    )
    return values


def reverse_settlement(uow: SqlUnitOfWork, caller: Caller, setl_id: str, psn_no: str, mdtrt_id: str) -> Settlement:
    """2208 / 2305 结算撤销: a negated ledger row, the original marked 已撤销, the deltas taken back."""
    original = uow.session.scalars(select(Settlement).where(Settlement.setl_id == setl_id).with_for_update()).one_or_none()
    if original is None:
        raise NotFoundError(ErrorCode.NOT_FOUND, field="setl_id", detail=f"结算 {setl_id} 不存在")
    if original.fixmedins_code != caller.fixmedins_code:
        raise PermissionDenied(ErrorCode.FORBIDDEN, field="setl_id", detail="该结算不属于本机构")
    if original.psn_no != psn_no or original.mdtrt_id != mdtrt_id:
        raise InputError(ErrorCode.INVALID_VALUE, field="mdtrt_id", detail="人员或就诊与原结算不一致")
    if original.setl_stas != SettlementStatus.NORMAL.value:
        raise ConflictError(ErrorCode.INVALID_STATE, field="setl_id", detail="该结算已撤销")
    delta = uow.session.get(SettlementDelta, setl_id)
    if delta is None:
        raise ConflictError(ErrorCode.INVALID_STATE, field="setl_id", detail="缺少结算累计增量，不能自动撤销")
    year = original.setl_time.year
    locked = uow.accumulators.lock(psn_no, year, original.insutype)
    key = {"psn_no": psn_no, "fund_year": year, "insutype": original.insutype}
    current = Accumulators.from_dict({**key, **(locked.counters or {})})
    after = current.minus(Accumulators.from_dict({**key, **delta.counters}))
    locked.set_amounts(dict(zip(after._fields[3:], after[3:])))
    original.setl_stas = SettlementStatus.CANCELLED.value
    reversal = Settlement(
        setl_id=new_id("RV"),
        mdtrt_id=original.mdtrt_id,
        psn_no=original.psn_no,
        fixmedins_code=original.fixmedins_code,
        insutype=original.insutype,
        med_type=original.med_type,
        psn_type=original.psn_type,
        setl_time=caller.when,
        pool_prop_selfpay=original.pool_prop_selfpay,
        balc=original.balc,
        setl_stas=SettlementStatus.REVERSAL.value,
        init_setl_id=original.setl_id,
        msgid=caller.msgid,
        policy_pack_id=original.policy_pack_id,
        policy_pack_version=original.policy_pack_version,
        trace=[{"tier": "结算撤销", "param": "原结算", "value": original.setl_id, "base": None, "amount": None}],
        details=[
            SettlementDetail(
                fund_pay_type=line.fund_pay_type,
                fund_pay_type_name=line.fund_pay_type_name,
                inscp_scp_amt=-line.inscp_scp_amt,
                crt_payb_lmt_amt=line.crt_payb_lmt_amt,
                fund_payamt=-line.fund_payamt,
                setl_proc_info=f"冲销结算 {original.setl_id}",
            )
            for line in original.details
        ],
        **{name: -getattr(original, name) for name in (*_AMOUNT_COLUMNS, "cvlserv_pay", "hifes_pay", "oth_pay", "hosp_part_amt")},
    )
    uow.settlements.add(reversal)
    visit = uow.session.get(Visit, original.mdtrt_id)
    if visit is not None and visit.mdtrt_stas == VisitStatus.CLOSED.value and visit.med_type in OUTPATIENT_MED_TYPES:
        visit.mdtrt_stas = VisitStatus.OPEN.value  # the HIS may correct the details and settle again
    return reversal


__all__ = [
    "REFERENCE_TTL_SECONDS",
    "INPATIENT_MED_TYPES",
    "OUTPATIENT_MED_TYPES",
    "Caller",
    "SettleInput",
    "SettleOutcome",
    "coverage_of",
    "engine_person",
    "institution_profile",
    "invalidate_reference_data",
    "policy_packs",
    "load_catalog",
    "new_id",
    "presettle_visit",
    "reverse_settlement",
    "settle_visit",
]
