"""Post-event supervision records (事后监管): leads, their append-only events, sanctions, the
physician points ledger and institution credit scores.

- ``supervision_lead``: one lead of a scan (rule, level, keys, amount, evidence, trace) and its status
  (待核查 → 核查中 → 确认 / 排除 → 处理); ``lead_key`` (rule|visit|line) keeps a rescan from duplicating it.
- ``supervision_lead_event``: every step, who and when, from → to, with the note (the audit trail).
- ``supervision_sanction``: 追回 / 暂停拨付 / 暂停协议 / 解除协议 / 医师记分 / 移送 decided on a lead.
- ``physician_points``: the 医保医师积分 ledger (deductions against a yearly budget).
- ``institution_credit``: a yearly credit score per institution and the payment coefficient it gives.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yibao.store.models.base import Base, now
from yibao.store.types import Money, Ratio


class SupervisionLead(Base):
    """监管线索."""

    __tablename__ = "supervision_lead"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lead_key: Mapped[str] = mapped_column(String(200), unique=True)
    scan_id: Mapped[str] = mapped_column(String(40), index=True)
    rule_id: Mapped[str] = mapped_column(String(60), index=True)
    pattern: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(20))
    mdtrt_id: Mapped[str | None] = mapped_column(String(40), index=True)
    feedetl_sn: Mapped[str | None] = mapped_column(String(40))
    related_mdtrt_id: Mapped[str | None] = mapped_column(String(40))
    psn_no: Mapped[str | None] = mapped_column(String(40))
    fixmedins_code: Mapped[str | None] = mapped_column(String(30), index=True)
    atddr_no: Mapped[str | None] = mapped_column(String(30))
    amount: Mapped[Decimal] = mapped_column(Money())
    evidence: Mapped[str] = mapped_column(Text)
    trace: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), index=True)
    assignee: Mapped[str | None] = mapped_column(String(50))
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=now)


class LeadEvent(Base):
    """线索处理记录 (append-only)."""

    __tablename__ = "supervision_lead_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("supervision_lead.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str] = mapped_column(String(10))
    to_status: Mapped[str] = mapped_column(String(10))
    actor: Mapped[str] = mapped_column(String(50))
    note: Mapped[str] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(DateTime, default=now)


class Sanction(Base):
    """处理决定: kind is recovery 追回 · suspend_payment 暂停拨付 · suspend_agreement 暂停协议 ·
    terminate_agreement 解除协议 · physician_points 医师记分 · referral 移送."""

    __tablename__ = "supervision_sanction"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("supervision_lead.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    fixmedins_code: Mapped[str | None] = mapped_column(String(30), index=True)
    atddr_no: Mapped[str | None] = mapped_column(String(30))
    amount: Mapped[Decimal | None] = mapped_column(Money())
    points: Mapped[int | None] = mapped_column(Integer)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500))
    actor: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now)


class PhysicianPoints(Base):
    """医保医师积分台账: one deduction per row (``points`` > 0 deducted) in a year."""

    __tablename__ = "physician_points"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    atddr_no: Mapped[str] = mapped_column(String(30), index=True)
    year: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    sanction_id: Mapped[int | None] = mapped_column(ForeignKey("supervision_sanction.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(DateTime, default=now)


class InstitutionCredit(Base):
    """定点机构信用评分 of a year and the advance-payment coefficient it gives (DIP/DRG 预付系数)."""

    __tablename__ = "institution_credit"
    __table_args__ = (UniqueConstraint("fixmedins_code", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fixmedins_code: Mapped[str] = mapped_column(String(30))
    year: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(2))
    coefficient: Mapped[Decimal] = mapped_column(Ratio())
    basis: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(DateTime, default=now)


__all__ = ["InstitutionCredit", "LeadEvent", "PhysicianPoints", "Sanction", "SupervisionLead"]
