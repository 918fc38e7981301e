"""Behaviour features per institution or physician (机构 / 医师画像), computed in Ibis.

Every feature compares an entity's cases with the region's peers of the same diagnosis, so a
hospital is not flagged for its case mix: cost and stay against the peer mean, severity (CC/MCC)
coding above the peer rate, readmissions, short stays, care-less or exam-heavy stays, stays with
visits elsewhere, weekend admissions, night charges, and how often the post-event rules hit.
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
}


def entity_features(facts: ir.Table, items: ir.Table, leads: ir.Table, level: str, *, window_days: int,
                    short_days: int) -> ir.Table:
    """One row per entity (``level`` institution / doctor): ``key, cases`` and the features."""
    key = KEYS[level]
    w = ibis.window(group_by="psn_no", order_by=["adm_day", "mdtrt_id"])
    sev_peer = facts.group_by("principal").aggregate(peer_severe=lambda t: (t.severity >= 1).cast("float64").mean())
    f = facts.left_join(sev_peer, "principal").drop("principal_right")
    f = f.mutate(readmit=((f.adm_day - f.dscg_day.lag().over(w)) <= window_days).fill_null(False).cast("float64"))
    case_leads = leads.filter(leads.level == "case").select("mdtrt_id").distinct().mutate(case_lead=ibis.literal(1.0))
    f = f.left_join(case_leads, "mdtrt_id").drop("mdtrt_id_right")
    grouped = f.group_by(key).aggregate(
        cases=lambda t: t.count(),
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
    return out.mutate(
        night_rate=out.night.fill_null(0) / ibis.greatest(out.lines.fill_null(0), 1),
        item_lead_rate=out.item_leads.fill_null(0) * 1000.0 / ibis.greatest(out.lines.fill_null(0), 1),
    ).select(key, "cases", *FEATURE_NAMES)


__all__ = ["FEATURE_NAMES", "KEYS", "entity_features"]
