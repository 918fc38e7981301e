"""Care leaves traces in the bill, and people are where their bill says they are.

A treated MCC brings its daily examinations, tests and treatment; an MCC added to the codes does
not. Ordinary outpatient and pharmacy visits fall outside the person's own inpatient stays, so a
visit elsewhere during a stay is the mark of a phantom or bed-hanging stay only.
"""

from __future__ import annotations

import pandas as pd
import pyarrow.compute as pc

from tests.synth.conftest import SMALL


def _current(tables) -> tuple[pd.DataFrame, pd.DataFrame]:
    cases = tables["cases"].filter(pc.equal(tables["cases"]["setl_year"], SMALL.year)).to_pandas()
    labels = tables["labels"].to_pandas()
    return cases, labels[labels["level"] == "case"]


def test_ordinary_visits_fall_outside_the_persons_own_stays(tables):
    cases, labels = _current(tables)
    visits = tables["visits"].to_pandas()
    visits = visits[visits["med_type"] != "21"].assign(day=lambda v: v["begntime"].dt.normalize())
    stays = cases[["mdtrt_id", "psn_no", "adm_date", "dscg_date"]].assign(
        adm=lambda c: pd.to_datetime(c["adm_date"]), dscg=lambda c: pd.to_datetime(c["dscg_date"]))
    j = visits.merge(stays, on="psn_no", suffixes=("_v", ""))
    inside = j[(j["day"] > j["adm"]) & (j["day"] < j["dscg"])]
    alibi_stays = set(labels.loc[labels["kind"].isin(["phantom_stay", "bed_hanging"]), "mdtrt_id"])
    assert len(alibi_stays) > 0
    assert set(inside["mdtrt_id"]) <= alibi_stays


def test_a_treated_mcc_leaves_daily_care_in_the_bill_and_an_added_one_does_not(tables):
    cases, labels = _current(tables)
    items = tables["claim_items"].to_pandas()
    care = items[items["med_chrgitm_type"].isin(["03", "04", "05"])].groupby("mdtrt_id").size()
    per_day = care.reindex(cases["mdtrt_id"]).fillna(0).to_numpy() / cases["ipt_days"].clip(lower=1).to_numpy()
    cases = cases.assign(care_per_day=per_day)
    added = set(labels.loc[(labels["kind"] == "upcoding") & (labels["detail"] == "added_mcc"), "mdtrt_id"])
    mcc = cases["diag_codes"].str.contains("|", regex=False)
    honest_mcc = cases[mcc & ~cases["mdtrt_id"].isin(set(labels["mdtrt_id"]))]
    upcoded = cases[cases["mdtrt_id"].isin(added)]
    assert len(upcoded) >= 20
    # Honest cases with secondary codes include CC and plain comorbidities; an MCC added without care
    # still gets clearly less care a day than they do.
    assert upcoded["care_per_day"].median() < 0.7 * honest_mcc["care_per_day"].median()
