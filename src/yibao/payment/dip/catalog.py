"""The DIP catalog (病种目录库) from the region's own history, as Ibis expressions.

1. Cases on the policy lists go to 按床日付费病种 (``BD:<diagnosis prefix>``) and 日间手术病种
   (``DS:<procedure>``).
2. The rest cluster by principal-diagnosis subcategory and procedure combination. A combination that
   adds related procedures to a main procedure stays merged with the main procedure alone unless it
   moves the mean cost by ``split_threshold`` or more (I21.0 + stent 28,033 vs + IVUS 44,003 splits).
3. A (merged) combination with at least ``min_core_cases`` cases is a core group (核心病种,
   ``I21.0:36.0601``); the others fall into comprehensive groups (综合病种) by diagnosis category and
   treatment kind (``I21#S``); comprehensive groups still too small fall into a catalog-wide group of
   their kind (``*#S``), so every case gets a score.
4. Extreme cases (outside group-year mean ± ``trim_sd`` SD) are trimmed; each group's mean is the
   years' means weighted ``history_weights`` (1:2:7); the score is mean ÷ (all-case mean, or the base
   group's mean) × ``score_scale``, or a quota (定额分值).

Each group reports case count, mean, CV; the catalog reports RIV and core-group coverage.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import ibis
import ibis.expr.types as ir

from yibao.errors import ErrorCode, PolicyError
from yibao.payment.dip.features import KIND_SUFFIX
from yibao.payment.policy import DipCatalog

POINTS = "decimal(18, 4)"
MONEY = "decimal(18, 2)"


@dataclass(frozen=True)
class CatalogExprs:
    """What :func:`build_catalog` hands back (all Ibis expressions)."""

    groups: ir.Table  # one row per group: code, type, counts, mean, CV, score
    combos: ir.Table  # (subcat, combo) → core group code
    assigned: ir.Table  # the history cases with group_code and ``kept`` (not trimmed)
    summary: ir.Table  # one row: cases, core coverage, RIV, overall mean, base mean, score method


def _suffix(rank: ir.IntegerValue) -> ir.StringValue:
    return ibis.cases(*((rank == k, v) for k, v in KIND_SUFFIX.items()), else_="M")


def listed_group(feats: ir.Table, params: DipCatalog) -> ir.StringValue:
    """The bed-day or day-surgery group of a case, or NULL."""
    lists = params.lists
    branches = [(feats.diag_codes.startswith(p), ibis.literal(f"BD:{p}")) for p in lists.bed_day_diag_prefixes]
    branches += [
        ((feats.main_oprn == p) & (feats.ipt_days <= lists.day_surgery_max_days), ibis.literal(f"DS:{p}"))
        for p in lists.day_surgery_procedures
    ]
    if not branches:
        return ibis.null("string")
    return ibis.cases(*branches, else_=ibis.null("string"))


def merge_combinations(feats: ir.Table, params: DipCatalog) -> ir.Table:
    """(subcat, combo) → merged combination and core flag (the split-out rule and the case-count rule)."""
    x = feats.cost.cast("float64")
    stats = feats.group_by("subcat", "combo", "main_oprn").agg(n=x.count(), mean=x.mean())
    parent = stats.filter(stats.combo == stats.main_oprn).select(
        p_subcat="subcat", p_main="main_oprn", p_mean="mean")
    joined = stats.left_join(parent, (stats.subcat == parent.p_subcat) & (stats.main_oprn == parent.p_main))
    threshold = float(params.split_threshold)
    stays = joined.p_mean.notnull() & (joined.combo != joined.main_oprn) & (
        (joined.mean / joined.p_mean - 1).abs() < threshold)
    merged = joined.mutate(merged=ibis.ifelse(stays, joined.main_oprn, joined.combo)).select(
        "subcat", "combo", "merged", "n")
    sizes = merged.group_by("subcat", "merged").agg(group_n=merged.n.sum())
    out = merged.join(sizes, ["subcat", "merged"])
    return out.mutate(core=out.group_n >= params.min_core_cases,
                      group_code=out.subcat + ":" + out.merged).select("subcat", "combo", "group_code", "core")


def assign_groups(feats: ir.Table, combos: ir.Table, known: ir.Table | None, params: DipCatalog) -> ir.Table:
    """Each case's ``group_code``: listed → core → comprehensive (if in ``known`` codes) → ``*#kind``."""
    core = combos.filter(combos.core).select(c_subcat="subcat", c_combo="combo", core_code="group_code")
    t = feats.left_join(core, (feats.subcat == core.c_subcat) & (feats.combo == core.c_combo))
    comp = t.diag3 + "#" + _suffix(t.kind_rank)
    t = t.mutate(comp_code=comp, listed=listed_group(t, params))
    if known is not None:
        k = known.select(k_code="group_code")
        t = t.left_join(k, t.comp_code == k.k_code)
        comp_or_fallback = ibis.ifelse(t.k_code.notnull(), t.comp_code, "*#" + _suffix(t.kind_rank))
    else:
        comp_or_fallback = t.comp_code
    code = t.listed.coalesce(t.core_code, comp_or_fallback)
    gtype = ibis.cases(
        (t.listed.startswith("BD:"), "bed_day"), (t.listed.startswith("DS:"), "day_surgery"),
        (t.core_code.notnull(), "core"), (code.startswith("*#"), "fallback"), else_="comprehensive")
    drop = [c for c in ("c_subcat", "c_combo", "core_code", "comp_code", "listed", "k_code") if c in t.columns]
    return t.mutate(group_code=code, group_type=gtype).drop(*drop)


def _weights(params: DipCatalog, years: list[int]) -> ir.Table:
    weights = list(params.history_weights)[-len(years):]
    if len(weights) < len(years):
        raise PolicyError(ErrorCode.POLICY_INVALID, field="dip.catalog.history_weights",
                          detail=f"权重 {len(weights)} 个少于历史年度 {len(years)} 个")
    return ibis.memtable({"w_year": years, "w": [float(w) for w in weights]})


def _trim(cases: ir.Table, sd: Decimal) -> ir.Table:
    x = cases.cost.cast("float64")
    stats = cases.group_by("group_code", "setl_year").agg(t_mean=x.mean(), t_sd=x.std())
    t = cases.join(stats, ["group_code", "setl_year"])
    dev = (t.cost.cast("float64") - t.t_mean).abs()
    return t.mutate(kept=t.t_sd.isnull() | (dev <= t.t_sd * float(sd))).drop("t_mean", "t_sd")


def _weighted_mean(kept: ir.Table, weights: ir.Table, keys: list[str]) -> ir.Table:
    """Σ w_y · mean_y / Σ w_y over the years present, per ``keys``."""
    x = kept.cost.cast("float64")
    yearly = kept.group_by([*keys, "setl_year"]).agg(ym=x.mean())
    yw = yearly.join(weights, yearly.setl_year == weights.w_year)
    return yw.group_by(keys).agg(wmean=(yw.ym * yw.w).sum() / yw.w.sum())


def history_combos(feats: ir.Table, params: DipCatalog) -> ir.Table:
    """The merged combinations of the history cases outside the bed-day / day-surgery lists."""
    plain = feats.mutate(listed=listed_group(feats, params))
    return merge_combinations(plain.filter(plain.listed.isnull()).drop("listed"), params)


def assign_history(feats: ir.Table, combos: ir.Table, params: DipCatalog) -> ir.Table:
    """History cases with ``group_code``, ``group_type`` and ``kept`` (not trimmed) — cache this."""
    first = assign_groups(feats, combos, None, params)
    # comprehensive groups too small for a stable mean fall into their kind's catalog-wide group
    sizes = first.group_by("group_code").agg(size=first.count())
    small = sizes.filter(sizes.size < params.min_core_cases).select(s_code="group_code")
    a = first.left_join(small, first.group_code == small.s_code)
    to_fallback = a.s_code.notnull() & (a.group_type == "comprehensive")
    a = a.mutate(
        group_code=ibis.ifelse(to_fallback, "*#" + _suffix(a.kind_rank), a.group_code),
        group_type=ibis.ifelse(to_fallback, "fallback", a.group_type),
    ).drop("s_code")
    return _trim(a, params.trim_sd)


def build_catalog(assigned: ir.Table, combos: ir.Table, params: DipCatalog, years: list[int]) -> CatalogExprs:
    """The catalog from :func:`assign_history`'s output (``years`` oldest first, matching the weights)."""
    weights = _weights(params, years)
    kept = assigned.filter(assigned.kept)

    x = kept.cost.cast("float64")
    gstats = kept.group_by("group_code").agg(
        kept_count=x.count(), var_pop=x.var(how="pop"), sd_pop=x.std(how="pop"), plain_mean=x.mean(),
        mean_days=kept.ipt_days.mean(), died_share=kept.died.cast("int32").mean())
    counts = assigned.group_by("group_code", "group_type").agg(
        case_count=assigned.count(), diag=assigned.subcat.min(), combo=assigned.combo.max(),
        kind_rank=assigned.kind_rank.max())
    wm = _weighted_mean(kept, weights, ["group_code"])
    kept1 = kept.mutate(all_key=ibis.literal(1))
    overall = _weighted_mean(kept1, weights, ["all_key"])
    groups = counts.join(gstats, "group_code").join(wm, "group_code")
    groups = groups.cross_join(overall.select(all_mean="wmean"))

    base_mean, method = _denominator(groups, params)
    groups = groups.cross_join(base_mean)
    scale = float(params.score_scale)
    score = ((groups.wmean / groups.denominator) * scale)
    days_score = ibis.literal(float(params.lists.bed_day_points_per_day))
    score = ibis.ifelse(groups.group_type == "bed_day", days_score, score)
    if params.score_method == "quota" and params.quota_scores:
        quota = ibis.cases(*((groups.group_code == k, float(v)) for k, v in params.quota_scores.items()), else_=score)
        score = quota
    grassroots = groups.group_code.isin([f"{g}:" for g in params.grassroots_groups])
    groups = groups.mutate(
        mean_cost=groups.wmean.round(2).cast(MONEY),
        cv=(groups.sd_pop / groups.plain_mean).round(4).fill_null(0),
        mean_days=groups.mean_days.round(2),
        score=score.round(4).cast(POINTS),
        grassroots=grassroots,
        method=ibis.literal(method),
        all_mean=groups.all_mean.round(2),
        base_mean=groups.denominator.round(2),
    ).drop("wmean", "denominator", "plain_mean", "sd_pop")
    return CatalogExprs(groups=groups, combos=combos, assigned=assigned,
                        summary=catalog_summary(assigned, groups))


def catalog_summary(assigned: ir.Table, groups: ir.Table) -> ir.Table:
    """One row: cases, core cases, core coverage, RIV (1 − within-group SS ÷ total SS), the all-case CV and
    the groups' case-weighted mean CV (``group_cv``), means, method."""
    kept = assigned.filter(assigned.kept)
    x = kept.cost.cast("float64")
    total = kept.aggregate(n_all=x.count(), var_all=x.var(how="pop"), sd_all=x.std(how="pop"), mean_x=x.mean())
    within = groups.aggregate(ss=(groups.var_pop.fill_null(0) * groups.kept_count).sum(),
                              cv_weighted=(groups.cv.cast("float64") * groups.kept_count).sum(),
                              n_groups_kept=groups.kept_count.sum(),
                              all_mean=groups.all_mean.max(), base_mean=groups.base_mean.max(),
                              method=groups.method.max())
    cover = assigned.aggregate(cases=assigned.count(),
                               core=(assigned.group_type == "core").cast("int64").sum())
    summary = cover.cross_join(total).cross_join(within)
    return summary.mutate(
        core_coverage=(summary.core / summary.cases).round(4),
        riv=(1 - summary.ss / (summary.var_all * summary.n_all)).round(4),
        all_cv=(summary.sd_all / summary.mean_x).round(4),
        group_cv=(summary.cv_weighted / summary.n_groups_kept).round(4),
    ).select("cases", "core", "core_coverage", "riv", "all_cv", "group_cv", "all_mean", "base_mean", "method")


def _denominator(groups: ir.Table, params: DipCatalog) -> tuple[ir.Table, str]:
    """The score denominator: the all-case mean, or the base group's mean (one-row table)."""
    if params.score_method != "base_group" or params.base_group is None:
        return groups.aggregate(denominator=groups.all_mean.max()), "mean_cost"
    base = params.base_group
    code = f"{base.diag}:{base.oprn}"
    found = groups.filter((groups.group_code == code) & (groups.case_count >= params.min_core_cases))
    row = found.aggregate(denominator=found.wmean.max(), n=found.count())
    return row.select("denominator"), "base_group"


def base_group_cases(assigned: ir.Table, params: DipCatalog) -> ir.IntegerScalar:
    """History cases in the base group (the service falls back or refuses when below ``min_core_cases``)."""
    base = params.base_group
    code = f"{base.diag}:{base.oprn}" if base is not None else ""
    return assigned.filter(assigned.group_code == code).count()


__all__ = ["CatalogExprs", "assign_groups", "assign_history", "base_group_cases", "catalog_summary", "history_combos", "build_catalog", "listed_group",
           "merge_combinations"]
