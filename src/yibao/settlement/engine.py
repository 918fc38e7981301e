"""The one-stop settlement engine (一站式结算): basic insurance → 大病/大额 → medical assistance.

``settle(claim, person, coverage, policy, accumulators, catalog=…)`` returns the settlement and the
new accumulators; it is pure, so pre-settlement (预结算) is the same call with the new accumulators
thrown away (:func:`presettle`). :func:`reverse` takes a settlement back out of the accumulators
(semantics in ``accumulators.py``).

Refusals and bad input raise and change nothing: ``CoverageError`` (未参保 / 等待期 / 暂停),
``InputError`` (unknown catalog code naming the line, a chronic disease not on the list, a
prescription longer than allowed, accumulators of another person or year, a pack of another region).

Cross-region care (异地就医): the caller passes the treating region's catalog; the policy is the
home region's pack (``person.insuplc_admdvs`` must lie in it); the pack's ``cross_region`` may cut
the basic ratio.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from yibao.catalog.model import CatalogEntry
from yibao.enrollment.rules import Coverage, check_coverage
from yibao.errors import ErrorCode, InputError
from yibao.money import ZERO
from yibao.policy.schema import InsutypeRules, PolicyPack
from yibao.settlement import steps
from yibao.settlement.accumulators import Accumulators
from yibao.settlement.model import BASIC_FUND, Claim, FundLine, Person, Settlement, TraceEntry

STEPS = (
    steps.catalog_split,
    steps.basic_threshold,
    steps.basic_ratio,
    steps.basic_cap,
    steps.critical_tier,
    steps.assistance_tier,
    steps.personal_account,
)
"""The order of the cascade; :func:`settle` calls them in this order."""


def _check_inputs(claim: Claim, person: Person, policy: PolicyPack, acc: Accumulators) -> None:
    if claim.psn_no != person.psn_no:
        raise InputError(ErrorCode.INVALID_VALUE, field="psn_no", detail="费用与人员不一致")
    if acc.psn_no != claim.psn_no or acc.fund_year != claim.setl_date.year or acc.insutype != claim.insutype:
        raise InputError(
            ErrorCode.INVALID_VALUE,
            field="accumulators",
            detail=f"累计属于 {acc.key}，本次为 {(claim.psn_no, claim.setl_date.year, claim.insutype)}",
        )
    if not policy.covers_region(person.insuplc_admdvs):
        raise InputError(ErrorCode.INVALID_VALUE, field="insuplc_admdvs", detail=f"参保地不属于政策包 {policy.pack_id} 的地区")
    if not policy.in_force(claim.setl_date):
        raise InputError(ErrorCode.POLICY_NOT_EFFECTIVE, field="setl_date", detail=f"政策包 {policy.pack_id} 于 {claim.setl_date} 未生效")


def settle(
    claim: Claim,
    person: Person,
    coverage: Coverage | None,
    policy: PolicyPack,
    accumulators: Accumulators,
    *,
    catalog: Mapping[str, CatalogEntry],
) -> tuple[Settlement, Accumulators]:
    """Settle one claim through the three tiers; returns the settlement and the new accumulators."""
    _check_inputs(claim, person, policy, accumulators)
    check_coverage(coverage, claim.insutype, claim.begndate)
    rules = policy.rules(claim.insutype)
    acc = accumulators
    cross_region = not policy.covers_region(claim.mdtrtarea_admvs) or claim.mdtrtarea_admvs[:4] != person.insuplc_admdvs[:4]
    trace: list[TraceEntry] = []
    if cross_region:
        args = (claim.mdtrtarea_admvs, person.insuplc_admdvs)
        trace.append(TraceEntry("异地就医", "执行口径", "就医地 {0} 目录，参保地 {1} 政策", args, None, None))

    split = steps.catalog_split(claim, catalog, rules)
    trace.extend(split.trace)
    inscp = split.inscp_scp_amt

    # basic tier
    kind = steps.benefit_kind(rules, claim.med_type)
    dedc = hifp = ratio = ZERO
    room: Decimal | None = None
    if kind == "chronic":
        _check_chronic(claim, rules)
    if kind is None:
        trace.append(TraceEntry(steps.T_BASIC, "统筹待遇", "医疗类别 {0} 无统筹基金待遇", (claim.med_type,), inscp, ZERO))
    else:
        dedc, entry = steps.basic_threshold(claim, rules, acc, kind, inscp)
        trace.append(entry)
        raw, ratio, entries = steps.basic_ratio(claim, person, rules, kind, inscp - dedc, cross_region)
        trace.extend(entries)
        hifp, room, cap_entry = steps.basic_cap(rules, acc, kind, raw)
        if cap_entry is not None:
            trace.append(cap_entry)
    lines = [(BASIC_FUND[claim.insutype], inscp, room, hifp, steps.T_BASIC)]

    # 大病 / 大额
    hifmi = hifob = ZERO
    critical = rules.critical
    crit_tier = None
    if critical is not None and claim.med_type in critical.med_types:
        crit_tier = steps.critical_tier(person, critical, acc, inscp - hifp)
        trace.extend(crit_tier.trace)
        if critical.fund_pay_type == "390200":
            hifmi = crit_tier.pay
        else:
            hifob = crit_tier.pay
    crit_pay = hifmi + hifob

    # medical assistance and second assistance
    assist = None
    if rules.assistance is not None and claim.med_type in rules.assistance.med_types:
        assist = steps.assistance_tier(person, rules, acc, inscp - hifp - crit_pay)
    maf1 = maf2 = ZERO
    if assist is not None:
        maf1, maf2 = assist[0].pay, assist[1].pay
        trace.extend(assist[0].trace)
        trace.extend(assist[1].trace)
    maf = maf1 + maf2

    fund_sum = hifp + crit_pay + maf
    psn_part = split.medfee_sumamt - fund_sum
    acct, acct_entry = steps.personal_account(claim, person, rules, psn_part)
    if acct_entry is not None:
        trace.append(acct_entry)
    cash = psn_part - acct

    if crit_tier is not None:
        assert critical is not None
        tier = steps.T_CRITICAL if critical.fund_pay_type == "390200" else steps.T_LARGE
        lines.append((critical.fund_pay_type, crit_tier.base, crit_tier.room, crit_tier.pay, tier))
    if assist is not None:
        lines.append(("610100", assist[0].base, assist[0].room, maf1, steps.T_ASSIST))
        if assist[1].trace:
            lines.append(("610102", assist[1].base, assist[1].room, maf2, steps.T_SECOND))
    if acct:
        lines.append(("310200", psn_part, person.acct_balc, acct, steps.T_ACCOUNT))

    deltas = Accumulators(
        acc.psn_no,
        acc.fund_year,
        acc.insutype,
        1 if kind == "inpatient" else 0,
        dedc if kind == "outpatient" else ZERO,
        dedc if kind == "chronic" else ZERO,
        dedc if kind == "inpatient" else ZERO,
        hifp if kind == "outpatient" else ZERO,
        hifp if kind == "chronic" else ZERO,
        hifp if kind == "inpatient" else ZERO,
        crit_tier.base if crit_tier is not None else ZERO,
        crit_pay,
        assist[0].base if assist is not None else ZERO,
        maf1,
        assist[1].base if assist is not None else ZERO,
        maf2,
        psn_part,
        acct,
    )
    alert = False
    watch = rules.burden_watch
    if watch is not None:
        alert = acc.psn_burden < watch.threshold <= acc.psn_burden + psn_part
        if alert:
            args = (watch.threshold,)
            trace.append(TraceEntry("风险监测", "因病返贫致贫风险监测", "年度个人负担达到 {0} 元，纳入救助审核名单", args, acc.psn_burden + psn_part, None))
    frozen_trace = tuple(trace)
    setldetail = tuple(FundLine(*line, frozen_trace) for line in lines)
    settlement = Settlement(
        claim.mdtrt_id,
        claim.psn_no,
        claim.insutype,
        claim.med_type,
        acc.fund_year,
        policy.pack_id,
        policy.version,
        cross_region,
        split.medfee_sumamt,
        split.fulamt_ownpay_amt,
        split.overlmt_selfpay,
        split.preselfpay_amt,
        inscp,
        dedc,
        hifp,
        ratio,
        hifmi,
        hifob,
        maf,
        fund_sum,
        psn_part,
        acct,
        cash,
        person.acct_balc - acct,
        setldetail,
        frozen_trace,
        deltas,
        alert,
    )
    return settlement, acc.plus(deltas)


def _check_chronic(claim: Claim, rules: InsutypeRules) -> None:
    chronic = rules.chronic
    assert chronic is not None
    # the disease list names ICD-10 categories (I10, E11 …): a visit's full code matches its category
    codes = tuple(d.code for d in chronic.diseases)
    if claim.chronic_code is None or not claim.chronic_code.startswith(codes):
        raise InputError(ErrorCode.INVALID_VALUE, field="chronic_code", detail=f"病种「{claim.chronic_code}」不在门诊慢特病目录中")
    limit = chronic.max_prescription_weeks * 7
    if claim.prescription_days is not None and claim.prescription_days > limit:
        raise InputError(ErrorCode.INVALID_VALUE, field="prescription_days", detail=f"处方用量 {claim.prescription_days} 天超过 {limit} 天")


def presettle(
    claim: Claim,
    person: Person,
    coverage: Coverage | None,
    policy: PolicyPack,
    accumulators: Accumulators,
    *,
    catalog: Mapping[str, CatalogEntry],
) -> Settlement:
    """预结算: the settlement the claim would get now; commits nothing (the accumulators are unchanged)."""
    settlement, _ = settle(claim, person, coverage, policy, accumulators, catalog=catalog)
    return settlement


def reverse(settlement: Settlement, accumulators: Accumulators) -> Accumulators:
    """结算撤销: subtract the settlement's contributions (exact restore when it was the last one)."""
    return accumulators.minus(settlement.deltas)


__all__ = ["STEPS", "presettle", "reverse", "settle"]
