"""Leads in the operational store (线索库): save a scan's leads, move them, sanction, score credit.

Services: each function takes an open SQLAlchemy ``Session`` (the caller commits — one transaction
per command) and calls the pure rules of :mod:`yibao.supervision.leads.workflow`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

import pyarrow as pa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yibao.errors import ErrorCode, NotFoundError
from yibao.store.models.base import now
from yibao.store.models.supervision import InstitutionCredit, LeadEvent, PhysicianPoints, Sanction, SupervisionLead
from yibao.supervision.leads.workflow import (
    Credit,
    CreditPolicy,
    LeadStatus,
    check_sanction,
    credit_score,
    load_credit_policy,
    points_left,
    transition,
)

SCANNER = "system"


def lead_key(row: dict[str, object]) -> str:
    return f"{row['rule_id']}|{row['mdtrt_id'] or ''}|{row['feedetl_sn'] or ''}"


def save_leads(session: Session, leads: pa.Table, scan_id: str, period: tuple[dt.date, dt.date]) -> int:
    """Insert the scan's leads that are not stored yet (a rescan adds only new ones); returns how many."""
    known = set(session.scalars(select(SupervisionLead.lead_key).where(
        SupervisionLead.period_from <= period[1], SupervisionLead.period_to >= period[0])))
    added = 0
    stamp = now()
    for row in leads.to_pylist():
        key = lead_key(row)
        if key in known:
            continue
        known.add(key)
        lead = SupervisionLead(
            lead_key=key, scan_id=scan_id, status=LeadStatus.PENDING.value, period_from=period[0], period_to=period[1],
            created_at=stamp, updated_at=stamp,
            **{c: row[c] for c in ("rule_id", "pattern", "level", "mdtrt_id", "feedetl_sn", "related_mdtrt_id",
                                   "psn_no", "fixmedins_code", "atddr_no", "amount", "evidence", "trace")})
        session.add(lead)
        added += 1
    session.flush()
    return added


def get_lead(session: Session, lead_id: int) -> SupervisionLead:
    lead = session.get(SupervisionLead, lead_id)
    if lead is None:
        raise NotFoundError(ErrorCode.NOT_FOUND, field="lead_id", detail=f"线索 {lead_id} 不存在")
    return lead


def list_leads(session: Session, *, status: str | None = None, rule_id: str | None = None,
               fixmedins_code: str | None = None, limit: int | None = 50) -> list[SupervisionLead]:
    q = select(SupervisionLead).order_by(SupervisionLead.amount.desc(), SupervisionLead.id)
    if status:
        q = q.where(SupervisionLead.status == status)
    if rule_id:
        q = q.where(SupervisionLead.rule_id == rule_id)
    if fixmedins_code:
        q = q.where(SupervisionLead.fixmedins_code == fixmedins_code)
    if limit:
        q = q.limit(limit)
    return list(session.scalars(q))


def events_of(session: Session, lead_id: int) -> list[LeadEvent]:
    return list(session.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead_id).order_by(LeadEvent.id)))


def sanctions_of(session: Session, lead_id: int) -> list[Sanction]:
    return list(session.scalars(select(Sanction).where(Sanction.lead_id == lead_id).order_by(Sanction.id)))


def move_lead(session: Session, lead_id: int, target: LeadStatus, actor: str, note: str = "",
              assignee: str | None = None) -> SupervisionLead:
    """Move a lead one step (refused if the workflow does not allow it); the step is recorded."""
    lead = get_lead(session, lead_id)
    current = LeadStatus(lead.status)
    new = transition(current, target)
    lead.status = new.value
    lead.updated_at = now()
    if assignee is not None or new is LeadStatus.INVESTIGATING:
        lead.assignee = assignee or actor
    session.add(LeadEvent(lead_id=lead.id, from_status=current.value, to_status=new.value, actor=actor,
                          note=note[:500], at=now()))
    session.flush()
    return lead


def sanction_lead(session: Session, lead_id: int, kind: str, actor: str, *, amount: Decimal | None = None,
                  points: int | None = None, start: dt.date | None = None, end: dt.date | None = None,
                  note: str = "", policy: CreditPolicy | None = None) -> Sanction:
    """Record a sanction on a confirmed lead and move it to 处理. Physician points go to the ledger."""
    lead = get_lead(session, lead_id)
    check_sanction(LeadStatus(lead.status), kind, amount, points)
    sanction = Sanction(lead_id=lead.id, kind=kind, fixmedins_code=lead.fixmedins_code, atddr_no=lead.atddr_no,
                        amount=amount, points=points, start_date=start, end_date=end, note=note[:500], actor=actor,
                        created_at=now())
    session.add(sanction)
    session.flush()
    if kind == "physician_points" and lead.atddr_no and points:
        year = (start or dt.date.today()).year
        session.add(PhysicianPoints(atddr_no=lead.atddr_no, year=year, points=points, sanction_id=sanction.id,
                                    reason=f"线索 {lead.id} {lead.rule_id}：{note}"[:500], at=now()))
    move_lead(session, lead.id, LeadStatus.HANDLED, actor, f"处理：{kind} {note}")
    return sanction


def physician_points_left(session: Session, atddr_no: str, year: int, policy: CreditPolicy | None = None) -> int:
    deducted = session.scalars(select(PhysicianPoints.points).where(
        PhysicianPoints.atddr_no == atddr_no, PhysicianPoints.year == year))
    return points_left(deducted, policy or load_credit_policy())


def score_credit(session: Session, year: int, policy: CreditPolicy | None = None) -> list[Credit]:
    """Recompute every institution's credit score of ``year`` from its confirmed leads and sanctions."""
    policy = policy or load_credit_policy()
    confirmed = Counter(dict(session.execute(
        select(SupervisionLead.fixmedins_code, func.count()).where(
            SupervisionLead.status.in_([LeadStatus.CONFIRMED.value, LeadStatus.HANDLED.value]),
            func.extract("year", SupervisionLead.period_to) == year,
        ).group_by(SupervisionLead.fixmedins_code)).all()))
    kinds: dict[str, list[str]] = defaultdict(list)
    for code, kind in session.execute(select(Sanction.fixmedins_code, Sanction.kind)):
        if code:
            kinds[code].append(kind)
    out = []
    for code in sorted(set(confirmed) | set(kinds)):
        credit = credit_score(code, confirmed.get(code, 0), kinds.get(code, []), policy)
        row = session.scalar(select(InstitutionCredit).where(
            InstitutionCredit.fixmedins_code == code, InstitutionCredit.year == year))
        if row is None:
            row = InstitutionCredit(fixmedins_code=code, year=year)
            session.add(row)
        row.score, row.grade, row.coefficient, row.basis, row.computed_at = (
            credit.score, credit.grade, credit.coefficient, credit.basis, now())
        out.append(credit)
    session.flush()
    return out


def credit_coefficient(session: Session, fixmedins_code: str, year: int) -> Decimal:
    """The advance-payment coefficient DIP/DRG settlement applies (1 when no score is on record)."""
    value = session.scalar(select(InstitutionCredit.coefficient).where(
        InstitutionCredit.fixmedins_code == fixmedins_code, InstitutionCredit.year == year))
    return value if value is not None else Decimal("1")


__all__ = [
    "credit_coefficient", "events_of", "get_lead", "lead_key", "list_leads", "move_lead", "physician_points_left",
    "sanction_lead", "sanctions_of", "save_leads", "score_credit",
]
