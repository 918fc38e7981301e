"""The lead workflow and the credit rules, as pure functions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from yibao.errors import ConflictError, InputError
from yibao.supervision.leads.workflow import (
    LeadStatus,
    check_sanction,
    credit_score,
    load_credit_policy,
    points_left,
    status_of,
    transition,
)

S = LeadStatus


@pytest.mark.parametrize(("current", "target"), [(S.PENDING, S.INVESTIGATING), (S.INVESTIGATING, S.CONFIRMED),
                                                 (S.INVESTIGATING, S.DISMISSED), (S.CONFIRMED, S.HANDLED)])
def test_a_lead_moves_one_step_along_the_workflow(current: LeadStatus, target: LeadStatus) -> None:
    assert transition(current, target) is target


@pytest.mark.parametrize(("current", "target"), [(S.PENDING, S.CONFIRMED), (S.PENDING, S.HANDLED),
                                                 (S.DISMISSED, S.INVESTIGATING), (S.HANDLED, S.PENDING),
                                                 (S.INVESTIGATING, S.HANDLED)])
def test_skipping_or_reopening_a_step_is_refused_in_chinese(current: LeadStatus, target: LeadStatus) -> None:
    with pytest.raises(ConflictError, match="线索状态不能从"):
        transition(current, target)


def test_an_unknown_status_word_is_refused() -> None:
    with pytest.raises(InputError, match="未知状态"):
        status_of("已结案")


def test_a_sanction_needs_a_confirmed_lead_and_what_its_kind_needs() -> None:
    check_sanction(S.CONFIRMED, "recovery", Decimal("100.00"), None)
    with pytest.raises(ConflictError):
        check_sanction(S.INVESTIGATING, "recovery", Decimal("100.00"), None)
    with pytest.raises(InputError, match="金额"):
        check_sanction(S.CONFIRMED, "recovery", None, None)
    with pytest.raises(InputError, match="分值"):
        check_sanction(S.CONFIRMED, "physician_points", None, 0)
    with pytest.raises(InputError, match="未知处理方式"):
        check_sanction(S.CONFIRMED, "fine", Decimal("1"), None)


def test_credit_falls_with_confirmed_leads_and_sanctions_and_sets_the_coefficient() -> None:
    policy = load_credit_policy()
    clean = credit_score("H1", 0, [], policy)
    assert (clean.score, clean.grade, clean.coefficient) == (100, "A", Decimal("1.00"))
    fined = credit_score("H2", 5, ["recovery", "suspend_payment", "suspend_agreement"], policy)
    assert fined.score == 100 - 5 - 2 - 10 - 20
    assert fined.grade == "C" and fined.coefficient == Decimal("0.90")
    assert credit_score("H3", 0, ["terminate_agreement"], policy).grade == "D"


def test_a_physician_has_a_yearly_budget_of_points() -> None:
    policy = load_credit_policy()
    assert points_left([3, 4], policy) == policy.physician_points_per_year - 7
    assert points_left([policy.physician_points_per_year], policy) == 0
