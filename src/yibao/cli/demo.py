"""``yibao demo``: build a ~50,000-person region in a fresh home, run every engine, print and report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import typer
from rich.panel import Panel
from rich.table import Table

from yibao.cli._common import console, handle_errors, progress
from yibao.demo import DemoOptions, run_demo


def demo(
    persons: int = typer.Option(50_000, "--persons", min=1_000, help="模拟参保人数"),
    seed: int = typer.Option(20_210, "--seed", help="随机种子（同一种子结果完全相同）"),
    pack: str = typer.Option("heshan-2021", "--policy", help="政策参数包（决定统筹区与年度）"),
    home: Path = typer.Option(Path(".yibao-demo"), "--home", help="演示数据目录（每次运行前清空）"),
) -> None:
    """生成约 5 万人的模拟统筹区，运行全部引擎，输出中文摘要与 HTML 报告。"""
    with handle_errors(), progress() as bar:

        def start_task(description: str, total: int) -> Callable[[int], None]:
            task = bar.add_task(description, total=total)
            return lambda n: bar.advance(task, n)

        run = run_demo(DemoOptions(home=home, persons=persons, seed=seed, pack_id=pack), start_task)
    console.print(Panel.fit(f"[bold]{run.policy.region_name} {run.policy.year} 年模拟统筹区[/bold]（政策包 {run.policy.pack_id}）", title="yibao 演示"))
    for section in run.sections:
        table = Table(title=section.title, show_header=False, title_justify="left")
        table.add_column("指标")
        table.add_column("数值", justify="right")
        for key, value in section.figures:
            table.add_row(key, value)
        for part in section.tables[:1] if not section.figures else ():
            for row in part.rows:
                table.add_row(str(row[0]), str(row[1]))
        console.print(table)
    console.print(f"HTML 报告：{run.report_path.resolve() if run.report_path else '-'}")
