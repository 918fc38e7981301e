"""``yibao drg``: group a file of cases, or explain how one case is grouped (CHS-DRG)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from yibao.cli._common import console, handle_errors, progress
from yibao.payment.drg.model import Case, GroupStatus, split_codes
from yibao.payment.drg.service import GroupSummary, group_file
from yibao.payment.drg.single import group_case

app = typer.Typer(no_args_is_help=True)


@app.command("group", help="对病例文件分组（CSV 或 Parquet，按扩展名），其他列原样输出")
def group(
    input_path: Path = typer.Argument(..., metavar="INPUT", help="病例文件：case_id, gend, age, age_days, nwb_bir_wt, diag_codes, oprn_codes …"),
    out: Path = typer.Option(..., "--out", "-o", help="输出文件（.csv 或 .parquet），增加 mdc, adrg, drg, status 四列"),
    chunk_size: int = typer.Option(500_000, "--chunk-size", min=1, help="每批分组的病例数"),
) -> None:
    with handle_errors():
        with progress() as bar:
            task = bar.add_task("DRG 分组", total=None)

            def advance(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            summary = group_file(input_path, out, chunk_size=chunk_size, on_progress=advance)
        _render_summary(summary, out)


def _render_summary(summary: GroupSummary, out: Path) -> None:
    console.print(f"共 {summary.cases:,} 例，正常入组 {summary.grouped:,} 例（{summary.grouped_share:.2%}），结果已写入 {out}")
    table = Table(title="入组状态")
    table.add_column("状态代码")
    table.add_column("说明")
    table.add_column("病例数", justify="right")
    table.add_column("占比", justify="right")
    for status in GroupStatus:
        n = summary.by_status.get(status.value, 0)
        if n:
            share = n / summary.cases if summary.cases else 0.0
            table.add_row(status.value, status.message, f"{n:,}", f"{share:.2%}")
    console.print(table)


@app.command("explain", help="对一个病例分组并逐步说明（命中的 MDC、ADRG、并发症与排除）")
def explain(
    diag: str = typer.Option(..., "--diag", help="诊断编码，| 分隔，主要诊断在前"),
    oprn: str = typer.Option("", "--oprn", help="手术操作编码，| 分隔，主要手术在前"),
    gend: int = typer.Option(..., "--gend", help="性别：1 男，2 女"),
    age: float = typer.Option(..., "--age", help="年龄（岁）"),
    age_days: float | None = typer.Option(None, "--age-days", help="年龄（天），不满 1 周岁必填"),
    weight: float | None = typer.Option(None, "--weight", help="新生儿出生体重（克）"),
) -> None:
    with handle_errors():
        case = Case(
            gend=gend,
            age=age,
            age_days=age_days,
            nwb_bir_wt=weight,
            diag_codes=split_codes(diag),
            oprn_codes=split_codes(oprn),
        )
        result = group_case(case)
        for i, step in enumerate(result.trace, 1):
            console.print(f"{i:>2}. {step}")
        colour = "green" if result.grouped else "red"
        console.print(
            f"[{colour}]{result.status.message}[/{colour}]：MDC {result.mdc or '-'}，ADRG {result.adrg or '-'}，"
            f"DRG {result.drg} {result.drg_name or ''}"
        )
        if not result.grouped:
            raise typer.Exit(code=1)
