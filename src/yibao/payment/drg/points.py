"""DRG points (DRG 点数) as Ibis expressions: base points per DRG from the region's history, then case points.

Base points (基准点数), per DRG, from the grouped history cases:

1. trimming: within each DRG-year, cases below ``trim_low_ratio`` × the mean or above
   ``trim_high_multiple`` × the mean are left out (极端值剔除);
2. each DRG's mean cost is the years' kept means weighted ``history_weights`` (1:2:7, oldest first, the
   last weights when fewer years exist); the all-case mean the same way over every kept case;
3. base points = DRG mean ÷ all-case mean × ``points_scale`` (100), DECIMAL(18,4);
4. flags: ``small`` (kept cases < ``min_group_cases``), ``unstable`` (CV of kept cases > ``max_group_cv``).

Case points (病例点数), with the cost ratio r = case cost ÷ DRG mean (DECIMAL(18,6)):

- normal 正常:      base × coef (差异系数: basic[level] + bonus, or blended with the hospital's history)
- high 高倍率 (r > the multiple of the DRG's base-point tier):
  base × coef + base × (r − multiple) × ``high_pay_ratio``  (浙江点数法与国家试点通行口径)
- low 低倍率 (r < ``low_ratio``):  base × r
- review 特例单议: the most extreme high cases, at most ``special_review_share`` of the cases, are
  queued; until a reviewer decides they are paid base × r (their actual cost), a decision replaces it;
- ungrouped 未入组 / DRGs without base points: cost ÷ all-case mean × ``points_scale``.

Points are rounded half-up to 4 decimals after each factor (:func:`_pts`, the only rounding point here).
"""

from __future__ import annotations

from decimal import Decimal

import ibis
import ibis.expr.types as ir
from pydantic import BaseModel, ConfigDict, ValidationError

from yibao.errors import ErrorCode, PolicyError
from yibao.payment.drg.model import GroupStatus
from yibao.payment.policy import Drg, PaymentPack
from yibao.policy.loader import policy_error

POINTS = "decimal(18, 4)"
COEF = "decimal(9, 4)"
RATIO = "decimal(18, 6)"
MONEY = "decimal(18, 2)"
GROUPED = GroupStatus.GROUPED.value

CASE_TYPES = {"normal": "正常病例", "high": "高倍率病例", "low": "低倍率病例", "review": "特例单议",
              "reviewed": "特例单议（已评审）", "ungrouped": "未入组/无基准点数（按费用折算）"}


class DrgRules(BaseModel):
    """The DRG parameters the engines read: the pack's ``[drg]``, with overrides for what-if runs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    drg: Drg

    @classmethod
    def from_pack(cls, pack: PaymentPack, **overrides: object) -> DrgRules:
        if pack.drg is None:
            raise PolicyError(ErrorCode.POLICY_INVALID, field="drg", detail=f"支付参数包 {pack.pack_id} 没有 [drg]")
        try:
            return cls(drg=Drg.model_validate({**pack.drg.model_dump(), **overrides}))
        except ValidationError as exc:
            raise policy_error(exc, f"{pack.pack_id} [drg]") from exc


def _pts(value: ir.NumericValue) -> ir.DecimalValue:
    return _fixed(value, 4).cast(POINTS)


def _fixed(value: ir.NumericValue, places: int) -> ir.DecimalValue:
    """Round half-up to ``places`` as a DECIMAL. A float is first fixed to 4 more places, so DuckDB and
    Spark (whose float sums differ in the last bits) round a mean that is exactly on a half the same way."""
    if value.type().is_floating():
        value = value.cast(f"decimal(28, {places + 4})")
    return value.round(places)


def _dec(value: Decimal, type_: str = COEF) -> ir.DecimalScalar:
    return ibis.literal(value, type=type_)


def _weights(rules: DrgRules, years: list[int]) -> ir.Table:
    weights = list(rules.drg.history_weights)[-len(years):]
    if len(weights) < len(years):
        raise PolicyError(ErrorCode.POLICY_INVALID, field="drg.history_weights",
                          detail=f"权重 {len(weights)} 个少于历史年度 {len(years)} 个")
    return ibis.memtable({"w_year": years, "w": [float(w) for w in weights]})


def trim(history: ir.Table, rules: DrgRules) -> ir.Table:
    """Grouped history cases with ``kept`` (inside the DRG-year's trimming bounds)."""
    t = history.filter(history.status == GROUPED)
    x = t.cost.cast("float64")
    stats = t.group_by("drg", "setl_year").agg(t_mean=x.mean())
    t = t.join(stats, ["drg", "setl_year"])
    c = t.cost.cast("float64")
    kept = (c >= t.t_mean * float(rules.drg.trim_low_ratio)) & (c <= t.t_mean * float(rules.drg.trim_high_multiple))
    return t.mutate(kept=kept).drop("t_mean")


def _weighted_mean(kept: ir.Table, weights: ir.Table, keys: list[str]) -> ir.Table:
    x = kept.cost.cast("float64")
    yearly = kept.group_by([*keys, "setl_year"]).agg(ym=x.mean())
    yw = yearly.join(weights, yearly.setl_year == weights.w_year)
    return yw.group_by(keys).agg(wmean=(yw.ym * yw.w).sum() / yw.w.sum())


def base_points(history: ir.Table, rules: DrgRules, years: list[int]) -> ir.Table:
    """One row per DRG of the history: counts, mean cost, CV, base points, ``small`` / ``unstable`` flags.

    ``history`` has ``case_id, setl_year, drg, status, cost``; ``years`` oldest first.
    """
    weights = _weights(rules, years)
    trimmed = trim(history.filter(history.setl_year.isin(years)), rules)
    kept = trimmed.filter(trimmed.kept)
    x = kept.cost.cast("float64")
    stats = kept.group_by("drg").agg(kept_count=x.count(), sd=x.std(how="pop"), plain_mean=x.mean())
    counts = trimmed.group_by("drg").agg(case_count=trimmed.count())
    wm = _weighted_mean(kept, weights, ["drg"])
    overall = _weighted_mean(kept.mutate(all_key=ibis.literal(1)), weights, ["all_key"]).select(all_mean="wmean")
    g = counts.join(stats, "drg").join(wm, "drg").cross_join(overall)
    cv = (g.sd / g.plain_mean).round(4).fill_null(0)
    g = g.mutate(
        mean_cost=_fixed(g.wmean, 2).cast(MONEY),
        cv=cv,
        base_points=_pts(g.wmean / g.all_mean * float(rules.drg.points_scale)),
        small=g.kept_count < rules.drg.min_group_cases,
        unstable=cv > float(rules.drg.max_group_cv),
        all_mean=_fixed(g.all_mean, 2).cast(MONEY),
    )
    return g.select("drg", "case_count", "kept_count", "mean_cost", "cv", "base_points", "small", "unstable",
                    "all_mean")


def hospital_coefficients(institutions: ir.Table, history: ir.Table | None, base: ir.Table,
                          rules: DrgRules, evaluations: ir.Table | None = None) -> ir.Table:
    """差异系数 per hospital: ``fixmedins_code, hosp_lv, level_coef, history_ratio, coef``.

    ``level``: basic[level] + bonus[grade]. ``blend``: (1 − share) × that + share × the hospital's
    history cost ratio (Σ its kept cases' cost ÷ Σ their DRG means), rounded to 4 decimals.
    """
    inst = rules.drg.institution
    lowest = min(inst.basic)
    level = institutions.hosp_lv.coalesce(lowest)
    basic = ibis.cases(*((level == k, _dec(v)) for k, v in inst.basic.items()), else_=_dec(inst.basic[lowest]))
    t = institutions.select("fixmedins_code", hosp_lv=level, level_coef=basic.cast(COEF))
    if evaluations is not None and inst.bonus:
        e = evaluations.select(e_code="fixmedins_code", eval_grade="eval_grade")
        t = t.left_join(e, t.fixmedins_code == e.e_code).drop("e_code")
        bonus = ibis.cases(*((t.eval_grade == k, _dec(v)) for k, v in inst.bonus.items()), else_=_dec(Decimal(0)))
        t = t.mutate(level_coef=(t.level_coef + bonus).cast(COEF)).drop("eval_grade")
    if rules.drg.coefficient_basis == "level" or history is None:
        return t.mutate(history_ratio=ibis.null(RATIO), coef=t.level_coef)
    kept = trim(history, rules)
    kept = kept.filter(kept.kept)
    b = base.select(b_drg="drg", b_mean="mean_cost")
    k = kept.join(b, kept.drg == b.b_drg)
    ratios = k.group_by("fixmedins_code").agg(
        history_ratio=_fixed(k.cost.cast("float64").sum() / k.b_mean.cast("float64").sum(), 6).cast(RATIO))
    r = ratios.select(r_code="fixmedins_code", history_ratio="history_ratio")
    t = t.left_join(r, t.fixmedins_code == r.r_code).drop("r_code")
    share = rules.drg.history_coef_share
    blended = (t.level_coef * _dec(1 - share) + t.history_ratio * _dec(share)).round(4)
    return t.mutate(coef=blended.coalesce(t.level_coef).cast(COEF))


def _high_multiple(base_pts: ir.DecimalValue, rules: DrgRules) -> ir.DecimalValue:
    tiers = rules.drg.high_tiers
    branches = [(base_pts <= _dec(t.upto_points, POINTS), _dec(t.high_multiple, RATIO)) for t in tiers]
    return ibis.cases(*branches, else_=_dec(tiers[-1].high_multiple, RATIO))


def score_cases(cases: ir.Table, base: ir.Table, coefs: ir.Table, rules: DrgRules) -> ir.Table:
    """Cases (``case_id, fixmedins_code, drg, status, cost``) → base points, coef, cost ratio,
    high multiple and the provisional ``case_type`` (normal / high / low / ungrouped)."""
    b = base.select(b_drg="drg", base_points="base_points", mean_cost="mean_cost")
    t = cases.left_join(b, (cases.drg == b.b_drg) & (cases.status == GROUPED)).drop("b_drg")
    c = coefs.select(i_code="fixmedins_code", hosp_lv="hosp_lv", coef="coef")
    t = t.left_join(c, t.fixmedins_code == c.i_code).drop("i_code")
    all_mean = base.aggregate(all_mean=base.all_mean.max())
    t = t.cross_join(all_mean)
    coef = t.coef.coalesce(_dec(Decimal(1))).cast(COEF)
    priced = t.base_points.notnull() & (t.mean_cost > 0)
    ratio = ibis.ifelse(priced, _fixed(t.cost.cast("float64") / t.mean_cost.cast("float64"), 6),
                        ibis.null(RATIO)).cast(RATIO)
    multiple = _high_multiple(t.base_points, rules)
    case_type = ibis.cases(
        (~priced, "ungrouped"),
        (ratio > multiple, "high"),
        (ratio < _dec(rules.drg.low_ratio, RATIO), "low"),
        else_="normal")
    return t.mutate(coef=coef, cost_ratio=ratio, high_multiple=ibis.ifelse(priced, multiple, ibis.null(RATIO)),
                    case_type=case_type)


def review_queue(scored: ir.Table, rules: DrgRules) -> ir.Table:
    """特例单议 queue: high cases, most extreme first, at most floor(cases × share) of the scope."""
    cap = (scored.count() * float(rules.drg.special_review_share)).floor()
    cand = scored.filter(scored.case_type == "high")
    ranked = cand.mutate(queue_rank=ibis.row_number().over(order_by=[ibis.desc("cost_ratio"), "case_id"]))
    ranked = ranked.filter(ranked.queue_rank < cap)
    return ranked.select("case_id", "fixmedins_code", "drg", "cost", "cost_ratio", "base_points",
                         queue_rank=(ranked.queue_rank + 1).cast("int32"))


def case_points(scored: ir.Table, queue: ir.Table, rules: DrgRules, decisions: ir.Table | None = None) -> ir.Table:
    """Final ``points`` and ``case_type`` (``review`` when queued, ``reviewed`` once decided)."""
    q = queue.select(q_case="case_id")
    t = scored.left_join(q, scored.case_id == q.q_case)
    if decisions is not None:
        d = decisions.select(d_case="case_id", review_points="points", review_reason="reason")
        t = t.left_join(d, t.case_id == d.d_case).drop("d_case")
    else:
        t = t.mutate(review_points=ibis.null(POINTS), review_reason=ibis.null("string"))
    queued = t.q_case.notnull()
    case_type = ibis.cases(
        (queued & t.review_points.notnull(), "reviewed"), (queued, "review"), else_=t.case_type)
    scale = float(rules.drg.points_scale)
    normal = _pts(t.base_points * t.coef)
    extra = _pts(_pts(t.base_points * (t.cost_ratio - t.high_multiple)) * _dec(rules.drg.high_pay_ratio))
    by_cost = _pts(t.base_points * t.cost_ratio)
    points = ibis.cases(
        (case_type == "reviewed", t.review_points.cast(POINTS)),
        (case_type == "ungrouped", _pts(t.cost.cast("float64") / t.all_mean.cast("float64") * scale)),
        (case_type == "review", by_cost),
        (case_type == "high", normal + extra),
        (case_type == "low", by_cost),
        else_=normal)
    return t.mutate(case_type=case_type, points=points.cast(POINTS)).drop("q_case")


__all__ = ["CASE_TYPES", "DrgRules", "base_points", "case_points", "hospital_coefficients", "review_queue",
           "score_cases", "trim"]
