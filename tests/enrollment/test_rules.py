"""Enrolment rules: contributions and central subsidy shares, waiting periods and their exemptions,
the coverage check."""

import datetime as dt
from decimal import Decimal

import pytest

from yibao.enrollment import Coverage, EnrolmentEvent, central_subsidy, check_coverage, contribution, waiting_period
from yibao.errors import CoverageError, ErrorCode, InputError
from yibao.policy.loader import bundled_pack

NATIONAL = bundled_pack("national-2021").enrollment
HESHAN = bundled_pack("heshan-2021").enrollment


def test_the_2021_national_standard_is_580_subsidy_plus_320_individual():
    c = contribution(NATIONAL, region_class="west")
    assert (c.fiscal_subsidy, c.individual, c.total) == (Decimal("580"), Decimal("320"), Decimal("900"))
    assert c.individual_due == Decimal("320")


@pytest.mark.parametrize(
    ("region_class", "central"),
    [pytest.param("west", "464.00", id="west-80%"), pytest.param("central", "348.00", id="central-60%")],
)
def test_the_central_budget_pays_its_share_of_the_subsidy_by_region_class(region_class, central):
    assert central_subsidy(NATIONAL, region_class) == Decimal(central)
    c = contribution(NATIONAL, region_class=region_class)
    assert c.central_subsidy + c.local_subsidy == Decimal("580")


def test_an_unknown_region_class_is_refused():
    with pytest.raises(InputError):
        central_subsidy(NATIONAL, "north")


def test_subsidised_identities_pay_nothing_themselves_and_assistance_pays_their_part():
    c = contribution(HESHAN, frozenset({"extreme_poverty"}))
    assert c.individual_due == Decimal("0") and c.assistance_subsidy == Decimal("320")
    assert contribution(HESHAN).individual_due == Decimal("320")


@pytest.mark.parametrize(
    ("event", "days", "reason"),
    [
        pytest.param(EnrolmentEvent(dt.date(2021, 10, 15)), 0, "集中参保期", id="central-window"),
        pytest.param(EnrolmentEvent(dt.date(2021, 5, 10), employee_coverage_ended=dt.date(2021, 3, 1)), 0, "职工医保", id="from-employee-within-3-months"),
        pytest.param(EnrolmentEvent(dt.date(2021, 7, 10), employee_coverage_ended=dt.date(2021, 3, 1)), 90, "等待期", id="from-employee-after-4-months"),
        pytest.param(EnrolmentEvent(dt.date(2021, 5, 10), birth_date=dt.date(2021, 4, 2)), 0, "新生儿", id="newborn"),
        pytest.param(EnrolmentEvent(dt.date(2021, 5, 10), identities=frozenset({"rural_low_income"})), 0, "农村低收入人口", id="rural-low-income"),
        pytest.param(EnrolmentEvent(dt.date(2021, 5, 10)), 90, "等待期 90 天", id="ordinary-late-enrolment"),
    ],
)
def test_the_waiting_period_and_its_exemptions(event, days, reason):
    decision = waiting_period(NATIONAL, event)
    assert decision.waiting_days == days
    assert decision.benefit_from == event.enrol_date + dt.timedelta(days=days)
    assert reason in decision.reason


def test_an_unknown_identity_is_refused():
    with pytest.raises(InputError):
        EnrolmentEvent(dt.date(2021, 5, 1), identities=frozenset({"vip"}))


def test_coverage_check_accepts_a_covered_day_and_refuses_the_rest():
    cov = Coverage("390", dt.date(2021, 1, 1), dt.date(2021, 12, 31), dt.date(2021, 4, 1), ((dt.date(2021, 8, 1), dt.date(2021, 8, 31)),))
    check_coverage(cov, "390", dt.date(2021, 5, 1))
    cases = {
        dt.date(2021, 3, 1): ErrorCode.IN_WAITING_PERIOD,
        dt.date(2021, 8, 15): ErrorCode.SUSPENDED,
        dt.date(2022, 1, 2): ErrorCode.NOT_ENROLLED,
    }
    for day, code in cases.items():
        with pytest.raises(CoverageError) as err:
            check_coverage(cov, "390", day)
        assert err.value.code is code
