"""Routes: pooling regions, designated institutions and agreement status changes (协议管理)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import Field

from yibao.api.auth import BureauReader, RegistryWriter, UowDep
from yibao.api.rest.common import CODE, AdmdvsField, CodeField, Input, Limit, ListOf, LocalTime, Offset, Output
from yibao.bureau import institutions as service

router = APIRouter(tags=["定点机构"])

Code = Annotated[str, Path(pattern=CODE, description="定点医药机构编码")]
AgreementCode = Literal["1", "2", "3"]


class RegionCreate(Input):
    admdvs: AdmdvsField
    admdvs_name: str = Field(min_length=1, max_length=100)
    prnt_admdvs: AdmdvsField | None = None


class RegionPublic(Output):
    admdvs: str
    admdvs_name: str
    prnt_admdvs: str | None


class InstitutionCreate(Input):
    fixmedins_code: CodeField
    fixmedins_name: str = Field(min_length=1, max_length=200)
    fixmedins_type: Literal["1", "2"] = "1"
    hosp_lv: Literal[1, 2, 3] | None = None
    grassroots_flag: bool = False
    admdvs: AdmdvsField
    aprv_bed_cnt: int = Field(default=0, ge=0, le=1_000_000)
    open_bed_cnt: int = Field(default=0, ge=0, le=1_000_000)
    hi_agre_bed_cnt: int = Field(default=0, ge=0, le=1_000_000)
    agre_begndate: dt.date | None = None
    agre_enddate: dt.date | None = None


class InstitutionUpdate(Input):
    fixmedins_name: str | None = Field(default=None, min_length=1, max_length=200)
    fixmedins_type: Literal["1", "2"] | None = None
    hosp_lv: Literal[1, 2, 3] | None = None
    grassroots_flag: bool | None = None
    aprv_bed_cnt: int | None = Field(default=None, ge=0, le=1_000_000)
    open_bed_cnt: int | None = Field(default=None, ge=0, le=1_000_000)
    hi_agre_bed_cnt: int | None = Field(default=None, ge=0, le=1_000_000)
    agre_begndate: dt.date | None = None
    agre_enddate: dt.date | None = None


class InstitutionPublic(Output):
    fixmedins_code: str
    fixmedins_name: str
    fixmedins_type: str
    hosp_lv: int | None
    grassroots_flag: bool
    admdvs: str
    aprv_bed_cnt: int
    open_bed_cnt: int
    hi_agre_bed_cnt: int
    agre_stas: str = Field(description="协议状态：1 正常 · 2 暂停拨付 · 3 解除协议")
    agre_begndate: dt.date | None
    agre_enddate: dt.date | None


class AgreementChange(Input):
    agre_stas: AgreementCode = Field(description="新的协议状态：1 正常 · 2 暂停拨付 · 3 解除协议")
    reason: str = Field(min_length=1, max_length=500, description="变更原因")
    effective_date: dt.date | None = Field(default=None, description="生效日期，默认当天")


class AgreementEventPublic(Output):
    fixmedins_code: str
    old_stas: str
    new_stas: str
    reason: str
    effective_date: dt.date
    changed_by: str
    changed_at: LocalTime


@router.post("/regions", status_code=201, summary="登记统筹区")
def create_region(body: RegionCreate, user: RegistryWriter, uow: UowDep) -> RegionPublic:
    region = service.add_region(uow(), body.admdvs, body.admdvs_name, body.prnt_admdvs)
    return RegionPublic.model_validate(region)


@router.get("/regions", summary="统筹区列表")
def list_regions(user: BureauReader, uow: UowDep) -> ListOf[RegionPublic]:
    rows = [RegionPublic.model_validate(r) for r in service.list_regions(uow())]
    return ListOf[RegionPublic](data=rows, count=len(rows))


@router.post("/institutions", status_code=201, summary="登记定点医药机构")
def create_institution(body: InstitutionCreate, user: RegistryWriter, uow: UowDep) -> InstitutionPublic:
    return InstitutionPublic.model_validate(service.create_institution(uow(), body.model_dump()))


@router.get("/institutions", summary="定点医药机构列表")
def list_institutions(
    user: BureauReader,
    uow: UowDep,
    admdvs: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    agre_stas: AgreementCode | None = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> ListOf[InstitutionPublic]:
    page = service.list_institutions(uow(), admdvs=admdvs, agre_stas=agre_stas, offset=offset, limit=limit)
    return ListOf[InstitutionPublic](data=[InstitutionPublic.model_validate(r) for r in page.data], count=page.count)


@router.get("/institutions/{fixmedins_code}", summary="定点医药机构详情")
def get_institution(fixmedins_code: Code, user: BureauReader, uow: UowDep) -> InstitutionPublic:
    return InstitutionPublic.model_validate(service.get_institution(uow(), fixmedins_code))


@router.patch("/institutions/{fixmedins_code}", summary="修改定点医药机构信息")
def update_institution(
    fixmedins_code: Code, body: InstitutionUpdate, user: RegistryWriter, uow: UowDep
) -> InstitutionPublic:
    changes = body.model_dump(exclude_unset=True)
    return InstitutionPublic.model_validate(service.update_institution(uow(), fixmedins_code, changes))


@router.delete("/institutions/{fixmedins_code}", status_code=204, summary="删除误登记的机构（无业务数据时）")
def delete_institution(fixmedins_code: Code, user: RegistryWriter, uow: UowDep) -> Response:
    service.delete_institution(uow(), fixmedins_code)
    return Response(status_code=204)


@router.post("/institutions/{fixmedins_code}/agreement", summary="协议状态变更（正常 / 暂停拨付 / 解除协议）")
def change_agreement(
    fixmedins_code: Code, body: AgreementChange, user: RegistryWriter, uow: UowDep
) -> AgreementEventPublic:
    event = service.change_agreement(
        uow(),
        fixmedins_code,
        new_stas=body.agre_stas,
        reason=body.reason,
        effective_date=body.effective_date or dt.date.today(),
        changed_by=user.username,
    )
    return AgreementEventPublic.model_validate(event)


@router.get("/institutions/{fixmedins_code}/agreement", summary="协议状态变更记录")
def agreement_events(fixmedins_code: Code, user: BureauReader, uow: UowDep) -> ListOf[AgreementEventPublic]:
    rows = [AgreementEventPublic.model_validate(e) for e in service.agreement_events(uow(), fixmedins_code)]
    return ListOf[AgreementEventPublic](data=rows, count=len(rows))
