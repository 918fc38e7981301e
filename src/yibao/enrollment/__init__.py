"""Enrolment (参保): contributions and subsidies, waiting periods and their exemptions, coverage checks."""

from yibao.enrollment.rules import (
    Contribution,
    Coverage,
    EnrolmentEvent,
    WaitingDecision,
    central_subsidy,
    check_coverage,
    contribution,
    in_central_window,
    waiting_period,
)

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
