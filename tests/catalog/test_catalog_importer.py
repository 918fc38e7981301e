"""Reading catalog files: national or Chinese headers, codes or labels, every bad row reported, or nothing."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from yibao.catalog.importer import ImportRejected, parse_rows, read_csv, read_file, read_xlsx
from yibao.catalog.model import ChargeLevel, ListType
from yibao.errors import InputError

NATIONAL = ["med_list_codg", "name", "list_type", "chrgitm_lv", "med_chrgitm_type", "selfpay_prop", "pric_uplmt_amt", "begndate", "enddate"]
CHINESE = ["医疗目录编码", "名称", "目录类别", "收费项目等级", "医疗收费项目类别", "先行自付比例", "支付标准", "开始日期", "结束日期"]


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_row_with_national_headers_becomes_a_catalog_entry() -> None:
    [row] = parse_rows([NATIONAL, ["XA01", "阿莫西林胶囊", "101", "02", "09", "0.10", "1.234567", "2021-01-01", "2021-12-31"]])
    assert row.entry.list_type is ListType.WESTERN_DRUG and row.entry.chrgitm_lv is ChargeLevel.CLASS_B
    assert row.entry.selfpay_prop == Decimal("0.10") and row.entry.pric_uplmt_amt == Decimal("1.234567")
    assert (row.begndate, row.enddate) == (dt.date(2021, 1, 1), dt.date(2021, 12, 31))


def test_chinese_headers_and_labels_are_read_like_codes() -> None:
    [row] = parse_rows([CHINESE, ["F001", "一次性输液器", "医用耗材", "丙类", "8", "10%", "", "2021/03/01", ""]])
    assert row.entry.list_type is ListType.CONSUMABLE and row.entry.chrgitm_lv is ChargeLevel.CLASS_C
    assert row.entry.med_chrgitm_type == "08" and row.entry.selfpay_prop == Decimal("0.10")
    assert row.entry.pric_uplmt_amt is None and row.enddate is None


def test_every_bad_row_is_reported_with_its_row_number_field_and_reason() -> None:
    rows = [
        NATIONAL,
        ["OK1", "好的", "101", "01", "09", "0", "", "2021-01-01", ""],
        ["", "缺编码", "101", "01", "09", "0", "", "2021-01-01", ""],
        ["B2", "坏类别", "999", "04", "09", "1.5", "-3", "2021-02-30", ""],
        ["B3", "日期倒置", "201", "01", "05", "0", "", "2021-06-01", "2021-01-01"],
        ["OK1", "重复", "101", "01", "09", "0", "", "2021-01-01", ""],
    ]
    with pytest.raises(ImportRejected) as caught:
        parse_rows(rows)
    found = {(p.row, p.field) for p in caught.value.problems}
    assert found == {
        (3, "med_list_codg"),
        (4, "list_type"),
        (4, "chrgitm_lv"),
        (4, "selfpay_prop"),
        (4, "pric_uplmt_amt"),
        (4, "begndate"),
        (5, "enddate"),
        (6, "med_list_codg"),
    }
    assert "第 4 行字段「list_type」" in next(p for p in caught.value.problems if p.field == "list_type").to_dict()["message"]
    assert caught.value.code.value == "E1301"


def test_an_unknown_or_missing_column_is_reported_on_the_header_row() -> None:
    with pytest.raises(ImportRejected) as caught:
        parse_rows([["med_list_codg", "名称", "颜色"], ["A", "b", "红"]])
    fields = {p.field for p in caught.value.problems}
    assert "颜色" in fields and {"list_type", "chrgitm_lv", "med_chrgitm_type", "begndate"} <= fields
    assert {p.row for p in caught.value.problems} == {1}


def test_a_real_excel_file_is_read_with_its_native_numbers_and_dates() -> None:
    data = xlsx([CHINESE, ["E001", "床位费", "201", "01", 1, 0, 35.5, dt.datetime(2021, 1, 1), None]])
    [row] = read_xlsx(data)
    assert row.entry.med_chrgitm_type == "01" and row.entry.pric_uplmt_amt == Decimal("35.5")
    assert row.begndate == dt.date(2021, 1, 1)


def test_a_csv_saved_by_chinese_excel_in_gb18030_is_read() -> None:
    text = ",".join(CHINESE) + "\r\nC001,板蓝根颗粒,101,甲类,11,0,,2021-01-01,\r\n"
    [row] = read_csv(text.encode("gb18030"))
    assert row.entry.name == "板蓝根颗粒"


def test_a_file_that_is_not_a_workbook_or_of_another_type_is_refused() -> None:
    with pytest.raises(ImportRejected):
        read_xlsx(b"not a zip")
    with pytest.raises(InputError) as caught:
        read_file("catalog.pdf", b"%PDF")
    assert caught.value.field == "file"


def test_a_file_with_only_a_header_is_refused() -> None:
    with pytest.raises(ImportRejected):
        parse_rows([NATIONAL])
