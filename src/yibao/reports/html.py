"""Render a report (plain data) to one self-contained HTML page in Chinese.

Pure: ``render(report) -> str``. Charts are inline SVG so the page opens offline and prints well.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from html import escape

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

Cell = str | int | Decimal | float


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars: one label and one value per bar."""

    title: str
    labels: tuple[str, ...]
    values: tuple[Decimal | int, ...]
    unit: str = ""


@dataclass(frozen=True)
class Table:
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Section:
    title: str
    figures: tuple[tuple[str, str], ...] = ()
    tables: tuple[Table, ...] = ()
    charts: tuple[BarChart, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Report:
    title: str
    subtitle: str
    sections: tuple[Section, ...] = field(default_factory=tuple)


_BAR_HEIGHT = 22
_LABEL_WIDTH = 180
_PLOT_WIDTH = 420


def bar_svg(chart: BarChart) -> Markup:
    """An inline SVG bar chart; values are scaled to the largest bar."""
    top = max((abs(v) for v in chart.values), default=0) or 1
    height = _BAR_HEIGHT * len(chart.values) + 10
    parts = [f'<svg class="chart" role="img" aria-label="{escape(chart.title)}" width="{_LABEL_WIDTH + _PLOT_WIDTH + 120}" height="{height}">']
    for i, (label, value) in enumerate(zip(chart.labels, chart.values, strict=True)):
        y = 5 + i * _BAR_HEIGHT
        width = max(1, int(_PLOT_WIDTH * abs(value) / top))
        parts.append(f'<text x="{_LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect x="{_LABEL_WIDTH}" y="{y + 3}" width="{width}" height="{_BAR_HEIGHT - 6}" rx="2"/>')
        parts.append(f'<text x="{_LABEL_WIDTH + width + 6}" y="{y + 15}">{_fmt(value)}{escape(chart.unit)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _fmt(value: Cell) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


_env = Environment(loader=PackageLoader("yibao.reports", "templates"), autoescape=select_autoescape(["html"]))
_env.filters["fmt"] = _fmt
_env.globals["bar_svg"] = bar_svg


def render(report: Report) -> str:
    return _env.get_template("report.html").render(report=report)


__all__ = ["BarChart", "Report", "Section", "Table", "bar_svg", "render"]
