"""``yibao synth``: generate a synthetic pooling region into the Parquet warehouse and/or the store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from yibao.cli._common import console, handle_errors, progress

if TYPE_CHECKING:  # the heavy imports wait until the command runs
    from yibao.synth import Region

_NAMES = {"persons": "参保人员", "institutions": "定点医药机构", "doctors": "医保医师", "catalog": "医保目录",
          "visits": "就诊", "cases": "住院病例", "claim_items": "费用明细", "labels": "违规标签",
          "pooling_region": "统筹区", "institution": "定点医药机构", "person": "参保人员",
          "person_identity": "困难人员身份", "coverage_period": "参保期间"}


def synth(
    persons: int = typer.Option(50_000, "--persons", min=1, help="参保人数"),
    year: int = typer.Option(2025, "--year", help="结算年度"),
    seed: int = typer.Option(20250101, "--seed", help="随机种子（同一种子生成相同数据）"),
    history: int = typer.Option(0, "--history", min=0, max=5, help="另生成前 K 年的住院病例（DIP/DRG 基准）"),
    home: Path | None = typer.Option(None, "--home", help="数据目录（默认 YIBAO_HOME）"),
    chunk: int = typer.Option(100_000, "--chunk", min=1_000, help="每批生成人数（控制内存）"),
    warehouse: bool = typer.Option(True, "--warehouse/--no-warehouse", help="写入 Parquet 数据仓库"),
    store: bool = typer.Option(False, "--store/--no-store", help="同时写入业务库（统筹区、机构、人员、参保期间）"),
) -> None:
    """生成模拟统筹区：人员、机构、就诊、住院病例、费用明细与违规标签。"""
    from yibao.config import Settings
    from yibao.synth import SynthConfig, generate_region

    with handle_errors():
        settings = Settings(home=home) if home else Settings()
        config = SynthConfig(persons=persons, year=year, seed=seed, history_years=history, chunk_persons=chunk)
        console.print(f"正在准备病例组合、医保目录与定点机构（种子 {seed}）…")
        region = generate_region(config)
        if warehouse:
            _write_warehouse(region, settings.warehouse_dir)
        if store:
            _load_store(region, settings.db_url, settings.secret_key)


def _write_warehouse(region: Region, directory: Path) -> None:
    from yibao.store.warehouse import connect
    from yibao.synth import write_warehouse

    with progress() as bar:
        task = bar.add_task("生成并写入数据仓库", total=region.n_chunks)
        counts = write_warehouse(region, connect("duckdb", directory), on_chunk=lambda _i, _rows: bar.advance(task))
    _report(f"已写入数据仓库 {directory}：", counts)


def _load_store(region: Region, url: str, secret: str) -> None:
    from yibao.store import db
    from yibao.store.protect import CertnoProtector
    from yibao.synth.operational import load_operational

    db.upgrade(url)
    engine = db.make_engine(url)
    try:
        with progress() as bar:
            task = bar.add_task("写入业务库", total=region.n_chunks)
            counts = load_operational(region, db.session_factory(engine), CertnoProtector(secret),
                                      on_chunk=lambda _i, _n: bar.advance(task))
    finally:
        engine.dispose()
    _report("已写入业务库：", counts)


def _report(title: str, counts: dict[str, int]) -> None:
    console.print(title)
    for name, rows in counts.items():
        console.print(f"  {_NAMES.get(name, name)}（{name}）：{rows:,} 行")


__all__ = ["synth"]
