"""``yibao drg``: group a file of cases, or explain how one case is grouped (CHS-DRG)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from yibao.cli._common import console, handle_errors, progress
from yibao.payment.drg.model import Case, GroupStatus, split_codes
from yibao.payment.drg.service import GroupSummary, group_file
from yibao.payment.drg.single import group_case

if TYPE_CHECKING:  # payment imports wait until a payment command runs
    from yibao.payment.drg.pay_service import FundResult
    from yibao.store.warehouse import Warehouse

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


# -- DRG 点数付费: base points, monthly pre-settlement, annual clearing, statements ---------------------------

_PACK = typer.Option("zhoushan-drg-2019", "--pack", help="支付方式参数包（内置 pack_id 或 .toml 路径）")
_YEAR = typer.Option(2025, "--year", help="结算年度")
_BACKEND = typer.Option("duckdb", "--backend", help="计算后端：duckdb 或 pyspark")
_HOME = typer.Option(None, "--warehouse", help="数据仓库目录（默认 YIBAO_HOME/warehouse）")
_FUNDS = {"310": "职工医保", "390": "居民医保"}


def _open(backend: str, warehouse: Path | None) -> Warehouse:
    from yibao.store.warehouse import connect

    return connect(backend, warehouse)  # type: ignore[arg-type]


def _fund_table(title: str, results: list[FundResult]) -> Table:
    table = Table(title=title)
    for head in ("险种", "预算", "点值", "点数合计", "机构结算合计", "机构数"):
        table.add_column(head, justify="right")
    for r in results:
        table.add_row(_FUNDS.get(r.insutype, r.insutype), f"{r.budget:,}", f"{r.point_value}", f"{r.points:,}",
                      f"{r.paid_total:,}", str(r.institutions))
    return table


@app.command("base-points", help="用前几年住院病例（1:2:7 加权、剔除极端值）测算各 DRG 基准点数、差异系数与年度预算")
def base_points(
    pack: str = _PACK, year: int = _YEAR, backend: str = _BACKEND, warehouse: Path | None = _HOME,
    budget_310: str | None = typer.Option(None, "--budget-310", help="职工医保 DRG 年度预算（元），不填按参数包编制"),
    budget_390: str | None = typer.Option(None, "--budget-390", help="居民医保 DRG 年度预算（元），不填按参数包编制"),
) -> None:
    from yibao.money import yuan
    from yibao.payment.drg import pay_service
    from yibao.payment.policy import load_payment_pack

    with handle_errors():
        given = {k: yuan(v) for k, v in (("310", budget_310), ("390", budget_390)) if v is not None}
        wh = _open(backend, warehouse)
        with progress() as bar:
            bar.add_task("DRG 分组与基准点数测算", total=None)
            s = pay_service.build_base_points(wh, load_payment_pack(pack), year, given or None)
        console.print(f"{year} 年基准点数：历史年度 {'、'.join(map(str, s.history_years))}，病例 {s.cases:,} 例，"
                      f"DRG {s.groups} 组（例数不足 {s.small} 组，变异系数过大 {s.unstable} 组）")
        for code in sorted(s.budgets):
            console.print(f"{_FUNDS.get(code, code)}：年度预算 {s.budgets[code]:,} 元，预期点值 {s.expected_pv[code]}")


@app.command("settle", help="月度预结算：病例点数、特例单议入队、按月度预算核定各医院结算额（含预留）")
def settle(month: int = typer.Option(..., "--month", min=1, max=12, help="结算月份"), pack: str = _PACK,
           year: int = _YEAR, backend: str = _BACKEND, warehouse: Path | None = _HOME) -> None:
    from yibao.payment.drg import pay_service
    from yibao.payment.policy import load_payment_pack

    with handle_errors():
        results = pay_service.settle_month(_open(backend, warehouse), load_payment_pack(pack), year, month)
        console.print(_fund_table(f"{year} 年 {month} 月 DRG 月度预结算", results))


@app.command("review", help="录入特例单议结论：核定点数与理由")
def review(case_id: str = typer.Argument(..., help="病例号（须在特例单议队列中）"),
           points: str = typer.Option(..., "--points", help="核定点数"),
           reason: str = typer.Option(..., "--reason", help="评审理由"), warehouse: Path | None = _HOME) -> None:
    from decimal import Decimal, InvalidOperation

    from yibao.errors import ErrorCode, InputError
    from yibao.payment.drg import pay_service

    with handle_errors():
        try:
            value = Decimal(points)
        except InvalidOperation as exc:
            raise InputError(ErrorCode.INVALID_VALUE, field="--points", detail=points) from exc
        pay_service.record_review(_open("duckdb", warehouse), case_id, value, reason)
        console.print(f"已记录病例 {case_id} 的特例单议结论：{value} 点")


@app.command("clear", help="年度清算：年度点值、结余留用/超支分担、扣减月度拨付、预付金、审核扣款与质量保证金")
def clear(year: int = typer.Option(..., "--year", help="清算年度"), pack: str = _PACK, backend: str = _BACKEND,
          warehouse: Path | None = _HOME) -> None:
    from yibao.payment.drg import pay_service, statements
    from yibao.payment.policy import load_payment_pack

    with handle_errors():
        wh = _open(backend, warehouse)
        results = pay_service.clear_year(wh, load_payment_pack(pack), year)
        console.print(_fund_table(f"{year} 年 DRG 年度清算", results))
        for code, (total, budget) in sorted(statements.balance_check(wh, year).items()):
            mark = "[green]平衡[/green]" if total == budget else "[red]不平衡[/red]"
            console.print(f"{_FUNDS.get(code, code)}：医院 DRG 核定额合计 {total:,} / 预算 {budget:,} {mark}")


@app.command("statement", help="导出结算单（Excel）：某医院的月度或年度结算单，不指定医院则为全市汇总")
def statement(export: Path = typer.Option(..., "--export", help="输出 .xlsx 文件"), year: int = _YEAR,
              month: int | None = typer.Option(None, "--month", min=1, max=12, help="月份（不填为年度清算单）"),
              code: str | None = typer.Option(None, "--fixmedins-code", help="定点医疗机构编码"),
              pack: str = _PACK, warehouse: Path | None = _HOME) -> None:
    from yibao.payment.drg import statements
    from yibao.payment.policy import load_payment_pack

    with handle_errors():
        share = load_payment_pack(pack).clearing.withheld_share
        path = statements.export_statement(_open("duckdb", warehouse), export, year, code, month, share)
        console.print(f"结算单已导出：{path}")
