"""The prescription rules and 项目串换 give the same leads, to the fen, on DuckDB and on Spark — the
exact substitution amount at a half-fen tie included."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from test_local_prescriptions import D0, Claims, _catalog, _dispense

from yibao.store.warehouse import Warehouse
from yibao.supervision.local.params import load_local_params
from yibao.supervision.local.prescriptions import over_prescription, repeat_prescription
from yibao.supervision.local.substitution import item_substitution

pytestmark = pytest.mark.spark


def _region(root: Path) -> Warehouse:
    c = Claims()
    _dispense(c, "H1", n_dear=8, n_plain=4)
    for inst in ("H2", "H3", "H4"):
        _dispense(c, inst, n_dear=1, n_plain=11)
    next(i for i in c.items if i["fixmedins_code"] == "H2" and i["med_list_codg"] == "G2")[
        "det_item_fee_sumamt"] = Decimal("19.54")  # a tie at half a fen: 18.485
    c.visit("R1", D0, "14", "H1", (("DRUGB", 112),))
    c.visit("R1", D0 + dt.timedelta(days=3), "11", "H2", (("DRUGB", 28), ("DRUGA", 3)))
    c.visit("R1", D0 + dt.timedelta(days=6), "41", "Y1", (("DRUGB", 28),))
    wh = Warehouse(root)
    items, visits = c.tables()
    wh.write("claim_items", items.to_pyarrow())
    wh.write("visits", visits.to_pyarrow())
    wh.write("catalog", _catalog().to_pyarrow())
    return wh


def _leads(wh: Warehouse) -> list[tuple[object, ...]]:
    p = load_local_params()
    generic = dataclasses.replace(p.repeat_prescription, same_generic_name=True)
    items, visits, catalog = wh.table("claim_items"), wh.table("visits"), wh.table("catalog")
    parts = [item_substitution(items, visits, catalog, p.item_substitution, p.version),
             over_prescription(items, visits, catalog, p.over_prescription, p.version),
             repeat_prescription(items, visits, catalog, p.repeat_prescription, p.version),
             repeat_prescription(items, visits, catalog, generic, p.version)]
    rows = pa.concat_tables([t.to_pyarrow() for t in parts]).to_pylist()
    return sorted((r["rule_id"], r["mdtrt_id"], r["feedetl_sn"], r["amount"], r["evidence"]) for r in rows)


def test_the_rules_give_the_same_leads_and_amounts_on_duckdb_and_spark(tmp_path: Path, spark_session: object) -> None:
    _region(tmp_path)
    on_duckdb = _leads(Warehouse(tmp_path))
    on_spark = _leads(Warehouse(tmp_path, "pyspark", spark_session=spark_session))
    assert {r[0] for r in on_duckdb} == {"LOCAL-SUBST", "LOCAL-OVERRX", "LOCAL-REPEATRX"}
    assert {r[3] for r in on_duckdb if r[0] == "LOCAL-SUBST"} == {Decimal("18.49")}
    assert on_spark == on_duckdb
