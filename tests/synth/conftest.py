"""One small region per test session: 20,000 people, generated once and shared read-only."""

from __future__ import annotations

import pyarrow as pa
import pytest

from yibao.synth import Region, SynthConfig, generate_region

SMALL = SynthConfig(persons=20_000, chunk_persons=10_000, seed=424242, history_years=2)


@pytest.fixture(scope="session")
def region() -> Region:
    return generate_region(SMALL)


@pytest.fixture(scope="session")
def tables(region: Region) -> dict[str, pa.Table]:
    return region.collect()
