"""Group one case (单病例分组) with a Chinese trace: the reference face of the grouper.

The order follows the scheme's SOURCE.md: check the case, translate its codes, try the MDCs in
order (gate, then the ADRG steps), split the ADRG by MCC/CC, else DRG ``0000``. The rule trees are
compiled once per scheme into closures, so a case costs a few dozen set look-ups.

Examples
--------
>>> r = group_case(Case(gend=1, age=60, diag_codes=("I21.001",), oprn_codes=("36.0700",)))
>>> r.drg, r.status.value
('FM19', 'grouped')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache

from yibao.payment.drg.model import Case, GroupResult, GroupStatus, normalise_codes
from yibao.payment.drg.rules import (
    Always,
    And,
    Compare,
    HasBirthWeight,
    Member,
    Node,
    NoOrProcedure,
    Or,
    RegionCount,
    Sex,
    compare,
    describe,
)
from yibao.payment.drg.scheme import OR_KEY, Scheme, When, default_scheme


@dataclass(frozen=True, slots=True)
class Facts:
    """What the rules look at, after validation and code translation."""

    pdx: str
    mproc: str | None
    dxs: frozenset[str]
    procs: frozenset[str]
    sex: int
    age_years: float
    age_days: float | None
    weight: float | None  # only when given and positive
    regions: int
    has_or: bool


Test = Callable[[Facts], bool]


def _member(term: Member, codes: frozenset[str]) -> Test:
    if term.subject == "principal_dx":
        return lambda f: f.pdx in codes
    if term.subject == "main_proc":
        return lambda f: f.mproc in codes
    if term.subject == "any_dx":
        return lambda f: not codes.isdisjoint(f.dxs)
    return lambda f: not codes.isdisjoint(f.procs)


def compile_node(node: Node, scheme: Scheme) -> Test:
    """A closure that evaluates ``node`` on :class:`Facts`."""
    if isinstance(node, And):
        parts = tuple(compile_node(i, scheme) for i in node.items)
        return lambda f: all(p(f) for p in parts)
    if isinstance(node, Or):
        parts = tuple(compile_node(i, scheme) for i in node.items)
        return lambda f: any(p(f) for p in parts)
    if isinstance(node, Member):
        return _member(node, scheme.lists[node.list_key])
    if isinstance(node, Compare):
        attr = {"age_days": "age_days", "age_years": "age_years", "birth_weight_g": "weight"}[node.field]
        op, value = node.op, node.value
        return lambda f: compare(getattr(f, attr), op, value)
    if isinstance(node, Sex):
        sex = node.value
        return lambda f: f.sex == sex
    if isinstance(node, HasBirthWeight):
        return lambda f: f.weight is not None
    if isinstance(node, NoOrProcedure):
        return lambda f: not f.has_or
    if isinstance(node, RegionCount):
        op, value = node.op, node.value
        return lambda f: compare(f.regions, op, value)
    if isinstance(node, Always):
        return lambda f: True
    raise TypeError(node)


@dataclass(frozen=True)
class Compiled:
    """A scheme's gates and rules as closures, with their descriptions for traces."""

    mdcs: tuple[tuple[str, Test, str, tuple[tuple[str, Test, str], ...]], ...]


@lru_cache(maxsize=8)
def compiled(scheme: Scheme) -> Compiled:
    mdcs = []
    for mdc in scheme.mdcs:
        adrgs = tuple(
            (a, compile_node(scheme.adrgs[a].rule, scheme), describe(scheme.adrgs[a].rule)) for a in mdc.adrgs
        )
        mdcs.append((mdc.code, compile_node(mdc.gate, scheme), describe(mdc.gate), adrgs))
    return Compiled(tuple(mdcs))


def validate(case: Case) -> GroupStatus | None:
    """信息校验: the first reason the case cannot be grouped, or ``None``."""
    if case.gend not in (1, 2):
        return GroupStatus.INVALID_SEX
    if case.age is None or case.age < 0:
        return GroupStatus.INVALID_AGE
    if case.age_days is not None and case.age_days < 0:
        return GroupStatus.INVALID_AGE_DAYS
    if case.age == 0 and case.age_days is None:
        return GroupStatus.INVALID_AGE_DAYS
    if case.age == 0 and case.age_days is not None and case.age_days <= 28 and not _has_weight(case):
        return GroupStatus.INVALID_BIRTH_WEIGHT
    if not case.diag_codes or not case.diag_codes[0]:
        return GroupStatus.NO_DIAGNOSIS
    return None


def _has_weight(case: Case) -> bool:
    return case.nwb_bir_wt is not None and case.nwb_bir_wt > 0


def severity(pdx: str, secondaries: tuple[str, ...], scheme: Scheme, trace: list[str]) -> tuple[bool, bool]:
    """(has MCC, has CC) after the principal diagnosis's exclusion table (并发症排除表)."""
    own = scheme.principal_table.get(pdx)
    has_mcc = has_cc = False
    for code in secondaries:
        for level, table in (("MCC", scheme.mcc), ("CC", scheme.cc)):
            excl = table.get(code)
            if excl is None:
                continue
            if own is not None and excl == own:
                trace.append(f"次要诊断 {code} 为 {level}（排除表 {excl}），与主要诊断 {pdx} 同属排除表 {own}，被排除")
            else:
                trace.append(f"次要诊断 {code} 为 {level}（排除表 {excl}）")
                has_mcc = has_mcc or level == "MCC"
                has_cc = has_cc or level == "CC"
    return has_mcc, has_cc


def _translate(codes: tuple[str, ...], fn: Callable[[str], str | None], label: str, trace: list[str]) -> list[str] | None:
    out: list[str] = []
    for code in codes:
        to = fn(code)
        if to is None:
            trace.append(f"{label} {code or '（空）'} 不在分组器编码中，也无对照，不能转换")
            return None
        if to != code:
            trace.append(f"{label} {code} 按对照表转换为 {to}")
        out.append(to)
    return out


def group_case(case: Case, scheme: Scheme | None = None) -> GroupResult:
    """Group one case: MDC, ADRG, DRG, status and a Chinese trace (pure)."""
    scheme = scheme or default_scheme()
    case = replace(case, diag_codes=normalise_codes(case.diag_codes), oprn_codes=normalise_codes(case.oprn_codes))
    trace: list[str] = []
    fallback = scheme.fallback_drg
    bad = validate(case)
    if bad is not None:
        return GroupResult(case.case_id, bad, fallback, trace=(bad.message,))
    dxs = _translate(case.diag_codes, scheme.translate_dx, "诊断", trace)
    if dxs is None:
        return GroupResult(case.case_id, GroupStatus.BAD_DIAGNOSIS, fallback, trace=tuple(trace))
    procs = _translate(case.oprn_codes, scheme.translate_proc, "手术操作", trace)
    if procs is None:
        return GroupResult(case.case_id, GroupStatus.BAD_PROCEDURE, fallback, diag_codes=tuple(dxs), trace=tuple(trace))
    ors = scheme.lists[OR_KEY]
    regions = {scheme.trauma_region[d] for d in dxs if d in scheme.trauma_region}
    facts = Facts(
        pdx=dxs[0],
        mproc=procs[0] if procs else None,
        dxs=frozenset(dxs),
        procs=frozenset(procs),
        sex=case.gend,  # type: ignore[arg-type]  # validated: 1 or 2
        age_years=case.age,  # type: ignore[arg-type]  # validated: not None
        age_days=case.age_days,
        weight=case.nwb_bir_wt if _has_weight(case) else None,
        regions=len(regions),
        has_or=not ors.isdisjoint(procs),
    )
    done = dict(case_id=case.case_id, diag_codes=tuple(dxs), oprn_codes=tuple(procs))
    skipped: list[str] = []
    for mdc, gate, gate_text, adrgs in compiled(scheme).mdcs:
        if not gate(facts):
            skipped.append(mdc)
            continue
        if skipped:
            trace.append(f"未进入 {'、'.join(skipped)}（入口条件不成立）")
            skipped = []
        trace.append(f"进入 {mdc}：{gate_text}")
        for adrg, rule, rule_text in adrgs:
            if rule(facts):
                trace.append(f"ADRG {adrg} 入组：{rule_text}")
                has_mcc, has_cc = severity(facts.pdx, tuple(dxs[1:]), scheme, trace)
                for drg, when in scheme.adrgs[adrg].drgs:
                    if when.holds(has_mcc, has_cc):
                        name = scheme.drg_names.get(drg)
                        trace.append(f"DRG {drg} {name or ''}（条件：{_WHEN[when]}）")
                        return GroupResult(status=GroupStatus.GROUPED, drg=drg, mdc=mdc, adrg=adrg, drg_name=name,
                                           trace=tuple(trace), **done)  # type: ignore[arg-type]
        trace.append(f"{mdc} 内没有 ADRG 的规则成立，继续下一个 MDC")
    if skipped:
        trace.append(f"未进入 {'、'.join(skipped)}（入口条件不成立）")
    status = GroupStatus.UNGROUPABLE
    other = 3 - facts.sex
    if facts.pdx in scheme.sex_specific.get(other, ()) and facts.pdx not in scheme.sex_specific.get(facts.sex, ()):
        status = GroupStatus.SEX_MISMATCH
        trace.append(f"主要诊断 {facts.pdx} 只属于{'男' if other == 1 else '女'}性的 MDC")
    trace.append(f"{status.message}：DRG {fallback}")
    return GroupResult(status=status, drg=fallback, trace=tuple(trace), **done)  # type: ignore[arg-type]


_WHEN = {When.MCC: "伴严重并发症或合并症（MCC）", When.MCC_OR_CC: "伴并发症或合并症（MCC 或 CC）", When.ALWAYS: "其余病例"}

__all__ = ["Compiled", "Facts", "compile_node", "compiled", "group_case", "severity", "validate"]
