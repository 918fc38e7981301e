"""A small synthetic region in a Parquet warehouse, generated once per test session (read-only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from yibao.store.warehouse import Warehouse
from yibao.synth import SynthConfig, generate_region
from yibao.synth.write import write_warehouse

SMALL = SynthConfig(persons=20_000, chunk_persons=10_000, seed=20250707)


@pytest.fixture(scope="session")
def region_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("monitor_region")
    write_warehouse(generate_region(SMALL), Warehouse(root))
    return root


@pytest.fixture(scope="session")
def warehouse(region_dir: Path) -> Warehouse:
    return Warehouse(region_dir)
