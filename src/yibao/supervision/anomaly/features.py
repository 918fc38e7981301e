"""Behaviour features per institution or physician (机构 / 医师画像), computed in Ibis.

Every feature compares an entity's cases with the region's peers of the same diagnosis, so a
hospital is not flagged for its case mix: cost and stay against the peer mean, severity (CC/MCC)
coding above the peer rate, readmissions, short stays, care-less or exam-heavy stays, stays with
visits elsewhere, weekend admissions, night charges, and how often the post-event rules hit, CMI and CC/MCC-rate drift against the entity's own earlier
years, and shared patients (flagged elsewhere, or concentrated on one other entity).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

KEYS = {"institution": "fixmedins_code", "doctor": "atddr_no"}

FEATURE_NAMES: dict[str, str] = {
    "cost_ratio": "次均费用/同组均值",
    "los_ratio": "平均住院日/同组均值",
    "severe_excess": "CC/MCC 编码率高出同诊断均值",
    "coded_intensity": "编码组均费用/实际费用（CMI 偏离）",
    "readmit_rate": "15 天内再入院率",
    "short_stay_rate": "3 天内短住院率",
    "exam_heavy_rate": "检查化验为主病例比例",
    "careless_rate": "无诊疗病例比例",
    "alibi_rate": "住院期间他处就诊比例",
    "weekend_rate": "周末入院比例",
    "night_rate": "夜间（22–6 时）收费明细比例",
    "case_lead_rate": "病例线索率",
    "item_lead_rate": "明细线索率（每千条）",
    "cmi_drift": "CMI 较往年增幅（扣除全区增幅）",
    "severe_drift": "CC/MCC 编码率较往年增幅（扣除全区增幅）",
    "shared_flagged_rate": "患者在他处有病例线索的比例",
    "partner_share": "与单一其他机构/医师共享患者的最高比例",
}

# Features that are shares of the entity's cases (or patients): their sampling noise is binomial.
RATE_FEATURES = ("readmit_rate", "short_stay_rate", "exam_heavy_rate", "careless_rate", "alibi_rate", "weekend_rate",
                 "case_lead_rate", "shared_flagged_rate", "partner_share")


def history_drift(facts: ir.Table, history: ir.Table, key: str) -> ir.Table:
    """Per entity, how much its CMI and its CC/MCC coding rate rose against its own earlier years,
    beyond the region's rise: ``cmi_drift`` (ratio − 1 over the region's) and ``severe_drift``.
    Case weights are this period's mean cost of the (principal diagnosis, severity) group over the
    mean case, so both years are weighed alike and a richer coding shows as a CMI rise."""
    weights = facts.group_by(["principal", "severity"]).aggregate(w=lambda t: t.cost.mean())
    mean_cost = facts.cost.mean()
    def cmi(t: ir.Table, by: list[str]) -> ir.Table:
        j = t.join(weights, ["principal", "severity"])
        return j.group_by(by).aggregate(cmi=lambda g: g.w.mean() / mean_cost.as_scalar(),
                                        severe=lambda g: (g.severity >= 1).cast("float64").mean())
    now, then = cmi(facts.mutate(_all=1), [key, "_all"]), cmi(history.mutate(_all=1), [key, "_all"])
    region_now, region_then = cmi(facts.mutate(_all=1), ["_all"]), cmi(history.mutate(_all=1), ["_all"])
    region = region_now.join(region_then, "_all").select(
        "_all", r_cmi=lambda t: t.cmi / t.cmi_right, r_sev=lambda t: t.severe - t.severe_right)
    j = now.join(then, [key, "_all"]).join(region, "_all")
    return j.select(key, cmi_drift=j.cmi / j.cmi_right - j.r_cmi, severe_drift=j.severe - j.severe_right - j.r_sev)


def shared_patients(facts: ir.Table, leads: ir.Table, key: str) -> ir.Table:
    """Per entity, ``shared_flagged_rate``: the share of its inpatients with a case lead at another
    entity; ``partner_share``: the largest share of its inpatients who were also inpatients of one
    other entity (patients moved around a small ring)."""
    pe = facts.select(key, "psn_no").distinct()
    patients = pe.group_by(key).aggregate(patients=lambda t: t.count())
    other = pe.select(o_psn=pe.psn_no, o_key=pe[key])
    pairs = pe.join(other, (pe.psn_no == other.o_psn) & (pe[key] != other.o_key))
    partner = pairs.group_by([key, "o_key"]).aggregate(n=lambda t: t.count()).group_by(key).aggregate(
        top=lambda t: t.n.max())
    flagged_elsewhere = leads.filter((leads.level == "case") & leads[key].notnull()).select(
        f_psn=leads.psn_no, f_key=leads[key]).distinct()
    flagged = pe.join(flagged_elsewhere, (pe.psn_no == flagged_elsewhere.f_psn) & (pe[key] != flagged_elsewhere.f_key))
    flagged = flagged.select(key, "psn_no").distinct().group_by(key).aggregate(flagged=lambda t: t.count())
    out = patients.left_join(partner, key).drop(f"{key}_right").left_join(flagged, key).drop(f"{key}_right")
    return out.select(key, shared_flagged_rate=out.flagged.fill_null(0) / out.patients,
                      partner_share=out.top.fill_null(0) / out.patients)


def entity_features(facts: ir.Table, items: ir.Table, leads: ir.Table, level: str, *, window_days: int,
                    short_days: int, history: ir.Table | None = None) -> ir.Table:
    """One row per entity (``level`` institution / doctor): ``key, cases, home`` (the institution) and the features.
    ``history``: case facts of earlier years (the drift features are null without them)."""
    key = KEYS[level]
    w = ibis.window(group_by="psn_no", order_by=["adm_day", "mdtrt_id"])
    sev_peer = facts.group_by("principal").aggregate(peer_severe=lambda t: (t.severity >= 1).cast("float64").mean())
    f = facts.left_join(sev_peer, "principal").drop("principal_right")
    f = f.mutate(readmit=((f.adm_day - f.dscg_day.lag().over(w)) <= window_days).fill_null(False).cast("float64"))
    case_leads = leads.filter(leads.level == "case").select("mdtrt_id").distinct().mutate(case_lead=ibis.literal(1.0))
    f = f.left_join(case_leads, "mdtrt_id").drop("mdtrt_id_right")
    grouped = f.group_by(key).aggregate(
        cases=lambda t: t.count(),
        home=lambda t: t.fixmedins_code.mode(),  # a doctor's (main) institution; an institution's own code
        cost_ratio=lambda t: t.cost_ratio.mean(),
        los_ratio=lambda t: t.los_ratio.mean(),
        severe_excess=lambda t: ((t.severity >= 1).cast("float64") - t.peer_severe).mean(),
        coded_intensity=lambda t: t.peer_cost.mean() / t.cost.mean(),
        readmit_rate=lambda t: t.readmit.mean(),
        short_stay_rate=lambda t: (t.ipt_days <= short_days).cast("float64").mean(),
        exam_heavy_rate=lambda t: (t.exam_share >= 0.5).cast("float64").mean(),
        careless_rate=lambda t: (t.care_share <= 0.05).cast("float64").mean(),
        alibi_rate=lambda t: (t.alibi_n > 0).cast("float64").mean(),
        weekend_rate=lambda t: (t.adm_date.day_of_week.index() >= 5).cast("float64").mean(),
        case_lead_rate=lambda t: t.case_lead.fill_null(0.0).mean(),
    )
    item_key = "bilg_dr_codg" if level == "doctor" else "fixmedins_code"
    hour = items.fee_ocur_time.hour()
    lines = items.group_by(items[item_key].name(key)).aggregate(
        lines=lambda t: t.count(), night=((hour >= 22) | (hour < 6)).cast("float64").sum())
    item_leads = leads.filter(leads.level == "item").group_by(key).aggregate(item_leads=lambda t: t.count())
    out = grouped.left_join(lines, key).drop(f"{key}_right").left_join(item_leads, key).drop(f"{key}_right")
    if level == "institution":
        out = out.left_join(shared_patients(facts, leads, key), key).drop(f"{key}_right")
    else:  # a doctor's patients are shared with colleagues by design (wards, consultations): not a signal
        out = out.mutate(shared_flagged_rate=ibis.null("float64"), partner_share=ibis.null("float64"))
    if history is not None:
        out = out.left_join(history_drift(facts, history, key), key).drop(f"{key}_right")
    else:
        out = out.mutate(cmi_drift=ibis.null("float64"), severe_drift=ibis.null("float64"))
    return out.mutate(
        night_rate=out.night.fill_null(0) / ibis.greatest(out.lines.fill_null(0), 1),
        item_lead_rate=out.item_leads.fill_null(0) * 1000.0 / ibis.greatest(out.lines.fill_null(0), 1),
    ).select(key, "cases", "home", *FEATURE_NAMES)


__all__ = ["FEATURE_NAMES", "KEYS", "RATE_FEATURES", "entity_features", "history_drift", "shared_patients"]
