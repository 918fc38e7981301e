"""``input`` of each transaction, as pydantic models with national field names.

Amounts go through :mod:`yibao.money` (``yuan`` for money, ``price`` for unit prices and
quantities): strings or exact decimals; negative, non-numeric or over-precise values are refused
with the field's path (``input.feedetail[2].pric``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from yibao.api.gateway.envelope import Time
from yibao.errors import YibaoError
from yibao.money import price, yuan


def _money(value: object) -> Decimal:
    try:
        return yuan(value)  # type: ignore[arg-type]
    except YibaoError as exc:
        raise ValueError(exc.code.message + (f"（{exc.detail}）" if exc.detail else "")) from None


def _price(value: object) -> Decimal:
    try:
        number = price(value)  # type: ignore[arg-type]
    except YibaoError as exc:
        raise ValueError(exc.code.message + (f"（{exc.detail}）" if exc.detail else "")) from None
    if number < 0:
        raise ValueError("金额不能为负数")
    return number


Money = Annotated[Decimal, BeforeValidator(_money)]
Price = Annotated[Decimal, BeforeValidator(_price)]
Code = Annotated[str, Field(min_length=1, max_length=30, pattern=r"^[0-9A-Za-z_.\-]+$")]
Name = Annotated[str, Field(max_length=200)]
Insutype = Literal["310", "390"]
Flag = Literal["0", "1"]


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SignInData(_In):
    opter_no: Code
    mac: str | None = Field(default=None, max_length=40)
    ip: str | None = Field(default=None, max_length=40)


class SignInInput(_In):
    """9001 签到."""

    signIn: SignInData  # noqa: N815 - the national field name


class PersonQueryData(_In):
    mdtrt_cert_type: Literal["01", "02", "03"]
    mdtrt_cert_no: Annotated[str, Field(min_length=1, max_length=50)]
    psn_cert_type: str | None = Field(default=None, max_length=6)
    certno: str | None = Field(default=None, max_length=50)
    psn_name: str | None = Field(default=None, max_length=50)


class PersonQueryInput(_In):
    """1101 人员信息获取."""

    data: PersonQueryData


class Diagnosis(_In):
    diag_code: Code
    diag_name: Name | None = None
    maindiag_flag: Flag = "0"


class RegisterData(_In):
    psn_no: Code
    insutype: Insutype
    begntime: Time
    mdtrt_cert_type: str = Field(max_length=3)
    mdtrt_cert_no: str = Field(max_length=50)
    ipt_otp_no: Code
    atddr_no: Code | None = None
    dr_name: Name | None = None
    dept_code: Code | None = None
    dept_name: Name | None = None
    caty: Code | None = None
    med_type: Code = "11"


class RegisterInput(_In):
    """2201 门诊挂号."""

    data: RegisterData


class VisitRef(_In):
    psn_no: Code
    mdtrt_id: Code
    ipt_otp_no: Code | None = None


class VisitRefInput(_In):
    """2202 挂号撤销 · 2402 出院（``dscg_time``）."""

    data: VisitRef


class MdtrtInfo(_In):
    mdtrt_id: Code
    psn_no: Code
    med_type: Code
    begntime: Time | None = None
    dise_codg: Code | None = None
    dise_name: Name | None = None


class VisitInfoInput(_In):
    """2203 就诊信息上传."""

    mdtrtinfo: MdtrtInfo
    diseinfo: list[Diagnosis] = Field(default_factory=list, max_length=50)


class AdmitData(_In):
    psn_no: Code
    insutype: Insutype
    med_type: Code = "21"
    begntime: Time
    mdtrt_cert_type: str = Field(max_length=3)
    mdtrt_cert_no: str = Field(max_length=50)
    ipt_no: Code
    atddr_no: Code | None = None
    chfpdr_name: Name | None = None
    adm_dept_codg: Code | None = None
    adm_dept_name: Name | None = None


class AdmitInput(_In):
    """2401 入院办理."""

    mdtrtinfo: AdmitData
    diseinfo: list[Diagnosis] = Field(default_factory=list, max_length=50)


class DischargeData(_In):
    mdtrt_id: Code
    psn_no: Code
    endtime: Time
    dscg_way: Code | None = None


class DischargeInput(_In):
    """2402 出院办理."""

    dscginfo: DischargeData
    diseinfo: list[Diagnosis] = Field(default_factory=list, max_length=50)


class FeeLineIn(_In):
    feedetl_sn: Code
    mdtrt_id: Code
    psn_no: Code
    med_list_codg: Code
    medins_list_codg: str | None = Field(default=None, max_length=150)
    pric: Price
    cnt: Price
    det_item_fee_sumamt: Money
    fee_ocur_time: Time
    bilg_dr_codg: Code | None = None
    bilg_dept_codg: Code | None = None


class FeeUploadInput(_In):
    """2204 门诊费用明细上传 · 2301 住院费用明细上传."""

    feedetail: list[FeeLineIn] = Field(min_length=1, max_length=2000)


class FeeRevokeData(_In):
    mdtrt_id: Code
    psn_no: Code
    feedetl_sn: Code | None = Field(default=None, description="不填撤销全部")


class FeeRevokeInput(_In):
    """2205 / 2302 明细撤销."""

    data: FeeRevokeData


class SettleData(_In):
    psn_no: Code
    mdtrt_id: Code
    insutype: Insutype
    med_type: Code
    medfee_sumamt: Money
    mdtrt_cert_type: str = Field(default="02", max_length=3)
    mdtrt_cert_no: str = Field(default="", max_length=50)
    psn_setlway: str = Field(default="01", max_length=3)
    chrg_bchno: str | None = Field(default=None, max_length=30)
    acct_used_flag: Flag = "1"


class SettleInput(_In):
    """2206/2207 门诊（预）结算 · 2303/2304 住院（预）结算."""

    data: SettleData


class ReverseData(_In):
    setl_id: Code
    psn_no: Code
    mdtrt_id: Code


class ReverseInput(_In):
    """2208 / 2305 结算撤销."""

    data: ReverseData


class ListDiagnosis(_In):
    diag_code: Code
    diag_name: Name | None = None
    maindiag_flag: Flag = "0"
    adm_cond_type: str | None = Field(default=None, max_length=1)


class ListProcedure(_In):
    oprn_oprt_code: Code
    oprn_oprt_name: Name | None = None
    oprn_oprt_date: dt.date | None = None
    main_oprn_flag: Flag = "0"


class ListItem(_In):
    med_chrgitm: Annotated[str, Field(pattern=r"^(0[1-9]|1[0-4])$")]
    amt: Money
    claa_sumfee: Money = Decimal("0.00")
    clab_amt: Money = Decimal("0.00")
    fulamt_ownpay_amt: Money = Decimal("0.00")
    oth_amt: Money = Decimal("0.00")


class ListIcu(_In):
    """重症监护 (4101A ``icuinfo``): one stay in an intensive-care ward."""

    scs_cutd_ward_type: str | None = Field(default=None, max_length=3)  # 重症监护病房类型
    scs_cutd_inpool_time: Time  # 进重症监护室时间
    scs_cutd_exit_time: Time  # 出重症监护室时间

    @model_validator(mode="after")
    def _order(self) -> ListIcu:
        if self.scs_cutd_exit_time < self.scs_cutd_inpool_time:
            raise ValueError("出重症监护室时间早于进入时间")
        return self


class ListHeader(_In):
    setl_id: Code
    mdtrt_id: Code
    psn_no: Code
    gend: Literal["1", "2", "9"]
    age: Annotated[int, Field(ge=0, le=150)]
    nwb_age: Annotated[int, Field(ge=0, le=365)] | None = None
    nwb_bir_wt: Annotated[int, Field(ge=0, le=10000)] | None = None
    nwb_adm_wt: Annotated[int, Field(ge=0, le=20000)] | None = None
    adm_time: Time
    dscg_time: Time
    act_ipt_days: Annotated[int, Field(ge=0, le=3660)]
    adm_caty: Code | None = None
    dscg_caty: Code | None = None
    dscg_way: Literal["1", "2", "3", "4", "5", "9"]
    medfee_sumamt: Money


class SettlementListInput(_In):
    """4101A 医疗保障基金结算清单上传."""

    setlinfo: ListHeader
    diseinfo: list[ListDiagnosis] = Field(min_length=1, max_length=50)
    oprninfo: list[ListProcedure] = Field(default_factory=list, max_length=50)
    iteminfo: list[ListItem] = Field(default_factory=list, max_length=14)
    icuinfo: list[ListIcu] = Field(default_factory=list, max_length=20)


class ReviewLine(_In):
    feedetl_sn: Code
    med_list_codg: Code
    pric: Price
    cnt: Price
    det_item_fee_sumamt: Money
    fee_ocur_time: Time


class ReviewOrder(_In):
    """3101 ``fsi_order_dtos``: one order line (处方/医嘱明细) in the national message."""

    rx_id: Code  # 处方(医嘱)标识: the line's number in the answer's details
    hilist_code: Code  # 医保目录编码
    pric: Price
    cnt: Price
    sumamt: Money
    drord_begn_date: Time  # 医嘱开始时间


class ReviewEncounter(_In):
    """3101 ``fsi_encounter_dtos``: one visit of the patient, with its order lines."""

    mdtrt_id: Code
    med_type: Code | None = None
    insutype: Insutype | None = None
    fsi_order_dtos: list[ReviewOrder] = Field(default_factory=list, max_length=2000)


class ReviewPatient(_In):
    """3101 ``patient_dtos``: the patient (``patn_id``, the 人员编号) and the visit under review."""

    patn_id: Code
    curr_mdtrt_id: Code | None = None  # the visit to judge; without it, the only one given
    fsi_encounter_dtos: list[ReviewEncounter] = Field(min_length=1, max_length=50)


class ReviewData(_In):
    """Either the flat form (``psn_no``, ``mdtrt_id``, ``feedetail``) or the national one
    (``patient_dtos``), read into the flat form."""

    psn_no: Code | None = None
    mdtrt_id: Code | None = None
    med_type: Code | None = None
    insutype: Insutype | None = None
    feedetail: list[ReviewLine] = Field(default_factory=list, max_length=2000)
    patient_dtos: list[ReviewPatient] = Field(default_factory=list, max_length=1)
    # 3101 规则标识集合 (only these rules answer; empty: all), 任务ID (echoed in every result record)
    # and 触发场景 (accepted; the infno already says 事前 or 事中).
    rule_ids: list[Annotated[str, Field(min_length=1, max_length=60)]] = Field(default_factory=list, max_length=500)
    task_id: str | None = Field(default=None, max_length=40)
    trig_scen: str | None = Field(default=None, max_length=3)

    @model_validator(mode="after")
    def _one_form(self) -> ReviewData:
        if not self.patient_dtos:
            if self.psn_no is None or self.mdtrt_id is None:
                raise ValueError("缺少 psn_no 与 mdtrt_id（或国家接口的 patient_dtos）")
            return self
        if self.psn_no is not None or self.mdtrt_id is not None or self.feedetail:
            raise ValueError("patient_dtos 与 psn_no、mdtrt_id、feedetail 只能二选一")
        patient = self.patient_dtos[0]
        encounters = patient.fsi_encounter_dtos
        if patient.curr_mdtrt_id is not None:
            encounters = [e for e in encounters if e.mdtrt_id == patient.curr_mdtrt_id]
            if not encounters:
                raise ValueError(f"curr_mdtrt_id {patient.curr_mdtrt_id} 不在 fsi_encounter_dtos 中")
        elif len(encounters) > 1:
            raise ValueError("fsi_encounter_dtos 有多次就诊时须以 curr_mdtrt_id 指明审核哪一次")
        visit = encounters[0]
        lines = [ReviewLine(feedetl_sn=o.rx_id, med_list_codg=o.hilist_code, pric=o.pric, cnt=o.cnt,
                            det_item_fee_sumamt=o.sumamt, fee_ocur_time=o.drord_begn_date) for o in visit.fsi_order_dtos]
        return self.model_copy(update={"psn_no": patient.patn_id, "mdtrt_id": visit.mdtrt_id, "feedetail": lines,
                                       "med_type": self.med_type or visit.med_type,
                                       "insutype": self.insutype or visit.insutype})


class ReviewInput(_In):
    """3101 事前事中分析 · 3102 事中分析; without ``feedetail`` the visit's uploaded lines are judged."""

    data: ReviewData


__all__ = [
    "AdmitInput",
    "DischargeInput",
    "FeeRevokeInput",
    "FeeUploadInput",
    "Money",
    "PersonQueryInput",
    "Price",
    "RegisterInput",
    "ReverseInput",
    "ReviewEncounter",
    "ReviewInput",
    "ReviewOrder",
    "ReviewPatient",
    "SettleInput",
    "SettlementListInput",
    "SignInInput",
    "VisitInfoInput",
    "VisitRefInput",
]
