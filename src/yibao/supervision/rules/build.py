"""Build the rule library from the national workbooks (run once, when the batches change).

``python -m yibao.supervision.rules.build`` reads ``supervision/data/nhsa/*.xlsx`` with openpyxl,
turns every row into :class:`RuleEntry` parameters and writes ``data/rules/nhsa_rules.json.gz``.
Run time never needs openpyxl: :func:`~yibao.supervision.rules.library.load_library` reads the file.

What one *entry* is, per layout (the counts are asserted in tests/supervision):

- ``drug`` (two sheets, batches 1/3/4/5/6 drugs): one row of sheet 2, i.e. one national drug code;
  its rule comes from the sheet-1 row of the same 药品通用名.
- ``item_age`` / ``item_sex`` / ``operation`` (batch 1 items, batch 2): one row = one item code
  (batch 2: one (operation group, code) row; ten codes belong to two groups).
- ``duplicate`` (batch 7): one (主项, 从项, 频度) row.
- ``frequency`` / ``working_age`` / ``course`` / ``period`` (batch 8): one numbered item row; the
  footer rows (合计, 备注) are not entries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from yibao.errors import ErrorCode, PolicyError
from yibao.supervision.rules import parse
from yibao.supervision.rules.library import LIBRARY_FILE, load_definitions, rule_from_dict, write_library
from yibao.supervision.rules.model import Rule, RuleEntry, RuleLibrary

NHSA_DIR = Path(__file__).resolve().parent.parent / "data" / "nhsa"
Row = tuple[object, ...]


@dataclass(frozen=True)
class WorkbookCount:
    """How one workbook was read: data rows, entries made, and the two-sheet join's loose ends."""

    source: str
    rule_id: str
    source_rows: int  # data rows (sheet 2 rows for two-sheet workbooks)
    entries: int
    rule_rows: int  # sheet-1 rows (rules per drug name); = source_rows for one-sheet workbooks
    codes_without_rule: int  # sheet-2 names with no sheet-1 rule
    rules_without_codes: int  # sheet-1 names with no sheet-2 code


@dataclass(frozen=True)
class BuildResult:
    library: RuleLibrary
    counts: tuple[WorkbookCount, ...]


def _sheets(path: Path) -> list[list[tuple[int, Row]]]:
    import openpyxl  # build-time only

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return [list(enumerate(sheet.iter_rows(values_only=True), start=1))[1:] for sheet in book.worksheets]
    finally:
        book.close()


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _numbered(rows: list[tuple[int, Row]]) -> Iterator[tuple[int, Row]]:
    """Rows whose first cell (序号) is a number: skips blank, 合计 and 备注 footer rows."""
    return ((n, row) for n, row in rows if isinstance(row[0], int))


def _drug_limits(rule_id: str, value: str, description: str) -> dict[str, object]:
    """The typed limit of a two-sheet drug workbook's 限定对象 / 限定值域 value."""
    parsers: dict[str, Callable[[], dict[str, object]]] = {
        "NHSA-B1-DRUG-AGE": lambda: {"age_object": parse.parse_age_object(value)},
        "NHSA-B1-DRUG-SEX": lambda: {"sex": parse.parse_sex(value)},
        "NHSA-B3-DRUG-INSUTYPE": lambda: {"insutypes": parse.parse_insurance(value)},
        "NHSA-B4-DRUG-SETTING": lambda: {"settings": parse.parse_setting(value, description)},
        "NHSA-B5-DRUG-LEVEL": lambda: {"min_level": parse.parse_level(value)},
        "NHSA-B6-DRUG-COURSE": lambda: {"max_days": parse.parse_days(value)},
    }
    return parsers[rule_id]()


def _read_drug(rule: Rule, sheets: list[list[tuple[int, Row]]]) -> tuple[list[RuleEntry], WorkbookCount]:
    by_name: dict[str, dict[str, object]] = {}
    for _, row in sheets[0]:
        name, description, value = _text(row[0]), _text(row[1]), _text(row[3])
        if name:
            limits = _drug_limits(rule.rule_id, value, description)
            by_name[name] = {"source_text": value, "note": description, **limits}
    entries, orphans, named = [], 0, set()
    code_rows = [(n, row) for n, row in sheets[1] if _text(row[2])]
    for n, row in code_rows:
        name, code = _text(row[0]), _text(row[2])
        named.add(name)
        if name not in by_name:
            orphans += 1  # a code whose drug has no rule row: counted, and still kept as an entry
            entries.append(RuleEntry(rule.rule_id, code, name, name, n, source_text="", note="无规则行"))
            continue
        entries.append(RuleEntry(rule.rule_id, code, name, name, n, **by_name[name]))  # type: ignore[arg-type]
    count = WorkbookCount(
        rule.source, rule.rule_id, len(code_rows), len(entries), len(by_name), orphans, len(set(by_name) - named)
    )
    return entries, count


def _item_age(rid: str, n: int, r: Row) -> RuleEntry:  # 项目名称, 国标代码, 限定类型, 限定对象
    value = _text(r[3])
    return RuleEntry(rid, _text(r[1]), _text(r[0]), _text(r[1]), n, value, age_object=parse.parse_age_object(value))


def _item_sex(rid: str, n: int, r: Row) -> RuleEntry:  # 项目名称, 项目说明, 国标代码, 限定类型, 限定性别
    value = _text(r[4])
    return RuleEntry(rid, _text(r[2]), _text(r[0]), _text(r[2]), n, value, _text(r[1]), sex=parse.parse_sex(value))


def _operation(rid: str, n: int, r: Row) -> RuleEntry:  # 项目名称, 项目说明, 国标代码, 限定类型, 限定值域 (手术组)
    return RuleEntry(rid, _text(r[2]), _text(r[0]), _require(_text(r[4]), "手术组", n), n, _text(r[4]), _text(r[1]))


def _duplicate(rid: str, n: int, r: Row) -> RuleEntry:  # 序号, 频度, 主项名称, 主项编码, 从项名称, 从项编码, 备注
    window, hours = parse.parse_window(_text(r[1]))
    return RuleEntry(
        rid, _text(r[5]), _text(r[4]), _text(r[5]), n, _text(r[1]), _text(r[6]),
        pair_code=_text(r[3]), pair_name=_text(r[2]), window=window, window_hours=hours,
    )


def _frequency(rid: str, n: int, r: Row) -> RuleEntry:  # 序号, 项目名称, 限制数量, 数量单位, 项目编码
    return RuleEntry(
        rid, _text(r[4]), _text(r[1]), _text(r[4]), n, f"{r[2]}{_text(r[3])}",
        max_per_day=parse.parse_per_day(r[2], _text(r[3])),
    )


def _working_age(rid: str, n: int, r: Row) -> RuleEntry:  # 序号, 项目名称, 备注, 项目代码
    return RuleEntry(rid, _text(r[3]), _text(r[1]), _text(r[3]), n, _text(r[2]))


def _course(rid: str, n: int, r: Row) -> RuleEntry:  # 序号, 项目名称, 备注, 项目代码
    limit = parse.parse_course(_text(r[2]))
    return RuleEntry(
        rid, _text(r[3]), _text(r[1]), _text(r[3]), n, _text(r[2]), max_days=limit.max_days,
        min_interval_days=limit.min_interval_days, period_n=limit.period_n, period_days=limit.period_days,
    )


def _period(rid: str, n: int, r: Row) -> RuleEntry:  # 序号, 项目名称, 频次上限, 疗程周期, 备注, 项目代码
    return RuleEntry(
        rid, _text(r[5]), _text(r[1]), _text(r[5]), n, f"{r[2]}次/{r[3]}天", _text(r[4]),
        period_n=_positive(r[2], "频次上限", n), period_days=_positive(r[3], "疗程周期", n),
    )


# layout → (rows must carry a 序号, row reader)
_ROW_READERS: dict[str, tuple[bool, Callable[[str, int, Row], RuleEntry]]] = {
    "item_age": (False, _item_age),
    "item_sex": (False, _item_sex),
    "operation": (False, _operation),
    "duplicate": (True, _duplicate),
    "frequency": (True, _frequency),
    "working_age": (True, _working_age),
    "course": (True, _course),
    "period": (True, _period),
}


def _read_one_sheet(rule: Rule, layout: str, rows: list[tuple[int, Row]]) -> tuple[list[RuleEntry], WorkbookCount]:
    if layout not in _ROW_READERS:
        raise PolicyError(ErrorCode.POLICY_INVALID, field="layout", detail=f"{rule.rule_id}: {layout}")
    numbered, read = _ROW_READERS[layout]
    data = [(n, row) for n, row in (_numbered(rows) if numbered else rows) if any(v is not None for v in row)]
    entries = [read(rule.rule_id, n, row) for n, row in data]
    return entries, WorkbookCount(rule.source, rule.rule_id, len(data), len(entries), len(data), 0, 0)


def _require(value: str, what: str, row: int) -> str:
    if not value:
        raise PolicyError(ErrorCode.POLICY_INVALID, field=what, detail=f"第{row}行为空")
    return value


def _positive(value: object, what: str, row: int) -> int:
    if not isinstance(value, int) or value <= 0:
        raise PolicyError(ErrorCode.POLICY_INVALID, field=what, detail=f"第{row}行：{value}")
    return value


def _check_codes(entries: list[RuleEntry]) -> None:
    for entry in entries:
        if not entry.code or (entry.pair_code is not None and not entry.pair_code):
            raise PolicyError(ErrorCode.POLICY_INVALID, field="编码", detail=f"{entry.rule_id} 第{entry.row}行缺少编码")


def source_digest(source_dir: Path = NHSA_DIR) -> str:
    """A short digest of the workbooks, recorded as the library's version."""
    digest = hashlib.sha256()
    for path in sorted(source_dir.glob("*.xlsx")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def build_library(source_dir: Path = NHSA_DIR) -> BuildResult:
    """Read every workbook named in rules.toml into one library; raises on any unparsable row."""
    rules, entries, counts = [], [], []
    for definition in load_definitions():
        rule = rule_from_dict(definition)
        sheets = _sheets(source_dir / rule.source)
        layout = str(definition["layout"])
        if layout == "drug":
            made, count = _read_drug(rule, sheets)
        else:
            made, count = _read_one_sheet(rule, layout, sheets[0])
        _check_codes(made)
        rules.append(rule)
        entries.extend(made)
        counts.append(count)
    library = RuleLibrary(version=f"NHSA-1-8@{source_digest(source_dir)}", rules=tuple(rules), entries=tuple(entries))
    return BuildResult(library, tuple(counts))


def main() -> None:
    result = build_library()
    path = write_library(result.library, LIBRARY_FILE)
    for count in result.counts:
        print(f"{count.source:48} {count.rule_id:26} 源数据行 {count.source_rows:6}  条目 {count.entries:6}")
    print(f"共 {len(result.library.entries)} 条 → {path}")


__all__ = ["BuildResult", "WorkbookCount", "build_library", "source_digest"]

if __name__ == "__main__":
    main()
