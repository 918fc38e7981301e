"""The catalog in the store (医保目录): import a file all-or-nothing, list and search.

An import writes every row of the file in one transaction, or — if the file has any bad row
(:class:`yibao.catalog.importer.ImportRejected`) or the database refuses one — nothing. A row whose
``(med_list_codg, admdvs, begndate)`` already exists is replaced (a corrected catalog line), others
are added.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import delete, func, insert, or_, select

from yibao.bureau import detached
from yibao.bureau.institutions import Page
from yibao.catalog.importer import CatalogRow, read_file
from yibao.errors import ErrorCode, InputError, NotFoundError
from yibao.store.models import CatalogItem
from yibao.store.models.base import now
from yibao.store.models.gateway import NATIONAL_ADMDVS
from yibao.store.uow import SqlUnitOfWork

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
_IN_LIMIT = 500


@dataclass(frozen=True, slots=True)
class ImportResult:
    """导入结果."""

    rows: int
    created: int
    updated: int
    admdvs: str


def _check_admdvs(admdvs: str) -> None:
    if not (len(admdvs) == 6 and admdvs.isdigit()):
        raise InputError(ErrorCode.INVALID_VALUE, field="admdvs", detail="应为 6 位行政区划代码")


def import_file(uow: SqlUnitOfWork, filename: str, data: bytes, admdvs: str = NATIONAL_ADMDVS) -> ImportResult:
    """Read ``data`` (xlsx or csv by ``filename``) and write it; all rows or none."""
    _check_admdvs(admdvs)
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputError(ErrorCode.BODY_TOO_LARGE, field="file", detail=f"超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB")
    if not data:
        raise InputError(ErrorCode.MISSING_FIELD, field="file", detail="文件为空")
    return import_rows(uow, read_file(filename, data), admdvs)


def import_rows(uow: SqlUnitOfWork, rows: Sequence[CatalogRow], admdvs: str = NATIONAL_ADMDVS) -> ImportResult:
    """Write ``rows`` in one transaction: existing ``(code, admdvs, begndate)`` lines updated, others added.

    An existing line is replaced (deleted and inserted again, in the same transaction): one bulk DELETE
    and one bulk INSERT (executemany) instead of a statement per row — nothing refers to a line's ``id``.
    """
    keys = [(r.entry.med_list_codg, r.begndate) for r in rows]
    stamp = now()
    with uow:
        wanted = set(keys)
        codes = sorted({code for code, _ in keys})
        query = select(CatalogItem.med_list_codg, CatalogItem.begndate, CatalogItem.id).where(CatalogItem.admdvs == admdvs)
        if len(codes) <= _IN_LIMIT:
            query = query.where(CatalogItem.med_list_codg.in_(codes))
        # else one scan of the region's catalog: long IN lists cost far more than reading the codes once.
        existing = {(code, begin): item_id for code, begin, item_id in uow.session.execute(query) if (code, begin) in wanted}
        replaced = list(existing.values())
        for chunk in _chunks(replaced, 1000):
            uow.session.execute(delete(CatalogItem).where(CatalogItem.id.in_(chunk)))
        values = [
            {**_values(row, stamp), "med_list_codg": row.entry.med_list_codg, "admdvs": admdvs, "begndate": row.begndate}
            for row in rows
        ]
        uow.session.execute(insert(CatalogItem), values)
        uow.commit()
    _invalidate_settlement_cache()
    log.info("目录导入 admdvs=%s 新增=%d 更新=%d", admdvs, len(rows) - len(replaced), len(replaced))
    return ImportResult(len(rows), len(rows) - len(replaced), len(replaced), admdvs)


def _values(row: CatalogRow, stamp: dt.datetime) -> dict[str, object]:
    entry = row.entry
    return {
        "name": entry.name,
        "list_type": entry.list_type.value,
        "chrgitm_lv": entry.chrgitm_lv.value,
        "med_chrgitm_type": entry.med_chrgitm_type,
        "selfpay_prop": entry.selfpay_prop,
        "pric_uplmt_amt": entry.pric_uplmt_amt,
        "day_dose": entry.day_dose,
        "genname_codg": entry.genname_codg,
        "enddate": row.enddate,
        "updated_at": stamp,
    }


def _invalidate_settlement_cache() -> None:
    # The settlement service caches the catalog per process; an import in this process must show at once.
    from yibao.settlement.service import invalidate_reference_data

    invalidate_reference_data()


def _chunks(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


@dataclass(frozen=True, slots=True)
class CatalogQuery:
    """Search: ``q`` matches code or name (contains); ``on`` keeps lines valid that day."""

    q: str | None = None
    admdvs: str | None = None
    list_type: str | None = None
    chrgitm_lv: str | None = None
    on: dt.date | None = None


def search(uow: SqlUnitOfWork, query: CatalogQuery, *, offset: int = 0, limit: int = 100) -> Page:
    statement = select(CatalogItem)
    if query.q:
        pattern = f"%{query.q.replace('%', '').replace('_', '')}%"
        statement = statement.where(or_(CatalogItem.med_list_codg.like(pattern), CatalogItem.name.like(pattern)))
    if query.admdvs is not None:
        statement = statement.where(CatalogItem.admdvs == query.admdvs)
    if query.list_type is not None:
        statement = statement.where(CatalogItem.list_type == query.list_type)
    if query.chrgitm_lv is not None:
        statement = statement.where(CatalogItem.chrgitm_lv == query.chrgitm_lv)
    if query.on is not None:
        statement = statement.where(
            CatalogItem.begndate <= query.on, or_(CatalogItem.enddate.is_(None), CatalogItem.enddate >= query.on)
        )
    with uow:
        count = uow.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        rows = uow.session.scalars(
            statement.order_by(CatalogItem.med_list_codg, CatalogItem.admdvs, CatalogItem.begndate).offset(offset).limit(limit)
        ).all()
        return detached(uow, Page(list(rows), count))


def lines_of(uow: SqlUnitOfWork, med_list_codg: str) -> list[CatalogItem]:
    """Every line (region, period) of one code."""
    with uow:
        rows = detached(
            uow,
            list(
                uow.session.scalars(
                    select(CatalogItem)
                    .where(CatalogItem.med_list_codg == med_list_codg)
                    .order_by(CatalogItem.admdvs, CatalogItem.begndate)
                )
            ),
        )
    if not rows:
        raise NotFoundError(ErrorCode.NOT_FOUND, field="med_list_codg", detail=med_list_codg)
    return rows


__all__ = ["MAX_UPLOAD_BYTES", "CatalogQuery", "ImportResult", "import_file", "import_rows", "lines_of", "search"]
