"""高套 on hand-made stays: the coded CC/MCC level against the care billed (one level lower), small
groups backing off to the category, the drugs of another principal diagnosis, an operation billed but
not coded, the institution prior — and the same leads on Spark."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import ibis.expr.types as ir
import pyarrow as pa
import pytest
from test_local_rules import D0, ORDINARY, _case, _facts, _lines

from yibao.store.warehouse import Warehouse
from yibao.supervision.local.params import LocalParams, load_local_params
from yibao.supervision.local.rules import upcoding
from yibao.supervision.scan.facts import case_facts, severity_codes

MCC = "J18.000|J96.000"  # 呼吸衰竭: an MCC in CHS-DRG 1.1
CC = "J18.000|J01.000"  # 急性上颌窦炎: a CC
CHEAP = {k: v // 2 for k, v in ORDINARY.items()}


@pytest.fixture(scope="module")
def params() -> LocalParams:
    return load_local_params()


def _world(m1_lines: int, m1_inst: str = "H1", cheap_h2: bool = False) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Ten-day pneumonia stays: uncomplicated ones bill 2 treatment lines, treated CCs 14, treated MCCs 27.
    P1 is coded with an MCC and bills ``m1_lines``; P2 is an MCC billed like its peers. With
    ``cheap_h2``, institution H2 also has five uncomplicated stays billed at half their peers' cost (its
    coding runs ahead of its bills)."""
    plain = [_case(10 + i, f"Q{i}", D0, 10) for i in range(6)]
    cc = [_case(20 + i, f"R{i}", D0, 10, CC) for i in range(6)]
    mcc = [_case(30 + i, f"S{i}", D0, 10, MCC) for i in range(6)]
    h2 = [_case(40 + i, f"T{i}", D0, 10, fees=CHEAP, inst="H2") for i in range(5)] if cheap_h2 else []
    rows = [*plain, *cc, *mcc, *h2, _case(1, "P1", D0, 10, MCC, inst=m1_inst), _case(2, "P2", D0, 10, MCC)]
    lines = [x for r in [*plain, *h2] for x in _lines(str(r["mdtrt_id"]), 2, "05", "T1")]
    lines += [x for r in cc for x in _lines(str(r["mdtrt_id"]), 14, "05", "T1")]
    lines += [x for r in mcc for x in _lines(str(r["mdtrt_id"]), 27, "05", "T1")]
    lines += _lines("M1", m1_lines, "05", "T1") + _lines("M2", 26, "05", "T1")
    return rows, lines


def _leads(facts: ir.Table, params: LocalParams) -> pa.Table:
    return upcoding(facts, params.upcoding, params.version).to_pyarrow()


def _ids(leads: pa.Table) -> list[str]:
    return sorted(leads.column("mdtrt_id").to_pylist())


def test_cc_level_care_coded_as_an_mcc_is_suspected_upcoding(params: LocalParams) -> None:
    # 14 lines: a treated CC's care (an untreated MCC's shortfall alone would not show: 12 extra lines
    # of an MCC's 25 is half, not "almost none").
    rows, lines = _world(14)
    leads = _leads(_facts(rows, lines=lines), params)
    assert _ids(leads) == ["M1"]
    evidence = leads.column("evidence")[0].as_py()
    assert "检查化验治疗明细14条" in evidence and "低一级约14.0条" in evidence and "后验对数几率" in evidence
    trace = leads.column("trace")[0].as_py()
    assert "severe_min_log_odds=" in trace and "severe_prior_start=" in trace and "institution_prior=0" in trace


def test_an_mcc_billed_with_an_mcc_s_care_is_not_upcoding(params: LocalParams) -> None:
    rows, lines = _world(14)
    facts = _facts(rows, lines=lines)
    honest = facts.filter(facts.mdtrt_id.isin(["M2", "M30"])).to_pyarrow()
    assert all(x < -3 for x in honest.column("severe_log_odds").to_pylist())
    assert "M2" not in _ids(_leads(facts, params))


def test_the_institution_prior_turns_a_borderline_case_into_a_lead(params: LocalParams) -> None:
    # 17 lines: between a CC's 14 and an MCC's 26, too close to call in the region …
    rows, lines = _world(17, m1_inst="H2", cheap_h2=True)
    facts = _facts(rows, lines=lines)
    m1 = facts.filter(facts.mdtrt_id == "M1").to_pyarrow().to_pylist()[0]
    assert m1["inst_cmi_excess"] >= 0.05 and m1["inst_cmi_z"] >= 3
    strict = dataclasses.replace(params, upcoding=dataclasses.replace(params.upcoding, prior_min_cmi_excess=Decimal(9)))
    assert _ids(_leads(facts, strict)) == []
    # … but H2's coded groups cost far more than its bills: with that prior it is a lead, and says why.
    leads = _leads(facts, params)
    assert _ids(leads) == ["M1"]
    assert "机构先验" in leads.column("evidence")[0].as_py()
    assert "institution_prior=1" in leads.column("trace")[0].as_py()


def test_a_small_coded_group_backs_off_to_the_diagnosis_category(params: LocalParams) -> None:
    rows, lines = _world(26)
    # J18.900 has no peers of its own: its stays are compared with the J18 category's.
    rows += [_case(3, "P3", D0, 10, "J18.900|J96.000"), _case(4, "P4", D0, 10, "J18.900|J96.000")]
    lines += _lines("M3", 3, "05", "T1") + _lines("M4", 27, "05", "T1")
    leads = _leads(_facts(rows, lines=lines), params)
    assert _ids(leads) == ["M3"]


def _drug_world() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Appendicitis (K35.800) stays take drug D1; gallstone (K80.000) stays D2. Two other K35.800
    stays and P1 bill D2 only: D2 is then common enough among K35.800 stays to look usual there."""
    k35 = [_case(10 + i, f"Q{i}", D0, 8, "K35.800") for i in range(6)]
    k80 = [_case(20 + i, f"R{i}", D0, 8, "K80.000") for i in range(6)]
    odd = [_case(30 + i, f"S{i}", D0, 8, "K35.800") for i in range(2)]
    rows = [*k35, *k80, *odd, _case(1, "P1", D0, 8, "K35.800")]
    lines = [x for r in k35 for x in _lines(str(r["mdtrt_id"]), 6, "09", "D1")]
    lines += [x for r in [*k80, *odd] for x in _lines(str(r["mdtrt_id"]), 8, "09", "D2")]
    lines += _lines("M1", 8, "09", "D2")
    return rows, lines


def test_drugs_fitting_another_principal_diagnosis_are_suspected_upcoding(params: LocalParams) -> None:
    rows, lines = _drug_world()
    facts = _facts(rows, lines=lines)
    m1 = facts.filter(facts.mdtrt_id == "M1").to_pyarrow().to_pylist()[0]
    assert m1["drug_usual"] > float(params.upcoding.principal_max_usual_share)  # the usual-drug test misses it
    assert m1["dx_alt"] == "K80.000"
    leads = _leads(facts, params)
    assert _ids(leads) == ["M1", "M30", "M31"]
    assert "更符合诊断 K80.000" in leads.column("evidence")[0].as_py()
    # The appendicitis stays with appendicitis drugs and the gallstone stays are not leads.
    assert not set(_ids(leads)) & {"M10", "M20"}


def _write(root: Path, rows: list[dict[str, object]], lines: list[dict[str, object]]) -> Warehouse:
    from yibao.store.warehouse import SCHEMAS

    wh = Warehouse(root)
    wh.write("cases", pa.Table.from_pylist(rows, schema=SCHEMAS["cases"].to_pyarrow()))
    wh.write("visits", pa.Table.from_pylist([], schema=SCHEMAS["visits"].to_pyarrow()))
    wh.write("claim_items", pa.Table.from_pylist(lines, schema=SCHEMAS["claim_items"].to_pyarrow()))
    return wh


@pytest.mark.spark
def test_the_upcoding_leads_are_the_same_on_spark(tmp_path: Path, spark_session: object, params: LocalParams) -> None:
    rows, lines = _world(17, m1_inst="H2", cheap_h2=True)
    drows, dlines = _drug_world()
    rows += [{**r, "case_id": f"D{r['case_id']}", "mdtrt_id": f"D{r['mdtrt_id']}"} for r in drows]
    lines += [{**x, "mdtrt_id": f"D{x['mdtrt_id']}", "feedetl_sn": f"D{x['feedetl_sn']}"} for x in dlines]
    rows += [{**r, "case_id": f"U{r['case_id']}", "mdtrt_id": f"U{r['mdtrt_id']}"} for r in _surgery_world(1500, None)]
    lines += [{**x, "mdtrt_id": f"U{x['mdtrt_id']}", "feedetl_sn": f"U{x['feedetl_sn']}"} for x in _surgery_lines()]
    _write(tmp_path, rows, lines)
    found = []
    for wh in (Warehouse(tmp_path), Warehouse(tmp_path, "pyspark", spark_session=spark_session)):
        facts = case_facts(wh.table("cases"), wh.table("visits"), severity_codes(), min_peer_cases=5,
                           items=wh.table("claim_items"), upcoding=params.upcoding)
        leads = _leads(facts, params)
        found.append(sorted(zip(leads.column("mdtrt_id").to_pylist(), leads.column("trace").to_pylist(), strict=True)))
    on_duckdb, on_spark = found
    assert [m for m, _ in on_duckdb] == ["DM1", "DM30", "DM31", "M1", "UM1"]
    assert on_spark == on_duckdb



def _surgery_world(surgery_fee: int, oprn: str | None) -> list[dict[str, object]]:
    """Appendicitis (K35.800) stays take D1, two of them also one D2; gallstone (K80.000) stays take D2.
    P1 is coded K35.800 and bills one D2 line: its drugs lean to K80.000, but too little to say so alone."""
    k35 = [_case(10 + i, f"Q{i}", D0, 8, "K35.800") for i in range(6)]
    k80 = [_case(20 + i, f"R{i}", D0, 8, "K80.000") for i in range(6)]
    fees = {**ORDINARY, "06": surgery_fee}
    return [*k35, *k80, _case(1, "P1", D0, 8, "K35.800", fees=fees, oprn=oprn)]


def _surgery_lines() -> list[dict[str, object]]:
    lines = [x for n in range(10, 16) for x in _lines(f"M{n}", 6, "09", "D1")]
    lines += _lines("M10", 1, "09", "D2") + _lines("M11", 1, "09", "D2")
    lines += [x for n in range(20, 26) for x in _lines(f"M{n}", 8, "09", "D2")]
    return lines + _lines("M1", 1, "09", "D2")


def test_an_operation_billed_but_not_coded_with_drugs_of_another_diagnosis_is_suspected_upcoding(
        params: LocalParams) -> None:
    facts = _facts(_surgery_world(1500, None), lines=_surgery_lines())
    m1 = facts.filter(facts.mdtrt_id == "M1").to_pyarrow().to_pylist()[0]
    p = params.upcoding
    # The drugs alone would not do: between the two thresholds.
    assert float(p.unoperated_min_llr) <= m1["dx_llr"] < float(p.principal_min_llr) and m1["dx_alt"] == "K80.000"
    leads = _leads(facts, params)
    assert _ids(leads) == ["M1"]
    assert "手术费占" in leads.column("evidence")[0].as_py() and "未编码手术操作" in leads.column("evidence")[0].as_py()
    assert "unoperated_min_llr=" in leads.column("trace")[0].as_py()


@pytest.mark.parametrize(("surgery_fee", "oprn"), [(0, None), (1500, "47.0900"), (100, None)])
def test_no_surgery_fee_a_coded_operation_or_a_minor_one_is_not_this_lead(
        params: LocalParams, surgery_fee: int, oprn: str | None) -> None:
    # No surgery billed; the operation is coded; the surgery fee under 5% of the bill (100 of 4,900 yuan).
    assert _ids(_leads(_facts(_surgery_world(surgery_fee, oprn), lines=_surgery_lines()), params)) == []
