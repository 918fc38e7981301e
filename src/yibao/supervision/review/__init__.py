"""事前/事中审核: judge one visit's fee lines against the rule library, fast (3101 / 3102)."""

from yibao.supervision.review.check import check_visit, history_days
from yibao.supervision.review.context import RuleIndex, index_for
from yibao.supervision.review.national import to_national
from yibao.supervision.review.visit import Dispensed, Hit, OrderLine, Person, Visit, validate_visit

__all__ = [
    "Dispensed",
    "Hit",
    "OrderLine",
    "Person",
    "RuleIndex",
    "Visit",
    "check_visit",
    "history_days",
    "index_for",
    "to_national",
    "validate_visit",
]
