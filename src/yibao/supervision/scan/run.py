"""The post-event scan (事后批量扫描): every rule over one period of the warehouse, as one Ibis
expression — run on DuckDB by default or on Spark unchanged.

``scan_tables`` is the engine (Ibis tables in, an Ibis table of leads out); ``scan_warehouse`` the
service that binds it to a :class:`~yibao.store.warehouse.Warehouse` and runs it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

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
from yibao.supervision.scan.national import entries_table, national_leads, price_leads

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


def scan_tables(tables: Mapping[str, ir.Table], date_from: dt.date, date_to: dt.date, *,
                library: RuleLibrary | None = None, rule_params: RuleParams | None = None,
                params: LocalParams | None = None) -> ir.Table:
    """All leads of the period: national rules on fee lines, price caps, and the local case rules."""
    params = params or load_local_params()
    items = period_items(tables["claim_items"], date_from, date_to)
    cases = period_cases(tables["cases"], date_from, date_to)
    facts = case_facts(cases, tables["visits"], severity_codes(), min_peer_cases=params.upcoding.min_peer_cases,
                       items=items, usual_drug_share=float(params.upcoding.usual_drug_share))
    parts = [
        national_leads(items, tables["visits"], tables["persons"], tables["institutions"],
                       entries_table(library or load_library()), rule_params or load_params()),
        price_leads(items, tables["catalog"], str(params.price.tolerance), params.version),
        *local_case_leads(facts, params),
        *local_line_leads(tables, date_from, date_to, params),
    ]
    return ibis.union(*parts)


def scan_warehouse(warehouse: Warehouse, date_from: dt.date, date_to: dt.date,
                   params: LocalParams | None = None) -> pa.Table:
    """Run the scan on the warehouse's backend; leads sorted by rule, visit and line."""
    tables = {name: warehouse.table(name) for name in SCAN_TABLES}
    leads = scan_tables(tables, date_from, date_to, params=params)
    return leads.order_by(["rule_id", "mdtrt_id", "feedetl_sn"]).to_pyarrow()


__all__ = ["SCAN_TABLES", "local_line_leads", "period_items", "period_visits", "scan_tables", "scan_warehouse"]
