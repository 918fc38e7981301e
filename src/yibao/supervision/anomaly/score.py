"""Anomaly scores for auditors (异常评分): IsolationForest over robust z-scores, explained by features.

Each feature is put on a robust scale (median and MAD of the scored entities; only excess over the
peers counts), an IsolationForest (scikit-learn) scores how isolated each entity is, the largest
robust excess how far its worst feature lies beyond the peers; the score averages the two ranks.
The explanation lists the features furthest beyond the peer median, with value and median (for
doctors, the median of their colleagues at the same institution).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score

from yibao.supervision.anomaly.features import FEATURE_NAMES, RATE_FEATURES
from yibao.supervision.local.params import AnomalyParams


@dataclass(frozen=True, slots=True)
class Driver:
    feature: str
    label: str
    value: float
    median: float
    z: float


@dataclass(frozen=True, slots=True)
class Scored:
    key: str
    cases: int
    score: float  # higher = more anomalous
    rank: int
    drivers: tuple[Driver, ...]


def robust_z(frame: pd.DataFrame, floor: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.Series]:
    """Deviations from the median in MADs; ``floor`` (per entity and feature) is the least scale."""
    med = frame.median()
    mad = (frame - med).abs().median() * 1.4826
    scale = mad.where(mad > 1e-9, frame.std().where(frame.std() > 1e-9, 1.0))
    spread = pd.DataFrame([scale] * len(frame), index=frame.index)
    if floor is not None:
        spread = np.maximum(spread, floor.reindex(columns=frame.columns).fillna(0.0))
    return ((frame - med) / spread).fillna(0.0), med


def sampling_floor(values: pd.DataFrame, cases: pd.Series) -> pd.DataFrame:
    """For shares of an entity's cases (``RATE_FEATURES``): the binomial sd of the pooled share at the
    entity's number of cases. A rare behaviour (median 0) is otherwise scaled by almost nothing, and two
    cases of thirty would look like dozens of deviations."""
    out = pd.DataFrame(index=values.index)
    n = cases.astype(float).to_numpy()
    for f in RATE_FEATURES:
        if f in values.columns:
            pooled = float(np.nansum(values[f].to_numpy() * n) / n.sum())
            out[f] = np.sqrt(max(pooled * (1 - pooled), 0.0) / n)
    return out


def _within(values: pd.DataFrame, group: pd.Series, min_members: int) -> pd.DataFrame:
    """Each value's reference: the median of its group (a doctor's colleagues at the same institution)
    where the group has at least ``min_members`` scored members, else the median of all."""
    size = group.map(group.value_counts()).to_numpy()
    ref = values.groupby(group.to_numpy()).transform("median")
    overall = pd.DataFrame([values.median()] * len(values), index=values.index)
    return ref.where(pd.DataFrame({c: size >= min_members for c in values.columns}, index=values.index), overall)


def _group_spread(residuals: pd.DataFrame, group: pd.Series, min_members: int) -> pd.DataFrame:
    """The MAD of each group's residuals (where it has ``min_members``): a hospital whose doctors all
    vary widely does not make each of them an outlier against the region's spread."""
    size = group.map(group.value_counts()).to_numpy()
    keys = group.to_numpy()
    mad = residuals.groupby(keys).transform(lambda x: (x - x.median()).abs().median() * 1.4826)
    return mad.where(pd.DataFrame({c: size >= min_members for c in residuals.columns}, index=residuals.index), 0.0)


def score_entities(features: pd.DataFrame, key: str, params: AnomalyParams, within: str | None = None) -> list[Scored]:
    """Score the entities with at least ``min_cases`` cases, most anomalous first. With ``within`` (a
    column, e.g. a doctor's institution) each entity is compared with the others of its group, so a
    doctor is not ranked for the hospital he works at (the institution ranking sees that)."""
    data = features[features["cases"] >= params.min_cases].reset_index(drop=True)
    if data.empty:
        return []
    names = [n for n in FEATURE_NAMES if n in data.columns]
    values = data[names].astype(float)
    floor = sampling_floor(values, data["cases"])
    if within is not None:
        ref = _within(values, data[within], params.min_colleagues)
        floor = np.maximum(floor.reindex(columns=names).fillna(0.0),
                           _group_spread(values - ref, data[within], params.min_colleagues))
        z, _ = robust_z(values - ref, floor)
        med = ref
    else:
        z, overall = robust_z(values, floor)
        med = pd.DataFrame([overall] * len(values), index=values.index)
    # Only behaviour beyond the peers is suspicious: a hospital is not anomalous for coding less.
    z = z.clip(lower=0.0)
    forest = IsolationForest(n_estimators=params.trees, random_state=params.seed)
    forest.fit(z.to_numpy())
    isolation = -forest.score_samples(z.to_numpy())
    # The forest sees combinations of small excesses; one feature far beyond the peers is seen by the
    # largest robust excess, kept as a magnitude (z / (z + excess_half): a rank would put 15 deviations
    # level with 3). The score is the mean of the forest's percentile rank and that (0–1).
    excess = z.max(axis=1).to_numpy()
    score = (pd.Series(isolation).rank(pct=True).to_numpy() + excess / (excess + float(params.excess_half))) / 2
    order = np.argsort(-score, kind="stable")
    out = []
    for rank, i in enumerate(order, start=1):
        row = z.iloc[i]
        top = row.abs().sort_values(ascending=False).index[: params.top_features]
        drivers = tuple(Driver(f, FEATURE_NAMES[f], float(data.at[i, f]) if pd.notna(data.at[i, f]) else float("nan"),
                               float(med.at[i, f]), float(row[f])) for f in top)
        out.append(Scored(str(data.at[i, key]), int(data.at[i, "cases"]), float(score[i]), rank, drivers))
    return out


def auc(scored: list[Scored], positives: set[str]) -> tuple[float, float, int]:
    """(ROC AUC, PR AUC, positives among the scored) of the score against known abusive entities."""
    y = np.array([s.key in positives for s in scored])
    if y.all() or not y.any():
        return float("nan"), float("nan"), int(y.sum())
    s = np.array([x.score for x in scored])
    return float(roc_auc_score(y, s)), float(average_precision_score(y, s)), int(y.sum())


__all__ = ["Driver", "Scored", "auc", "robust_z", "sampling_floor", "score_entities"]
