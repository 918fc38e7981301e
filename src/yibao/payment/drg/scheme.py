"""A DRG grouping scheme as data: ``scheme.json`` plus its TSV tables, loaded and parsed once.

Nothing here knows an ADRG by name: every gate and rule is parsed into the AST of
:mod:`yibao.payment.drg.rules`, every code list is a frozenset under a scheme-wide key
(``"MDCB.dx"``, ``"BR1.dx"``, ``"JA1.proc_tag_2"``, ``"or_procedures"``), so a region's variant
or CHS-DRG 2.0 loads the same way from another folder.

Decisions where SOURCE.md is silent (documented, tested):

* ``mdc_dx`` of an MDC without a ``dx`` list (MDCZ) is the key set of its ``dx_trauma_region``.
* A submitted code that the grouper lists is used as it is even when ``*_map.tsv`` maps it to
  another code; the map only translates codes the grouper does not list (SOURCE.md step 1).
* Sex-specific principal diagnoses (for the status 主要诊断与性别不符) are those in the
  principal-diagnosis lists of MDCs whose gate requires one sex in every branch (MDCM / MDCN).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from pathlib import Path

from yibao.codes.tables import SCHEME_DIR, data_dir, read_pairs
from yibao.errors import ErrorCode, PolicyError
from yibao.payment.drg.rules import Member, Node, Sex, bind, dnf, parse

OR_KEY = "or_procedures"


class When(str, Enum):
    """The condition of a DRG inside its ADRG (severity split)."""

    MCC = "mcc"
    MCC_OR_CC = "mcc_or_cc"
    ALWAYS = "always"

    def holds(self, has_mcc: bool, has_cc: bool) -> bool:
        if self is When.MCC:
            return has_mcc
        if self is When.MCC_OR_CC:
            return has_mcc or has_cc
        return True


@dataclass(frozen=True, slots=True)
class Mdc:
    code: str
    gate: Node
    gate_text: str
    adrgs: tuple[str, ...]  # enabled ADRG steps, in order
    sex: int | None  # the sex every branch of the gate requires, if any


@dataclass(frozen=True, slots=True)
class Adrg:
    code: str
    mdc: str
    rule: Node
    rule_text: str
    drgs: tuple[tuple[str, When], ...]


@dataclass(frozen=True, eq=False)  # hashed by identity: cached compilations key on it
class Scheme:
    """A loaded scheme: ordered MDCs and ADRGs, code lists, CC/MCC tables and code translation."""

    name: str
    mdcs: tuple[Mdc, ...]
    adrgs: dict[str, Adrg]
    lists: dict[str, frozenset[str]]
    trauma_region: dict[str, str]
    mcc: dict[str, str]  # code -> exclusion table
    cc: dict[str, str]
    principal_table: dict[str, str]  # principal dx -> exclusion table
    dx_known: frozenset[str]
    dx_map: dict[str, str]
    proc_known: frozenset[str]
    proc_map: dict[str, str]
    drg_names: dict[str, str]
    sex_specific: dict[int, frozenset[str]]
    fallback_drg: str

    def translate_dx(self, code: str) -> str | None:
        """The grouper's code for a submitted diagnosis, or ``None`` when it cannot be translated."""
        return code if code in self.dx_known else self.dx_map.get(code)

    def translate_proc(self, code: str) -> str | None:
        return code if code in self.proc_known else self.proc_map.get(code)

    def order(self) -> list[tuple[int, Mdc, Adrg]]:
        """Every (order key, MDC, ADRG) step in grouping order."""
        steps, key = [], 0
        for mdc in self.mdcs:
            for code in mdc.adrgs:
                steps.append((key, mdc, self.adrgs[code]))
                key += 1
        return steps


def _invalid(detail: str) -> PolicyError:
    return PolicyError(ErrorCode.POLICY_INVALID, field="scheme", detail=detail)


def _gate_sex(gate: Node) -> int | None:
    sexes = {frozenset(t.value for t in conj if isinstance(t, Sex)) for conj in dnf(gate)}
    if len(sexes) == 1:
        (only,) = sexes
        if len(only) == 1:
            return next(iter(only))
    return None


def _principal_lists(gate: Node) -> set[str]:
    return {t.list_key for conj in dnf(gate) for t in conj if isinstance(t, Member) and t.subject == "principal_dx"}


def load(root: Path, name: str | None = None) -> Scheme:
    """Load a scheme folder (``scheme.json`` + TSVs); malformed data is a :class:`PolicyError`."""
    raw = json.loads((root / "scheme.json").read_text(encoding="utf-8"))
    or_codes = frozenset(read_pairs(root / "or_procedures.tsv"))
    lists: dict[str, frozenset[str]] = {OR_KEY: or_codes}
    trauma: dict[str, str] = {}
    mdcs: list[Mdc] = []
    adrgs: dict[str, Adrg] = {}
    for m in raw["mdcs"]:
        code = m["mdc"]
        regions = m.get("dx_trauma_region", {})
        trauma.update(regions)
        lists[f"{code}.dx"] = frozenset(m["dx"]) if "dx" in m else frozenset(regions)
        gate = bind(parse(m["gate"]), {"mdc_dx": f"{code}.dx", OR_KEY: OR_KEY})
        steps: list[str] = []
        for step in m["steps"]:
            if "adrg" in step:
                steps.append(step["adrg"])
            elif step.get("enabled", True):
                raise _invalid(f"{code} 的歧义组 {step.get('ambiguous_group')} 已启用，但方案未给出其规则")
        for a in steps:
            spec = raw["adrgs"].get(a)
            if spec is None:
                raise _invalid(f"{code} 引用了未定义的 ADRG {a}")
            keys = {"mdc_dx": f"{code}.dx", OR_KEY: OR_KEY}
            for part in ("dx", "proc", "proc1"):
                lists[f"{a}.{part}"] = frozenset(spec.get(part, []))
                keys[part] = f"{a}.{part}"
            for tag in sorted(set(spec.get("proc_tags", {}).values())):
                key = f"{a}.proc_tag_{tag}"
                lists[key] = frozenset(c for c, t in spec["proc_tags"].items() if t == tag)
                keys[f"proc_tag_{tag}"] = key
            drgs = tuple((d["drg"], When(d["when"])) for d in spec["drgs"])
            if not drgs or drgs[-1][1] is not When.ALWAYS:
                raise _invalid(f"{a} 的最后一个 DRG 必须是 always")
            adrgs[a] = Adrg(a, code, bind(parse(spec["rule"]), keys), spec["rule"], drgs)
        mdcs.append(Mdc(code, gate, m["gate"], tuple(steps), _gate_sex(gate)))
    by_code = {m.code: m for m in mdcs}
    mdcs = [by_code[c] for c in raw["mdc_order"]]
    mcc = read_pairs(root / "mcc.tsv")
    cc = read_pairs(root / "cc.tsv")
    principal = read_pairs(root / "principal_exclusion.tsv")
    proc_lists = {k for k in lists if k.split(".")[-1].startswith("proc")} | {OR_KEY}
    scheme_dx = set(trauma).union(mcc, cc, principal, *(v for k, v in lists.items() if k not in proc_lists))
    scheme_proc = set().union(*(v for k, v in lists.items() if k in proc_lists))
    sex_specific: dict[int, set[str]] = {1: set(), 2: set()}
    for mdc in mdcs:
        if mdc.sex is not None:
            for key in _principal_lists(mdc.gate):
                sex_specific[mdc.sex] |= lists[key]
    return Scheme(
        name=name or raw.get("scheme", root.name),
        mdcs=tuple(mdcs),
        adrgs=adrgs,
        lists=lists,
        trauma_region=trauma,
        mcc=mcc,
        cc=cc,
        principal_table=principal,
        dx_known=frozenset(scheme_dx.union(read_pairs(root / "diagnoses.tsv"))),
        dx_map=read_pairs(root / "diagnosis_map.tsv"),
        proc_known=frozenset(scheme_proc.union(read_pairs(root / "procedures.tsv"))),
        proc_map=read_pairs(root / "procedure_map.tsv"),
        drg_names=read_pairs(root / "drg_names.tsv"),
        sex_specific={k: frozenset(v) for k, v in sex_specific.items()},
        fallback_drg=raw.get("fallback_drg", "0000"),
    )


@lru_cache(maxsize=4)
def default_scheme(scheme: str = SCHEME_DIR) -> Scheme:
    """The bundled CHS-DRG 1.1 scheme (cached)."""
    return load(data_dir(scheme))


__all__ = ["Adrg", "Mdc", "OR_KEY", "Scheme", "When", "default_scheme", "load"]
