"""Shared DIP fixtures: hand-made case tables, and a small synthetic region in a temporary warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest

from yibao.payment.policy import PaymentPack, load_payment_pack
from yibao.store.warehouse import connect


@pytest.fixture(scope="session")
def zibo() -> PaymentPack:
    return load_payment_pack("zibo-dip-2025")


def _region(root: Path, persons: int) -> Path:
    from yibao.synth import SynthConfig, generate_region

    tables = generate_region(SynthConfig(persons=persons, seed=11, history_years=3)).collect()
    wh = connect("duckdb", root)
    for name in ("cases", "institutions", "persons"):
        wh.write(name, tables[name])
    return root


@pytest.fixture(scope="session")
def synth_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic region (3 history years + 2025, about 6,400 cases) written once as Parquet."""
    return _region(tmp_path_factory.mktemp("dip_synth"), 8_000)


@pytest.fixture(scope="session")
def tiny_synth_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A smaller one (about 2,400 cases) for the Spark comparison."""
    return _region(tmp_path_factory.mktemp("dip_synth_tiny"), 3_000)
