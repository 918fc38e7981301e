"""Local rules (本地监管规则) on the case facts: one small function per behaviour, each returning leads.

Each reads :func:`yibao.supervision.scan.facts.case_facts` and its parameters section; every number
comes from ``params.toml``. Built on behaviour (dates, diagnoses, cost structure, where the patient
was), not on how any generator injects abuse.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from yibao.supervision.local.params import (
    BedHangingParams,
    LocalParams,
    LowStandardParams,
    PhantomParams,
    SplitParams,
    UpcodingParams,
)
from yibao.supervision.scan.model import conform, money, text

_CASE = ("mdtrt_id", "psn_no", "fixmedins_code", "atddr_no", "medfee_sumamt")


def _lead(t: ir.Table, rule_id: str, pattern: str, evidence: ir.StringValue, trace: str, **extra: ir.Value) -> ir.Table:
    return conform(t.mutate(rule_id=ibis.literal(rule_id), pattern=ibis.literal(pattern), level=ibis.literal("case"),
                            amount=money(t.medfee_sumamt), evidence=evidence, trace=ibis.literal(trace), **extra))


def split_hospitalisation(f: ir.Table, p: SplitParams, version: str) -> ir.Table:
    """分解住院: a readmission within ``window_days`` of the previous discharge, same diagnosis category
    (first ``dx_prefix_len`` characters), same institution if required; planned readmissions exempt.
    The lead is the later stay; ``related_mdtrt_id`` the earlier one."""
    w = ibis.window(group_by="psn_no", order_by=["adm_day", "mdtrt_id"])
    dx = f.principal.substr(0, p.dx_prefix_len)
    t = f.mutate(dx=dx, prev_id=f.mdtrt_id.lag().over(w), prev_dscg=f.dscg_day.lag().over(w),
                 prev_dx=dx.lag().over(w), prev_inst=f.fixmedins_code.lag().over(w))
    gap = t.adm_day - t.prev_dscg
    cond = t.prev_id.notnull() & (gap >= 0) & (gap <= p.window_days) & (t.dx == t.prev_dx)
    if p.same_institution:
        cond = cond & (t.fixmedins_code == t.prev_inst)
    for prefix in p.exempt_dx_prefixes:
        cond = cond & ~t.principal.startswith(prefix)
    hit = t.filter(cond)
    evidence = ("出院后" + (hit.adm_day - hit.prev_dscg).cast("string") + "天再次入院（前次就诊 " + hit.prev_id
                + "），主要诊断同类 " + hit.dx)
    trace = f"LOCAL-SPLIT;params={version};window_days={p.window_days};dx_prefix_len={p.dx_prefix_len}"
    return _lead(hit, "LOCAL-SPLIT", "split_hospitalisation", evidence, trace, related_mdtrt_id=hit.prev_id)


def low_standard_admission(f: ir.Table, p: LowStandardParams, version: str) -> ir.Table:
    """低标准入院: a short stay, mostly examinations and tests, no procedure, cheap against its peers."""
    cond = (f.ipt_days <= p.max_days) & (f.exam_share >= float(p.min_exam_share))
    cond = cond & (f.cost_ratio.isnull() | (f.cost_ratio <= float(p.max_cost_ratio)))
    if p.no_procedure:
        cond = cond & (f.n_oprn == 0)
    hit = f.filter(cond)
    evidence = ("住院" + hit.ipt_days.cast("string") + "天，检查化验费占" + text(hit.exam_share * 100, 1)
                + "%，无手术操作，费用为同组均值的" + text(hit.cost_ratio.fill_null(0) * 100, 1) + "%")
    trace = (f"LOCAL-LOWADM;params={version};max_days={p.max_days};min_exam_share={p.min_exam_share};"
             f"max_cost_ratio={p.max_cost_ratio}")
    return _lead(hit, "LOCAL-LOWADM", "low_standard_admission", evidence, trace)


def upcoding(f: ir.Table, p: UpcodingParams, version: str) -> ir.Table:
    """高套: a coded MCC/CC whose care is not in the bill — the examination, test and treatment lines
    beyond an uncomplicated stay of the same diagnosis are a small part of what its coded peers get;
    or a principal diagnosis whose usual drugs the bill does not carry (the drugs of another
    condition). Both read the fee lines, not the cost, which varies too much case by case."""
    expected = f.severe_care_expected
    # Far below the coded peers, and by more than chance (Poisson: sd ≈ √expected lines) explains.
    severe = (f.severity >= 1) & (expected > 0) & (f.severe_care <= expected * float(p.severe_max_care_share)) & (
        (expected - f.severe_care) >= float(p.severe_min_shortfall_sd) * expected.sqrt())
    principal = (f.drug_lines >= p.principal_min_drug_lines) & (f.drug_usual <= float(p.principal_max_usual_share))
    hit = f.filter(severe.fill_null(False) | principal.fill_null(False))
    evidence = ("主要诊断 " + hit.principal + "，严重程度 " + hit.severity.cast("string") + "（2 MCC / 1 CC）；检查化验治疗明细超出无并发症同诊断"
                + text(hit.severe_care.fill_null(0), 1) + "条，同编码组平均超出" + text(hit.severe_care_expected.fill_null(0), 1)
                + "条；药品明细" + hit.drug_lines.cast("string") + "条，其中本诊断常用药占" + text(hit.drug_usual.fill_null(0) * 100, 1)
                + "%；费用为同组均值的" + text(hit.cost_ratio.fill_null(0) * 100, 1) + "%")
    trace = (f"LOCAL-UPCODE;params={version};severe_max_care_share={p.severe_max_care_share};"
             f"severe_min_shortfall_sd={p.severe_min_shortfall_sd};usual_drug_share={p.usual_drug_share};"
             f"principal_max_usual_share={p.principal_max_usual_share};principal_min_drug_lines={p.principal_min_drug_lines}")
    return _lead(hit, "LOCAL-UPCODE", "upcoding", evidence, trace)


def phantom_stay(f: ir.Table, p: PhantomParams, version: str) -> ir.Table:
    """虚假住院: a stay of ``min_days`` or more billed with (almost) no treatment, drugs, tests or
    materials — beds and nursing without care."""
    hit = f.filter((f.ipt_days >= p.min_days) & (f.care_share <= float(p.max_care_share)))
    evidence = ("住院" + hit.ipt_days.cast("string") + "天，诊疗药品检查材料费仅占" + text(hit.care_share * 100, 1)
                + "%，床位护理费占" + text(hit.bed_share * 100, 1) + "%；住院期间他处就诊" + hit.alibi_n.cast("string") + "次")
    trace = f"LOCAL-PHANTOM;params={version};min_days={p.min_days};max_care_share={p.max_care_share}"
    return _lead(hit, "LOCAL-PHANTOM", "phantom_stay", evidence, trace)


def bed_hanging(f: ir.Table, p: BedHangingParams, phantom: PhantomParams, version: str) -> ir.Table:
    """挂床住院: care was given, but the stay runs far beyond its peers' while the patient was being
    seen elsewhere (outpatient / pharmacy at another institution). Stays without care are phantom."""
    cond = (f.ipt_days >= p.min_days) & (f.care_share > float(phantom.max_care_share)) & (
        f.alibi_n >= p.alibi_min_visits) & (f.los_ratio >= float(p.min_los_ratio))
    hit = f.filter(cond)
    evidence = ("住院" + hit.ipt_days.cast("string") + "天，为同组均值的" + text(hit.los_ratio * 100, 1)
                + "%，床位护理费占" + text(hit.bed_share * 100, 1) + "%；住院期间在他处就诊" + hit.alibi_n.cast("string")
                + "次（" + hit.alibi_fixmedins.fill_null("-") + "）")
    trace = (f"LOCAL-BEDHANG;params={version};min_days={p.min_days};min_los_ratio={p.min_los_ratio};"
             f"alibi_min_visits={p.alibi_min_visits}")
    return _lead(hit, "LOCAL-BEDHANG", "bed_hanging", evidence, trace)


def local_case_leads(facts: ir.Table, params: LocalParams) -> list[ir.Table]:
    """Every local case rule's leads."""
    v = params.version
    return [
        split_hospitalisation(facts, params.split_hospitalisation, v),
        low_standard_admission(facts, params.low_standard_admission, v),
        upcoding(facts, params.upcoding, v),
        phantom_stay(facts, params.phantom_stay, v),
        bed_hanging(facts, params.bed_hanging, params.phantom_stay, v),
    ]


__all__ = [
    "bed_hanging", "local_case_leads", "low_standard_admission", "phantom_stay", "split_hospitalisation", "upcoding",
]
