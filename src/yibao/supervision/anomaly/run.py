"""Service: features from the warehouse and the scan's leads, then the scores (机构 / 医师排名)."""

from __future__ import annotations

import datetime as dt

import ibis
import pyarrow as pa

from yibao.store.warehouse import Warehouse
from yibao.supervision.anomaly.features import KEYS, entity_features
from yibao.supervision.anomaly.score import Scored, score_entities
from yibao.supervision.local.params import LocalParams, load_local_params
from yibao.supervision.scan.facts import case_facts, period_cases, severity_codes
from yibao.supervision.scan.model import LEAD_SCHEMA
from yibao.supervision.scan.run import period_items


def rank_entities(warehouse: Warehouse, leads: pa.Table, date_from: dt.date, date_to: dt.date, level: str,
                  params: LocalParams | None = None) -> list[Scored]:
    """Institutions or doctors of the period, most anomalous first, with the features that drove it."""
    params = params or load_local_params()
    cases = period_cases(warehouse.table("cases"), date_from, date_to)
    items = period_items(warehouse.table("claim_items"), date_from, date_to)
    # The features read the cost structure, not the fee-line evidence of care: no fee lines here.
    facts = case_facts(cases, warehouse.table("visits"), severity_codes(), min_peer_cases=params.upcoding.min_peer_cases)
    lead_table = ibis.memtable(leads.select(LEAD_SCHEMA.names).cast(LEAD_SCHEMA.to_pyarrow()))
    if warehouse.backend == "duckdb":
        lead_table = warehouse.con.create_table("_leads", lead_table, overwrite=True)
    else:
        lead_table = warehouse.con.create_view("_leads", lead_table, overwrite=True)
    # Earlier years' cases (history, no fee lines) for the CMI / CC-rate drift.
    before = warehouse.table("cases")
    before = before.filter((before.dscg_date < date_from)
                           & (before.dscg_date >= date_from - dt.timedelta(days=365 * params.anomaly.history_years)))
    history = case_facts(before, warehouse.table("visits"), severity_codes(), min_peer_cases=params.upcoding.min_peer_cases)
    features = entity_features(facts, items, lead_table, level, window_days=params.split_hospitalisation.window_days,
                               short_days=params.low_standard_admission.max_days, history=history).to_pandas()
    return score_entities(features, KEYS[level], params.anomaly, within="home" if level == "doctor" else None)


__all__ = ["rank_entities"]
