"""The lead workflow (线索流转) and sanction rules as pure functions: no database here.

待核查 → 核查中 → 确认 / 排除; 确认 → 处理 (by recording a sanction). Anything else is refused with a
Chinese error. Credit scores and physician points are computed from plain records.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from functools import lru_cache

from yibao.errors import ConflictError, ErrorCode, InputError
from yibao.supervision.local.params import PARAMS_FILE


class LeadStatus(str, Enum):
    PENDING = "待核查"
    INVESTIGATING = "核查中"
    CONFIRMED = "确认"
    DISMISSED = "排除"
    HANDLED = "处理"


TRANSITIONS: dict[LeadStatus, frozenset[LeadStatus]] = {
    LeadStatus.PENDING: frozenset({LeadStatus.INVESTIGATING}),
    LeadStatus.INVESTIGATING: frozenset({LeadStatus.CONFIRMED, LeadStatus.DISMISSED}),
    LeadStatus.CONFIRMED: frozenset({LeadStatus.HANDLED}),
    LeadStatus.DISMISSED: frozenset(),
    LeadStatus.HANDLED: frozenset(),
}

SANCTION_KINDS: dict[str, str] = {
    "recovery": "追回",
    "suspend_payment": "暂停拨付",
    "suspend_agreement": "暂停协议",
    "terminate_agreement": "解除协议",
    "physician_points": "医师记分",
    "referral": "移送",
}


def status_of(text: str) -> LeadStatus:
    try:
        return LeadStatus(text)
    except ValueError as exc:
        allowed = "、".join(s.value for s in LeadStatus)
        raise InputError(ErrorCode.INVALID_VALUE, field="status", detail=f"未知状态“{text}”，可选：{allowed}") from exc


def transition(current: LeadStatus, target: LeadStatus) -> LeadStatus:
    """The new status, or a refusal naming the allowed next steps."""
    if target not in TRANSITIONS[current]:
        allowed = "、".join(s.value for s in TRANSITIONS[current]) or "无（已结束）"
        raise ConflictError(ErrorCode.INVALID_STATE, field="status",
                            detail=f"线索状态不能从“{current.value}”变为“{target.value}”，可变为：{allowed}")
    return target


def check_sanction(status: LeadStatus, kind: str, amount: Decimal | None, points: int | None) -> None:
    """A sanction is decided on a confirmed lead only, and carries what its kind needs."""
    if kind not in SANCTION_KINDS:
        allowed = "、".join(f"{k}（{v}）" for k, v in SANCTION_KINDS.items())
        raise InputError(ErrorCode.INVALID_VALUE, field="kind", detail=f"未知处理方式“{kind}”，可选：{allowed}")
    if status is not LeadStatus.CONFIRMED:
        raise ConflictError(ErrorCode.INVALID_STATE, field="status", detail=f"线索状态为“{status.value}”，确认后才能处理")
    if kind == "recovery" and (amount is None or amount <= 0):
        raise InputError(ErrorCode.INVALID_VALUE, field="amount", detail="追回须填写大于 0 的金额")
    if kind == "physician_points" and (points is None or points <= 0):
        raise InputError(ErrorCode.INVALID_VALUE, field="points", detail="医师记分须填写大于 0 的分值")


@dataclass(frozen=True, slots=True)
class CreditPolicy:
    physician_points_per_year: int
    start: int
    per_confirmed_lead: int
    per_sanction: dict[str, int]
    grades: tuple[tuple[str, int, Decimal], ...]  # (grade, min score, coefficient), best first


@lru_cache(maxsize=1)
def load_credit_policy() -> CreditPolicy:
    with PARAMS_FILE.open("rb") as handle:
        raw = tomllib.load(handle)["sanctions"]
    grades = tuple((g["grade"], int(g["min_score"]), Decimal(g["coefficient"])) for g in raw["credit_grades"])
    return CreditPolicy(int(raw["physician_points_per_year"]), int(raw["credit_start"]),
                        int(raw["credit_per_confirmed_lead"]), {k: int(v) for k, v in raw["credit_per_sanction"].items()},
                        tuple(sorted(grades, key=lambda g: -g[1])))


@dataclass(frozen=True, slots=True)
class Credit:
    fixmedins_code: str
    score: int
    grade: str
    coefficient: Decimal
    basis: str


def credit_score(fixmedins_code: str, confirmed_leads: int, sanctions: Iterable[str], policy: CreditPolicy) -> Credit:
    """信用评分: start, minus per confirmed lead and per sanction kind; the grade band gives the
    coefficient DIP/DRG advance payments are multiplied by."""
    kinds = list(sanctions)
    lost_leads = confirmed_leads * policy.per_confirmed_lead
    lost_sanctions = sum(policy.per_sanction.get(k, 0) for k in kinds)
    score = max(0, policy.start - lost_leads - lost_sanctions)
    grade, _, coefficient = next(g for g in policy.grades if score >= g[1])
    basis = f"起始{policy.start}分；确认线索{confirmed_leads}条扣{lost_leads}分；处理{len(kinds)}项扣{lost_sanctions}分"
    return Credit(fixmedins_code, score, grade, coefficient, basis)


def points_left(deducted: Iterable[int], policy: CreditPolicy) -> int:
    """医保医师: points left of the year's budget (≤ 0: the physician's 医保支付资格 is suspended)."""
    return policy.physician_points_per_year - sum(deducted)


__all__ = [
    "Credit", "CreditPolicy", "LeadStatus", "SANCTION_KINDS", "TRANSITIONS", "check_sanction", "credit_score",
    "load_credit_policy", "points_left", "status_of", "transition",
]
