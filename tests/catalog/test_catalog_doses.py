"""The catalog's optional 每日用量 (day_dose) and 通用名编号 (genname_codg): read from Excel and CSV,
validated with the field named, stored exactly on SQLite and PostgreSQL, listed by the REST API."""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from yibao.catalog.importer import ImportRejected, parse_rows, read_csv, read_xlsx
from yibao.catalog.service import import_rows, lines_of
from yibao.store import db
from yibao.store.uow import SqlUnitOfWork

HEADER = ["med_list_codg", "name", "list_type", "chrgitm_lv", "med_chrgitm_type", "begndate", "day_dose", "genname_codg"]
CHINESE = ["医疗目录编码", "名称", "目录类别", "收费项目等级", "医疗收费项目类别", "开始日期", "每日用量", "通用名编号"]


def test_the_daily_dose_and_generic_name_are_read_when_given_and_empty_otherwise() -> None:
    drug, item = parse_rows([HEADER, ["XA01", "阿莫西林胶囊", "101", "01", "09", "2021-01-01", "0.25", "GEN-AMX"],
                             ["E001", "床位费", "201", "01", "01", "2021-01-01", "", ""]])
    assert (drug.entry.day_dose, drug.entry.genname_codg) == (Decimal("0.25"), "GEN-AMX")
    assert (item.entry.day_dose, item.entry.genname_codg) == (None, None)


def test_files_without_the_optional_columns_still_import() -> None:
    [row] = parse_rows([HEADER[:6], ["XA01", "阿莫西林胶囊", "101", "01", "09", "2021-01-01"]])
    assert row.entry.day_dose is None and row.entry.genname_codg is None


@pytest.mark.parametrize(("dose", "reason"), [("abc", "不是有效数值"), ("-1", "不能为负数"), ("0", "应大于 0"),
                                             ("0.33333", "最多 4 位小数"), ("1000000", "超过")],
                         ids=["text", "negative", "zero", "too many decimals", "too large"])
def test_a_bad_daily_dose_is_refused_naming_the_field_in_chinese(dose: str, reason: str) -> None:
    with pytest.raises(ImportRejected) as caught:
        parse_rows([HEADER, ["XA01", "阿莫西林胶囊", "101", "01", "09", "2021-01-01", dose, "G"]])
    [problem] = caught.value.problems
    assert (problem.row, problem.field) == (2, "day_dose") and reason in problem.reason
    assert "第 2 行字段「day_dose」" in problem.to_dict()["message"]


def test_a_too_long_generic_name_code_is_refused() -> None:
    with pytest.raises(ImportRejected) as caught:
        parse_rows([HEADER, ["XA01", "阿莫西林胶囊", "101", "01", "09", "2021-01-01", "1", "G" * 51]])
    assert [(p.field, p.reason) for p in caught.value.problems] == [("genname_codg", "长度超过 50")]


def test_chinese_headers_in_excel_and_csv_give_the_same_doses() -> None:
    book = Workbook()
    book.active.append(CHINESE)
    book.active.append(["XA01", "阿莫西林胶囊", "101", "甲类", 9, dt.datetime(2021, 1, 1), 0.25, "GEN-AMX"])
    out = io.BytesIO()
    book.save(out)
    [from_excel] = read_xlsx(out.getvalue())
    text = ",".join(CHINESE) + "\r\nXA01,阿莫西林胶囊,101,甲类,09,2021-01-01,0.25,GEN-AMX\r\n"
    [from_csv] = read_csv(text.encode("gb18030"))
    assert from_excel.entry == from_csv.entry
    assert from_excel.entry.day_dose == Decimal("0.25") and from_excel.entry.genname_codg == "GEN-AMX"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def empty_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "postgresql" and os.environ.get("YIBAO_SKIP_PG") == "1":
        pytest.skip("YIBAO_SKIP_PG=1")
    with db.scratch_database(request.param, tmp_path, prefix="yibao_catdose") as url:
        yield url


@pytest.fixture()
def store(empty_store: str) -> str:
    db.upgrade(empty_store)
    return empty_store


def _catalog_columns(url: str) -> set[str]:
    engine = db.make_engine(url)
    try:
        return {c["name"] for c in inspect(engine).get_columns("catalog_item")}
    finally:
        engine.dispose()


def test_the_dose_migration_goes_up_down_and_up_keeping_the_catalog_checks(empty_store: str) -> None:
    db.upgrade(empty_store, "0004_supervision")
    assert not {"day_dose", "genname_codg"} & _catalog_columns(empty_store)
    db.upgrade(empty_store)
    assert {"day_dose", "genname_codg"} <= _catalog_columns(empty_store)
    db.downgrade(empty_store, "0004_supervision")
    assert not {"day_dose", "genname_codg"} & _catalog_columns(empty_store)
    engine = db.make_engine(empty_store)
    try:
        with pytest.raises(IntegrityError), engine.begin() as conn:  # the CHECK on chrgitm_lv survived the down step
            conn.execute(text("INSERT INTO catalog_item (med_list_codg, name, list_type, chrgitm_lv, med_chrgitm_type, "
                              "selfpay_prop, admdvs, begndate, updated_at) VALUES ('X', 'x', '101', '09', '09', 0, "
                              "'000000', '2021-01-01', '2021-01-01 00:00:00')"))
    finally:
        engine.dispose()
    db.upgrade(empty_store)
    assert db.current(empty_store) == db.head()


def test_the_store_keeps_the_dose_exactly_and_the_generic_name(store: str) -> None:
    engine = db.make_engine(store)
    try:
        uow = SqlUnitOfWork(db.session_factory(engine))
        import_rows(uow, parse_rows([HEADER, ["XA01", "阿莫西林胶囊", "101", "01", "09", "2021-01-01", "0.3333", "G1"],
                                     ["E001", "床位费", "201", "01", "01", "2021-01-01", "", ""]]))
        [drug] = lines_of(SqlUnitOfWork(db.session_factory(engine)), "XA01")
        [item] = lines_of(SqlUnitOfWork(db.session_factory(engine)), "E001")
    finally:
        engine.dispose()
    assert drug.day_dose == Decimal("0.3333") and drug.genname_codg == "G1"
    assert drug.entry().day_dose == Decimal("0.3333") and drug.entry().genname_codg == "G1"
    assert item.day_dose is None and item.genname_codg is None
