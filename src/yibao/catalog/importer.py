"""Read a 医保目录 file (Excel ``.xlsx`` or CSV) into catalog rows — all of them, or none.

Columns are the national names ``med_list_codg, name, list_type, chrgitm_lv, med_chrgitm_type,
selfpay_prop, pric_uplmt_amt, begndate, enddate, day_dose, genname_codg`` or their Chinese headers
(医疗目录编码, 名称, 目录类别, 收费项目等级, 医疗收费项目类别, 先行自付比例, 支付标准, 开始日期,
结束日期, 每日用量, 通用名编号 …); ``day_dose`` and ``genname_codg`` are optional columns. Codes may be
written as the code (``02``) or the label (``乙类``). Every bad row is reported with its row number
(as the spreadsheet shows it, header = row 1), the field and the reason; if any row is bad,
:class:`ImportRejected` carries them all and nothing is returned to import.

Pure: bytes in, rows out; the service does the writing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from yibao.catalog.model import CatalogEntry, ChargeLevel, ListType
from yibao.errors import ErrorCode, InputError

FIELDS = (
    "med_list_codg",
    "name",
    "list_type",
    "chrgitm_lv",
    "med_chrgitm_type",
    "selfpay_prop",
    "pric_uplmt_amt",
    "begndate",
    "enddate",
    "day_dose",
    "genname_codg",
)
REQUIRED = ("med_list_codg", "name", "list_type", "chrgitm_lv", "med_chrgitm_type", "begndate")

HEADER_ALIASES: dict[str, str] = {
    "医疗目录编码": "med_list_codg",
    "目录编码": "med_list_codg",
    "医保目录编码": "med_list_codg",
    "编码": "med_list_codg",
    "名称": "name",
    "目录名称": "name",
    "项目名称": "name",
    "目录类别": "list_type",
    "收费项目等级": "chrgitm_lv",
    "目录等级": "chrgitm_lv",
    "医疗收费项目类别": "med_chrgitm_type",
    "收费项目类别": "med_chrgitm_type",
    "先行自付比例": "selfpay_prop",
    "自付比例": "selfpay_prop",
    "支付标准": "pric_uplmt_amt",
    "限价": "pric_uplmt_amt",
    "最高限价": "pric_uplmt_amt",
    "开始日期": "begndate",
    "生效日期": "begndate",
    "结束日期": "enddate",
    "失效日期": "enddate",
    "每日用量": "day_dose",
    "日用量": "day_dose",
    "日剂量": "day_dose",
    "通用名编号": "genname_codg",
    "通用名编码": "genname_codg",
    "通用名代码": "genname_codg",
}

LIST_TYPE_LABELS = {"西药中成药": "101", "西药": "101", "中成药": "101", "中药饮片": "102", "医疗服务项目": "201", "医用耗材": "301"}
CHARGE_LEVEL_LABELS = {"甲类": "01", "甲": "01", "乙类": "02", "乙": "02", "丙类": "03", "丙": "03"}
CHRGITM_TYPES = frozenset(f"{n:02d}" for n in range(1, 15))  # 01 床位费 … 14 其他费 (GLOSSARY.md)
LIST_TYPES = frozenset(t.value for t in ListType)
CHARGE_LEVELS = frozenset(c.value for c in ChargeLevel)
_NO_LABELS: dict[str, str] = {}
MAX_ROWS = 200_000


@dataclass(frozen=True, slots=True)
class CatalogRow:
    """One line to import: the entry and its validity (``enddate`` None = open-ended)."""

    entry: CatalogEntry
    begndate: dt.date
    enddate: dt.date | None


@dataclass(frozen=True, slots=True)
class RowProblem:
    """第 ``row`` 行「field」：reason."""

    row: int
    field: str
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {"row": self.row, "field": self.field, "message": f"第 {self.row} 行字段「{self.field}」：{self.reason}"}


class ImportRejected(InputError):
    """The file had bad rows; ``problems`` lists every one, and nothing was imported."""

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        self.problems = tuple(problems)
        first = self.problems[0]
        more = f"，共 {len(self.problems)} 处错误" if len(self.problems) > 1 else ""
        super().__init__(
            ErrorCode.IMPORT_REJECTED, field=first.field, detail=f"第 {first.row} 行：{first.reason}{more}"
        )


class _Bad(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value).strip()


def _code(value: str, labels: dict[str, str], allowed: frozenset[str], width: int) -> str:
    if value in labels:
        return labels[value]
    code = value.zfill(width) if value.isdigit() else value
    if code not in allowed:
        raise _Bad(f"取值「{value}」无效，可选 {'、'.join(sorted(allowed))}")
    return code


def _decimal(value: str, *, places: int) -> Decimal:
    try:
        number = Decimal(value.replace(",", ""))
    except InvalidOperation:
        raise _Bad(f"「{value}」不是有效数值") from None
    if not number.is_finite():
        raise _Bad(f"「{value}」不是有效数值")
    if number < 0:
        raise _Bad("不能为负数")
    if number.as_tuple().exponent < -places:  # type: ignore[operator]
        raise _Bad(f"最多 {places} 位小数")
    return number


def _date(value: str) -> dt.date:
    text = value[:10].replace("/", "-")
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        raise _Bad(f"「{value}」不是有效日期（YYYY-MM-DD）") from None


def _field_values(raw: dict[str, str], number: int) -> tuple[CatalogRow | None, list[RowProblem]]:
    problems: list[RowProblem] = []
    values: dict[str, object] = {}

    def take(field: str, parse: object) -> None:
        text = raw.get(field, "")
        if not text:
            if field in REQUIRED:
                problems.append(RowProblem(number, field, "缺少必填值"))
            return
        try:
            values[field] = parse(text)  # type: ignore[operator]
        except _Bad as bad:
            problems.append(RowProblem(number, field, bad.reason))

    take("med_list_codg", lambda v: v if len(v) <= 50 else _fail("长度超过 50"))
    take("name", lambda v: v if len(v) <= 200 else _fail("长度超过 200"))
    take("list_type", lambda v: _code(v, LIST_TYPE_LABELS, LIST_TYPES, 3))
    take("chrgitm_lv", lambda v: _code(v, CHARGE_LEVEL_LABELS, CHARGE_LEVELS, 2))
    take("med_chrgitm_type", lambda v: _code(v, _NO_LABELS, CHRGITM_TYPES, 2))
    take("selfpay_prop", lambda v: _ratio(v))
    take("pric_uplmt_amt", lambda v: _decimal(v, places=6))
    take("begndate", _date)
    take("enddate", _date)
    take("day_dose", _dose)
    take("genname_codg", lambda v: v if len(v) <= 50 else _fail("长度超过 50"))
    begin, end = values.get("begndate"), values.get("enddate")
    if isinstance(begin, dt.date) and isinstance(end, dt.date) and end < begin:
        problems.append(RowProblem(number, "enddate", "结束日期早于开始日期"))
    if problems:
        return None, problems
    entry = CatalogEntry(
        med_list_codg=str(values["med_list_codg"]),
        name=str(values["name"]),
        list_type=ListType(values["list_type"]),
        chrgitm_lv=ChargeLevel(values["chrgitm_lv"]),
        med_chrgitm_type=str(values["med_chrgitm_type"]),
        selfpay_prop=values.get("selfpay_prop", Decimal(0)),  # type: ignore[arg-type]
        pric_uplmt_amt=values.get("pric_uplmt_amt"),  # type: ignore[arg-type]
        day_dose=values.get("day_dose"),  # type: ignore[arg-type]
        genname_codg=values.get("genname_codg"),  # type: ignore[arg-type]
    )
    return CatalogRow(entry, values["begndate"], values.get("enddate")), []  # type: ignore[arg-type]


def _fail(reason: str) -> str:
    raise _Bad(reason)


def _ratio(value: str) -> Decimal:
    number = _decimal(value.rstrip("%"), places=6)
    if value.endswith("%"):
        number = number / 100
    if number > 1:
        raise _Bad("比例应在 0 与 1 之间")
    return number


def _dose(value: str) -> Decimal:
    """每日用量 in billing units: positive, at most 4 decimals (DECIMAL(10, 4))."""
    number = _decimal(value, places=4)
    if number == 0:
        raise _Bad("应大于 0（非药品请留空）")
    if number >= 1_000_000:
        raise _Bad("超过 999999.9999")
    return number


def _header(cells: Sequence[object]) -> tuple[list[str | None], list[RowProblem]]:
    names: list[str | None] = []
    problems: list[RowProblem] = []
    for position, cell in enumerate(cells, start=1):
        text = _text(cell)
        if not text:
            names.append(None)
            continue
        name = text if text in FIELDS else HEADER_ALIASES.get(text)
        if name is None:
            problems.append(RowProblem(1, text, f"第 {position} 列表头无法识别，可用 {'、'.join(FIELDS)}"))
        names.append(name)
    for required in REQUIRED:
        if required not in names:
            problems.append(RowProblem(1, required, "缺少此列"))
    return names, problems


def parse_rows(rows: Iterable[Sequence[object]]) -> list[CatalogRow]:
    """Rows of cells (header first) to catalog rows; raise :class:`ImportRejected` listing every problem."""
    iterator: Iterator[Sequence[object]] = iter(rows)
    header = next(iterator, None)
    if header is None:
        raise ImportRejected([RowProblem(1, "file", "文件为空")])
    names, problems = _header(header)
    if problems:
        raise ImportRejected(problems)
    parsed: list[CatalogRow] = []
    seen: dict[tuple[str, dt.date], int] = {}
    for number, cells in enumerate(iterator, start=2):
        texts = [_text(c) for c in cells]
        if not any(texts):
            continue
        if number > MAX_ROWS:
            problems.append(RowProblem(number, "file", f"超过 {MAX_ROWS} 行上限"))
            break
        raw = {name: texts[i] for i, name in enumerate(names) if name is not None and i < len(texts)}
        row, row_problems = _field_values(raw, number)
        problems.extend(row_problems)
        if row is None:
            continue
        key = (row.entry.med_list_codg, row.begndate)
        if key in seen:
            problems.append(RowProblem(number, "med_list_codg", f"与第 {seen[key]} 行重复（同编码同开始日期）"))
            continue
        seen[key] = number
        parsed.append(row)
    if problems:
        raise ImportRejected(problems)
    if not parsed:
        raise ImportRejected([RowProblem(2, "file", "没有数据行")])
    return parsed


def read_csv(data: bytes) -> list[CatalogRow]:
    """A CSV file in UTF-8 (with or without BOM) or GB18030, as Excel in China often saves it."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRejected([RowProblem(1, "file", "无法识别文件编码（请用 UTF-8 或 GB18030）")])
    return parse_rows(csv.reader(io.StringIO(text, newline="")))


def read_xlsx(data: bytes) -> list[CatalogRow]:
    """The first worksheet of an Excel workbook."""
    from openpyxl import load_workbook  # openpyxl is slow to import; only when an xlsx comes in

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a corrupt file
        raise ImportRejected([RowProblem(1, "file", "不是有效的 Excel（.xlsx）文件")]) from exc
    try:
        sheet = workbook.worksheets[0]
        return parse_rows(sheet.iter_rows(values_only=True))
    finally:
        workbook.close()


def read_file(filename: str, data: bytes) -> list[CatalogRow]:
    """Pick the reader by the file's name (``.xlsx`` or ``.csv``)."""
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        return read_xlsx(data)
    if lower.endswith(".csv"):
        return read_csv(data)
    raise InputError(ErrorCode.INVALID_VALUE, field="file", detail="只接受 .xlsx 或 .csv 文件")


__all__ = [
    "CHARGE_LEVEL_LABELS",
    "FIELDS",
    "HEADER_ALIASES",
    "LIST_TYPE_LABELS",
    "CatalogRow",
    "ImportRejected",
    "RowProblem",
    "parse_rows",
    "read_csv",
    "read_file",
    "read_xlsx",
]
