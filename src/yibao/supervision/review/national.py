"""The 3101 / 3102 output shape (``result`` of 明细审核事前事中分析): one record per rule hit on the
visit, with its lines as ``judge_result_detail_dtos`` (1 违规项 — the line that is the violation,
2 涉及项 — the line that makes it one, e.g. the primary item of a duplicate charge).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from yibao.money import fen
from yibao.supervision.rules.model import ResultType
from yibao.supervision.review.visit import Hit, Visit

VOLA_ITEM_VIOLATION = "1"  # 违规项
VOLA_ITEM_INVOLVED = "2"  # 涉及项
# vola_amt_stas (违规金额计算状态), project dictionary: 1 computed exactly, 2 estimated (可疑).
AMOUNT_EXACT = "1"
AMOUNT_ESTIMATED = "2"


def to_national(hits: Sequence[Hit], visit: Visit, task_id: str = "") -> list[dict[str, object]]:
    """Group hits by rule into 3101 ``result`` records (``jr_id`` = ``mdtrt_id``-``rule_id``)."""
    by_rule: dict[str, list[Hit]] = {}
    for hit in hits:
        by_rule.setdefault(hit.rule_id, []).append(hit)
    patn_id, mdtrt_id = visit.person.psn_no, visit.mdtrt_id
    out: list[dict[str, object]] = []
    for rule_id, group in by_rule.items():
        jr_id = f"{mdtrt_id}-{rule_id}"
        details: list[dict[str, object]] = []
        for hit in group:
            details.append(_detail(jr_id, patn_id, mdtrt_id, hit.feedetl_sn, VOLA_ITEM_VIOLATION, hit.vola_amt))
            for sn in hit.related_sn:
                details.append(_detail(jr_id, patn_id, mdtrt_id, sn, VOLA_ITEM_INVOLVED, Decimal("0.00")))
        first = group[0]
        estimated = any(h.result_type is ResultType.SUSPECT for h in group)
        out.append(
            {
                "jr_id": jr_id,
                "rule_id": rule_id,
                "rule_name": first.rule_name,
                "vola_cont": "；".join(dict.fromkeys(h.vola_cont for h in group))[:500],
                "patn_id": patn_id,
                "mdtrt_id": mdtrt_id,
                "judge_result_detail_dtos": details,
                "vola_amt": fen(sum((h.vola_amt for h in group), Decimal(0))),
                "vola_amt_stas": AMOUNT_ESTIMATED if estimated else AMOUNT_EXACT,
                "sev_deg": first.sev_deg,
                "vola_evid": "｜".join(h.vola_evid for h in group)[:500],
                "vola_bhvr_type": first.vola_bhvr_type,
                "task_id": task_id,
            }
        )
    return out


def _detail(jr_id: str, patn_id: str, mdtrt_id: str, sn: str, item_type: str, amount: Decimal) -> dict[str, object]:
    return {
        "jrd_id": f"{jr_id}-{sn}-{item_type}",
        "patn_id": patn_id,
        "mdtrt_id": mdtrt_id,
        "rx_id": sn,
        "vola_item_type": item_type,
        "vola_amt": amount,
    }


__all__ = ["to_national"]
