"""Case points (病例分值) for DIP settlement, as Ibis expressions.

    base points = group score × institution coefficient × subtype coefficient   (bed-day groups × 住院天数)
    institution coefficient = basic[level] + bonus[evaluation grade]; 基层病种 use ``grassroots`` (1)
    same-level standard 同级别标准费用 = score × subtype coefficient × basic[level] × expected point value
    cost ratio 费用倍率 = case cost ÷ standard
    low  (ratio < low_ratio):   points = base × ratio
    high (ratio > high_ratio):  points = base × (1 + (ratio − high_ratio) × high_extra_factor)
    特例单议: cases with ratio ≥ special_review_ratio are queued (most extreme first, at most
    ``special_review_cap`` of the cases); a reviewer's decision replaces the points.

Points are DECIMAL(18,4), rounded half-up after each factor (:func:`_pts`, the only rounding point);
the cost ratio is rounded to 6 decimals.
"""

from __future__ import annotations

from decimal import Decimal

import ibis
import ibis.expr.types as ir

from yibao.payment.policy import Dip

POINTS = "decimal(18, 4)"
COEF = "decimal(9, 4)"
RATIO = "decimal(18, 6)"
MONEY = "decimal(18, 2)"

OUTLIER_LABELS = {"normal": "正常", "low": "低倍率", "high": "高倍率", "review": "特例单议", "pending": "特例单议待审"}


def _pts(value: ir.NumericValue) -> ir.DecimalValue:
    return value.round(4).cast(POINTS)


def _dec(value: Decimal, type_: str = COEF) -> ir.DecimalScalar:
    return ibis.literal(value, type=type_)


def institution_coefficients(institutions: ir.Table, evaluations: ir.Table | None, params: Dip) -> ir.Table:
    """(fixmedins_code, hosp_lv, basic_coef, bonus_coef, eval_grade) for every institution."""
    inst = params.institution
    lowest = min(inst.basic)
    level = institutions.hosp_lv.coalesce(lowest)
    basic = ibis.cases(*((level == k, _dec(v)) for k, v in inst.basic.items()), else_=_dec(inst.basic[lowest]))
    t = institutions.select("fixmedins_code", hosp_lv=level, basic_coef=basic.cast(COEF))
    if evaluations is None:
        return t.mutate(eval_grade=ibis.literal(""), bonus_coef=_dec(Decimal(0)))
    e = evaluations.select(e_code="fixmedins_code", eval_grade="eval_grade")
    t = t.left_join(e, t.fixmedins_code == e.e_code).drop("e_code")
    grade = t.eval_grade.coalesce("")
    bonus = ibis.cases(*((grade == k, _dec(v)) for k, v in inst.bonus.items()), else_=_dec(Decimal(0)))
    return t.mutate(eval_grade=grade, bonus_coef=bonus.cast(COEF))


def base_points(cases: ir.Table, groups: ir.Table, coefficients: ir.Table, params: Dip,
                expected_pv: Decimal) -> ir.Table:
    """Cases (with group_code, subtype_coef) → score, coefficients, base points, standard cost, cost ratio."""
    g = groups.select(g_code="group_code", score="score", grassroots="grassroots", g_type="group_type")
    t = cases.left_join(g, cases.group_code == g.g_code).drop("g_code")
    c = coefficients.select(i_code="fixmedins_code", hosp_lv="hosp_lv", basic_coef="basic_coef",
                            bonus_coef="bonus_coef")
    t = t.left_join(c, t.fixmedins_code == c.i_code).drop("i_code")
    grass = _dec(params.institution.grassroots)
    inst_coef = ibis.ifelse(t.grassroots, grass, (t.basic_coef + t.bonus_coef)).cast(COEF)
    level_coef = ibis.ifelse(t.grassroots, grass, t.basic_coef).cast(COEF)
    per_day = ibis.ifelse(t.g_type == "bed_day", t.ipt_days, 1)
    scored = _pts(_pts(_pts(t.score * inst_coef) * t.subtype_coef) * per_day.cast("decimal(9, 0)"))
    std = (_pts(_pts(t.score * t.subtype_coef) * level_coef) * per_day.cast("decimal(9, 0)")
           * _dec(expected_pv, "decimal(18, 6)")).round(2).cast(MONEY)
    ratio = ibis.ifelse(std > 0, (t.cost.cast("float64") / std.cast("float64")).round(6), 1.0).cast(RATIO)
    return t.mutate(inst_coef=inst_coef, base_points=scored, std_cost=std, cost_ratio=ratio).drop("g_type")


def review_queue(points: ir.Table, params: Dip) -> ir.Table:
    """特例单议 candidates: ratio ≥ the special-review multiple, most extreme first, at most cap × cases."""
    out = params.outliers
    cap = (points.count() * float(out.special_review_cap)).floor()
    cand = points.filter(points.cost_ratio >= _dec(out.special_review_ratio, RATIO))
    ranked = cand.mutate(queue_rank=ibis.row_number().over(order_by=[ibis.desc("cost_ratio"), "case_id"]))
    ranked = ranked.filter(ranked.queue_rank < cap)
    return ranked.select("case_id", "fixmedins_code", "insutype", "group_code", "cost", "std_cost", "cost_ratio",
                         "base_points", queue_rank=(ranked.queue_rank + 1).cast("int32"))


def case_points(scored: ir.Table, queue: ir.Table, decisions: ir.Table | None, params: Dip) -> ir.Table:
    """Final points with ``outlier`` (normal / low / high / review / pending) and the review reason."""
    out = params.outliers
    q = queue.select(q_case="case_id")
    t = scored.left_join(q, scored.case_id == q.q_case)
    if decisions is not None:
        d = decisions.select(d_case="case_id", review_points="points", review_reason="reason", reviewer="reviewer")
        t = t.left_join(d, t.case_id == d.d_case).drop("d_case")
    else:
        t = t.mutate(review_points=ibis.null(POINTS), review_reason=ibis.null("string"),
                     reviewer=ibis.null("string"))
    low = t.cost_ratio < _dec(out.low_ratio, RATIO)
    high = t.cost_ratio > _dec(out.high_ratio, RATIO)
    listed = t.group_type.isin(["bed_day"])
    extra = _pts((t.cost_ratio - _dec(out.high_ratio, RATIO)) * _dec(out.high_extra_factor)) + 1
    queued = t.q_case.notnull()
    reviewed = queued & t.review_points.notnull()
    outlier = ibis.cases(
        (reviewed, "review"), (listed, "normal"), (queued, "pending"), (low, "low"), (high, "high"),
        else_="normal")
    points = ibis.cases(
        (outlier == "review", t.review_points.cast(POINTS)),
        (outlier == "low", _pts(t.base_points * t.cost_ratio)),
        ((outlier == "high") | (outlier == "pending"), _pts(t.base_points * extra)),
        else_=t.base_points)
    return t.mutate(outlier=outlier, points=points.cast(POINTS)).drop("q_case")


__all__ = ["OUTLIER_LABELS", "base_points", "case_points", "institution_coefficients", "review_queue"]
