"""The rule kinds (规则引擎): one small function per kind, judging one fee line against one entry.

Each returns a :class:`Hit` or ``None``. They read the visit through :class:`Context` and take every
number from the entry (the national batch) or from :class:`RuleParams` (the policy), never from code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from yibao.errors import ErrorCode, PolicyError
from yibao.money import fen
from yibao.supervision.rules.model import ResultType, Rule, RuleEntry, RuleKind, Window
from yibao.supervision.review.context import Charge, Context
from yibao.supervision.review.visit import (
    CARE_SETTINGS,
    GEND_LABELS,
    INSUTYPE_LABELS,
    LEVEL_LABELS,
    LEVELS,
    SETTING_LABELS,
    Hit,
)

Check = Callable[[Context, Charge, Rule, RuleEntry], Hit | None]


def _hit(
    rule: Rule,
    entry: RuleEntry,
    charge: Charge,
    cont: str,
    amount: Decimal,
    facts: str,
    related: tuple[str, ...] = (),
    result_type: ResultType | None = None,
) -> Hit:
    line = charge.line
    evid = (
        f"{rule.rule_name}（{rule.source} 第{entry.row}行，限定“{entry.source_text}”）；"
        f"{entry.name} {line.med_list_codg}；{facts}"
    )
    return Hit(
        rule_id=rule.rule_id,
        rule_name=rule.rule_name,
        kind=rule.kind,
        result_type=result_type or rule.result_type,
        sev_deg=rule.severity.value,
        vola_bhvr_type=rule.vola_bhvr_type.value,
        feedetl_sn=line.feedetl_sn,
        med_list_codg=line.med_list_codg,
        vola_cont=cont,
        vola_amt=fen(amount),
        vola_evid=evid[:500],  # the national field holds 500 characters
        related_sn=related,
    )


def check_sex(ctx: Context, charge: Charge, rule: Rule, entry: RuleEntry) -> Hit | None:
    gend = ctx.visit.person.gend
    if gend not in GEND_LABELS or gend == entry.sex:
        return None
    allowed = GEND_LABELS.get(entry.sex or "", "?")
    cont = f"{entry.name}限{allowed}性使用，参保人性别为{GEND_LABELS[gend]}"
    return _hit(rule, entry, charge, cont, charge.line.det_item_fee_sumamt, f"参保人性别 gend={gend}")


def check_age(ctx: Context, charge: Charge, rule: Rule, entry: RuleEntry) -> Hit | None:
    limit = ctx.params.age_objects.get(entry.age_object or "")
    if limit is None:
        raise PolicyError(ErrorCode.POLICY_INVALID, field="age_objects", detail=f"缺少“{entry.age_object}”的年龄参数")
    day = charge.day
    age = ctx.age_years(day) if limit.unit == "year" else ctx.age_days(day)
    if age < limit.below:
        return None
    unit = "岁" if limit.unit == "year" else "天"
    cont = f"{entry.name}限{entry.age_object}使用（{limit.below}{unit}以下），参保人年龄{age}{unit}"
    facts = f"出生日期 {ctx.visit.person.brdy}，费用日期 {day}，年龄 {age}{unit} ≥ {limit.below}{unit}"
    return _hit(rule, entry, charge, cont, charge.line.det_item_fee_sumamt, facts)


def check_working_age(ctx: Context, charge: Charge, rule: Rule, entry: RuleEntry) -> Hit | None:
    person = ctx.visit.person
    age = ctx.age_years(charge.day)
    if person.beyond_working_age is not None:
        beyond, basis = person.beyond_working_age, "参保信息标记超出法定就业年龄"
    else:
        limit = ctx.params.working_age.get(person.gend)
        if limit is None:
            return None
        beyond, basis = age >= limit, f"年龄 {age} 岁 ≥ 法定就业年龄 {limit} 岁"
    if not beyond:
        return None
    cont = f"{entry.name}：参保人年龄{age}岁，超出法定就业年龄"
    return _hit(rule, entry, charge, cont, charge.line.det_item_fee_sumamt, basis)


def check_insutype(ctx: Context, charge: Charge, rule: Rule, entry: RuleEntry) -> Hit | None:
    insutype = ctx.visit.insutype
    if insutype in entry.insutypes:
        return None
    allowed = "、".join(INSUTYPE_LABELS.get(code, code) for code in entry.insutypes)
    cont = f"{entry.name}限{allowed}支付，本次就诊险种为{INSUTYPE_LABELS.get(insutype, insutype)}"
    return _hit(rule, entry, charge, cont, charge.line.det_item_fee_sumamt, f"险种 insutype={insutype}")


def check_setting(ctx: Context, charge: Charge, rule: Rule, entry: RuleEntry) -> Hit | None:
    setting = CARE_SETTINGS[ctx.visit.med_type]
    if setting in entry.settings:
        return None
    allowed = "或".join(SETTING_LABELS[s] for s in entry.settings)
    cont = f"{entry.name}限{allowed}患者支付，本次就医方式为{SETTING_LABELS[setting]}"
    return _hit(rule, entry, charge, cont, charge.line.det_item_fee_sumamt, f"医疗类别 med_type={ctx.visit.med_type}")


def check_level(ctx: Context, charge: Charge, rule: Rule, entry: RuleEntry) -> Hit | None:
    level = LEVELS[ctx.visit.hosp_lv]
    if entry.min_level is None or level >= entry.min_level:
        return None
    cont = f"{entry.name}限{LEVEL_LABELS[entry.min_level]}及以上医疗机构支付，本机构为{LEVEL_LABELS[level]}"
    return _hit(rule, entry, charge, cont, charge.line.det_item_fee_sumamt, f"医院等级 hosp_lv={ctx.visit.hosp_lv}")


def _in_window(ctx: Context, entry: RuleEntry, line_charge: Charge, other: Charge) -> bool:
    if entry.window is Window.VISIT:
        return other.mdtrt_id == ctx.visit.mdtrt_id
    if entry.window is Window.DAY:
        return other.day == line_charge.day
    if entry.window is Window.HOURS and entry.window_hours is not None:
        gap = abs(other.line.fee_ocur_time - line_charge.line.fee_ocur_time)
        return gap <= dt.timedelta(hours=entry.window_hours)
    return False


def check_duplicate(ctx: Context, charge: Charge, rule: Rule, entry: RuleEntry) -> Hit | None:
    """主项 and 从项 charged within the window: the 从项 line is the violation."""
    primaries = [c for c in ctx.by_code.get(entry.pair_code or "", ()) if _in_window(ctx, entry, charge, c)]
    if not primaries:
        return None
    window = entry.source_text
    cont = f"{entry.pair_name}已包含{entry.name}，{window}内重复收取{entry.name}"
    related = tuple(c.line.feedetl_sn for c in primaries)
    facts = f"主项 {entry.pair_code} 明细 {','.join(related)}；窗口 {window}"
    return _hit(rule, entry, charge, cont, charge.line.det_item_fee_sumamt, facts, related)


def check_frequency(ctx: Context, charge: Charge, rule: Rule, entry: RuleEntry) -> Hit | None:
    """More than ``max_per_day`` in one calendar day: the excess quantity × price."""
    if entry.max_per_day is None:
        return None
    same_day = [c for c in ctx.by_code[charge.line.med_list_codg] if c.day == charge.day and c.order <= charge.order]
    total = sum((c.line.cnt for c in same_day), Decimal(0))
    excess = min(charge.line.cnt, total - entry.max_per_day)
    if excess <= 0:
        return None
    cont = f"{entry.name}每日限{entry.source_text}，{charge.day}累计{total}，超出{excess}"
    related = tuple(c.line.feedetl_sn for c in same_day if c is not charge)
    facts = f"当日累计数量 {total} > {entry.max_per_day}"
    return _hit(rule, entry, charge, cont, excess * charge.line.pric, facts, related)


def _period_excess(ctx: Context, charge: Charge, codes: frozenset[str], n: int, days: int) -> tuple[Decimal, Decimal]:
    """(count in the rolling window ending at this charge, the excess of this charge over n)."""
    window = [
        c for c in ctx.of_codes(codes) if c.order <= charge.order and (charge.day - c.day).days < days
    ]
    count = sum((c.line.cnt for c in window), Decimal(0))
    return count, min(charge.line.cnt, count - n)


def check_period(ctx: Context, charge: Charge, rule: Rule, entry: RuleEntry) -> Hit | None:
    """More than ``period_n`` within ``period_days`` days: the excess quantity × price."""
    if entry.period_n is None or entry.period_days is None:
        return None
    count, excess = _period_excess(ctx, charge, ctx.index.codes_of(entry), entry.period_n, entry.period_days)
    if excess <= 0:
        return None
    cont = f"{entry.name}{entry.period_days}天内限{entry.period_n}次，截至{charge.day}累计{count}次"
    facts = f"{entry.period_days}天内累计 {count} > {entry.period_n}"
    return _hit(rule, entry, charge, cont, excess * charge.line.pric, facts)


def _course_start(days: list[dt.date], max_days: int) -> dt.date:
    """The first day of the course this charge belongs to: a gap longer than the course limit itself
    starts a new course (a new episode of the disease)."""
    start = days[0]
    for before, after in zip(days, days[1:]):
        if (after - before).days > max_days:
            start = after
    return start


def check_course(ctx: Context, charge: Charge, rule: Rule, entry: RuleEntry) -> Hit | None:
    """Payable for at most ``max_days`` (span from the course's first charge), with charges at least
    ``min_interval_days`` apart and at most ``period_n`` per ``period_days``."""
    codes = ctx.index.codes_of(entry)
    upto = [c for c in ctx.of_codes(codes) if c.order <= charge.order]
    findings: list[str] = []
    amount = Decimal(0)
    if entry.max_days is not None:
        days = sorted({c.day for c in upto})
        span = (charge.day - _course_start(days, entry.max_days)).days + 1
        if span > entry.max_days:
            findings.append(f"疗程第{span}天，超过{entry.max_days}天")
            amount = charge.line.det_item_fee_sumamt
    if entry.min_interval_days is not None and len(upto) > 1:
        gap = (charge.day - upto[-2].day).days
        if gap < entry.min_interval_days:
            findings.append(f"距上次收费{gap}天，短于{entry.min_interval_days}天")
            amount = charge.line.det_item_fee_sumamt
    if entry.period_n is not None and entry.period_days is not None:
        count, excess = _period_excess(ctx, charge, codes, entry.period_n, entry.period_days)
        if excess > 0:
            findings.append(f"{entry.period_days}天内累计{count}次，超过{entry.period_n}次")
            amount = max(amount, excess * charge.line.pric)
    if not findings:
        return None
    cont = f"{entry.name}{entry.source_text}：{'；'.join(findings)}"
    related = tuple(c.line.feedetl_sn for c in upto if c is not charge)[-5:]
    return _hit(rule, entry, charge, cont, amount, "；".join(findings), related)


def check_operation(ctx: Context, charge: Charge, rule: Rule, entry: RuleEntry) -> Hit | None:
    """Two or more different operations of one incision group on one day in this visit: every one
    but the dearest is secondary and must be charged at ``secondary_ratio`` of its list price."""
    group = [
        c for c in ctx.of_codes(ctx.index.codes_of(entry)) if c.current and c.day == charge.day
    ]
    if len({c.line.med_list_codg for c in group}) < 2:
        return None
    primary = max(group, key=lambda c: (c.line.hilist_pric or c.line.pric, -c.order[2]))
    line = charge.line
    if line.med_list_codg == primary.line.med_list_codg:
        return None
    ratio = ctx.params.secondary_ratio
    if line.hilist_pric is not None:
        allowed = line.hilist_pric * ratio
        if line.pric <= allowed:
            return None
        amount, result = (line.pric - allowed) * line.cnt, ResultType.CLEAR
        facts = f"单价 {line.pric} > 目录价 {line.hilist_pric} × {ratio}"
    else:
        amount, result = line.det_item_fee_sumamt * (1 - ratio), ResultType.SUSPECT
        facts = f"未报目录价，按计收比例 {ratio} 估算"
    cont = f"同一切口{entry.group}的第二及以后手术{entry.name}未按{ratio}折价计收（主手术 {primary.line.med_list_codg}）"
    return _hit(rule, entry, charge, cont, amount, facts, (primary.line.feedetl_sn,), result)


CHECKS: dict[RuleKind, Check] = {
    RuleKind.SEX: check_sex,
    RuleKind.AGE: check_age,
    RuleKind.WORKING_AGE: check_working_age,
    RuleKind.INSUTYPE: check_insutype,
    RuleKind.SETTING: check_setting,
    RuleKind.LEVEL: check_level,
    RuleKind.DUPLICATE: check_duplicate,
    RuleKind.FREQUENCY: check_frequency,
    RuleKind.PERIOD: check_period,
    RuleKind.COURSE: check_course,
    RuleKind.OPERATION: check_operation,
}

__all__ = ["CHECKS", "Check"]
