"""Enrolment rules (参保规则), pure: contributions and subsidies, the waiting period, the coverage check.

Every figure comes from the pack's ``[enrollment]`` table; nothing here opens a store.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from yibao.errors import CoverageError, ErrorCode, InputError
from yibao.money import ZERO, fen
from yibao.policy.schema import IDENTITIES, Enrollment, month_day


@dataclass(frozen=True, slots=True)
class Contribution:
    """One resident's contribution for a year (筹资): who pays what, per head.

    ``individual_due`` is what the person pays; ``assistance_subsidy`` is the individual part paid by
    medical assistance for subsidised identities (资助参保); ``fiscal_subsidy`` is the government
    subsidy per head, of which ``central_subsidy`` comes from the central budget (分档补助).
    """

    individual: Decimal
    individual_due: Decimal
    assistance_subsidy: Decimal
    fiscal_subsidy: Decimal
    central_subsidy: Decimal
    local_subsidy: Decimal

    @property
    def total(self) -> Decimal:
        return self.individual + self.fiscal_subsidy


def central_subsidy(rules: Enrollment, region_class: str) -> Decimal:
    """中央财政分档补助 per head: the fiscal subsidy × the share for the region class (west/central/east)."""
    try:
        share = rules.central_share[region_class]
    except KeyError:
        raise InputError(ErrorCode.INVALID_VALUE, field="region_class", detail=f"政策包未设 {region_class} 的中央补助比例") from None
    return fen(rules.fiscal_subsidy * share)


def contribution(rules: Enrollment, identities: frozenset[str] = frozenset(), region_class: str | None = None) -> Contribution:
    """The contribution of one resident with ``identities``; subsidised identities pay nothing themselves."""
    klass = region_class or rules.region_class
    central = central_subsidy(rules, klass) if klass else ZERO
    subsidised = bool(identities & set(rules.full_subsidy_identities))
    return Contribution(
        individual=rules.individual,
        individual_due=ZERO if subsidised else rules.individual,
        assistance_subsidy=rules.individual if subsidised else ZERO,
        fiscal_subsidy=rules.fiscal_subsidy,
        central_subsidy=central,
        local_subsidy=rules.fiscal_subsidy - central,
    )


@dataclass(frozen=True, slots=True)
class EnrolmentEvent:
    """What the waiting-period rule needs to know about one enrolment (参保登记).

    ``employee_coverage_ended`` is the last day of a previous employee insurance (职工医保), if any;
    ``birth_date`` lets a newborn be recognised (enrolled within its first year, 当年出生).
    """

    enrol_date: dt.date
    identities: frozenset[str] = frozenset()
    birth_date: dt.date | None = None
    employee_coverage_ended: dt.date | None = None

    def __post_init__(self) -> None:
        unknown = self.identities - set(IDENTITIES)
        if unknown:
            raise InputError(ErrorCode.INVALID_VALUE, field="identities", detail=f"未知身份 {sorted(unknown)}")


@dataclass(frozen=True, slots=True)
class WaitingDecision:
    benefit_from: dt.date
    waiting_days: int
    reason: str


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def in_central_window(rules: Enrollment, day: dt.date) -> bool:
    """集中参保期: the yearly window (``window_start``–``window_end``, may wrap past new year)."""
    start = month_day(rules.window_start, day.year)
    end = month_day(rules.window_end, day.year)
    if start <= end:
        return start <= day <= end
    return day >= start or day <= end


def waiting_period(rules: Enrollment, event: EnrolmentEvent) -> WaitingDecision:
    """待遇等待期 and its exemptions (国家 2021 通知): central window, from employee insurance within
    ``employee_gap_months``, newborns, exempt identities (农村低收入人口 …). Benefits of an exempt person
    start on the enrolment day; otherwise after ``waiting_days``."""
    day = event.enrol_date
    if in_central_window(rules, day):
        return WaitingDecision(day, 0, "集中参保期内参保，不设等待期")
    ended = event.employee_coverage_ended
    if ended is not None and ended <= day <= _add_months(ended, rules.employee_gap_months):
        return WaitingDecision(day, 0, f"职工医保中断缴费 {rules.employee_gap_months} 个月内参加居民医保，不设等待期")
    if rules.exempt_newborn and event.birth_date is not None and (day - event.birth_date).days <= 366:
        return WaitingDecision(day, 0, "新生儿，不设等待期")
    exempt = sorted(event.identities & set(rules.exempt_identities))
    if exempt:
        names = "、".join(IDENTITIES[i] for i in exempt)
        return WaitingDecision(day, 0, f"{names}，不设等待期")
    return WaitingDecision(day + dt.timedelta(days=rules.waiting_days), rules.waiting_days, f"集中参保期外参保，等待期 {rules.waiting_days} 天")


@dataclass(frozen=True, slots=True)
class Coverage:
    """One coverage period (参保期间) of a person in one insutype.

    ``benefit_from`` is the first day benefits apply (after any waiting period); ``suspended`` lists
    closed date ranges when benefits are suspended (待遇暂停, e.g. unpaid contributions).
    """

    insutype: str
    enrolled_from: dt.date
    enrolled_to: dt.date | None = None
    benefit_from: dt.date | None = None
    suspended: tuple[tuple[dt.date, dt.date], ...] = field(default=())


def check_coverage(coverage: Coverage | None, insutype: str, on: dt.date) -> None:
    """Raise ``CoverageError`` (未参保 / 等待期 / 暂停) unless the person has benefits on ``on``."""
    if coverage is None or coverage.insutype != insutype:
        raise CoverageError(ErrorCode.NOT_ENROLLED, field="insutype", detail=f"{on.isoformat()} 未参加险种 {insutype}")
    if on < coverage.enrolled_from or (coverage.enrolled_to is not None and on > coverage.enrolled_to):
        raise CoverageError(ErrorCode.NOT_ENROLLED, field="begndate", detail=f"{on.isoformat()} 不在参保期间内")
    if coverage.benefit_from is not None and on < coverage.benefit_from:
        raise CoverageError(
            ErrorCode.IN_WAITING_PERIOD, field="begndate", detail=f"待遇自 {coverage.benefit_from.isoformat()} 起享受"
        )
    for start, end in coverage.suspended:
        if start <= on <= end:
            raise CoverageError(ErrorCode.SUSPENDED, field="begndate", detail=f"{start.isoformat()} 至 {end.isoformat()} 待遇暂停")


__all__ = [
    "Contribution",
    "Coverage",
    "EnrolmentEvent",
    "WaitingDecision",
    "central_subsidy",
    "check_coverage",
    "contribution",
    "in_central_window",
    "waiting_period",
]
