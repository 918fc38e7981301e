"""The review answers in the national 3101 result shape, refuses bad input, and ignores unknown codes."""

from __future__ import annotations

import datetime as dt
import doctest
import random
from dataclasses import replace
from decimal import Decimal

import pytest
from review_builders import DAY, line, person, visit

import yibao.supervision.review.check
import yibao.supervision.rules.parse
from yibao.errors import InputError
from yibao.supervision.review import Hit, check_visit, to_national
from yibao.supervision.rules import load_library

RESULT_KEYS = {
    "jr_id", "rule_id", "rule_name", "vola_cont", "patn_id", "mdtrt_id", "judge_result_detail_dtos",
    "vola_amt", "vola_amt_stas", "sev_deg", "vola_evid", "vola_bhvr_type", "task_id",
}
DETAIL_KEYS = {"jrd_id", "patn_id", "mdtrt_id", "rx_id", "vola_item_type", "vola_amt"}


def test_a_hit_carries_the_fields_of_the_national_result():
    fields = set(Hit.__dataclass_fields__)
    assert {"rule_id", "rule_name", "vola_cont", "vola_amt", "sev_deg", "vola_evid", "vola_bhvr_type"} <= fields
    assert {"feedetl_sn", "result_type"} <= fields


def test_hits_are_grouped_per_rule_into_the_3101_result_with_violation_and_involved_lines():
    v = visit(
        line("1", "001103000010000", pric="80.00"),  # 急诊监护费 (primary)
        line("2", "001102000030000", pric="12.00"),  # 急诊诊查费 (secondary, duplicate)
        line("3", "001109000010000", pric="45.00", cnt="2"),  # 普通病房床位费 twice; also secondary of line 1
        who=person(gend="1"),
    )
    hits = check_visit(v)
    result = to_national(hits, v, task_id="T1")
    assert {r["rule_id"] for r in result} == {"NHSA-B7-ITEM-DUPLICATE", "NHSA-B8-ITEM-FREQUENCY"}
    for record in result:
        assert set(record) == RESULT_KEYS
        assert record["patn_id"] == "P001" and record["mdtrt_id"] == "M001" and record["task_id"] == "T1"
        assert all(set(d) == DETAIL_KEYS for d in record["judge_result_detail_dtos"])
        assert isinstance(record["vola_amt"], Decimal)
    duplicate = next(r for r in result if r["rule_id"] == "NHSA-B7-ITEM-DUPLICATE")
    assert duplicate["vola_amt"] == Decimal("102.00")  # 12.00 + 90.00
    assert duplicate["vola_bhvr_type"] == "02" and duplicate["sev_deg"] == "1" and duplicate["vola_amt_stas"] == "1"
    kinds = {(d["rx_id"], d["vola_item_type"]) for d in duplicate["judge_result_detail_dtos"]}
    assert kinds == {("2", "1"), ("3", "1"), ("1", "2")}


def test_codes_not_in_any_rule_never_fire():
    known = {e.code for e in load_library().entries} | {e.pair_code for e in load_library().entries}
    rng = random.Random(7)
    codes = []
    while len(codes) < 30:
        code = f"00{rng.randrange(10**13):013d}"
        if code not in known:
            codes.append(code)
    lines = [line(str(i), code, cnt="99", when=DAY + dt.timedelta(minutes=i)) for i, code in enumerate(codes)]
    v = visit(*lines, who=person(gend="2", age_years=80), insutype="390", med_type="11", hosp_lv="grassroots")
    assert check_visit(v, lines[:5]) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"med_type": "99"}, "med_type"),
        ({"hosp_lv": "4"}, "hosp_lv"),
        ({"lines": (line("1", "X"), line("1", "Y"))}, "feedetl_sn"),
        ({"lines": (replace(line("1", "X"), cnt=Decimal("-1")),)}, "cnt"),
        ({"lines": (replace(line("1", "X"), pric=1.5),)}, "pric"),
    ],
    ids=["unknown-med-type", "unknown-level", "repeated-sn", "negative-count", "float-price"],
)
def test_bad_input_is_refused_naming_the_field(change, field):
    with pytest.raises(InputError) as caught:
        check_visit(replace(visit(line("1", "X")), **change))
    assert caught.value.field == field


def test_the_docstring_examples_run():
    for module in (yibao.supervision.review.check, yibao.supervision.rules.parse):
        outcome = doctest.testmod(module)
        assert outcome.attempted > 0 and outcome.failed == 0
