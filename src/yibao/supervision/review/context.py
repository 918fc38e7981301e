"""The rule index (built once per library) and the per-call view of a visit and its history."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from yibao.supervision.rules.library import RuleParams
from yibao.supervision.rules.model import Rule, RuleEntry, RuleKind, RuleLibrary
from yibao.supervision.review.visit import OrderLine, Visit

# Kinds whose entries count several codes together (a drug's codes share one course; an operation
# group is one incision); the other kinds look at one code.
_GROUPED = (RuleKind.COURSE, RuleKind.OPERATION)


@dataclass(frozen=True)
class RuleIndex:
    """Entries by the code of the line they judge, plus the code sets of grouped entries."""

    library: RuleLibrary
    by_code: dict[str, tuple[tuple[Rule, RuleEntry], ...]]
    group_codes: dict[tuple[str, str], frozenset[str]]

    @classmethod
    def build(cls, library: RuleLibrary) -> "RuleIndex":
        by_code: dict[str, list[tuple[Rule, RuleEntry]]] = defaultdict(list)
        groups: dict[tuple[str, str], set[str]] = defaultdict(set)
        for entry in library.entries:
            rule = library.rule(entry.rule_id)
            by_code[entry.code].append((rule, entry))
            if rule.kind in _GROUPED:
                groups[(entry.rule_id, entry.group)].add(entry.code)
        return cls(
            library=library,
            by_code={code: tuple(pairs) for code, pairs in by_code.items()},
            group_codes={key: frozenset(codes) for key, codes in groups.items()},
        )

    def codes_of(self, entry: RuleEntry) -> frozenset[str]:
        return self.group_codes.get((entry.rule_id, entry.group), frozenset((entry.code,)))


_INDEXES: dict[int, tuple[RuleLibrary, RuleIndex]] = {}


def index_for(library: RuleLibrary) -> RuleIndex:
    """The index of a library, built on first use and kept while the library lives in the cache."""
    cached = _INDEXES.get(id(library))
    if cached is None or cached[0] is not library:
        cached = (library, RuleIndex.build(library))
        _INDEXES[id(library)] = cached
    return cached[1]


@dataclass(frozen=True, slots=True)
class Charge:
    """A fee line placed in time: ``order`` sorts history before the visit at equal times."""

    order: tuple[dt.datetime, int, int]
    line: OrderLine
    mdtrt_id: str
    current: bool

    @property
    def day(self) -> dt.date:
        return self.line.fee_ocur_time.date()


class Context:
    """One review call: the visit, its history and the parameters, with lazily built lookups."""

    def __init__(self, visit: Visit, history: tuple[OrderLine, ...], params: RuleParams, index: RuleIndex):
        self.visit = visit
        self.history = history
        self.params = params
        self.index = index

    @cached_property
    def current(self) -> dict[str, Charge]:
        """The visit's own charges by feedetl_sn."""
        mdtrt_id = self.visit.mdtrt_id
        return {
            l.feedetl_sn: Charge((l.fee_ocur_time, 1, i), l, mdtrt_id, True) for i, l in enumerate(self.visit.lines)
        }

    @cached_property
    def charges(self) -> tuple[Charge, ...]:
        """History and visit lines in time order (built only when a rule needs more than one line)."""
        past = [Charge((l.fee_ocur_time, 0, i), l, l.mdtrt_id, False) for i, l in enumerate(self.history)]
        return tuple(sorted((*past, *self.current.values()), key=lambda c: c.order))

    @cached_property
    def by_code(self) -> dict[str, tuple[Charge, ...]]:
        out: dict[str, list[Charge]] = defaultdict(list)
        for charge in self.charges:
            out[charge.line.med_list_codg].append(charge)
        return {code: tuple(found) for code, found in out.items()}

    def of_codes(self, codes: frozenset[str]) -> list[Charge]:
        """Charges of any of the codes, in time order."""
        if len(codes) == 1:
            return list(self.by_code.get(next(iter(codes)), ()))
        found = [c for code in codes for c in self.by_code.get(code, ())]
        found.sort(key=lambda c: c.order)
        return found

    def age_years(self, day: dt.date) -> int:
        brdy = self.visit.person.brdy
        return day.year - brdy.year - ((day.month, day.day) < (brdy.month, brdy.day))

    def age_days(self, day: dt.date) -> int:
        return (day - self.visit.person.brdy).days


__all__ = ["Charge", "Context", "RuleIndex", "index_for"]
