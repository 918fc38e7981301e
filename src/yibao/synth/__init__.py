"""The synthetic pooling region (模拟统筹区): people, institutions, visits, cases and injected abuse.

>>> from yibao.synth import SynthConfig, generate_region
>>> region = generate_region(SynthConfig(persons=2_000, seed=7))
>>> tables = region.collect()
>>> tables["persons"].num_rows
2000
"""

from yibao.synth.config import AbuseRates, SynthConfig
from yibao.synth.region import Region, generate_region
from yibao.synth.write import REGION_TABLES, write_warehouse

__all__ = ["REGION_TABLES", "AbuseRates", "Region", "SynthConfig", "generate_region", "write_warehouse"]
