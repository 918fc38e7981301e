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


def _lead(t: ir.Table, rule_id: str, pattern: str, evidence: ir.StringValue, trace: str | ir.StringValue,
          **extra: ir.Value) -> ir.Table:
    trace = ibis.literal(trace) if isinstance(trace, str) else trace
    return conform(t.mutate(rule_id=ibis.literal(rule_id), pattern=ibis.literal(pattern), level=ibis.literal("case"),
                            amount=money(t.medfee_sumamt), evidence=evidence, trace=trace, **extra))


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
    """低标准入院: a short stay, mostly examinations and tests (of what was billed besides beds and
    nursing), no procedure, cheap against its peers."""
    cond = (f.ipt_days <= p.max_days) & (f.exam_care_share >= float(p.min_exam_share))
    cond = cond & (f.cost_ratio.isnull() | (f.cost_ratio <= float(p.max_cost_ratio)))
    if p.no_procedure:
        cond = cond & (f.n_oprn == 0)
    hit = f.filter(cond)
    evidence = ("住院" + hit.ipt_days.cast("string") + "天，检查化验费占床位护理费以外费用的"
                + text(hit.exam_care_share * 100, 1) + "%（占总费用" + text(hit.exam_share * 100, 1)
                + "%），无手术操作，费用为同组均值的" + text(hit.cost_ratio.fill_null(0) * 100, 1) + "%")
    trace = (f"LOCAL-LOWADM;params={version};max_days={p.max_days};min_exam_share={p.min_exam_share};"
             f"max_cost_ratio={p.max_cost_ratio}")
    return _lead(hit, "LOCAL-LOWADM", "low_standard_admission", evidence, trace)


def coding_prior(f: ir.Table, p: UpcodingParams) -> ir.BooleanValue:
    """Whether the case's institution codes ahead of its bills (CMI high for the care billed) or of its
    peers (CC/MCC rate above the region's for the same principal diagnoses), beyond chance."""
    z = float(p.prior_min_z)
    cmi = (f.inst_cmi_z >= z) & (f.inst_cmi_excess >= float(p.prior_min_cmi_excess))
    rate = (f.inst_severe_z >= z) & (f.inst_severe_excess >= float(p.prior_min_severe_excess))
    return cmi.fill_null(False) | rate.fill_null(False)


def upcoding(f: ir.Table, p: UpcodingParams, version: str) -> ir.Table:
    """高套: the bill fits a lower coding far better than the coded one — the examination, test and
    treatment lines (and ICU days) of one CC/MCC level lower than coded, or the drugs of another
    principal diagnosis (or none of the coded one's usual drugs), or an operation billed that the codes
    do not show with drugs leaning to another diagnosis. Where the institution codes ahead of
    its bills or its peers (:func:`coding_prior`), the likelihood ratio needed is lower. All read the
    fee lines, not the cost, which varies too much case by case."""
    prior = coding_prior(f, p)
    cut = ibis.ifelse(prior, float(p.prior_llr_cut), 0.0)
    severe = f.severe_log_odds >= float(p.severe_min_log_odds) - cut
    usual = (f.drug_lines >= p.principal_min_drug_lines) & (f.drug_usual <= float(p.principal_max_usual_share))
    other = f.dx_llr >= float(p.principal_min_llr) - cut
    unoperated = (f.n_oprn == 0) & (f.surgery_share >= float(p.unoperated_min_surgery_share)) & (
        f.dx_llr >= float(p.unoperated_min_llr) - cut)
    t = f.mutate(prior=prior)
    hit = t.filter(severe.fill_null(False) | usual.fill_null(False) | other.fill_null(False)
                   | unoperated.fill_null(False))
    level = hit.severity.cast("string")
    evidence = ("主要诊断 " + hit.principal + "，严重程度 " + level + "（2 MCC / 1 CC）；住院" + hit.ipt_days.cast("string")
                + "天，检查化验治疗明细" + hit.care_lines.cast("string") + "条，同诊断该级应约"
                + text(hit.care_coded.fill_null(0), 1) + "条、低一级约" + text(hit.care_lower.fill_null(0), 1)
                + "条，ICU " + hit.icu_days.fill_null(0).cast("string") + "天，低一级对编码级对数似然比"
                + text(hit.severe_llr.fill_null(0), 2) + "（全区该级约" + text(hit.severe_share.fill_null(0) * 100, 1)
                + "%病例账单似低一级，后验对数几率" + text(hit.severe_log_odds.fill_null(0), 2) + "）；药品明细" + hit.drug_lines.cast("string")
                + "条，本诊断常用药占" + text(hit.drug_usual.fill_null(0) * 100, 1) + "%，更符合诊断 "
                + hit.dx_alt.fill_null("-") + "（对数似然比" + text(hit.dx_llr.fill_null(0), 2) + "）；费用为同组均值的"
                + text(hit.cost_ratio.fill_null(0) * 100, 1) + "%"
                + ibis.ifelse((hit.n_oprn == 0) & (hit.surgery_fee > 0),
                              "；手术费占" + text(hit.surgery_share * 100, 1) + "%，未编码手术操作", "")
                + ibis.ifelse(hit.prior, "；本机构编码病组均费用高于实际费用（对数）" + text(hit.inst_cmi_excess.fill_null(0), 3)
                              + "（" + text(hit.inst_cmi_z.fill_null(0), 1) + "个标准误），CC/MCC 率高于同诊断"
                              + text(hit.inst_severe_excess.fill_null(0) * 100, 1) + "个百分点（"
                              + text(hit.inst_severe_z.fill_null(0), 1) + "个标准误）：机构先验，阈值下调"
                              + str(p.prior_llr_cut), ""))
    trace = (f"LOCAL-UPCODE;params={version};severe_min_log_odds={p.severe_min_log_odds};"
             f"severe_prior_start={p.severe_prior_start};care_dispersion={p.care_dispersion};"
             f"usual_drug_share={p.usual_drug_share};principal_max_usual_share={p.principal_max_usual_share};"
             f"principal_min_drug_lines={p.principal_min_drug_lines};principal_min_llr={p.principal_min_llr};"
             f"drug_floor={p.drug_floor};candidate_share={p.candidate_share};"
             f"unoperated_min_surgery_share={p.unoperated_min_surgery_share};unoperated_min_llr={p.unoperated_min_llr};"
             f"min_peer_cases={p.min_peer_cases};"
             f"prior_min_z={p.prior_min_z};prior_min_cmi_excess={p.prior_min_cmi_excess};"
             f"prior_min_severe_excess={p.prior_min_severe_excess};prior_llr_cut={p.prior_llr_cut}")
    return _lead(hit, "LOCAL-UPCODE", "upcoding", evidence,
                 ibis.literal(trace) + ibis.ifelse(hit.prior, ";institution_prior=1", ";institution_prior=0"))


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
    "bed_hanging", "coding_prior", "local_case_leads", "low_standard_admission", "phantom_stay", "split_hospitalisation", "upcoding",
]
