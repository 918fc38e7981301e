"""Excel export of leads for inspection teams (线索导出): one sheet, Chinese headers, amounts as numbers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from yibao.store.models.supervision import SupervisionLead
from yibao.supervision.scan.model import PATTERN_NAMES

HEADERS: tuple[tuple[str, str], ...] = (
    ("id", "线索编号"), ("status", "状态"), ("rule_id", "规则编码"), ("pattern", "违规类型"), ("level", "线索层级"),
    ("fixmedins_code", "定点医药机构编号"), ("atddr_no", "医保医师代码"), ("psn_no", "人员编号"), ("mdtrt_id", "就诊ID"),
    ("feedetl_sn", "费用明细流水号"), ("related_mdtrt_id", "关联就诊ID"), ("amount", "涉及金额（元）"),
    ("evidence", "证据"), ("trace", "规则轨迹"), ("assignee", "核查人"), ("created_at", "生成时间"),
)


def export_leads(leads: Sequence[SupervisionLead], path: Path) -> Path:
    """Write the leads to ``path`` (.xlsx)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "监管线索"
    sheet.append([title for _, title in HEADERS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for lead in leads:
        row = []
        for attr, _ in HEADERS:
            value = getattr(lead, attr)
            if attr == "pattern":
                value = PATTERN_NAMES.get(str(value), value)
            row.append(value)
        sheet.append(row)
    for column, width in zip("ABCDEFGHIJKLMNOP", (8, 8, 24, 12, 8, 16, 14, 18, 18, 16, 18, 14, 60, 50, 10, 20)):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


__all__ = ["HEADERS", "export_leads"]
