"""Every entry of every national batch fires on a visit made to break it, and stays silent on a
compliant one (the same visit with the one fact that matters put right)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from review_builders import DAY, line, person, visit

from yibao.supervision.review import OrderLine, Visit, check_visit, index_for
from yibao.supervision.rules import RuleEntry, RuleKind, Window, load_library, load_params

LIBRARY = load_library()
INDEX = index_for(LIBRARY)
PARAMS = load_params()
Case = tuple[Visit, tuple[OrderLine, ...]]


def _age(entry: RuleEntry, over: bool) -> Case:
    limit = PARAMS.age_objects[entry.age_object or ""]
    age = limit.below if over else limit.below - 1
    who = person(age_years=age) if limit.unit == "year" else person(age_days=age)
    return visit(line("1", entry.code), who=who), ()


def _sex(entry: RuleEntry, over: bool) -> Case:
    other = "2" if entry.sex == "1" else "1"
    return visit(line("1", entry.code), who=person(gend=other if over else entry.sex or "")), ()


def _insutype(entry: RuleEntry, over: bool) -> Case:
    return visit(line("1", entry.code), insutype="310" if over else entry.insutypes[0]), ()


def _setting(entry: RuleEntry, over: bool) -> Case:
    return visit(line("1", entry.code), med_type="11" if over else "21"), ()


def _level(entry: RuleEntry, over: bool) -> Case:
    level = (entry.min_level or 0) - (1 if over else 0)
    return visit(line("1", entry.code), hosp_lv=str(level) if level else "grassroots"), ()


def _working_age(entry: RuleEntry, over: bool) -> Case:
    return visit(line("1", entry.code), who=person(gend="1", age_years=PARAMS.working_age["1"] - (0 if over else 1))), ()


def _duplicate(entry: RuleEntry, over: bool) -> Case:
    secondary = line("2", entry.code, when=DAY)
    if over:
        return visit(line("1", entry.pair_code or "", when=DAY), secondary), ()
    # the primary just outside the window
    if entry.window is Window.VISIT:
        earlier = line("h1", entry.pair_code or "", when=DAY, mdtrt_id="M000")
        return visit(secondary), (earlier,)
    if entry.window is Window.DAY:
        earlier = line("h1", entry.pair_code or "", when=DAY - dt.timedelta(days=1), mdtrt_id="M001")
        return visit(secondary), (earlier,)
    hours = dt.timedelta(hours=(entry.window_hours or 0) + 1)
    return visit(line("1", entry.pair_code or "", when=DAY - hours), secondary), ()


def _frequency(entry: RuleEntry, over: bool) -> Case:
    limit = entry.max_per_day or 0
    return visit(line("1", entry.code, cnt=str(limit + 1 if over else limit))), ()


def _period(entry: RuleEntry, over: bool) -> Case:
    days = (entry.period_days or 0) - (1 if over else 0)
    past = tuple(
        line(f"h{i}", entry.code, when=DAY - dt.timedelta(days=days), mdtrt_id="M000")
        for i in range(entry.period_n or 0)
    )
    return visit(line("1", entry.code)), past


def _course(entry: RuleEntry, over: bool) -> Case:
    days = (entry.max_days or 0) - (0 if over else 1)
    # a sibling code of the same drug counts in the same course
    siblings = sorted(INDEX.codes_of(entry) - {entry.code}) or [entry.code]
    first = line("h1", siblings[0], when=DAY - dt.timedelta(days=days), mdtrt_id="M000")
    return visit(line("1", entry.code)), (first,)


def _operation(entry: RuleEntry, over: bool) -> Case:
    other = sorted(INDEX.codes_of(entry) - {entry.code})[0]
    primary = line("1", other, pric="1000.00", hilist_pric="1000.00")
    if over:
        return visit(primary, line("2", entry.code, pric="500.00")), ()
    return visit(primary, line("2", entry.code, pric="250.00", hilist_pric="500.00")), ()


CASES: dict[RuleKind, Callable[[RuleEntry, bool], Case]] = {
    RuleKind.AGE: _age,
    RuleKind.SEX: _sex,
    RuleKind.INSUTYPE: _insutype,
    RuleKind.SETTING: _setting,
    RuleKind.LEVEL: _level,
    RuleKind.WORKING_AGE: _working_age,
    RuleKind.DUPLICATE: _duplicate,
    RuleKind.FREQUENCY: _frequency,
    RuleKind.PERIOD: _period,
    RuleKind.COURSE: _course,
    RuleKind.OPERATION: _operation,
}


def _judged_sn(case: Case) -> str:
    return case[0].lines[-1].feedetl_sn


@pytest.mark.parametrize("rule_id", [rule.rule_id for rule in LIBRARY.rules])
def test_every_entry_fires_when_broken_and_not_when_kept(rule_id):
    rule = LIBRARY.rule(rule_id)
    entries = LIBRARY.entries_of(rule_id)
    silent, noisy = [], []
    for entry in entries:
        broken = CASES[rule.kind](entry, True)
        hits = check_visit(*broken, INDEX, PARAMS)
        if not any(h.rule_id == rule_id and h.feedetl_sn == _judged_sn(broken) and h.vola_amt > 0 for h in hits):
            silent.append(entry.row)
        kept = CASES[rule.kind](entry, False)
        if any(h.rule_id == rule_id for h in check_visit(*kept, INDEX, PARAMS)):
            noisy.append(entry.row)
    assert not silent, f"{len(silent)} entries of {rule_id} did not fire, rows {silent[:10]}"
    assert not noisy, f"{len(noisy)} entries of {rule_id} fired on a compliant visit, rows {noisy[:10]}"
    assert len(entries) > 0
