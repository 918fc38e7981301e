"""One function per transaction (交易): parse the ``input`` model, call one service, shape ``output``.

:data:`TRANSACTIONS` maps ``infno`` to ``(input model, handler)``. A handler gets a :class:`Context`
(the open unit of work, the caller, after-commit actions) and never commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar
from decimal import Decimal

from pydantic import BaseModel

from yibao.api.gateway import schemas as s
from yibao.api.gateway.credentials import Credentials
from yibao.api.gateway.lists import upload_list
from yibao.api.gateway.review import review
from yibao.errors import ErrorCode, InputError, NotFoundError
from yibao.money import to_str
from yibao.settlement import service, visit_service
from yibao.settlement.service import Caller, SettleOutcome
from yibao.store.models import Person, Settlement
from yibao.store.uow import SqlUnitOfWork
from yibao.supervision.rules.model import Stage


@dataclass
class Context:
    uow: SqlUnitOfWork
    caller: Caller
    credentials: Credentials
    warehouse_dir: object = None
    after_commit: list[Callable[[], None]] = field(default_factory=list)


Output = dict[str, object]


def sign_in(ctx: Context, data: s.SignInInput) -> Output:
    row = ctx.credentials.sign_in(ctx.uow.session, ctx.caller.fixmedins_code, data.signIn.opter_no)
    return {"signinoutb": {"sign_time": row.sign_time, "sign_no": row.sign_no}}


def person_info(ctx: Context, data: s.PersonQueryInput) -> Output:
    """1101: base info (ID number masked), coverage periods, hardship identities."""
    certno = data.data.certno or data.data.mdtrt_cert_no
    person = ctx.uow.persons.get_by_certno(certno)
    if person is None:
        raise NotFoundError(ErrorCode.PERSON_NOT_FOUND, field="mdtrt_cert_no")
    return _person_output(person, ctx.caller.when.date())


def _person_output(person: Person, today: dt.date) -> Output:
    age = today.year - person.brdy.year - ((today.month, today.day) < (person.brdy.month, person.brdy.day))
    return {
        "baseinfo": {
            "psn_no": person.psn_no,
            "psn_cert_type": person.psn_cert_type,
            "certno": person.certno_mask,
            "psn_name": person.psn_name,
            "gend": person.gend,
            "brdy": person.brdy,
            "age": age,
            "insuplc_admdvs": person.insuplc_admdvs,
        },
        "insuinfo": [
            {
                "insutype": period.insutype,
                "psn_type": person.psn_type,
                "psn_insu_stas": period.psn_insu_stas,
                "psn_insu_date": period.psn_insu_date,
                "begndate": period.begndate,
                "enddate": period.enddate,
                "wait_enddate": period.wait_enddate,
                "subs_flag": "1" if period.subs_flag else "0",
                "insuplc_admdvs": person.insuplc_admdvs,
                "balc": "0.00",
            }
            for period in person.coverage_periods
        ],
        "idetinfo": [
            {"psn_idet_type": i.psn_idet_type, "begntime": i.begndate, "endtime": i.enddate, "memo": i.memo}
            for i in person.identities
        ],
    }


def _diagnoses(items: list[s.Diagnosis]) -> tuple[tuple[str, str | None, bool], ...]:
    return tuple((d.diag_code, d.diag_name, d.maindiag_flag == "1") for d in items)


def register(ctx: Context, data: s.RegisterInput) -> Output:
    d = data.data
    visit = visit_service.register_visit(
        ctx.uow,
        ctx.caller,
        visit_service.VisitInput(
            psn_no=d.psn_no, insutype=d.insutype, med_type=d.med_type, begntime=d.begntime, ipt_otp_no=d.ipt_otp_no,
            atddr_no=d.atddr_no, dr_name=d.dr_name, dept_code=d.dept_code, dept_name=d.dept_name, caty=d.caty,
        ),
        inpatient=False,
    )
    return {"data": {"mdtrt_id": visit.mdtrt_id, "psn_no": visit.psn_no, "ipt_otp_no": d.ipt_otp_no}}


def cancel(ctx: Context, data: s.VisitRefInput) -> Output:
    visit_service.cancel_visit(ctx.uow, ctx.caller, data.data.mdtrt_id, data.data.psn_no)
    return {}


def visit_info(ctx: Context, data: s.VisitInfoInput) -> Output:
    info = data.mdtrtinfo
    visit_service.update_visit(
        ctx.uow, ctx.caller, info.mdtrt_id, info.psn_no, med_type=info.med_type, dise_codg=info.dise_codg,
        diagnoses=_diagnoses(data.diseinfo), inpatient=False,
    )
    return {}


def admit(ctx: Context, data: s.AdmitInput) -> Output:
    d = data.mdtrtinfo
    visit = visit_service.register_visit(
        ctx.uow,
        ctx.caller,
        visit_service.VisitInput(
            psn_no=d.psn_no, insutype=d.insutype, med_type=d.med_type, begntime=d.begntime, ipt_otp_no=d.ipt_no,
            atddr_no=d.atddr_no, dr_name=d.chfpdr_name, dept_code=d.adm_dept_codg, dept_name=d.adm_dept_name,
            diagnoses=_diagnoses(data.diseinfo),
        ),
        inpatient=True,
    )
    return {"result": {"mdtrt_id": visit.mdtrt_id, "psn_no": visit.psn_no, "ipt_otp_no": d.ipt_no}}


def discharge(ctx: Context, data: s.DischargeInput) -> Output:
    d = data.dscginfo
    visit_service.update_visit(
        ctx.uow, ctx.caller, d.mdtrt_id, d.psn_no, med_type=None, dise_codg=None,
        diagnoses=_diagnoses(data.diseinfo), inpatient=True, endtime=d.endtime,
    )
    return {}


def upload(ctx: Context, data: s.FeeUploadInput) -> Output:
    lines = [
        visit_service.FeeLine(
            feedetl_sn=x.feedetl_sn, mdtrt_id=x.mdtrt_id, psn_no=x.psn_no, med_list_codg=x.med_list_codg,
            medins_list_codg=x.medins_list_codg, pric=x.pric, cnt=x.cnt, det_item_fee_sumamt=x.det_item_fee_sumamt,
            fee_ocur_time=x.fee_ocur_time, bilg_dr_codg=x.bilg_dr_codg, bilg_dept_codg=x.bilg_dept_codg,
        )
        for x in data.feedetail
    ]
    return {"result": visit_service.upload_fees(ctx.uow, ctx.caller, lines)}


def revoke(ctx: Context, data: s.FeeRevokeInput) -> Output:
    d = data.data
    removed = visit_service.revoke_fees(ctx.uow, ctx.caller, d.mdtrt_id, d.psn_no, d.feedetl_sn)
    return {"data": {"removed": removed}}


def _settle_input(data: s.SettleInput) -> service.SettleInput:
    d = data.data
    return service.SettleInput(d.psn_no, d.mdtrt_id, d.insutype, d.med_type, d.medfee_sumamt, d.acct_used_flag == "1")


def _setl_output(outcome: SettleOutcome) -> Output:
    result = outcome.settlement
    info: dict[str, object] = {"setl_id": outcome.setl_id, "setl_time": outcome.setl_time, **result.to_dict()}
    info.pop("setldetail", None)
    return {"setlinfo": info, "setldetail": [line.to_dict() for line in result.setldetail]}


def _settler(*, inpatient: bool, pre: bool) -> Callable[[Context, s.SettleInput], Output]:
    def run(ctx: Context, data: s.SettleInput) -> Output:
        service.check_med_type(data.data.med_type, inpatient)
        use_case = service.presettle_visit if pre else service.settle_visit
        return _setl_output(use_case(ctx.uow, ctx.caller, _settle_input(data)))

    return run


def reverse(ctx: Context, data: s.ReverseInput) -> Output:
    d = data.data
    row = service.reverse_settlement(ctx.uow, ctx.caller, d.setl_id, d.psn_no, d.mdtrt_id)
    return {"setlinfo": _ledger_row(row)}


_LEDGER_FIELDS = (
    "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt", "act_pay_dedc",
    "hifp_pay", "hifmi_pay", "hifob_pay", "maf_pay", "fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay",
)


def _ledger_row(row: Settlement) -> Output:
    out: Output = {
        "setl_id": row.setl_id, "init_setl_id": row.init_setl_id, "mdtrt_id": row.mdtrt_id, "psn_no": row.psn_no,
        "setl_time": row.setl_time, "setl_stas": row.setl_stas,
    }
    for name in _LEDGER_FIELDS:
        value: Decimal = getattr(row, name)
        out[name] = to_str(value)
    return out


def setl_list(ctx: Context, data: s.SettlementListInput) -> Output:
    return upload_list(ctx.uow, ctx.caller, data, ctx.warehouse_dir, ctx.after_commit)


def _reviewer(stage: Stage) -> Callable[[Context, s.ReviewInput], Output]:
    def run(ctx: Context, data: s.ReviewInput) -> Output:
        return review(ctx.uow, ctx.caller, data.data, stage)

    return run


M = TypeVar("M", bound=BaseModel)
Transaction = tuple[type[BaseModel], Callable[[Context, BaseModel], Output]]


def _t(model: type[M], handler: Callable[[Context, M], Output]) -> Transaction:
    """Pair an input model with its handler (the handler is only ever called with that model)."""
    return model, handler  # type: ignore[return-value]


TRANSACTIONS: dict[str, Transaction] = {
    "9001": _t(s.SignInInput, sign_in),
    "1101": _t(s.PersonQueryInput, person_info),
    "2201": _t(s.RegisterInput, register),
    "2202": _t(s.VisitRefInput, cancel),
    "2203": _t(s.VisitInfoInput, visit_info),
    "2204": _t(s.FeeUploadInput, upload),
    "2205": _t(s.FeeRevokeInput, revoke),
    "2206": _t(s.SettleInput, _settler(inpatient=False, pre=True)),
    "2207": _t(s.SettleInput, _settler(inpatient=False, pre=False)),
    "2208": _t(s.ReverseInput, reverse),
    "2401": _t(s.AdmitInput, admit),
    "2402": _t(s.DischargeInput, discharge),
    "2301": _t(s.FeeUploadInput, upload),
    "2302": _t(s.FeeRevokeInput, revoke),
    "2303": _t(s.SettleInput, _settler(inpatient=True, pre=True)),
    "2304": _t(s.SettleInput, _settler(inpatient=True, pre=False)),
    "2305": _t(s.ReverseInput, reverse),
    "3101": _t(s.ReviewInput, _reviewer(Stage.PRE)),
    "3102": _t(s.ReviewInput, _reviewer(Stage.IN)),
    "4101A": _t(s.SettlementListInput, setl_list),
}
"""infno → (input model, handler)."""

def handler_for(infno: str) -> Transaction:
    found = TRANSACTIONS.get(infno)
    if found is None:
        raise InputError(ErrorCode.UNKNOWN_CODE, field="infno", detail=f"不支持的交易「{infno}」")
    return found


__all__ = ["TRANSACTIONS", "Context", "Transaction", "handler_for"]
