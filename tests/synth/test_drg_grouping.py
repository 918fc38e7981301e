"""The project's CHS-DRG grouper finds real groups for the synthetic cases, single and batch."""

from __future__ import annotations

import collections

import ibis
import pyarrow.compute as pc

from yibao.payment.drg.batch import group_table
from yibao.payment.drg.model import Case
from yibao.payment.drg.single import group_case
from yibao.synth.scheme import load_scheme


def test_at_least_ninety_five_percent_of_cases_group_to_a_real_drg(tables):
    results = [group_case(Case.from_row(row)) for row in tables["cases"].to_pylist()]
    grouped = [r for r in results if r.grouped and r.drg != "0000"]
    assert len(grouped) / len(results) >= 0.95, collections.Counter(r.status.value for r in results)
    assert len({r.drg for r in grouped}) >= 200


def test_an_added_mcc_lifts_the_case_into_the_mcc_drg_of_its_adrg(tables):
    scheme = load_scheme()
    labels = tables["labels"]
    added = labels.filter(pc.and_(pc.equal(labels["kind"], "upcoding"), pc.equal(labels["detail"], "added_mcc")))
    ids = set(added["mdtrt_id"].to_pylist())
    results = [group_case(Case.from_row(r)) for r in tables["cases"].to_pylist() if r["mdtrt_id"] in ids]
    splitting = [r for r in results if r.adrg and scheme.adrgs[r.adrg]["drgs"][0]["when"] == "mcc"]
    assert splitting
    assert all(r.drg == scheme.adrgs[r.adrg]["drgs"][0]["drg"] for r in splitting)


def test_the_batch_grouper_runs_directly_on_the_cases_table(tables):
    sample = tables["cases"].slice(0, 600)
    out = group_table(ibis.memtable(sample)).to_pyarrow()
    single = {r["case_id"]: group_case(Case.from_row(r)).drg for r in sample.to_pylist()}
    assert dict(zip(out["case_id"].to_pylist(), out["drg"].to_pylist())) == single
