"""``yibao dip``: build the DIP catalog, settle a month, review special cases, clear a year, export statements."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from yibao.cli._common import console, handle_errors, progress

if TYPE_CHECKING:  # heavy imports wait until a command runs
    from yibao.payment.dip.settlement import FundResult
    from yibao.store.warehouse import Warehouse

app = typer.Typer(no_args_is_help=True, help="DIP 目录库、分值、月度结算与年度清算")

_PACK = typer.Option("zibo-dip-2025", "--pack", help="支付方式参数包（内置 pack_id 或 .toml 路径）")
_YEAR = typer.Option(2025, "--year", help="结算年度")
_BACKEND = typer.Option("duckdb", "--backend", help="计算后端：duckdb 或 pyspark")
_HOME = typer.Option(None, "--warehouse", help="数据仓库目录（默认 YIBAO_HOME/warehouse）")


def _open(backend: str, warehouse: Path | None) -> Warehouse:
    from yibao.store.warehouse import connect

    return connect(backend, warehouse)  # type: ignore[arg-type]


def _fund_table(title: str, results: list[FundResult]) -> Table:
    table = Table(title=title)
    for head in ("险种", "预算", "基金支付比例", "点值", "分值合计", "机构结算合计", "机构数", "省内异地金额"):
        table.add_column(head, justify="right")
    for r in results:
        table.add_row({"310": "职工医保", "390": "居民医保"}.get(r.insutype, r.insutype), f"{r.budget:,}",
                      f"{r.fund_pay_ratio}", f"{r.point_value}", f"{r.points:,}", f"{r.paid_total:,}", str(r.institutions),
                      f"{r.cross_amount:,}")
    return table


@app.command("build-catalog")
def build_catalog(pack: str = _PACK, year: int = _YEAR, backend: str = _BACKEND, warehouse: Path | None = _HOME) -> None:
    """用前几年住院病例建立 DIP 病种目录库、分值与亚型系数。"""
    from yibao.payment.dip import service
    from yibao.payment.policy import load_payment_pack

    with handle_errors():
        wh = _open(backend, warehouse)
        summary = service.build_catalog(wh, load_payment_pack(pack), year)
        method = {"mean_cost": "均值法", "base_group": "基准病种法", "quota": "定额法"}.get(summary.method, summary.method)
        console.print(f"已建立 {year} 年目录库：历史年度 {'、'.join(map(str, summary.years))}，病例 {summary.cases:,} 例，"
                      f"病种 {summary.groups} 个（核心病种 {summary.core_groups} 个）")
        console.print(f"核心病种病例覆盖率 {summary.core_coverage:.2%}，变异减少系数 RIV {summary.riv}，分值方法：{method}")
        console.print(f"费用变异系数 CV：全部病例 {summary.all_cv}，病种内（按例数加权）{summary.group_cv}")
        dims = {"severity": "严重程度", "age": "年龄", "icu": "重症监护", "tumor": "肿瘤分期"}
        kept = "、".join(f"{dims.get(d, d)} {n} 个病种" for d, n in summary.subtype_groups.items()) or "无"
        console.print(f"辅助目录亚型（仅保留降低病种 CV 的维度）：{kept}")


@app.command("settle")
def settle(month: int = typer.Option(..., "--month", min=1, max=12, help="结算月份"), pack: str = _PACK,
           year: int = _YEAR, backend: str = _BACKEND, warehouse: Path | None = _HOME) -> None:
    """月度结算：特例单议入队、病例分值、按月度预算核定各机构结算额（含预留）。"""
    from yibao.payment.dip.settlement import settle_month
    from yibao.payment.policy import load_payment_pack

    with handle_errors():
        wh = _open(backend, warehouse)
        results = settle_month(wh, load_payment_pack(pack), year, month)
        console.print(_fund_table(f"{year} 年 {month} 月 DIP 月度结算", results))


@app.command("queue")
def queue(year: int = _YEAR, warehouse: Path | None = _HOME) -> None:
    """列出特例单议队列（月度结算时按费用倍率从高到低入队）及已评定结论。"""
    from yibao.errors import ErrorCode, NotFoundError
    from yibao.payment.runs import optional_table

    with handle_errors():
        wh = _open("duckdb", warehouse)
        stored = optional_table(wh, "dip_review_queue")
        if stored is None:
            raise NotFoundError(ErrorCode.NOT_FOUND, field="dip_review_queue", detail="请先运行 yibao dip settle")
        rows = stored.filter(stored.year == year).order_by([stored.cost_ratio.desc()]).to_pyarrow().to_pylist()
        decisions = optional_table(wh, "dip_review_decisions")
        done = {r["case_id"]: r for r in decisions.to_pyarrow().to_pylist()} if decisions is not None else {}
        table = Table(title=f"{year} 年特例单议队列（{len(rows)} 例）")
        for head in ("病例号", "机构", "病种", "医疗总费用", "费用倍率", "基础分值", "评定分值", "评审人", "理由"):
            table.add_column(head)
        for r in rows:
            d = done.get(r["case_id"], {})
            table.add_row(r["case_id"], r["fixmedins_code"], r["group_code"], f"{r['cost']:,}", str(r["cost_ratio"]),
                          str(r["base_points"]), str(d.get("points", "待评")), d.get("reviewer", ""), d.get("reason", ""))
        console.print(table)


@app.command("review")
def review(case_id: str = typer.Argument(..., help="病例号"),
           points: str = typer.Option(..., "--points", help="评定分值"),
           reason: str = typer.Option(..., "--reason", help="评议理由"),
           reviewer: str = typer.Option(..., "--reviewer", help="评审人"),
           warehouse: Path | None = _HOME) -> None:
    """特例单议：为队列中的病例记录评定分值、理由与评审人。"""
    from yibao.errors import ErrorCode, InputError
    from yibao.payment.dip.service import record_review

    with handle_errors():
        try:
            value = Decimal(points)
        except InvalidOperation as exc:
            raise InputError(ErrorCode.INVALID_VALUE, field="points", detail=points) from exc
        record_review(_open("duckdb", warehouse), case_id, value, reason, reviewer)
        console.print(f"已记录病例 {case_id} 的特例单议结论：{value} 分（{reviewer}）")


@app.command("clear")
def clear(year: int = typer.Option(..., "--year", help="清算年度"), pack: str = _PACK, backend: str = _BACKEND,
          warehouse: Path | None = _HOME, statements: Path | None = typer.Option(
              None, "--statements", help="把各机构年度结算单导出为 Excel 到此目录")) -> None:
    """年度清算：年度点值、结余留用与超支分担、扣减月度结算、预付金、审核扣款与质量保证金。"""
    from yibao.payment.dip.settlement import clear_year
    from yibao.payment.dip.statements import balance_check, export_statement
    from yibao.payment.policy import load_payment_pack

    with handle_errors():
        wh = _open(backend, warehouse)
        results = clear_year(wh, load_payment_pack(pack), year)
        console.print(_fund_table(f"{year} 年度 DIP 清算", results))
        for fund, (total, budget) in balance_check(wh, year).items():
            mark = "平衡" if total == budget else "[red]不平衡[/red]"
            console.print(f"{fund}：机构核定额合计 {total:,} ／ 预算 {budget:,}（{mark}）")
        if statements is not None:
            codes = sorted(set(wh.table("dip_clearing").fixmedins_code.to_pyarrow().to_pylist()))
            with progress() as bar:
                task = bar.add_task("导出结算单", total=len(codes))
                for code in codes:
                    export_statement(wh, statements / f"DIP结算单_{year}_{code}.xlsx", year, code)
                    bar.advance(task)
            console.print(f"已导出 {len(codes)} 份结算单到 {statements}")


@app.command("statement")
def statement(code: str = typer.Argument(..., help="定点医疗机构编码"), year: int = _YEAR,
              month: int | None = typer.Option(None, "--month", min=1, max=12, help="月度结算单（缺省为年度）"),
              out: Path = typer.Option(Path("dip_statement.xlsx"), "--out", help="输出 .xlsx 路径"),
              warehouse: Path | None = _HOME) -> None:
    """导出一家机构的月度或年度 DIP 结算单（Excel）。"""
    from yibao.payment.dip.statements import export_statement

    with handle_errors():
        path = export_statement(_open("duckdb", warehouse), out, year, code, month)
        console.print(f"已导出 {path}")
