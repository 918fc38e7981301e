"""The bundled CHS-DRG 1.1 tables, read for sampling coherent cases (病例抽样用的分组方案).

The generator samples along the scheme's own lists (an ADRG's diagnoses and procedures, an MDC's
principal diagnoses, the MCC/CC tables) and asks the project's grouper (``yibao.payment.drg``)
which ADRG a candidate combination reaches, keeping only those that land in a real group.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from yibao.payment.drg.model import Case
from yibao.payment.drg.single import group_case

_DATA = "yibao.codes.data.chs_drg_1_1"


@dataclass(frozen=True, slots=True)
class Demography:
    """The part of a case the rules read besides codes."""

    sex: int
    age_years: int
    age_days: int | None = None
    birth_weight: int | None = None


def _read_tsv(name: str) -> list[list[str]]:
    with resources.files(_DATA).joinpath(name).open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))
    return rows[1:]


class Scheme:
    """The scheme's code lists as sets, and the ADRG a code combination reaches under the grouper."""

    def __init__(self) -> None:
        raw = json.loads(resources.files(_DATA).joinpath("scheme.json").read_text(encoding="utf-8"))
        self.mdc_order: list[str] = raw["mdc_order"]
        self.mdcs: dict[str, dict] = {m["mdc"]: m for m in raw["mdcs"]}
        self.adrgs: dict[str, dict] = raw["adrgs"]
        self.mdc_dx = {k: frozenset(m.get("dx", ())) for k, m in self.mdcs.items()}
        self.trauma = {k: m.get("dx_trauma_region", {}) for k, m in self.mdcs.items()}
        self.mdc_dx["MDCZ"] = frozenset(self.trauma["MDCZ"])
        self.adrg_dx = {k: frozenset(a.get("dx", ())) for k, a in self.adrgs.items()}
        self.adrg_proc = {k: frozenset(a.get("proc", ())) for k, a in self.adrgs.items()}
        self.adrg_proc1 = {k: frozenset(a.get("proc1", ())) for k, a in self.adrgs.items()}
        self.adrg_mdc = {
            s["adrg"]: k for k, m in self.mdcs.items() for s in m["steps"] if "adrg" in s
        }
        self.mcc = {code: table for code, table in _read_tsv("mcc.tsv")}
        self.cc = {code: table for code, table in _read_tsv("cc.tsv")}
        self.exclusion = {code: table for code, table in _read_tsv("principal_exclusion.tsv")}
        self.or_procs = frozenset(row[0] for row in _read_tsv("or_procedures.tsv"))
        self.diagnoses = {code: name for code, name in _read_tsv("diagnoses.tsv")}
        self.procedures = {code: name for code, name in _read_tsv("procedures.tsv")}

    # -- severity -------------------------------------------------------------------------------
    def is_mcc(self, secondary: str, principal: str) -> bool:
        table = self.mcc.get(secondary)
        return table is not None and table != self.exclusion.get(principal)

    def is_cc(self, secondary: str, principal: str) -> bool:
        table = self.cc.get(secondary)
        return table is not None and table != self.exclusion.get(principal)

    # -- the walk -------------------------------------------------------------------------------
    @staticmethod
    def landing_adrg(dxs: list[str], procs: list[str], who: Demography) -> str | None:
        """The ADRG the project's grouper puts this combination in, or None (not grouped)."""
        result = group_case(Case(gend=who.sex, age=who.age_years, diag_codes=tuple(dxs), oprn_codes=tuple(procs),
                                 age_days=who.age_days, nwb_bir_wt=who.birth_weight))
        return result.adrg if result.grouped else None


@lru_cache(maxsize=1)
def load_scheme() -> Scheme:
    """The bundled scheme, parsed once per process."""
    return Scheme()


__all__ = ["Demography", "Scheme", "load_scheme"]
