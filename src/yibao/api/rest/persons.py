"""Routes: insured persons (参保人员), hardship identities and enrolment (参保登记).

The ID number is accepted in request bodies only (never in a URL, which access logs keep) and is
answered masked (``certno_mask``) — the clear number never leaves the store through this API.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import Field, ValidationInfo, field_validator

from yibao.api.auth import BureauReader, RegistryWriter, UowDep
from yibao.api.rest.common import CODE, AdmdvsField, Input, Limit, ListOf, MoneyOut, Offset, Output
from yibao.enrollment import service

router = APIRouter(tags=["参保人员"])

PsnNo = Annotated[str, Path(pattern=CODE, description="人员编号")]
PsnType = Literal["11", "12", "13", "15", "16", "1401", "1402", "1403", "1404", "1405"]
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def resident_id_problem(certno: str) -> str | None:
    """Why an 18-digit resident ID (居民身份证, GB 11643) is not valid, or ``None``."""
    number = certno.upper()
    if len(number) != 18 or not number[:17].isdigit():
        return "居民身份证号码应为 18 位（末位可为 X）"
    if _CHECK[sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS, strict=True)) % 11] != number[17]:
        return "居民身份证号码校验位不符"
    try:
        dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "居民身份证号码中的出生日期无效"
    return None


class CertnoInput(Input):
    psn_cert_type: Literal["01", "02", "03", "04", "05", "06", "07", "08", "99"] = "01"
    certno: str = Field(min_length=1, max_length=30, pattern=r"^[0-9A-Za-z]+$", description="证件号码（只在请求体中传送）")

    @field_validator("certno")
    @classmethod
    def _resident_id(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("psn_cert_type", "01") == "01":
            problem = resident_id_problem(value)
            if problem is not None:
                raise ValueError(problem)
        return value


class PersonCreate(CertnoInput):
    psn_no: str | None = Field(default=None, pattern=CODE, description="人员编号，不填自动生成")
    psn_name: str = Field(min_length=1, max_length=50)
    gend: Literal["1", "2", "9"]
    brdy: dt.date
    psn_type: PsnType
    insuplc_admdvs: AdmdvsField

    @field_validator("brdy")
    @classmethod
    def _not_future(cls, value: dt.date) -> dt.date:
        if value > dt.date.today() or value.year < 1880:
            raise ValueError("出生日期无效")
        return value


class PersonPublic(Output):
    psn_no: str
    psn_name: str
    psn_cert_type: str
    certno_mask: str = Field(description="脱敏证件号码")
    gend: str
    brdy: dt.date
    psn_type: str
    insuplc_admdvs: str


class IdentityCreate(Input):
    psn_idet_type: Literal["01", "02", "03", "04", "05"] = Field(
        description="01 特困人员 · 02 低保对象 · 03 低收入人口 · 04 返贫致贫人口 · 05 脱贫人口"
    )
    begndate: dt.date
    enddate: dt.date | None = None
    memo: str | None = Field(default=None, max_length=200)


class IdentityPublic(Output):
    psn_idet_type: str
    begndate: dt.date
    enddate: dt.date | None
    memo: str | None


class EnrolmentCreate(Input):
    insutype: Literal["310", "390"]
    begndate: dt.date
    enddate: dt.date | None = None
    psn_insu_date: dt.date | None = Field(default=None, description="参保登记日期，默认 begndate")
    employee_coverage_ended: dt.date | None = Field(default=None, description="此前职工医保的最后一天（等待期豁免）")
    psn_clct_amt: Decimal | None = Field(
        default=None, ge=0, le=Decimal("10000000"), decimal_places=2, description="职工个人缴费；居民由政策计算"
    )


class CoveragePublic(Output):
    insutype: str
    begndate: dt.date
    enddate: dt.date | None
    psn_insu_date: dt.date
    psn_clct_amt: MoneyOut
    subs_clct_amt: MoneyOut
    subs_flag: bool
    subs_src: str | None
    wait_enddate: dt.date | None
    psn_insu_stas: str


class ContributionPublic(Output):
    individual: MoneyOut
    individual_due: MoneyOut
    assistance_subsidy: MoneyOut
    fiscal_subsidy: MoneyOut
    central_subsidy: MoneyOut
    local_subsidy: MoneyOut


class EnrolmentPublic(Output):
    coverage: CoveragePublic
    pack_id: str | None
    contribution: ContributionPublic | None
    benefit_from: dt.date | None
    waiting_days: int
    waiting_reason: str | None


@router.post("/persons", status_code=201, summary="参保人员登记")
def create_person(body: PersonCreate, user: RegistryWriter, uow: UowDep) -> PersonPublic:
    values = body.model_dump(exclude={"certno"})
    return PersonPublic.model_validate(service.create_person(uow(), values, body.certno))


@router.get("/persons", summary="参保人员列表")
def list_persons(
    user: BureauReader,
    uow: UowDep,
    insuplc_admdvs: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> ListOf[PersonPublic]:
    page = service.list_persons(uow(), insuplc_admdvs=insuplc_admdvs, offset=offset, limit=limit)
    return ListOf[PersonPublic](data=[PersonPublic.model_validate(p) for p in page.data], count=page.count)


@router.post("/persons/lookup", summary="按证件号码查询（号码在请求体中）")
def lookup_person(body: CertnoInput, user: BureauReader, uow: UowDep) -> PersonPublic:
    return PersonPublic.model_validate(service.find_by_certno(uow(), body.certno))


@router.get("/persons/{psn_no}", summary="参保人员详情")
def get_person(psn_no: PsnNo, user: BureauReader, uow: UowDep) -> PersonPublic:
    return PersonPublic.model_validate(service.get_person(uow(), psn_no))


@router.post("/persons/{psn_no}/identities", status_code=201, summary="登记困难人员身份")
def add_identity(psn_no: PsnNo, body: IdentityCreate, user: RegistryWriter, uow: UowDep) -> IdentityPublic:
    identity = service.add_identity(uow(), psn_no, body.psn_idet_type, body.begndate, body.enddate, body.memo)
    return IdentityPublic.model_validate(identity)


@router.get("/persons/{psn_no}/identities", summary="困难人员身份")
def list_identities(psn_no: PsnNo, user: BureauReader, uow: UowDep) -> ListOf[IdentityPublic]:
    rows = [IdentityPublic.model_validate(i) for i in service.identities(uow(), psn_no)]
    return ListOf[IdentityPublic](data=rows, count=len(rows))


@router.post("/persons/{psn_no}/enrolments", status_code=201, summary="参保登记（计算缴费与待遇等待期）")
def enrol(psn_no: PsnNo, body: EnrolmentCreate, user: RegistryWriter, uow: UowDep) -> EnrolmentPublic:
    done = service.enrol(uow(), psn_no, **body.model_dump())
    waiting = done.waiting
    return EnrolmentPublic(
        coverage=CoveragePublic.model_validate(done.period),
        pack_id=done.pack_id,
        contribution=ContributionPublic.model_validate(done.contribution) if done.contribution else None,
        benefit_from=waiting.benefit_from if waiting else done.period.begndate,
        waiting_days=waiting.waiting_days if waiting else 0,
        waiting_reason=waiting.reason if waiting else None,
    )


@router.get("/persons/{psn_no}/enrolments", summary="参保期间")
def list_enrolments(psn_no: PsnNo, user: BureauReader, uow: UowDep) -> ListOf[CoveragePublic]:
    rows = [CoveragePublic.model_validate(c) for c in service.coverage_periods(uow(), psn_no)]
    return ListOf[CoveragePublic](data=rows, count=len(rows))
