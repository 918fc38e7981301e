"""The region has the shares it was asked for: age, insutype, identities, enrolment, admissions, groups."""

from __future__ import annotations

import numpy as np
import pyarrow.compute as pc

from tests.synth.conftest import SMALL
from yibao.synth.scheme import Demography, load_scheme


def _col(table, name):
    return np.asarray(table[name].to_numpy(zero_copy_only=False))


def test_the_share_aged_sixty_and_over_matches_the_ageing_pyramid(tables):
    age = _col(tables["persons"], "age")
    expected = sum(SMALL.age_band_shares[12:])
    assert abs((age >= 60).mean() - expected) < 0.015


def test_employees_are_about_forty_percent_and_residents_the_rest(tables):
    insutype = _col(tables["persons"], "insutype")
    assert set(insutype) == {"310", "390"}
    assert abs((insutype == "310").mean() - SMALL.employee_share) < 0.02


def test_hardship_identities_have_their_configured_shares_among_residents_only(tables):
    persons = tables["persons"]
    identity = _col(persons, "psn_idet_type")
    insutype = _col(persons, "insutype")
    assert not ((identity != "00") & (insutype == "310")).any()
    for code, share in SMALL.identity_shares.items():
        observed = (identity == code).mean()
        assert abs(observed - share) <= max(0.3 * share, 4 * np.sqrt(share / len(identity))), code


def test_late_enrollees_wait_ninety_days_and_identity_holders_never_wait(tables):
    persons = tables["persons"]
    wait = persons["wait_end_date"]
    late = pc.is_valid(wait).to_numpy(zero_copy_only=False)
    assert abs(late.mean() - SMALL.late_enrollee_share * 0.9) < 0.01
    begin = _col(persons, "insu_begn_date").astype("datetime64[D]")
    end = np.asarray(wait.to_numpy(zero_copy_only=False))[late].astype("datetime64[D]")
    assert ((end - begin[late]).astype(int) == SMALL.waiting_days - 1).all()  # the last waiting day, inclusive
    assert (_col(persons, "psn_idet_type")[late] == "00").all()


def test_admissions_are_about_one_in_five_insured_per_year(tables):
    cases = tables["cases"]
    year = _col(cases, "setl_year")
    labels = tables["labels"]
    second_stays = int(pc.sum(pc.equal(labels["detail"], "second_stay")).as_py() or 0)
    rate = ((year == SMALL.year).sum() - second_stays) / SMALL.persons
    assert abs(rate - SMALL.admission_rate) < 0.015


def test_history_years_hold_cases_of_the_previous_years(tables):
    years = set(_col(tables["cases"], "setl_year").tolist())
    assert years == {SMALL.year - 2, SMALL.year - 1, SMALL.year}


def test_every_diagnosis_and_procedure_is_in_the_bundled_code_tables(tables):
    scheme = load_scheme()
    cases = tables["cases"]
    dx = {c for s in _col(cases, "diag_codes") for c in s.split("|")}
    procs = {c for s in _col(cases, "oprn_codes") for c in s.split("|") if c}
    assert dx <= set(scheme.diagnoses) | set(scheme.mcc) | set(scheme.cc)
    assert procs <= set(scheme.procedures) | scheme.or_procs


def test_nearly_every_case_reaches_a_real_adrg_and_many_groups_are_used(tables):
    scheme = load_scheme()
    cases = tables["cases"].to_pydict()
    reached = []
    for i in range(0, len(cases["case_id"]), 3):
        who = Demography(cases["gend"][i], cases["age"][i], cases["age_days"][i], cases["nwb_bir_wt"][i])
        procs = [p for p in cases["oprn_codes"][i].split("|") if p]
        reached.append(scheme.landing_adrg(cases["diag_codes"][i].split("|"), procs, who))
    found = [a for a in reached if a]
    assert len(found) / len(reached) >= 0.97
    assert len(set(found)) >= 150


def test_obstetric_cases_are_women_of_childbearing_age_and_newborn_cases_babies(tables):
    scheme = load_scheme()
    cases = tables["cases"].to_pydict()
    for dx, sex, age, days, weight in zip(cases["diag_codes"], cases["gend"], cases["age"], cases["age_days"], cases["nwb_bir_wt"]):
        principal = dx.split("|")[0]
        if principal in scheme.mdc_dx["MDCO"] and principal not in scheme.mdc_dx["MDCP"]:
            assert sex == 2 and 15 <= age <= 50
        if weight is not None:
            assert age == 0 and days is not None and days <= 28


def test_case_costs_are_the_exact_sum_of_their_claim_lines(tables):
    items = tables["claim_items"].group_by("mdtrt_id").aggregate([("det_item_fee_sumamt", "sum")])
    sums = dict(zip(items["mdtrt_id"].to_pylist(), items["det_item_fee_sumamt_sum"].to_pylist()))
    cases = tables["cases"].filter(pc.equal(tables["cases"]["setl_year"], SMALL.year)).to_pydict()
    for mdtrt, total, *fees in zip(cases["mdtrt_id"], cases["medfee_sumamt"], *(cases[f"fee_{i:02d}"] for i in range(1, 15))):
        assert sums[mdtrt] == total == sum(fees)


def test_visits_cover_ordinary_chronic_pharmacy_and_inpatient_care(tables):
    med_type = _col(tables["visits"], "med_type")
    assert set(med_type) == {"11", "14", "21", "41"}
    hours = _col(tables["visits"], "begntime").astype("datetime64[h]").astype(int) % 24
    assert ((hours >= 8) & (hours < 18)).mean() > 0.85


def test_dip_core_groups_have_fifteen_cases_and_a_diagnosis_has_several_procedure_combinations(tables):
    import collections

    cases = tables["cases"].to_pydict()
    groups = collections.Counter((d.split("|")[0], o) for d, o in zip(cases["diag_codes"], cases["oprn_codes"]))
    assert sum(n >= 15 for n in groups.values()) >= 30
    combos = collections.defaultdict(set)
    for (dx, procs), n in groups.items():
        if procs and n >= 5:
            combos[dx].add(procs)
    assert sum(len(s) >= 2 for s in combos.values()) >= 5


def test_abusive_institutions_abuse_several_times_more_often_than_the_others(tables):
    labels = tables["labels"].to_pydict()
    bad = {c for k, c in zip(labels["kind"], labels["fixmedins_code"]) if k == "abusive_institution"}
    flagged = {m for lv, m in zip(labels["level"], labels["mdtrt_id"]) if lv == "case"}
    cases = tables["cases"].filter(pc.equal(tables["cases"]["setl_year"], SMALL.year)).to_pydict()
    at_bad = np.array([c in bad for c in cases["fixmedins_code"]])
    hit = np.array([m in flagged for m in cases["mdtrt_id"]])
    assert hit[at_bad].mean() > 3 * hit[~at_bad].mean()


def test_nobody_is_seen_or_admitted_before_birth_and_every_stay_ends_after_it_starts(tables):
    birth = dict(zip(tables["persons"]["psn_no"].to_pylist(), tables["persons"]["brdy"].to_pylist()))
    visits = tables["visits"].to_pydict()
    for psn, begin, end in zip(visits["psn_no"], visits["begntime"], visits["endtime"]):
        assert begin.date() >= birth[psn] and end >= begin
    cases = tables["cases"].filter(pc.equal(tables["cases"]["setl_year"], SMALL.year)).to_pydict()
    for adm, dscg, days in zip(cases["adm_date"], cases["dscg_date"], cases["ipt_days"]):
        assert dscg.year == SMALL.year and adm <= dscg and days == max(1, (dscg - adm).days)
