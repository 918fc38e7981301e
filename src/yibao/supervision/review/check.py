"""事前/事中 single-visit review: the function behind 3101 (明细审核事前事中分析) and 3102 (事中分析).

>>> import datetime as dt
>>> from decimal import Decimal
>>> from yibao.supervision.review import OrderLine, Person, Visit, check_visit
>>> woman = Person("P1", gend="2", brdy=dt.date(1990, 5, 1))
>>> line = OrderLine("1", "XL02BBA326A001010102180", Decimal("100"), Decimal("2"), Decimal("200.00"),
...                  dt.datetime(2024, 3, 1, 9))
>>> visit = Visit("M1", woman, insutype="310", med_type="11", hosp_lv="3", lines=(line,))
>>> [(h.rule_id, h.vola_amt) for h in check_visit(visit)]
[('NHSA-B1-DRUG-SEX', Decimal('200.00'))]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal

from yibao.supervision.local.params import LocalParams, load_local_params

from yibao.supervision.rules.library import RuleParams, load_library, load_params
from yibao.supervision.rules.model import RuleKind, RuleLibrary, Stage
from yibao.supervision.review.context import Context, RuleIndex, index_for
from yibao.supervision.review.kinds import CHECKS
from yibao.supervision.review.visit import Dispensed, Hit, OrderLine, Visit, validate_visit


def check_visit(
    visit: Visit,
    history: Sequence[OrderLine] = (),
    rules: RuleIndex | RuleLibrary | None = None,
    params: RuleParams | None = None,
    *,
    stage: Stage = Stage.IN,
    doses: Mapping[str, Decimal] | None = None,
    generic: Mapping[str, str] | None = None,
    dispensed: Sequence[Dispensed] = (),
    local: LocalParams | None = None,
) -> list[Hit]:
    """The rules the visit's fee lines hit, one :class:`Hit` per (rule, line), in line order.

    ``history`` is the person's earlier fee lines in the windows the rules need (same day for
    duplicates and frequency, the course / period length for course and period rules), each with
    its ``mdtrt_id``; lines of this visit already uploaded may be there too. Only the visit's own
    lines are judged. ``stage`` selects the rules that run at that stage (事前 skips the rules that
    need the whole visit or the history). ``rules`` defaults to the packaged national library and
    ``params`` to the packaged parameters.

    ``doses`` (drug code → daily dose in billing units, the catalog's ``day_dose``) turns on the local
    rules 超量开药 (days of supply against the limit of the visit's med_type) and, at 事中, 重复开药:
    ``dispensed`` are the person's earlier prescriptions of the window the rule looks back (its
    ``window_days``), ``generic`` maps a code to its generic name (``genname_codg``: specifications of
    one drug add up), and ``doses`` must cover the codes of both. ``local`` are the local-rule
    parameters (default: the packaged ones).
    """
    history = tuple(history)
    validate_visit(visit, history)
    index = rules if isinstance(rules, RuleIndex) else index_for(rules or load_library())
    ctx = Context(visit, history, params or load_params(), index)
    found: dict[tuple[str, str], Hit] = {}
    for line in visit.lines:
        pairs = index.by_code.get(line.med_list_codg)
        if not pairs:
            continue
        charge = ctx.current[line.feedetl_sn]
        for rule, entry in pairs:
            if stage not in rule.stages:
                continue
            hit = CHECKS[rule.kind](ctx, charge, rule, entry)
            if hit is not None:
                key = (hit.rule_id, hit.feedetl_sn)
                found[key] = _merge(found[key], hit) if key in found else hit
    if doses:
        # Imported here: the local rules build review Hits, so they import this package.
        from yibao.supervision.local.prescriptions import over_prescription_hits, repeat_prescription_hits

        local = local or load_local_params()
        hits = over_prescription_hits(visit, doses, local.over_prescription, local.version)
        if stage is not Stage.PRE:  # the person's history is 事中 work, as for the national rules
            hits += repeat_prescription_hits(visit, dispensed, doses, generic or {}, local.repeat_prescription,
                                             local.version)
        for hit in hits:
            found[(hit.rule_id, hit.feedetl_sn)] = hit
    return list(found.values())


def history_days(rules: RuleIndex | RuleLibrary, codes: Iterable[str]) -> int:
    """How many days of the person's history (before the visit's first charge) a review of these codes
    needs: 1 for same-day duplicates and frequency, the period for period rules, and twice the course
    plus one for course rules (enough to see a course that began before the window). 0: none needed."""
    index = rules if isinstance(rules, RuleIndex) else index_for(rules)
    days = 0
    for code in set(codes):
        for rule, entry in index.by_code.get(code, ()):
            if rule.kind in (RuleKind.DUPLICATE, RuleKind.FREQUENCY):
                days = max(days, 1)
            if entry.period_days is not None:
                days = max(days, entry.period_days)
            if entry.max_days is not None:
                days = max(days, 2 * entry.max_days + 1)
            if entry.min_interval_days is not None:
                days = max(days, entry.min_interval_days)
    return days


def _merge(first: Hit, second: Hit) -> Hit:
    """One hit per rule and line: a line that meets a rule through two entries (two primary items,
    two operation groups) is one violation with both pieces of evidence."""
    related = tuple(dict.fromkeys((*first.related_sn, *second.related_sn)))
    evid = f"{first.vola_evid}｜{second.vola_evid}"[:500]
    return replace(first, vola_amt=max(first.vola_amt, second.vola_amt), vola_evid=evid, related_sn=related)


__all__ = ["check_visit", "history_days"]
