"""``yibao synth``: generate a synthetic pooling region into the Parquet warehouse."""

from __future__ import annotations

from pathlib import Path

import typer

from yibao.cli._common import console, handle_errors, progress


def synth(
    persons: int = typer.Option(50_000, "--persons", min=1, help="参保人数"),
    year: int = typer.Option(2025, "--year", help="结算年度"),
    seed: int = typer.Option(20250101, "--seed", help="随机种子（同一种子生成相同数据）"),
    history: int = typer.Option(0, "--history", min=0, max=5, help="另生成前 K 年的住院病例（DIP/DRG 基准）"),
    home: Path | None = typer.Option(None, "--home", help="数据目录（默认 YIBAO_HOME）"),
    chunk: int = typer.Option(100_000, "--chunk", min=1_000, help="每批生成人数（控制内存）"),
    backend: str = typer.Option("duckdb", "--backend", help="读取校验用的后端：duckdb 或 pyspark"),
) -> None:
    """生成模拟统筹区：人员、机构、就诊、住院病例、费用明细与违规标签，写入 Parquet 数据仓库。"""
    from yibao.config import Settings
    from yibao.store.warehouse import connect
    from yibao.synth import SynthConfig, generate_region, write_warehouse

    with handle_errors():
        settings = Settings(home=home) if home else Settings()
        config = SynthConfig(persons=persons, year=year, seed=seed, history_years=history, chunk_persons=chunk)
        console.print(f"正在准备病例组合、医保目录与定点机构（种子 {seed}）…")
        region = generate_region(config)
        warehouse = connect(backend, settings.warehouse_dir)  # type: ignore[arg-type]
        with progress() as bar:
            task = bar.add_task("生成模拟数据", total=region.n_chunks)
            counts = write_warehouse(region, warehouse, on_chunk=lambda _i, _rows: bar.advance(task))
        console.print(f"已写入 {settings.warehouse_dir}：")
        names = {"persons": "参保人员", "institutions": "定点医药机构", "doctors": "医保医师", "catalog": "医保目录",
                 "visits": "就诊", "cases": "住院病例", "claim_items": "费用明细", "labels": "违规标签"}
        for name, rows in counts.items():
            console.print(f"  {names.get(name, name)}（{name}）：{rows:,} 行")


__all__ = ["synth"]
