"""The national batches 1–8 load completely into the project's rule library."""

from __future__ import annotations

import subprocess
import sys

import pytest

from yibao.errors import PolicyError
from yibao.supervision.rules import RuleKind, Stage, load_library, load_params, params_from_dict
from yibao.supervision.rules.build import build_library
from yibao.supervision.rules.library import library_to_json

# Entries per workbook. Two-sheet drug workbooks: one entry per national drug code (sheet-2 row);
# one-sheet workbooks: one entry per data row (footer rows 合计/备注 excluded).
EXPECTED = {
    "NHSA-B1-DRUG-AGE": 4398,
    "NHSA-B1-DRUG-SEX": 6472,
    "NHSA-B1-ITEM-AGE": 30,
    "NHSA-B1-ITEM-SEX": 390,
    "NHSA-B2-ITEM-OPERATION": 378,
    "NHSA-B3-DRUG-INSUTYPE": 112,
    "NHSA-B4-DRUG-SETTING": 736,
    "NHSA-B5-DRUG-LEVEL": 962,
    "NHSA-B6-DRUG-COURSE": 1147,
    "NHSA-B7-ITEM-DUPLICATE": 900,
    "NHSA-B8-ITEM-FREQUENCY": 67,
    "NHSA-B8-ITEM-WORKING-AGE": 1,
    "NHSA-B8-ITEM-COURSE": 11,
    "NHSA-B8-ITEM-PERIOD": 14,
}
# Sheet-1 rows (rules per drug name) of the two-sheet workbooks.
DRUG_NAMES = {
    "NHSA-B1-DRUG-AGE": 282,
    "NHSA-B1-DRUG-SEX": 481,
    "NHSA-B3-DRUG-INSUTYPE": 12,
    "NHSA-B4-DRUG-SETTING": 35,
    "NHSA-B5-DRUG-LEVEL": 61,
    "NHSA-B6-DRUG-COURSE": 30,
}


@pytest.fixture(scope="module")
def built():
    return build_library()


def test_every_workbook_gives_the_expected_number_of_entries():
    assert load_library().counts() == EXPECTED


def test_batch_one_holds_the_11290_entries_the_administration_announced():
    counts = load_library().counts()
    assert sum(n for rule_id, n in counts.items() if rule_id.startswith("NHSA-B1-")) == 11290


def test_every_source_row_becomes_exactly_one_entry(built):
    for count in built.counts:
        assert count.entries == count.source_rows == EXPECTED[count.rule_id], count


def test_every_drug_code_has_a_rule_row_and_every_rule_row_has_codes(built):
    for count in built.counts:
        assert count.codes_without_rule == 0, count
        assert count.rules_without_codes == 0, count
        if count.rule_id in DRUG_NAMES:
            assert count.rule_rows == DRUG_NAMES[count.rule_id]


def test_rebuilding_from_the_workbooks_gives_the_packaged_library(built):
    assert library_to_json(built.library) == library_to_json(load_library())


def test_every_entry_carries_the_parameters_its_kind_needs():
    library = load_library()
    needs = {
        RuleKind.SEX: lambda e: e.sex in ("1", "2"),
        RuleKind.AGE: lambda e: e.age_object in ("儿童", "婴幼儿", "新生儿"),
        RuleKind.INSUTYPE: lambda e: e.insutypes in (("410",), ("510",)),
        RuleKind.SETTING: lambda e: "inpatient" in e.settings,
        RuleKind.LEVEL: lambda e: e.min_level in (2, 3),
        RuleKind.OPERATION: lambda e: e.group.endswith("手术组"),
        RuleKind.DUPLICATE: lambda e: bool(e.pair_code) and e.window is not None,
        RuleKind.FREQUENCY: lambda e: e.max_per_day in (1, 24),
        RuleKind.WORKING_AGE: lambda e: True,
        RuleKind.COURSE: lambda e: e.max_days is not None,
        RuleKind.PERIOD: lambda e: e.period_n == 1 and e.period_days in (7, 14, 15),
    }
    for entry in library.entries:
        rule = library.rule(entry.rule_id)
        assert needs[rule.kind](entry), entry
        assert entry.code and entry.name and entry.source_text, entry


def test_parsed_values_are_tallied_as_the_workbooks_state_them():
    library = load_library()
    sexes = [e.sex for e in library.entries_of("NHSA-B1-ITEM-SEX")]
    assert (sexes.count("1"), sexes.count("2")) == (133, 257)
    windows = [e.source_text for e in library.entries_of("NHSA-B7-ITEM-DUPLICATE")]
    assert {w: windows.count(w) for w in set(windows)} == {"单日": 446, "单次就诊": 429, "6小时": 18, "同一小时": 7}
    levels = [e.min_level for e in library.entries_of("NHSA-B5-DRUG-LEVEL")]
    assert set(levels) == {2, 3}
    emergency = [e for e in library.entries_of("NHSA-B4-DRUG-SETTING") if "emergency" in e.settings]
    assert {e.name for e in emergency} == {"安宫牛黄丸"}
    course = {e.name: (e.max_days, e.min_interval_days, e.period_n, e.period_days)
              for e in library.entries_of("NHSA-B8-ITEM-COURSE")}
    assert course["手功能评定"] == (90, 14, None, None)
    assert course["儿童听力障碍语言训练"] == (365, None, 1, 7)
    assert course["减重支持系统训练"] == (30, None, None, None)


def test_rules_that_need_history_do_not_run_before_the_event():
    library = load_library()
    for rule in library.rules:
        needs_history = rule.kind in (RuleKind.COURSE, RuleKind.PERIOD, RuleKind.OPERATION)
        assert (Stage.PRE in rule.stages) is not needs_history, rule.rule_id
        assert Stage.POST in rule.stages


def test_rule_ids_are_unique_and_stable():
    ids = [rule.rule_id for rule in load_library().rules]
    assert ids == list(EXPECTED)


def test_loading_the_library_does_not_need_openpyxl():
    code = "import sys; from yibao.supervision.rules import load_library; load_library(); print('openpyxl' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_packaged_parameters_are_marked_and_loaded():
    params = load_params()
    assert params.age_objects["儿童"].below == 18
    assert params.age_objects["新生儿"].unit == "day"
    assert params.working_age == {"1": 60, "2": 55}
    assert str(params.secondary_ratio) == "0.5"


@pytest.mark.parametrize(
    "bad",
    [
        {"operation": {"secondary_ratio": 0.5}},
        {"operation": {"secondary_ratio": "1.5"}},
        {"age_objects": {"儿童": {"unit": "month", "below": 18}}},
        {"age_objects": {"儿童": {"below": 18}}},
    ],
    ids=["float-ratio", "ratio-above-one", "unknown-unit", "missing-unit"],
)
def test_bad_parameters_are_refused_with_a_policy_error(bad):
    with pytest.raises(PolicyError):
        params_from_dict(bad)


def test_entries_flatten_into_uniform_records_for_batch_scans():
    import pandas as pd

    from yibao.supervision.rules.library import entry_records

    frame = pd.DataFrame(entry_records(load_library()))
    assert len(frame) == sum(EXPECTED.values())
    assert frame.groupby("rule_id").size().to_dict() == EXPECTED
    duplicates = frame[frame["kind"] == "duplicate"]
    assert duplicates["pair_code"].notna().all() and duplicates["window"].notna().all()
