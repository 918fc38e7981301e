"""The batch grouper gives the single-case grouper's groups, case for case."""

import ibis
import pyarrow as pa
from drg_cases import SCHEMA, check_snapshot, normalised_sql, rows_table, single_groups
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yibao.payment.drg import OUTPUT_COLUMNS, default_scheme, group_table
from yibao.payment.drg.sample import sample_cases

WORKED = [
    dict(case_id="stent", gend=1, age=60, diag_codes="I21.001|E11.900", oprn_codes="00.6600x004|36.0700"),
    dict(case_id="medical", gend=1, age=60, diag_codes="I21.001", oprn_codes=None),
    dict(case_id="mcc", gend=2, age=40, diag_codes="B20.000x001|A01.100"),
    dict(case_id="cc", gend=2, age=40, diag_codes="B20.000x001|A00.100"),
    dict(case_id="excluded", gend=2, age=40, diag_codes="B20.000x001|B20.000"),
    dict(case_id="newborn", gend=2, age=0, age_days=2, nwb_bir_wt=1200, diag_codes="P07.200"),
    dict(case_id="no-weight", gend=2, age=0, age_days=2, diag_codes="P07.200"),
    dict(case_id="trauma", gend=1, age=30, diag_codes="S01.800x011|S12.000"),
    dict(case_id="one-region", gend=1, age=30, diag_codes="S01.800x011|S01.800x011"),
    dict(case_id="transplant", gend=1, age=50, diag_codes="I25.101", oprn_codes="37.5100"),
    dict(case_id="mismatch", gend=1, age=30, diag_codes="N70.000"),
    dict(case_id="mapped", gend=1, age=30, diag_codes=" A01.000x002 | "),
    dict(case_id="unknown-dx", gend=1, age=30, diag_codes="I21.001|X99.999x999"),
    dict(case_id="unknown-proc", gend=1, age=30, diag_codes="I21.001", oprn_codes="99.9999x999"),
    dict(case_id="empty-main", gend=1, age=30, diag_codes="I21.001", oprn_codes="|36.0700"),
    dict(case_id="unused-code", gend=1, age=30, diag_codes="I21.000"),
    dict(case_id="bad-sex", gend=3, age=30, diag_codes="I21.001"),
    dict(case_id="no-age", gend=1, age=None, diag_codes="I21.001"),
    dict(case_id="no-days", gend=1, age=0, diag_codes="P07.200"),
    dict(case_id="no-dx", gend=1, age=30, diag_codes=None),
    dict(case_id="empty-principal", gend=1, age=30, diag_codes="|I21.001"),
]


def test_the_worked_cases_group_the_same_in_batch_as_one_by_one(batch):
    table = rows_table(WORKED)
    got = batch(table)
    assert got == single_groups(table)
    assert got["stent"] == ("MDCF", "FM2", "FM29", "grouped")
    assert got["excluded"][2] == "YR15" and got["mcc"][2] == "YR11" and got["cc"][2] == "YR13"
    assert got["mismatch"] == (None, None, "0000", "sex_mismatch")
    assert got["no-weight"][3] == "invalid_birth_weight"


def test_other_columns_pass_through_unchanged(duckdb_con):
    table = rows_table(WORKED).append_column("fixmedins_code", pa.array(["H001"] * len(WORKED)))
    out = duckdb_con.to_pyarrow(group_table(ibis.memtable(table)))
    assert out.column_names == [*table.column_names, *OUTPUT_COLUMNS]
    got = {r["case_id"]: r for r in out.to_pylist()}
    for row in table.to_pylist():
        assert {k: got[row["case_id"]][k] for k in row} == row


def test_a_large_random_sample_groups_identically(batch):
    table = sample_cases(3000, seed=11)
    got = batch(table)
    assert got == single_groups(table)
    statuses = {g[3] for g in got.values()}
    assert {"grouped", "bad_diagnosis", "bad_procedure", "invalid_sex", "invalid_age"} <= statuses


def _pools():
    scheme = default_scheme()
    adrgs = sorted(scheme.adrgs.values(), key=lambda a: a.code)
    fallback = sorted(scheme.principal_table)[::500]
    dx_lists = [
        sorted(scheme.lists.get(f"{a.code}.dx", ())) or sorted(scheme.lists[f"{a.mdc}.dx"])[:50] or fallback for a in adrgs
    ]
    proc_lists = [sorted(scheme.lists.get(f"{a.code}.proc", ()))[:50] for a in adrgs]
    extra_dx = sorted(scheme.mcc)[::40] + sorted(scheme.cc)[::150] + sorted(scheme.trauma_region)[::20]
    extra_dx += ["X99.999x999", "A01.000x002", "I21.000"]
    extra_px = sorted(scheme.lists["or_procedures"])[::400] + ["88.7200", "99.9999x999", "37.8300x002"]
    return dx_lists, proc_lists, extra_dx, extra_px


DX_LISTS, PROC_LISTS, EXTRA_DX, EXTRA_PX = _pools()


@st.composite
def coherent_case(draw, i: int):
    k = draw(st.integers(0, len(DX_LISTS) - 1))
    pdx = draw(st.sampled_from(DX_LISTS[k]))
    secondary = draw(st.lists(st.sampled_from(EXTRA_DX + [pdx]), max_size=4))
    procs = draw(st.lists(st.sampled_from((PROC_LISTS[k] or EXTRA_PX) + EXTRA_PX), max_size=3))
    pad = draw(st.sampled_from(["", " ", "|"]))
    newborn = draw(st.booleans()) and k % 3 == 0
    return {
        "case_id": f"h{i}",
        "gend": draw(st.sampled_from([1, 2, 1, 2, 0, None])),
        "age": 0.0 if newborn else draw(st.one_of(st.none(), st.integers(-1, 99).map(float))),
        "age_days": draw(st.one_of(st.none(), st.integers(-1, 60).map(float))),
        "nwb_bir_wt": draw(st.one_of(st.none(), st.integers(0, 4800).map(float))),
        "diag_codes": draw(st.sampled_from(["", " "])) + "|".join([pdx, *secondary]) + pad,
        "oprn_codes": "|".join(procs) + pad if procs else draw(st.sampled_from([None, "", " "])),
    }


@st.composite
def case_batches(draw):
    n = draw(st.integers(1, 40))
    return [draw(coherent_case(i)) for i in range(n)]


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case_batches())
def test_batch_equals_single_on_random_coherent_cases(batch, rows):
    table = rows_table(rows)
    assert batch(table) == single_groups(table)


def test_the_sql_duckdb_is_asked_to_run_is_snapshotted():
    cases = ibis.table(ibis.schema({f.name: str(ibis.dtype(f.type)) for f in SCHEMA}), name="cases")
    sql = normalised_sql(str(ibis.to_sql(group_table(cases), dialect="duckdb")))
    check_snapshot("group_table.duckdb.sql", sql)
