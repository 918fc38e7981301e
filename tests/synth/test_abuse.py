"""Injected abuse happens at the configured rates and leaves the behaviour it is named after."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from tests.synth.conftest import SMALL
from yibao.synth.scheme import load_scheme


def _labels(tables, kind):
    labels = tables["labels"]
    return labels.filter(pc.equal(labels["kind"], kind)).to_pylist()


def _multipliers(tables, frame):
    labels = tables["labels"].to_pydict()
    bad_inst = {c for k, c in zip(labels["kind"], labels["fixmedins_code"]) if k == "abusive_institution"}
    bad_doc = {d for k, d in zip(labels["kind"], labels["atddr_no"]) if k == "abusive_doctor"}
    rates = SMALL.abuse
    inst = np.array([c in bad_inst for c in frame["fixmedins_code"]])
    doc = np.array([d in bad_doc for d in frame["atddr_no"]])
    return np.where(inst, rates.institution_multiplier, 1.0) * np.where(doc, rates.doctor_multiplier, 1.0)


@pytest.fixture(scope="module")
def current_cases(tables):
    cases = tables["cases"]
    return cases.filter(pc.and_(pc.equal(cases["setl_year"], SMALL.year), pc.is_null(cases["nwb_bir_wt"]))).to_pydict()


@pytest.mark.parametrize("kind", ["split_hospitalisation", "upcoding", "low_standard_admission", "phantom_stay", "bed_hanging"])
def test_case_level_abuse_is_injected_at_its_configured_rate(tables, current_cases, kind):
    expected = getattr(SMALL.abuse, kind) * _multipliers(tables, current_cases).sum()
    observed = len([x for x in _labels(tables, kind) if x["detail"] != "second_stay"])
    # Upcoding and splits are dropped where impossible (nothing richer to code, one-day stays).
    assert 0.6 * expected - 3 * np.sqrt(expected) <= observed <= 1.1 * expected + 3 * np.sqrt(expected)


@pytest.mark.parametrize("kind", ["duplicate_charge", "sex_restricted", "age_restricted", "over_limit_price"])
def test_item_level_abuse_is_injected_at_its_configured_rate(tables, kind):
    visits = tables["visits"].to_pydict()
    mult = _multipliers(tables, visits)
    if kind == "age_restricted":
        ages = dict(zip(tables["persons"]["psn_no"].to_pylist(), tables["persons"]["age"].to_pylist()))
        mult = mult * np.array([ages[p] >= 18 for p in visits["psn_no"]])
    expected = getattr(SMALL.abuse, kind) * mult.sum()
    observed = len(_labels(tables, kind))
    assert abs(observed - expected) <= 0.15 * expected + 4 * np.sqrt(expected)


def test_abusive_institutions_and_doctors_are_labelled(tables):
    assert _labels(tables, "abusive_institution")
    assert _labels(tables, "abusive_doctor")


def test_a_split_stay_is_readmitted_to_the_same_hospital_within_fifteen_days(tables):
    cases = {c["mdtrt_id"]: c for c in tables["cases"].to_pylist()}
    seconds = [x for x in _labels(tables, "split_hospitalisation") if x["detail"] == "second_stay"]
    assert seconds
    for label in seconds:
        first, second = cases[label["related_mdtrt_id"]], cases[label["mdtrt_id"]]
        gap = second["adm_date"] - first["dscg_date"]
        assert timedelta(days=1) <= gap <= timedelta(days=14)
        assert first["psn_no"] == second["psn_no"] and first["fixmedins_code"] == second["fixmedins_code"]
        assert first["diag_codes"].split("|")[0] == second["diag_codes"].split("|")[0]


def test_an_added_mcc_upcoding_carries_an_mcc_secondary_diagnosis(tables):
    scheme = load_scheme()
    cases = {c["mdtrt_id"]: c for c in tables["cases"].to_pylist()}
    added = [x for x in _labels(tables, "upcoding") if x["detail"] == "added_mcc"]
    assert added
    for label in added:
        principal, *secondary = cases[label["mdtrt_id"]]["diag_codes"].split("|")
        assert any(scheme.is_mcc(s, principal) for s in secondary)


def test_phantom_stays_bill_no_treatment_and_the_patient_is_seen_elsewhere_during_the_stay(tables):
    stays = pa.array([x["mdtrt_id"] for k in ("phantom_stay", "bed_hanging") for x in _labels(tables, k)])
    items = tables["claim_items"].filter(pc.is_in(tables["claim_items"]["mdtrt_id"], stays)).to_pydict()
    marked = {x["feedetl_sn"] for x in tables["labels"].to_pylist() if x["level"] == "item"}
    injected_at = {(m, t) for m, sn, t in zip(items["mdtrt_id"], items["feedetl_sn"], items["fee_ocur_time"]) if sn in marked}
    types: dict[str, set[str]] = {}
    for mdtrt, t, kind in zip(items["mdtrt_id"], items["fee_ocur_time"], items["med_chrgitm_type"]):
        if (mdtrt, t) not in injected_at:  # lines added by item-level injection (both of a duplicate pair)
            types.setdefault(mdtrt, set()).add(kind)
    people = pa.array(list(set(tables["visits"].filter(pc.is_in(tables["visits"]["mdtrt_id"], stays))["psn_no"].to_pylist())))
    visits = tables["visits"].filter(pc.is_in(tables["visits"]["psn_no"], people)).to_pylist()
    by_id = {v["mdtrt_id"]: v for v in visits}
    by_person: dict[str, list[dict]] = {}
    for v in visits:
        by_person.setdefault(v["psn_no"], []).append(v)
    for kind in ("phantom_stay", "bed_hanging"):
        labels = _labels(tables, kind)
        assert labels
        for label in labels:
            stay = by_id[label["mdtrt_id"]]
            if kind == "phantom_stay":
                assert types[label["mdtrt_id"]] <= {"01", "02", "07"}
            elsewhere = [v for v in by_person[stay["psn_no"]] if v["med_type"] != "21"
                         and v["fixmedins_code"] != stay["fixmedins_code"] and stay["begntime"] <= v["begntime"] <= stay["endtime"]]
            assert elsewhere


def test_item_abuse_lines_break_the_rule_they_are_labelled_with(tables):
    items = {r["feedetl_sn"]: r for r in tables["claim_items"].to_pylist()}
    catalog = {r["med_list_codg"]: r for r in tables["catalog"].to_pylist()}
    persons = {r["psn_no"]: r for r in tables["persons"].to_pylist()}
    by_visit: dict[str, list[dict]] = {}
    for r in items.values():
        by_visit.setdefault(r["mdtrt_id"], []).append(r)
    from yibao.synth.nhsa import duplicate_pairs

    pairs = {(p.main_code, p.sub_code) for p in duplicate_pairs()}
    for label in tables["labels"].to_pylist():
        if label["level"] != "item":
            continue
        line = items[label["feedetl_sn"]]
        entry = catalog[line["med_list_codg"]]
        person = persons[line["psn_no"]]
        if label["kind"] == "duplicate_charge":
            same_time = {r["med_list_codg"] for r in by_visit[line["mdtrt_id"]] if r["fee_ocur_time"] == line["fee_ocur_time"]}
            assert any((m, line["med_list_codg"]) in pairs for m in same_time)
        elif label["kind"] == "sex_restricted":
            assert entry["lmt_gend"] not in (None, person["gend"])
        elif label["kind"] == "age_restricted":
            assert entry["lmt_child_only"] and person["age"] >= 18
        elif label["kind"] == "over_limit_price":
            assert line["pric"] > entry["pric_uplmt_amt"]
