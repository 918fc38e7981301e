"""Routes: visits (就诊), settlements (结算), settlement lists (结算清单) and monthly statements (月度对账单).

An institution user sees only its own institution's records: a filter naming another institution
is refused (403), a single record of another institution answers 404 as if it did not exist.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from yibao.api.auth import Principal, TenantReader, UowDep
from yibao.api.rest.common import CODE, Limit, ListOf, LocalTime, MoneyOut, Offset, Output
from yibao.bureau import statements as service
from yibao.bureau import visits as visit_service
from yibao.errors import ErrorCode, NotFoundError

router = APIRouter(tags=["结算与对账"])

SetlId = Annotated[str, Path(min_length=1, max_length=30, description="结算ID")]
CodeQuery = Annotated[str | None, Query(pattern=CODE, description="定点医药机构编码")]


class SettlementDetailPublic(Output):
    fund_pay_type: str
    fund_pay_type_name: str | None
    inscp_scp_amt: MoneyOut
    crt_payb_lmt_amt: MoneyOut | None
    fund_payamt: MoneyOut
    setl_proc_info: str | None


class SettlementPublic(Output):
    setl_id: str
    mdtrt_id: str
    psn_no: str
    fixmedins_code: str
    insutype: str
    med_type: str
    psn_type: str | None
    setl_time: LocalTime
    medfee_sumamt: MoneyOut
    fulamt_ownpay_amt: MoneyOut
    overlmt_selfpay: MoneyOut
    preselfpay_amt: MoneyOut
    inscp_scp_amt: MoneyOut
    act_pay_dedc: MoneyOut
    hifp_pay: MoneyOut
    pool_prop_selfpay: Decimal | None
    cvlserv_pay: MoneyOut
    hifes_pay: MoneyOut
    hifmi_pay: MoneyOut
    hifob_pay: MoneyOut
    maf_pay: MoneyOut
    oth_pay: MoneyOut
    fund_pay_sumamt: MoneyOut
    psn_part_amt: MoneyOut
    acct_pay: MoneyOut
    psn_cash_pay: MoneyOut
    hosp_part_amt: MoneyOut
    setl_stas: str
    init_setl_id: str | None
    policy_pack_id: str
    policy_pack_version: str
    details: list[SettlementDetailPublic]


class ListDiagnosisPublic(Output):
    diag_srt_no: int
    diag_code: str
    diag_name: str | None
    maindiag_flag: bool


class ListProcedurePublic(Output):
    oprn_srt_no: int
    oprn_oprt_code: str
    oprn_oprt_name: str | None
    oprn_oprt_date: dt.date | None
    main_oprn_flag: bool


class ListItemPublic(Output):
    med_chrgitm_type: str
    amt: MoneyOut
    claa_sumfee: MoneyOut
    clab_amt: MoneyOut
    fulamt_ownpay_amt: MoneyOut
    oth_amt: MoneyOut


class SettlementListPublic(Output):
    setl_id: str
    mdtrt_id: str
    psn_no: str
    fixmedins_code: str
    insutype: str
    adm_time: LocalTime
    dscg_time: LocalTime
    act_ipt_days: int
    dscg_way: str
    medfee_sumamt: MoneyOut
    diagnoses: list[ListDiagnosisPublic]
    procedures: list[ListProcedurePublic]
    items: list[ListItemPublic]


class VisitDiagnosisPublic(Output):
    diag_srt_no: int
    diag_code: str
    diag_name: str | None
    maindiag_flag: bool


class FeeDetailPublic(Output):
    feedetl_sn: str
    med_list_codg: str
    pric: Decimal
    cnt: Decimal
    det_item_fee_sumamt: MoneyOut
    chrgitm_lv: str | None
    med_chrgitm_type: str
    fee_ocur_time: LocalTime


class VisitPublic(Output):
    mdtrt_id: str
    psn_no: str
    fixmedins_code: str
    insutype: str
    med_type: str
    begntime: LocalTime
    endtime: LocalTime | None
    dept_code: str | None
    mdtrt_stas: str
    diagnoses: list[VisitDiagnosisPublic]


class VisitDetailPublic(VisitPublic):
    fee_details: list[FeeDetailPublic]


class StatementPublic(Output):
    fixmedins_code: str
    fixmedins_name: str
    month: str
    setl_cnt: int
    medfee_sumamt: MoneyOut
    fund_pay_sumamt: MoneyOut
    psn_part_amt: MoneyOut
    hifp_pay: MoneyOut
    hifmi_pay: MoneyOut
    hifob_pay: MoneyOut
    maf_pay: MoneyOut
    acct_pay: MoneyOut
    psn_cash_pay: MoneyOut
    fund_pay: dict[str, MoneyOut]


def _visible(principal: Principal, fixmedins_code: str, field: str, key: str) -> None:
    if not principal.may_see(fixmedins_code):
        raise NotFoundError(ErrorCode.NOT_FOUND, field=field, detail=key)


@router.get("/visits", summary="就诊查询（按机构、人员、日期）")
def list_visits(
    user: TenantReader,
    uow: UowDep,
    fixmedins_code: CodeQuery = None,
    psn_no: Annotated[str | None, Query(pattern=CODE)] = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> ListOf[VisitPublic]:
    f = visit_service.VisitFilter(user.tenant_filter(fixmedins_code), psn_no, date_from, date_to)
    page = visit_service.list_visits(uow(), f, offset=offset, limit=limit)
    return ListOf[VisitPublic](data=[VisitPublic.model_validate(v) for v in page.data], count=page.count)


@router.get("/visits/{mdtrt_id}", summary="就诊详情（含诊断与费用明细）")
def get_visit(
    mdtrt_id: Annotated[str, Path(min_length=1, max_length=30)], user: TenantReader, uow: UowDep
) -> VisitDetailPublic:
    found = visit_service.get_visit(uow(), mdtrt_id)
    _visible(user, found.fixmedins_code, "mdtrt_id", mdtrt_id)
    return VisitDetailPublic.model_validate(found)


@router.get("/settlements", summary="结算查询（按机构、人员、日期）")
def list_settlements(
    user: TenantReader,
    uow: UowDep,
    fixmedins_code: CodeQuery = None,
    psn_no: Annotated[str | None, Query(pattern=CODE)] = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    setl_stas: Literal["0", "1", "2"] | None = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> ListOf[SettlementPublic]:
    f = service.SettlementFilter(user.tenant_filter(fixmedins_code), psn_no, date_from, date_to, setl_stas)
    page = service.list_settlements(uow(), f, offset=offset, limit=limit)
    return ListOf[SettlementPublic](data=[SettlementPublic.model_validate(s) for s in page.data], count=page.count)


@router.get("/settlements/{setl_id}", summary="结算详情（含基金分项）")
def get_settlement(setl_id: SetlId, user: TenantReader, uow: UowDep) -> SettlementPublic:
    found = service.get_settlement(uow(), setl_id)
    _visible(user, found.fixmedins_code, "setl_id", setl_id)
    return SettlementPublic.model_validate(found)


@router.get("/settlement-lists/{setl_id}", summary="结算清单")
def get_settlement_list(setl_id: SetlId, user: TenantReader, uow: UowDep) -> SettlementListPublic:
    found = service.get_settlement_list(uow(), setl_id)
    _visible(user, found.fixmedins_code, "setl_id", setl_id)
    return SettlementListPublic.model_validate(found)


@router.get("/statements", summary="月度对账单（每机构：笔数、医疗费总额、分基金支付）")
def statements(
    user: TenantReader,
    uow: UowDep,
    month: Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")],
    fixmedins_code: CodeQuery = None,
) -> ListOf[StatementPublic]:
    rows = service.monthly_statements(uow(), month, user.tenant_filter(fixmedins_code))
    data = [
        StatementPublic(
            fixmedins_code=r.fixmedins_code,
            fixmedins_name=r.fixmedins_name,
            month=r.month,
            setl_cnt=r.setl_cnt,
            fund_pay=r.fund_pay,
            **r.amounts,
        )
        for r in rows
    ]
    return ListOf[StatementPublic](data=data, count=len(data))
