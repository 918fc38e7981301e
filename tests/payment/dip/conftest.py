"""Shared DIP fixtures: hand-made case tables, and a small synthetic region in a temporary warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest

from yibao.payment.policy import PaymentPack, load_payment_pack
from yibao.store.warehouse import Warehouse, connect


@pytest.fixture(scope="session")
def zibo() -> PaymentPack:
    return load_payment_pack("zibo-dip-2025")


@pytest.fixture(scope="session")
def synth_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic region (3 history years + 2025) written once as Parquet."""
    from yibao.synth import SynthConfig, generate_region

    root = tmp_path_factory.mktemp("dip_synth")
    tables = generate_region(SynthConfig(persons=8_000, seed=11, history_years=3)).collect()
    wh = connect("duckdb", root)
    for name in ("cases", "institutions", "persons"):
        wh.write(name, tables[name])
    return root


def copy_warehouse(src: Path, dst: Path) -> Warehouse:
    """A fresh warehouse holding only the synthetic input tables (each test writes its own results)."""
    import shutil

    for name in ("cases", "institutions", "persons"):
        shutil.copytree(src / name, dst / name)
    return connect("duckdb", dst)
