"""Leads against ground truth (模拟统筹区真值标签): precision and recall per injected pattern.

A case lead is right when its visit carries a case label of the same pattern (a split stay also
counts when its related earlier stay is labelled); an item lead when its fee line does. Recall is
over the labels: a split label (first or second stay) is found when a lead names that visit.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

RULE_PATTERNS = ("split_hospitalisation", "upcoding", "low_standard_admission", "phantom_stay", "bed_hanging",
                 "duplicate_charge", "sex_restricted", "age_restricted", "over_limit_price",
                 "over_prescription", "repeat_prescription", "fake_patient", "fake_condition", "fake_receipt", "item_substitution")


@dataclass(frozen=True, slots=True)
class PatternScore:
    pattern: str
    leads: int
    true_leads: int
    labels: int
    found: int

    @property
    def precision(self) -> float:
        return self.true_leads / self.leads if self.leads else 0.0

    @property
    def recall(self) -> float:
        return self.found / self.labels if self.labels else 0.0


def evaluate(leads: pa.Table, labels: pa.Table) -> list[PatternScore]:
    """Precision / recall per rule-detectable pattern."""
    lab = labels.to_pylist()
    lead_rows = leads.select(["pattern", "level", "mdtrt_id", "feedetl_sn", "related_mdtrt_id"]).to_pylist()
    out = []
    for pattern in RULE_PATTERNS:
        mine = [r for r in lab if r["kind"] == pattern]
        item = any(r["level"] == "item" for r in mine)
        truth = {r["feedetl_sn"] if item else r["mdtrt_id"] for r in mine}
        found_keys: set[str] = set()
        true_leads = 0
        rows = [r for r in lead_rows if r["pattern"] == pattern]
        for r in rows:
            keys = {r["feedetl_sn"]} if item else {r["mdtrt_id"], r["related_mdtrt_id"]}
            keys.discard(None)
            hit = keys & truth
            true_leads += bool(hit)
            found_keys |= hit
        out.append(PatternScore(pattern, len(rows), true_leads, len(truth), len(found_keys)))
    return out


__all__ = ["PatternScore", "RULE_PATTERNS", "evaluate"]
