"""The bundled CHS-DRG 1.1 tables, read for sampling coherent cases (病例抽样用的分组方案).

This is not the grouper (that is ``yibao.payment.drg``): it only answers "which ADRG would this
code combination reach?" so the generator keeps the diagnosis/procedure paths that land in a real
group. The rule vocabulary is the one SOURCE.md of the scheme describes.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_DATA = "yibao.codes.data.chs_drg_1_1"
_TERM = re.compile(
    r"count\(distinct trauma_region\(any_dx\)\) >= 2"
    r"|principal_dx in mdc_dx|principal_dx in dx|any_dx in dx|main_proc in proc|any_proc in proc1"
    r"|any_proc in proc|main_proc is_or_procedure|no_or_procedure|proc_tag_(\d)_present"
    r"|age_days <= 28|age_years == 0|has_birth_weight|birth_weight_g (<|>=) (\d+)"
    r"|sex == male|sex == female|always"
)


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
    """The scheme as sets, with a walk that finds the ADRG a code combination reaches."""

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
        self._rules: dict[tuple[str, str], Callable[[list[str], list[str], Demography], bool]] = {}

    # -- severity -------------------------------------------------------------------------------
    def is_mcc(self, secondary: str, principal: str) -> bool:
        table = self.mcc.get(secondary)
        return table is not None and table != self.exclusion.get(principal)

    def is_cc(self, secondary: str, principal: str) -> bool:
        table = self.cc.get(secondary)
        return table is not None and table != self.exclusion.get(principal)

    # -- the walk -------------------------------------------------------------------------------
    def _compiled(self, rule: str, key: str) -> Callable[[list[str], list[str], Demography], bool]:
        """The rule as a Python predicate over (diagnoses, procedures, demography), built once."""
        cache_key = (rule, key)
        if cache_key in self._rules:
            return self._rules[cache_key]
        ns = {
            "MDX": self.mdc_dx.get(key, frozenset()), "DX": self.adrg_dx.get(key, frozenset()),
            "PR": self.adrg_proc.get(key, frozenset()), "PR1": self.adrg_proc1.get(key, frozenset()),
            "OR": self.or_procs, "TAGS": self.adrgs.get(key, {}).get("proc_tags", {}),
            "TR": self.trauma["MDCZ"],
        }

        def term(match: re.Match[str]) -> str:
            t = match.group(0)
            table = {
                "always": "True",
                "principal_dx in mdc_dx": "(d[0] in MDX)",
                "principal_dx in dx": "(d[0] in DX)",
                "any_dx in dx": "any(x in DX for x in d)",
                "main_proc in proc": "(bool(p) and p[0] in PR)",
                "any_proc in proc1": "any(x in PR1 for x in p)",
                "any_proc in proc": "any(x in PR for x in p)",
                "main_proc is_or_procedure": "(bool(p) and p[0] in OR)",
                "no_or_procedure": "(not any(x in OR for x in p))",
                "age_days <= 28": "(w.age_days is not None and w.age_days <= 28)",
                "age_years == 0": "(w.age_years == 0)",
                "has_birth_weight": "(w.birth_weight is not None)",
                "sex == male": "(w.sex == 1)",
                "sex == female": "(w.sex == 2)",
            }
            if t in table:
                return table[t]
            if t.startswith("count("):
                return "(len({TR.get(x) for x in d} - {None}) >= 2)"
            if t.startswith("proc_tag_"):
                return f"any('{match.group(1)}' in str(TAGS.get(x, '')).split(',') for x in p)"
            return f"(w.birth_weight is not None and w.birth_weight {match.group(2)} {int(match.group(3))})"

        source = "lambda d, p, w: " + _TERM.sub(term, rule)
        fn = eval(source, {"__builtins__": {"any": any, "bool": bool, "len": len, "str": str}, **ns})  # noqa: S307 - built from our own tokens
        self._rules[cache_key] = fn
        return fn

    def _holds(self, rule: str, key: str, dxs: list[str], procs: list[str], who: Demography) -> bool:
        return bool(self._compiled(rule, key)(dxs, procs, who))

    def landing_adrg(self, dxs: list[str], procs: list[str], who: Demography) -> str | None:
        """The ADRG a case reaches under the scheme's MDC order, or None (无法入组)."""
        for mdc in self.mdc_order:
            if not self._holds(self.mdcs[mdc]["gate"], mdc, dxs, procs, who):
                continue
            for step in self.mdcs[mdc]["steps"]:
                adrg = step.get("adrg")
                if adrg and self._holds(self.adrgs[adrg]["rule"], adrg, dxs, procs, who):
                    return adrg
        return None


@lru_cache(maxsize=1)
def load_scheme() -> Scheme:
    """The bundled scheme, parsed once per process."""
    return Scheme()


__all__ = ["Demography", "Scheme", "load_scheme"]
