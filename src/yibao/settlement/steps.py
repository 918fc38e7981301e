"""The settlement steps, in order (see ``engine.STEPS``): each is a small pure function that reads its
parameters from the policy pack, returns its amounts and the trace entries explaining them.

catalog split → basic threshold → basic ratio → basic cap → 大病/大额 → medical assistance →
personal account. Rounding to the fen happens per line in the catalog split and once per tier.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from yibao.catalog.model import CatalogEntry, ChargeLevel
from yibao.errors import ErrorCode, InputError
from yibao.money import FEN, ZERO, fen
from yibao.policy.schema import GROUP_LABELS, IDENTITIES, LEVEL_LABELS, Critical, InsutypeRules, psn_group
from yibao.settlement.accumulators import Accumulators
from yibao.settlement.model import Claim, Person, TraceEntry

_ONE = Decimal(1)
_quantize = Decimal.quantize  # the per-line rounding of money.fen, bound once for the item loop
_CLASS_B = ChargeLevel.CLASS_B
_CLASS_C = ChargeLevel.CLASS_C

T_CATALOG = "目录划分"
T_BASIC = "基本医保"
T_CRITICAL = "大病保险"
T_LARGE = "职工大额补助"
T_ASSIST = "医疗救助"
T_SECOND = "再救助"
T_ACCOUNT = "个人账户"


class Split(NamedTuple):
    medfee_sumamt: Decimal
    fulamt_ownpay_amt: Decimal
    overlmt_selfpay: Decimal
    preselfpay_amt: Decimal
    inscp_scp_amt: Decimal
    trace: tuple[TraceEntry, ...]


def catalog_split(claim: Claim, catalog: Mapping[str, CatalogEntry], rules: InsutypeRules) -> Split:
    """目录划分 per line: 丙类 → 全自费; price above the cap → 超限价自费; 乙类 → 先行自付 share; the rest
    is in scope. 先行自付 share: line override, pack per item, catalog entry (if > 0), pack per charge
    class, pack default. Unknown codes raise ``InputError`` naming the line; nothing is settled."""
    by_item = rules.catalog.class_b_selfpay_by_item
    by_type = rules.catalog.class_b_selfpay_by_type
    default = rules.catalog.class_b_selfpay_default
    medfee = fulamt = overlmt = preself = ZERO
    get = catalog.get
    for item in claim.items:
        entry = get(item.med_list_codg)
        if entry is None:
            index = claim.items.index(item)
            raise InputError(ErrorCode.UNKNOWN_CODE, field=f"items[{index}].med_list_codg", detail=f"医保目录无「{item.med_list_codg}」")
        amount = item.det_item_fee_sumamt
        medfee += amount
        level = item.chrgitm_lv or entry.chrgitm_lv
        if level is _CLASS_C:
            fulamt += amount
            continue
        limit = entry.pric_uplmt_amt
        if limit is not None and item.pric > limit:
            over = _quantize((item.pric - limit) * item.cnt, FEN, ROUND_HALF_UP)
            if over > amount:
                over = amount
            overlmt += over
            amount -= over
        if level is _CLASS_B:
            share = item.selfpay_prop
            if share is None:
                share = by_item.get(item.med_list_codg) if by_item else None
            if share is None:
                share = entry.selfpay_prop if entry.selfpay_prop > 0 else by_type.get(entry.med_chrgitm_type, default)
            preself += _quantize(amount * share, FEN, ROUND_HALF_UP)
    inscp = medfee - fulamt - overlmt - preself
    trace = (
        TraceEntry(T_CATALOG, "医疗费总额", "{0} 条明细", (len(claim.items),), None, medfee),
        TraceEntry(T_CATALOG, "丙类全自费", "丙类或按规定不予支付", (), None, fulamt),
        TraceEntry(T_CATALOG, "超限价自费", "单价超过支付标准或限价部分", (), None, overlmt),
        TraceEntry(T_CATALOG, "乙类先行自付", "乙类按先行自付比例（默认 {0:%}）", (default,), None, preself),
        TraceEntry(T_CATALOG, "符合政策范围金额", "总额−全自费−超限价−先行自付", (), None, inscp),
    )
    return Split(medfee, fulamt, overlmt, preself, inscp, trace)


class Basic(NamedTuple):
    kind: str | None  # "outpatient" | "chronic" | "inpatient" | None
    act_pay_dedc: Decimal
    hifp_pay: Decimal
    ratio: Decimal
    crt_payb_lmt_amt: Decimal | None
    trace: tuple[TraceEntry, ...]


def benefit_kind(rules: InsutypeRules, med_type: str) -> str | None:
    if rules.inpatient is not None and med_type in rules.inpatient.med_types:
        return "inpatient"
    if rules.chronic is not None and med_type in rules.chronic.med_types:
        return "chronic"
    if rules.outpatient is not None and med_type in rules.outpatient.med_types:
        return "outpatient"
    return None


def _level(table: Mapping[str, object], claim: Claim) -> str:
    if claim.grassroots and "grassroots" in table:
        return "grassroots"
    if claim.fixmedins_lv not in table:
        raise InputError(ErrorCode.INVALID_VALUE, field="fixmedins_lv", detail=f"医院等级「{claim.fixmedins_lv}」不在政策表中")
    return claim.fixmedins_lv


def basic_threshold(claim: Claim, rules: InsutypeRules, acc: Accumulators, kind: str, base: Decimal) -> tuple[Decimal, TraceEntry]:
    """起付线: annual for outpatient and chronic care; per stay for inpatient, lower from the second stay."""
    if kind == "inpatient":
        section = rules.inpatient
        table = section.threshold
        label = "住院起付线"
        if acc.admissions >= 1 and section.repeat_threshold is not None:
            table, label = section.repeat_threshold, "再次住院起付线"
        level = _level(table, claim)
        left = table[level]
        template, args = "{0} {1} 元（本年第 {2} 次住院）", (LEVEL_LABELS[level], left, acc.admissions + 1)
    else:
        section_t = rules.chronic if kind == "chronic" else rules.outpatient
        assert section_t is not None
        paid = acc.chronic_threshold_paid if kind == "chronic" else acc.outpatient_threshold_paid
        left = section_t.threshold - paid
        if left < 0:
            left = ZERO
        label = "门诊慢特病年度起付线" if kind == "chronic" else "普通门诊年度起付线"
        template, args = "{0} 元，本年已付 {1} 元", (section_t.threshold, paid)
    dedc = base if base < left else fen(left)
    return dedc, TraceEntry(T_BASIC, label, template, args, base, dedc)


def basic_ratio(
    claim: Claim, person: Person, rules: InsutypeRules, kind: str, above: Decimal, cross_region: bool
) -> tuple[Decimal, Decimal, tuple[TraceEntry, ...]]:
    """支付比例 by level (and person group for inpatient), cost segments, cross-region cut; rounded once."""
    cut = rules.cross_region.ratio_cut if cross_region else ZERO
    if kind == "inpatient":
        table = rules.inpatient.ratio
        level = _level(table, claim)
        groups = table[level]
        group = psn_group(person.psn_type)
        if group not in groups:
            if "resident" not in groups or len(groups) != 1:
                raise InputError(ErrorCode.INVALID_VALUE, field="psn_type", detail=f"人员类别「{person.psn_type}」无对应支付比例")
            group = "resident"
        ratio = groups[group]
        template, args = "{0}{1} {2:%}", (LEVEL_LABELS[level], GROUP_LABELS[group], ratio)
        segments = rules.inpatient.segments
    else:
        section = rules.chronic if kind == "chronic" else rules.outpatient
        assert section is not None
        level = _level(section.ratio, claim)
        ratio = section.ratio[level]
        template, args = "{0} {1:%}", (LEVEL_LABELS[level], ratio)
        segments = ()
    if cut:
        ratio = ratio - cut if ratio > cut else ZERO
        template, args = template + "（异地就医降低 {%d:%%}）" % len(args), (*args, cut)
    if not segments:
        pay = fen(above * ratio)
        return pay, ratio, (TraceEntry(T_BASIC, "统筹支付比例", template, args, above, pay),)
    points = [ZERO, *(s.above for s in segments)]
    adds = [ZERO, *(s.add for s in segments)]
    raw = ZERO
    entries = []
    for k, lower in enumerate(points):
        upper = points[k + 1] if k + 1 < len(points) else None
        top = above if upper is None or above < upper else upper
        if top <= lower:
            break
        current = min(_ONE, max(ZERO, ratio + adds[k]))
        raw += (top - lower) * current
        span = (lower, "" if upper is None else upper, current)
        entries.append(TraceEntry(T_BASIC, "分段支付比例", "{0}–{1} 元段 {2:%}", span, top - lower, None))
    pay = fen(raw)
    return pay, ratio, (*entries, TraceEntry(T_BASIC, "统筹支付比例", template, args, above, pay))


def basic_cap(rules: InsutypeRules, acc: Accumulators, kind: str, raw: Decimal) -> tuple[Decimal, Decimal | None, TraceEntry | None]:
    """最高支付限额: the year's remaining room; chronic care counts toward the inpatient cap when the pack says."""
    chronic_shared = rules.chronic is not None and rules.chronic.counts_toward_basic_cap
    limits: list[Decimal] = []
    if kind == "outpatient":
        assert rules.outpatient is not None
        if rules.outpatient.annual_cap is not None:
            limits.append(rules.outpatient.annual_cap - acc.outpatient_fund_paid)
    else:
        if kind == "chronic":
            assert rules.chronic is not None
            if rules.chronic.annual_cap is not None:
                limits.append(rules.chronic.annual_cap - acc.chronic_fund_paid)
        if rules.inpatient.annual_cap is not None and (kind == "inpatient" or chronic_shared):
            used = acc.inpatient_fund_paid + (acc.chronic_fund_paid if chronic_shared else ZERO)
            limits.append(rules.inpatient.annual_cap - used)
    if not limits:
        return raw, None, None
    room = max(ZERO, min(limits))
    if raw <= room:
        return raw, room, None
    return room, room, TraceEntry(T_BASIC, "年度最高支付限额", "本年剩余可支付 {0} 元", (room,), raw, room)


class Tier(NamedTuple):
    pay: Decimal
    base: Decimal
    room: Decimal | None
    trace: tuple[TraceEntry, ...]


def _bracket_total(cum: Decimal, threshold: Decimal, section: Critical, add: Decimal) -> Decimal:
    """Σ bracket ratio × part of the year's base inside the bracket (measured per ``section.basis``)."""
    if cum <= threshold:
        return ZERO
    if section.basis == "above_threshold":
        start, end = ZERO, cum - threshold
    else:
        start, end = threshold, cum
    total = ZERO
    lower = ZERO
    for bracket in section.brackets:
        upper = bracket.upto
        lo = lower if lower > start else start
        hi = end if upper is None or end < upper else upper
        if hi > lo:
            rate = bracket.ratio + add
            total += (hi - lo) * (rate if rate < _ONE else _ONE)
        if upper is None or end <= upper:
            break
        lower = upper
    return total


def critical_tier(person: Person, section: Critical, acc: Accumulators, base: Decimal) -> Tier:
    """大病保险 / 大额补助 on the year's cumulative compliant self-pay after the basic tier, with tilts."""
    tier = T_CRITICAL if section.fund_pay_type == "390200" else T_LARGE
    threshold, add, limit = section.threshold, ZERO, section.annual_cap
    entries: list[TraceEntry] = []
    for tilt in section.tilts:
        matched = person.identities.intersection(tilt.identities)
        if matched:
            threshold = fen(threshold * (_ONE - tilt.threshold_cut))
            add = tilt.ratio_add
            if tilt.no_cap:
                limit = None
            names = "、".join(IDENTITIES[i] for i in sorted(matched))
            args = (names, tilt.threshold_cut, add, "，不设封顶" if tilt.no_cap else "")
            entries.append(TraceEntry(tier, "倾斜支付", "{0}：起付线降低 {1:%}，比例提高 {2:%}{3}", args, None, None))
            break
    before = acc.critical_base
    after = before + base
    pay = fen(_bracket_total(after, threshold, section, add)) - fen(_bracket_total(before, threshold, section, add))
    basis = "起付线以上金额" if section.basis == "above_threshold" else "累计金额"
    args = (threshold, before, after, basis)
    entries.append(TraceEntry(tier, "年度起付线", "{0} 元；本年累计合规自付 {1}→{2} 元，按{3}分段", args, base, pay))
    room = None
    if limit is not None:
        room = max(ZERO, limit - acc.critical_paid)
        if pay > room:
            entries.append(TraceEntry(tier, "年度最高支付限额", "{0} 元，本年剩余 {1} 元", (limit, room), pay, room))
            pay = room
    return Tier(pay, base, room, tuple(entries))


def assistance_tier(person: Person, rules: InsutypeRules, acc: Accumulators, base: Decimal) -> tuple[Tier, Tier] | None:
    """医疗救助 then 再救助 on the in-scope burden left after basic and 大病; the annual cap is shared by
    outpatient and inpatient. Returns ``None`` when the person has no eligible identity."""
    section = rules.assistance
    if section is None:
        return None
    eligible = [(section.ratio[i], i) for i in person.identities if i in section.ratio]
    if not eligible:
        return None
    rate, identity = max(eligible)
    threshold = section.threshold.get(identity, ZERO)
    before, after = acc.assistance_base, acc.assistance_base + base
    pay = fen(max(ZERO, after - threshold) * rate) - fen(max(ZERO, before - threshold) * rate)
    entries = [TraceEntry(T_ASSIST, "救助比例", "{0} {1:%}，起付线 {2} 元", (IDENTITIES[identity], rate, threshold), base, pay)]
    room = None
    if section.annual_cap is not None:
        room = max(ZERO, section.annual_cap - acc.assistance_paid)
        if pay > room:
            args = (section.annual_cap, room)
            entries.append(TraceEntry(T_ASSIST, "年度救助限额（门诊住院共用）", "{0} 元，本年剩余 {1} 元", args, pay, room))
            pay = room
    first = Tier(pay, base, room, tuple(entries))
    second = section.second
    if second is None or not person.identities.intersection(second.identities):
        return first, Tier(ZERO, ZERO, None, ())
    base2 = base - pay
    before2, after2 = acc.second_base, acc.second_base + base2
    thr, rate2 = second.threshold, second.ratio
    pay2 = fen(max(ZERO, after2 - thr) * rate2) - fen(max(ZERO, before2 - thr) * rate2)
    entries2 = [TraceEntry(T_SECOND, "再救助", "救助后年度政策范围内个人负担超过 {0} 元部分按 {1:%}", (thr, rate2), base2, pay2)]
    room2 = None
    if second.annual_cap is not None:
        room2 = max(ZERO, second.annual_cap - acc.second_paid)
        if pay2 > room2:
            entries2.append(TraceEntry(T_SECOND, "再救助年度限额", "{0} 元，本年剩余 {1} 元", (second.annual_cap, room2), pay2, room2))
            pay2 = room2
    return first, Tier(pay2, base2, room2, tuple(entries2))


def personal_account(claim: Claim, person: Person, rules: InsutypeRules, psn_part: Decimal) -> tuple[Decimal, TraceEntry | None]:
    """职工个人账户 pays the personal part up to the balance, where the pack allows it."""
    section = rules.account
    if section is None or not claim.use_acct or claim.med_type not in section.med_types or person.acct_balc <= 0:
        return ZERO, None
    pay = psn_part if psn_part < person.acct_balc else person.acct_balc
    return pay, TraceEntry(T_ACCOUNT, "个人账户支付", "余额 {0} 元", (person.acct_balc,), psn_part, pay)


__all__ = [
    "Basic",
    "Split",
    "Tier",
    "assistance_tier",
    "basic_cap",
    "basic_ratio",
    "basic_threshold",
    "benefit_kind",
    "catalog_split",
    "critical_tier",
    "personal_account",
]
