"""One-stop settlement (一站式结算): basic insurance → 大病/大额 → medical assistance, with annual
accumulators, pre-settlement, reversal and the catastrophic-burden watch."""

from yibao.settlement.accumulators import Accumulators
from yibao.settlement.engine import STEPS, presettle, reverse, settle
from yibao.settlement.model import Claim, ClaimItem, FundLine, Person, Settlement, TraceEntry
from yibao.settlement.watch import BurdenCase, burden_watchlist

__all__ = [
    "STEPS",
    "Accumulators",
    "BurdenCase",
    "Claim",
    "ClaimItem",
    "FundLine",
    "Person",
    "Settlement",
    "TraceEntry",
    "burden_watchlist",
    "presettle",
    "reverse",
    "settle",
]
