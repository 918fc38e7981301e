"""辅助目录: subtype coefficients and violation markers, as Ibis expressions.

Dimensions (the pack's ``dimensions``): ``severity`` (0 none · 1 CC · 2 MCC · 3 died), ``age`` (the
pack's age bands), ``icu`` (重症监护天数 in the pack's ``icu_bands``; 无 outside them) and ``tumor``
(肿瘤分期 of a principal diagnosis in ``tumor_diag_range``: the stage, 未分期 when blank; 非肿瘤 for
other diagnoses — so the dimension only ever cuts the CV of tumour groups).

A group keeps at most one subtype dimension: the one that cuts its CV the most, and only when the cut
reaches ``min_cv_reduction``. A level's coefficient is its mean ÷ the group mean (levels with fewer
than ``min_cases`` cases keep 1).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from yibao.payment.policy import Markers, Subtypes

COEF = "decimal(9, 4)"
ADULT = "其他"


def age_band(t: ir.Table, params: Subtypes) -> ir.StringValue:
    days = t.age_days_eff
    return ibis.cases(*(((days >= b.min_days) & (days <= b.max_days), b.label) for b in params.age_bands),
                      else_=ADULT)


NO_ICU = "无"
NOT_TUMOUR = "非肿瘤"
UNSTAGED = "未分期"
LEVEL_COLUMNS = ("severity", "age_days_eff", "icu_days", "tumor_stage", "subcat")


def icu_band(t: ir.Table, params: Subtypes) -> ir.StringValue:
    days = t.icu_days.coalesce(0)
    return ibis.cases(*(((days >= b.min_days) & (days <= b.max_days), b.label) for b in params.icu_bands),
                      else_=NO_ICU)


def tumour_stage(t: ir.Table, params: Subtypes) -> ir.StringValue:
    low, high = params.tumor_diag_range
    category = t.subcat.substr(0, 3)
    tumour = (category >= low) & (category <= high)
    return ibis.ifelse(tumour, t.tumor_stage.coalesce(UNSTAGED), NOT_TUMOUR)


def level_of(t: ir.Table, dimension: str, params: Subtypes) -> ir.StringValue:
    """A case's level in one subtype dimension."""
    if dimension == "severity":
        return t.severity.cast("string")
    if dimension == "age":
        return age_band(t, params)
    if dimension == "icu":
        return icu_band(t, params)
    return tumour_stage(t, params)


def _levels(t: ir.Table, params: Subtypes) -> ir.Table:
    """One row per case and dimension: (dimension, level)."""
    parts = [t.mutate(dimension=ibis.literal(d), level=level_of(t, d, params)) for d in params.dimensions]
    return ibis.union(*parts) if len(parts) > 1 else parts[0]


def build_subtypes(assigned: ir.Table, params: Subtypes) -> ir.Table:
    """(group_code, dimension, level, cases, coefficient, cv_before, cv_after) for the kept dimensions."""
    kept = assigned.filter(assigned.kept & assigned.group_type.isin(["core", "comprehensive", "fallback"]))
    x = kept.cost.cast("float64")
    g = kept.group_by("group_code").agg(g_n=x.count(), g_mean=x.mean(), g_sd=x.std(how="pop"))
    rows = _levels(kept.select("group_code", "cost", *LEVEL_COLUMNS), params)
    y = rows.cost.cast("float64")
    lv = rows.group_by("group_code", "dimension", "level").agg(l_n=y.count(), l_mean=y.mean(), l_var=y.var(how="pop"))
    lv = lv.join(g, "group_code")
    dims = lv.group_by("group_code", "dimension").agg(
        within=(lv.l_var.fill_null(0) * lv.l_n).sum(), g_n=lv.g_n.max(), g_mean=lv.g_mean.max(), g_sd=lv.g_sd.max())
    dims = dims.mutate(cv_before=dims.g_sd / dims.g_mean, cv_after=(dims.within / dims.g_n).sqrt() / dims.g_mean)
    dims = dims.mutate(cut=1 - dims.cv_after / dims.cv_before)
    dims = dims.filter(dims.cv_before > 0)
    best = dims.mutate(rank=ibis.row_number().over(group_by="group_code", order_by=[ibis.desc("cut"), "dimension"]))
    best = best.filter((best.rank == 0) & (best.cut >= float(params.min_cv_reduction)))
    best = best.select(b_code="group_code", b_dim="dimension", cv_before=best.cv_before.round(4),
                       cv_after=best.cv_after.round(4))
    out = lv.join(best, (lv.group_code == best.b_code) & (lv.dimension == best.b_dim))
    coef = ibis.ifelse(out.l_n >= params.min_cases, out.l_mean / out.g_mean, 1.0)
    return out.select("group_code", "dimension", "level", cases=out.l_n, coefficient=coef.round(4).cast(COEF),
                      cv_before="cv_before", cv_after="cv_after")


def apply_subtypes(cases: ir.Table, subtypes: ir.Table, params: Subtypes) -> ir.Table:
    """Add ``subtype`` (dimension:level or "") and ``subtype_coef`` (1 when the group keeps none)."""
    dims = subtypes.select(d_code="group_code", d_dim="dimension").distinct()
    t = cases.left_join(dims, cases.group_code == dims.d_code)
    level = ibis.cases(*((t.d_dim == d, level_of(t, d, params)) for d in params.dimensions),
                       else_=ibis.null("string"))
    t = t.mutate(s_level=ibis.ifelse(t.d_dim.isnull(), ibis.null("string"), level))
    s = subtypes.select(s_code="group_code", s_dim="dimension", s_lv="level", s_coef="coefficient")
    t = t.left_join(s, (t.group_code == s.s_code) & (t.d_dim == s.s_dim) & (t.s_level == s.s_lv))
    return t.mutate(
        subtype=ibis.ifelse(t.s_coef.notnull(), t.d_dim + ":" + t.s_level, ""),
        subtype_coef=t.s_coef.coalesce(ibis.literal(1).cast(COEF)).cast(COEF),
    ).drop("d_code", "d_dim", "s_level", "s_code", "s_dim", "s_lv", "s_coef")


def mark_violations(cases: ir.Table, groups: ir.Table, params: Markers) -> ir.Table:
    """Monitoring markers (违规行为监督): ``readmit_15d``, ``low_standard``, ``long_stay``, ``low_risk_death``.

    ``cases`` carries ``group_code``, ``score``, ``std_cost`` (the case's same-level standard) and ``prev_dscg``
    (the same person's previous discharge date, NULL when none).
    """
    g = groups.select(m_code="group_code", m_days="mean_days")
    t = cases.left_join(g, cases.group_code == g.m_code)
    gap = t.adm_date.delta(t.prev_dscg, unit="day")
    return t.mutate(
        readmit_15d=t.prev_dscg.notnull() & (gap <= params.readmission_days),
        low_standard=(t.kind_rank <= 1) & (t.cost.cast("float64") < t.std_cost * float(params.low_standard_ratio)),
        long_stay=t.m_days.notnull() & (t.ipt_days > t.m_days * float(params.long_stay_multiple)),
        low_risk_death=t.died & (t.score < float(params.low_risk_score)),
    ).drop("m_code", "m_days")


__all__ = ["NOT_TUMOUR", "NO_ICU", "UNSTAGED", "age_band", "apply_subtypes", "build_subtypes", "icu_band", "level_of",
           "mark_violations", "tumour_stage"]
