"""The post-event scan (事后批量扫描): every rule over one period of the warehouse, as Ibis
expressions — run on DuckDB by default or on Spark unchanged.

``scan_parts`` is the engine (Ibis tables in, one Ibis table of leads per detector out; ``scan_tables``
their union); ``scan_warehouse`` the service that binds it to a
:class:`~yibao.store.warehouse.Warehouse` and runs the parts one after another.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from contextlib import ExitStack

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from yibao.store.warehouse import Warehouse
from yibao.supervision.local.fakes import multi_institution_day, receipt_mismatch, unregistered_condition
from yibao.supervision.local.params import LocalParams, load_local_params
from yibao.supervision.local.prescriptions import over_prescription, repeat_prescription
from yibao.supervision.local.rules import local_case_leads
from yibao.supervision.local.substitution import item_substitution
from yibao.supervision.rules.library import RuleParams, load_library, load_params
from yibao.supervision.rules.model import RuleLibrary
from yibao.supervision.scan.facts import case_facts, period_cases, severity_codes
from yibao.supervision.scan.model import LEAD_SCHEMA
from yibao.supervision.scan.national import entries_table, national_parts, price_leads, rule_lines

SCAN_TABLES = ("persons", "institutions", "catalog", "visits", "cases", "claim_items")


def period_items(items: ir.Table, date_from: dt.date, date_to: dt.date) -> ir.Table:
    day = items.fee_ocur_time.date()
    return items.filter((day >= date_from) & (day <= date_to))


def period_visits(visits: ir.Table, date_from: dt.date, date_to: dt.date) -> ir.Table:
    day = visits.begntime.date()
    return visits.filter((day >= date_from) & (day <= date_to))


def local_line_leads(tables: Mapping[str, ir.Table], date_from: dt.date, date_to: dt.date,
                     params: LocalParams) -> list[ir.Table]:
    """The local rules on fee lines and visits: prescriptions, item substitution and the three fakes."""
    v, all_items, catalog = tables["visits"], tables["claim_items"], tables["catalog"]
    items = period_items(all_items, date_from, date_to)
    # Supply held when the period starts counts for 重复开药: its lines reach back one window.
    back = period_items(all_items, date_from - dt.timedelta(days=params.repeat_prescription.window_days), date_to)
    visits = period_visits(v, date_from, date_to)
    return [
        over_prescription(items, v, catalog, params.over_prescription, params.version),
        repeat_prescription(back, v, catalog, params.repeat_prescription, params.version, since=date_from),
        multi_institution_day(visits, params.fake_patient, params.version),
        unregistered_condition(visits, tables["persons"], params.fake_condition, params.version),
        *receipt_mismatch(visits, all_items, params.fake_receipt, params.version),
        item_substitution(items, v, catalog, params.item_substitution, params.version),
    ]


def scan_parts(tables: Mapping[str, ir.Table], date_from: dt.date, date_to: dt.date, *,
               library: RuleLibrary | None = None, rule_params: RuleParams | None = None,
               params: LocalParams | None = None,
               hold: Callable[[ir.Table], ir.Table] | None = None) -> list[ir.Table]:
    """All leads of the period as separate queries: each national rule kind on fee lines, price caps,
    the local case rules (together: they share the case facts), each local line rule. ``hold`` keeps
    the fee lines every national kind reads and the case facts (a service passes ``Table.cache``:
    computed once, not once per kind or rule)."""
    params = params or load_local_params()
    items = period_items(tables["claim_items"], date_from, date_to)
    cases = period_cases(tables["cases"], date_from, date_to)
    facts = case_facts(cases, tables["visits"], severity_codes(), min_peer_cases=params.upcoding.min_peer_cases,
                       items=items, upcoding=params.upcoding)
    if hold is not None:  # the five case rules read the same facts: computed once
        facts = hold(facts)
    entries = entries_table(library or load_library())
    lines = rule_lines(items, entries)
    parts = [
        *national_parts(hold(lines) if hold is not None else lines, tables["visits"], tables["persons"],
                        tables["institutions"], entries, rule_params or load_params()),
        price_leads(items, tables["catalog"], str(params.price.tolerance), params.version),
        ibis.union(*local_case_leads(facts, params)),
        *local_line_leads(tables, date_from, date_to, params),  # one by one: 1.0 GB at 200k persons, not 2.9
    ]
    return parts


def scan_tables(tables: Mapping[str, ir.Table], date_from: dt.date, date_to: dt.date, *,
                library: RuleLibrary | None = None, rule_params: RuleParams | None = None,
                params: LocalParams | None = None) -> ir.Table:
    """All leads of the period as one expression."""
    return ibis.union(*scan_parts(tables, date_from, date_to, library=library, rule_params=rule_params,
                                  params=params))


def scan_warehouse(warehouse: Warehouse, date_from: dt.date, date_to: dt.date,
                   params: LocalParams | None = None) -> pa.Table:
    """Run the scan on the warehouse's backend; leads sorted by rule, visit and line.

    The parts run one after another, so the backend holds one detector's working set, not all of them
    (Spark's analyser runs out of heap on their union). DuckDB keeps the fee lines the national kinds
    share as a temporary table; Ibis cannot cache a Spark expression holding in-memory tables."""
    tables = {name: warehouse.table(name) for name in SCAN_TABLES}
    schema = LEAD_SCHEMA.to_pyarrow()
    with ExitStack() as held:
        hold = (lambda t: held.enter_context(t.cache())) if warehouse.backend == "duckdb" else None
        parts = scan_parts(tables, date_from, date_to, params=params, hold=hold)
        leads = pa.concat_tables([part.to_pyarrow().cast(schema) for part in parts])
    return leads.sort_by([("rule_id", "ascending"), ("mdtrt_id", "ascending"), ("feedetl_sn", "ascending")])


__all__ = ["SCAN_TABLES", "local_line_leads", "period_items", "period_visits", "scan_parts", "scan_tables",
           "scan_warehouse"]
