"""Anomaly scores: the entity that departs from its peers ranks first, explained by that feature."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from yibao.supervision.anomaly.features import FEATURE_NAMES, RATE_FEATURES
from yibao.supervision.anomaly.score import Scored, auc, score_entities
from yibao.supervision.local.params import AnomalyParams, load_local_params


@pytest.fixture()
def params() -> AnomalyParams:
    return dataclasses.replace(load_local_params().anomaly, min_cases=30, trees=100)


def _hospitals(n: int = 40, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cases = rng.integers(50, 500, n)
    # Shares of cases vary as sampling does (binomial); the other features a little around their mean.
    frame = pd.DataFrame({name: rng.binomial(cases, 0.1) / cases if name in RATE_FEATURES else rng.normal(0.1, 0.01, n)
                          for name in FEATURE_NAMES})
    frame.insert(0, "cases", cases)
    frame.insert(0, "fixmedins_code", [f"H{i:03d}" for i in range(n)])
    return frame


def test_the_hospital_that_readmits_far_more_than_its_peers_ranks_first_and_says_why(params: AnomalyParams) -> None:
    frame = _hospitals()
    frame.loc[7, "readmit_rate"] = 0.4
    scored = score_entities(frame, "fixmedins_code", params)
    assert scored[0].key == "H007" and scored[0].rank == 1
    top = scored[0].drivers[0]
    assert top.feature == "readmit_rate" and top.label == "15 天内再入院率"
    assert top.value == pytest.approx(0.4) and top.median == pytest.approx(0.1, abs=0.01)


def test_coding_less_than_the_peers_is_not_an_anomaly(params: AnomalyParams) -> None:
    frame = _hospitals()
    frame.loc[3, "severe_excess"] = -0.5
    frame.loc[9, "severe_excess"] = 0.5
    ranks = {s.key: s.rank for s in score_entities(frame, "fixmedins_code", params)}
    assert ranks["H009"] == 1
    assert ranks["H003"] > 5


def test_entities_with_too_few_cases_are_not_scored(params: AnomalyParams) -> None:
    frame = _hospitals()
    frame.loc[0, "cases"] = 5
    assert "H000" not in {s.key for s in score_entities(frame, "fixmedins_code", params)}


def test_auc_measures_the_ranking_against_known_abusers() -> None:
    scored = [Scored(k, 100, s, i, ()) for i, (k, s) in enumerate([("A", 0.9), ("B", 0.8), ("C", 0.2), ("D", 0.1)], 1)]
    assert auc(scored, {"A", "B"})[:2] == (1.0, 1.0)
    assert auc(scored, {"C", "D"})[0] == 0.0
    assert math.isnan(auc(scored, set())[0])


def test_a_doctor_is_ranked_against_his_colleagues_not_for_the_hospital_he_works_at(params: AnomalyParams) -> None:
    frame = _hospitals(60).rename(columns={"fixmedins_code": "atddr_no"})
    frame.insert(1, "home", ["HA"] * 10 + ["HB"] * 50)
    # Everyone at HA bills many flagged lines (the institution's doing); one doctor at HB bills far
    # more than his colleagues there, though less than HA's doctors.
    frame.loc[:9, "item_lead_rate"] = 0.5
    frame.loc[20, "item_lead_rate"] = 0.3
    scored = {s.key: s for s in score_entities(frame, "atddr_no", params, within="home")}
    assert scored["H020"].rank <= 2  # (random noise in the other features may tie it)
    top = scored["H020"].drivers[0]
    assert top.feature == "item_lead_rate" and top.median == pytest.approx(0.1, abs=0.01)
    assert all(scored[f"H{i:03d}"].drivers[0].feature != "item_lead_rate" for i in range(10))
    # Without the colleagues' reference, HA's doctors are what stands out.
    plain = score_entities(frame, "atddr_no", params)
    assert plain[0].key in {f"H{i:03d}" for i in range(10)}
