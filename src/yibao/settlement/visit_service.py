"""Visits and fee details through the store (就诊登记与费用明细): 2201/2202/2203, 2204/2205,
2401/2402, 2301/2302. Same contract as :mod:`yibao.settlement.service`: an open unit of work, no
commit — the gateway commits with its message log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from yibao.catalog.model import CatalogEntry
from yibao.enrollment.rules import check_coverage
from yibao.errors import ConflictError, ErrorCode, InputError, NotFoundError
from yibao.money import FEN
from yibao.policy.schema import InsutypeRules
from yibao.settlement import steps
from yibao.settlement.model import Claim, ClaimItem
from yibao.settlement.service import (
    Caller,
    check_med_type,
    coverage_of,
    ensure_open,
    live_settlement,
    load_catalog,
    new_id,
    own_visit,
    person_or_404,
    policy_for,
)
from yibao.store.models import FeeDetail, Visit, VisitDiagnosis, VisitExtra, VisitStatus
from yibao.store.uow import SqlUnitOfWork


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



def register_visit(uow: SqlUnitOfWork, caller: Caller, data: VisitInput, *, inpatient: bool) -> Visit:
    """2201 门诊挂号 / 2401 入院办理: check the person is covered on the day and open a visit."""
    check_med_type(data.med_type, inpatient)
    person = person_or_404(uow, data.psn_no)
    day = data.begntime.date()
    coverage = coverage_of(uow.coverage.covering(person.psn_no, data.insutype, day))
    check_coverage(coverage, data.insutype, day)
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
            visit=visit,
            ipt_otp_no=data.ipt_otp_no,
            mdtrtarea_admvs=caller.mdtrtarea_admvs,
            dise_codg=data.dise_codg,
            dr_name=data.dr_name,
            caty=data.caty,
        )
    )
    return visit


def _apply_diagnoses(visit: Visit, diagnoses: Sequence[tuple[str, str | None, bool]]) -> None:
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
    visit = own_visit(uow, caller, mdtrt_id, psn_no, lock=True)
    ensure_open(visit)
    if med_type is not None:
        check_med_type(med_type, inpatient)
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
    visit = own_visit(uow, caller, mdtrt_id, psn_no, lock=True)
    ensure_open(visit)
    if live_settlement(uow, mdtrt_id) is not None:
        raise ConflictError(ErrorCode.INVALID_STATE, field="mdtrt_id", detail="已结算的就诊须先撤销结算")
    visit.mdtrt_stas = VisitStatus.CANCELLED.value
    return visit


def upload_fees(uow: SqlUnitOfWork, caller: Caller, lines: Sequence[FeeLine]) -> list[dict[str, object]]:
    """2204 / 2301 费用明细上传: store the lines and answer each one's catalog classification."""
    if not lines:
        raise InputError(ErrorCode.MISSING_FIELD, field="feedetail", detail="至少一条明细")
    mdtrt_id, psn_no = lines[0].mdtrt_id, lines[0].psn_no
    visit = own_visit(uow, caller, mdtrt_id, psn_no, lock=True)
    ensure_open(visit)
    if live_settlement(uow, mdtrt_id) is not None:
        raise ConflictError(ErrorCode.INVALID_STATE, field="mdtrt_id", detail="已结算的就诊不能再上传明细")
    person = person_or_404(uow, psn_no)
    extra = uow.session.get(VisitExtra, mdtrt_id)
    region = extra.mdtrtarea_admvs if extra else caller.mdtrtarea_admvs
    seen = {fee.feedetl_sn for fee in visit.fee_details}
    rules = policy_for(uow.session, person, caller.when.date()).rules(visit.insutype)
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


def _classify(line: FeeLine, entry: CatalogEntry, visit: Visit, caller: Caller, rules: InsutypeRules) -> dict[str, object]:
    item = ClaimItem(line.med_list_codg, line.pric, line.cnt, line.det_item_fee_sumamt)
    claim = Claim(visit.mdtrt_id, visit.psn_no, visit.insutype, visit.med_type, visit.begntime.date(), caller.when.date(),
                  visit.fixmedins_code, "1", (item,), caller.mdtrtarea_admvs)
    split = steps.catalog_split(claim, {entry.med_list_codg: entry}, rules)
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
    visit = own_visit(uow, caller, mdtrt_id, psn_no, lock=True)
    if live_settlement(uow, mdtrt_id) is not None:
        raise ConflictError(ErrorCode.INVALID_STATE, field="mdtrt_id", detail="已结算的就诊须先撤销结算")
    keep = [fee for fee in visit.fee_details if feedetl_sn is not None and fee.feedetl_sn != feedetl_sn]
    removed = len(visit.fee_details) - len(keep)
    if feedetl_sn is not None and removed == 0:
        raise NotFoundError(ErrorCode.NOT_FOUND, field="feedetl_sn", detail=feedetl_sn)
    visit.fee_details = keep
    return removed


__all__ = ["FeeLine", "VisitInput", "cancel_visit", "register_visit", "revoke_fees", "update_visit", "upload_fees"]
