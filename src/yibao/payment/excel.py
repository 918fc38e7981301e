"""Statement export to Excel (结算单导出), shared by DIP and DRG: one sheet per statement part.

Money stays exact: Decimal cells are written as numbers with a two-decimal format (points four);
headers are Chinese. Reading back with openpyxl gives the same values to the fen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

Cell = str | int | Decimal | bool | None


@dataclass(frozen=True)
class Sheet:
    """One statement part: a sheet name, Chinese headers and rows; ``formats`` maps a header to a number format."""

    name: str
    headers: tuple[str, ...]
    rows: Sequence[Sequence[Cell]]
    formats: dict[str, str] | None = None


MONEY_FORMAT = "#,##0.00"
POINTS_FORMAT = "#,##0.0000"


def write_workbook(path: Path, title: str, sheets: Sequence[Sheet]) -> Path:
    """Write ``sheets`` to ``path`` (.xlsx); the first row of each sheet is the title, the second the headers."""
    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        ws = book.create_sheet(sheet.name[:31])
        ws.append([f"{title} — {sheet.name}"])
        ws["A1"].font = Font(bold=True, size=12)
        ws.append(list(sheet.headers))
        for cell in ws[2]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center")
        formats = sheet.formats or {}
        for row in sheet.rows:
            ws.append([_cell(v) for v in row])
        for col, header in enumerate(sheet.headers, start=1):
            fmt = formats.get(header)
            letter = get_column_letter(col)
            if fmt:
                for cell in ws[letter][2:]:
                    cell.number_format = fmt
            ws.column_dimensions[letter].width = max(10, min(40, len(header) * 2 + 4))
        ws.freeze_panes = "A3"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _cell(value: Cell) -> str | int | float | bool | None:
    # openpyxl stores numbers as doubles; a 2- or 4-decimal Decimal round-trips exactly through repr
    if isinstance(value, Decimal):
        return float(value)
    return value


def read_sheet(path: Path, name: str) -> list[list[object]]:
    """The data rows (below the headers) of one sheet — what a test or an import reads back."""
    from openpyxl import load_workbook

    ws = load_workbook(path, read_only=True)[name]
    return [list(r) for r in ws.iter_rows(min_row=3, values_only=True)]


__all__ = ["MONEY_FORMAT", "POINTS_FORMAT", "Sheet", "read_sheet", "write_workbook"]
