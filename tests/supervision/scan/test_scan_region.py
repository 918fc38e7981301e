"""The full post-event scan on a small synthetic region: shape, traceability, and what it finds."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from yibao.store.warehouse import Warehouse
from yibao.supervision.scan.evaluate import evaluate
from yibao.supervision.scan.model import LEAD_SCHEMA
from yibao.supervision.scan.run import scan_warehouse

YEAR = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


@pytest.fixture(scope="module")
def leads(warehouse: Warehouse) -> pa.Table:
    return scan_warehouse(warehouse, *YEAR)


def test_every_lead_has_the_lead_columns_a_rule_an_amount_and_a_trace(leads: pa.Table) -> None:
    assert leads.column_names == list(LEAD_SCHEMA.names)
    rows = leads.to_pylist()
    assert rows
    assert all(r["rule_id"] and r["evidence"] and r["trace"] and r["amount"] is not None for r in rows)
    assert all(r["trace"].startswith(("rule=", "LOCAL-")) for r in rows)


def test_a_lead_is_one_per_rule_and_line_or_visit(leads: pa.Table) -> None:
    keys = [(r["rule_id"], r["mdtrt_id"], r["feedetl_sn"]) for r in leads.to_pylist()]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("pattern", ["split_hospitalisation", "phantom_stay", "duplicate_charge", "age_restricted",
                                     "sex_restricted", "over_limit_price"])
def test_the_scan_finds_injected_abuse_with_high_precision_and_recall(leads: pa.Table, warehouse: Warehouse,
                                                                      pattern: str) -> None:
    score = {s.pattern: s for s in evaluate(leads, warehouse.table("labels").to_pyarrow())}[pattern]
    assert score.labels > 0
    assert score.recall >= 0.85
    assert score.precision >= 0.9


# The local line rules, against the target (recall ≥ 0.9 at precision ≥ 0.8).
@pytest.mark.parametrize("pattern", ["over_prescription", "repeat_prescription", "item_substitution", "fake_patient",
                                     "fake_condition", "fake_receipt"])
def test_the_scan_finds_the_local_line_patterns(leads: pa.Table, warehouse: Warehouse, pattern: str) -> None:
    score = {s.pattern: s for s in evaluate(leads, warehouse.table("labels").to_pyarrow())}[pattern]
    assert score.labels > 0
    assert score.recall >= 0.9
    assert score.precision >= 0.8


def test_a_period_without_data_gives_no_leads(warehouse: Warehouse) -> None:
    assert scan_warehouse(warehouse, dt.date(2030, 1, 1), dt.date(2030, 12, 31)).num_rows == 0
