"""Real national rule entries the synthetic catalog is built around (国家两库规则条目).

Reads the bundled NHSA monitoring batches with openpyxl (well under a second, so no cache file):
batch 1 sex- and age-restricted drugs and service items, batch 7 duplicate-charge pairs. Injected
abuse then uses real national codes, so the monitoring rules later catch it by the same codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import openpyxl

_DATA = "yibao.supervision.data.nhsa"


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


def _rows(name: str, sheet: int = 0) -> list[tuple]:
    with resources.files(_DATA).joinpath(name).open("rb") as fh:
        wb = openpyxl.load_workbook(fh, read_only=True)
        rows = [r for r in wb.worksheets[sheet].iter_rows(values_only=True)][1:]
        wb.close()
    return [r for r in rows if any(v is not None for v in r)]


_SEX = {"男": "1", "女": "2"}


@lru_cache(maxsize=1)
def restricted_entries() -> tuple[Restricted, ...]:
    """Batch-1 restricted drugs (per national code) and service items."""
    out: list[Restricted] = []
    drug_sex = {r[0]: _SEX.get(str(r[3]).strip()) for r in _rows("batch1-drug-sex.xlsx", 0)}
    for r in _rows("batch1-drug-sex.xlsx", 1):
        if r[2] and drug_sex.get(r[0]):
            out.append(Restricted(str(r[2]), str(r[0]), True, drug_sex[r[0]], False, "batch1-drug-sex"))
    for r in _rows("batch1-drug-age.xlsx", 1):
        if r[2]:
            out.append(Restricted(str(r[2]), str(r[0]), True, None, True, "batch1-drug-age"))
    for r in _rows("batch1-item-sex.xlsx"):
        if r[2] and _SEX.get(str(r[4]).strip()):
            out.append(Restricted(str(r[2]), str(r[0]), False, _SEX[str(r[4]).strip()], False, "batch1-item-sex"))
    for r in _rows("batch1-item-age.xlsx"):
        if r[1]:
            out.append(Restricted(str(r[1]), str(r[0]), False, None, True, "batch1-item-age"))
    return tuple(out)


@lru_cache(maxsize=1)
def duplicate_pairs() -> tuple[DuplicatePair, ...]:
    """Batch-7 duplicate-charge pairs."""
    return tuple(
        DuplicatePair(str(r[3]), str(r[2]), str(r[5]), str(r[4]), str(r[1]))
        for r in _rows("batch7-item-duplicate-charge.xlsx")
        if r[3] and r[5]
    )


__all__ = ["DuplicatePair", "Restricted", "duplicate_pairs", "restricted_entries"]
