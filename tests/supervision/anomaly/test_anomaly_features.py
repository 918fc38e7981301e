"""The anomaly features that compare an entity with its own past and with the patients it shares."""

from __future__ import annotations

import ibis
import pyarrow as pa
import pytest

from yibao.supervision.anomaly.features import history_drift, shared_patients


def _facts(rows: list[tuple[str, str, str, int, float]]) -> ibis.Table:
    """(institution, person, principal, severity, cost) per case."""
    cols = list(zip(*rows))
    return ibis.memtable(pa.table({"fixmedins_code": list(cols[0]), "psn_no": list(cols[1]), "principal": list(cols[2]),
                                   "severity": pa.array(cols[3], pa.int64()), "cost": pa.array(cols[4], pa.float64())}))


def _by_key(t: ibis.Table) -> dict[str, dict[str, float]]:
    return {r.pop("fixmedins_code"): r for r in t.to_pyarrow().to_pylist()}


def test_a_hospital_that_starts_coding_mcc_shows_cmi_and_severity_drift_beyond_the_region() -> None:
    # Region: J18 plain 1000, J18 with MCC 3000. H1 codes as before; H2 moves from plain to MCC.
    then = [("H1", f"a{i}", "J18", 0, 1000.0) for i in range(8)] + [("H1", f"b{i}", "J18", 2, 3000.0) for i in range(2)]
    then += [("H2", f"c{i}", "J18", 0, 1000.0) for i in range(8)] + [("H2", f"d{i}", "J18", 2, 3000.0) for i in range(2)]
    now = [("H1", f"e{i}", "J18", 0, 1000.0) for i in range(8)] + [("H1", f"f{i}", "J18", 2, 3000.0) for i in range(2)]
    now += [("H2", f"g{i}", "J18", 0, 1000.0) for i in range(4)] + [("H2", f"h{i}", "J18", 2, 3000.0) for i in range(6)]
    drift = _by_key(history_drift(_facts(now), _facts(then), "fixmedins_code"))
    assert drift["H2"]["cmi_drift"] > 0.2 and drift["H2"]["severe_drift"] == pytest.approx(0.2)
    assert drift["H1"]["cmi_drift"] < 0 and drift["H1"]["severe_drift"] == pytest.approx(-0.2)


def test_patients_shared_with_one_other_hospital_and_flagged_elsewhere() -> None:
    facts = _facts([("H1", f"p{i}", "J18", 0, 1000.0) for i in range(4)] + [("H2", "p0", "J18", 0, 1000.0),
                   ("H2", "p1", "J18", 0, 1000.0), ("H3", "p2", "J18", 0, 1000.0), ("H3", "q", "J18", 0, 1000.0)])
    leads = ibis.memtable(pa.table({"level": ["case", "case"], "psn_no": ["p0", "q"], "fixmedins_code": ["H2", "H3"]}))
    out = _by_key(shared_patients(facts, leads, "fixmedins_code"))
    assert out["H1"]["partner_share"] == pytest.approx(0.5)  # p0, p1 also at H2
    assert out["H1"]["shared_flagged_rate"] == pytest.approx(0.25)  # p0 flagged at H2
    assert out["H3"]["shared_flagged_rate"] == 0.0  # q's lead is H3's own
