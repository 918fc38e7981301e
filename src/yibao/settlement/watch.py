"""因病返贫致贫风险监测: people whose yearly personal burden reaches the pack's watch threshold.

The engine flags the settlement on which a person crosses the threshold (``burden_alert``); this
module lists everyone at or above it from their accumulators, for the assistance review list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from yibao.policy.schema import PolicyPack
from yibao.settlement.accumulators import Accumulators


@dataclass(frozen=True, slots=True)
class BurdenCase:
    """One person on the watch list (纳入医疗救助审核名单)."""

    psn_no: str
    fund_year: int
    insutype: str
    psn_burden: Decimal
    threshold: Decimal
    assistance_paid: Decimal


def burden_watchlist(accumulators: Iterable[Accumulators], policy: PolicyPack) -> list[BurdenCase]:
    """Everyone whose yearly personal burden is at or above the threshold, heaviest first."""
    cases = []
    for acc in accumulators:
        rules = policy.insutype.get(acc.insutype)  # type: ignore[call-overload]
        watch = rules.burden_watch if rules is not None else None
        if watch is not None and acc.psn_burden >= watch.threshold:
            paid = acc.assistance_paid + acc.second_paid
            cases.append(BurdenCase(acc.psn_no, acc.fund_year, acc.insutype, acc.psn_burden, watch.threshold, paid))
    return sorted(cases, key=lambda c: (-c.psn_burden, c.psn_no))


__all__ = ["BurdenCase", "burden_watchlist"]
