"""Routes: the 医保目录 — import from Excel or CSV (all rows or none), list and search."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Path, Query, UploadFile

from yibao.api.auth import BureauReader, PolicyWriter, UowDep
from yibao.api.rest.common import Limit, ListOf, Offset, Output
from yibao.catalog import service
from yibao.store.models.gateway import NATIONAL_ADMDVS

router = APIRouter(tags=["医保目录"])


class CatalogItemPublic(Output):
    med_list_codg: str
    name: str
    list_type: str
    chrgitm_lv: str
    med_chrgitm_type: str
    selfpay_prop: Decimal
    pric_uplmt_amt: Decimal | None
    day_dose: Decimal | None
    genname_codg: str | None
    admdvs: str
    begndate: dt.date
    enddate: dt.date | None


class ImportResultPublic(Output):
    rows: int
    created: int
    updated: int
    admdvs: str


@router.post("/catalogs/import", summary="导入目录（.xlsx 或 .csv；任一行有误则全部不导入）")
async def import_catalog(
    file: Annotated[UploadFile, File(description="目录文件：表头为国家字段名或中文列名")],
    user: PolicyWriter,
    uow: UowDep,
    admdvs: Annotated[str, Form(pattern=r"^\d{6}$", description="目录所属统筹区，000000 为国家目录")] = NATIONAL_ADMDVS,
) -> ImportResultPublic:
    data = await file.read(service.MAX_UPLOAD_BYTES + 1)
    result = service.import_file(uow(), file.filename or "", data, admdvs)
    return ImportResultPublic.model_validate(result)


@router.get("/catalogs", summary="目录查询")
def search_catalog(
    user: BureauReader,
    uow: UowDep,
    q: Annotated[str | None, Query(max_length=100, description="编码或名称包含")] = None,
    admdvs: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    list_type: Literal["101", "102", "201", "301"] | None = None,
    chrgitm_lv: Literal["01", "02", "03"] | None = None,
    on: Annotated[dt.date | None, Query(description="在该日有效")] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> ListOf[CatalogItemPublic]:
    query = service.CatalogQuery(q=q, admdvs=admdvs, list_type=list_type, chrgitm_lv=chrgitm_lv, on=on)
    page = service.search(uow(), query, offset=offset, limit=limit)
    return ListOf[CatalogItemPublic](data=[CatalogItemPublic.model_validate(r) for r in page.data], count=page.count)


@router.get("/catalogs/{med_list_codg}", summary="一个目录编码的全部记录（各统筹区、各期间）")
def catalog_lines(
    med_list_codg: Annotated[str, Path(min_length=1, max_length=50)], user: BureauReader, uow: UowDep
) -> ListOf[CatalogItemPublic]:
    rows = [CatalogItemPublic.model_validate(r) for r in service.lines_of(uow(), med_list_codg)]
    return ListOf[CatalogItemPublic](data=rows, count=len(rows))
