"""Real national rule entries the synthetic catalog is built around (国家两库规则条目).

Taken from the project's rule library (``yibao.supervision.rules``, built once from the NHSA
batches): batch 1 sex- and age-restricted drugs and service items, batch 7 duplicate-charge pairs.
Injected abuse then uses real national codes, so the monitoring rules later catch it by the same codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from yibao.supervision.rules import load_library

_SEX_AND_AGE = {
    "NHSA-B1-DRUG-SEX": "batch1-drug-sex",
    "NHSA-B1-DRUG-AGE": "batch1-drug-age",
    "NHSA-B1-ITEM-SEX": "batch1-item-sex",
    "NHSA-B1-ITEM-AGE": "batch1-item-age",
}


@dataclass(frozen=True, slots=True)
class Restricted:
    """A drug or item payable only for one sex (``gend`` 1/2) or only for children (``child_only``)."""

    code: str
    name: str
    is_drug: bool
    gend: str | None
    child_only: bool
    source: str


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    """A batch-7 pair: the secondary item may not be charged with the main item in ``window``."""

    main_code: str
    main_name: str
    sub_code: str
    sub_name: str
    window: str


@lru_cache(maxsize=1)
def restricted_entries() -> tuple[Restricted, ...]:
    """Batch-1 restricted drugs (per national code) and service items, in library order."""
    return tuple(
        Restricted(e.code, e.name, "DRUG" in e.rule_id, e.sex, e.age_object is not None, _SEX_AND_AGE[e.rule_id])
        for e in load_library().entries
        if e.rule_id in _SEX_AND_AGE
    )


@lru_cache(maxsize=1)
def duplicate_pairs() -> tuple[DuplicatePair, ...]:
    """Batch-7 duplicate-charge pairs: the entry's code is the secondary item (从项)."""
    return tuple(
        DuplicatePair(e.pair_code, e.pair_name or "", e.code, e.name, e.source_text)
        for e in load_library().entries
        if e.rule_id == "NHSA-B7-ITEM-DUPLICATE" and e.pair_code
    )


__all__ = ["DuplicatePair", "Restricted", "duplicate_pairs", "restricted_entries"]
