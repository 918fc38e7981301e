"""Anomaly scores: the entity that departs from its peers ranks first, explained by that feature."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from yibao.supervision.anomaly.features import FEATURE_NAMES
from yibao.supervision.anomaly.score import Scored, auc, score_entities
from yibao.supervision.local.params import AnomalyParams, load_local_params


@pytest.fixture()
def params() -> AnomalyParams:
    return dataclasses.replace(load_local_params().anomaly, min_cases=30, trees=100)


def _hospitals(n: int = 40, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({name: rng.normal(0.1, 0.01, n) for name in FEATURE_NAMES})
    frame.insert(0, "cases", rng.integers(50, 500, n))
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
