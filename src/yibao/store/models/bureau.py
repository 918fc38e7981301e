"""Bureau records: uploaded policy pack versions and agreement status changes (经办记录).

- ``policy_pack_version``: every uploaded pack, as its TOML text, keyed by ``(pack_id, version)``.
  ``effective_from`` is set when it is activated (启用): from that date it takes part in
  ``pack_in_force``; ``NULL`` means uploaded and validated but not in force.
- ``agreement_event``: one row per change of an institution's ``agre_stas`` (协议状态), with the
  reason and who did it — the history the agreement's current status leaves out.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yibao.store.models.base import Base, now


class PolicyPackVersion(Base):
    """政策参数包版本: the text as uploaded, its summary, and when it was activated."""

    __tablename__ = "policy_pack_version"
    __table_args__ = (UniqueConstraint("pack_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pack_id: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(200))
    admdvs: Mapped[str] = mapped_column(String(6))
    year: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    toml_text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(50))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    effective_from: Mapped[date | None] = mapped_column(Date)  # 启用日期
    activated_by: Mapped[str | None] = mapped_column(String(50))
    activated_at: Mapped[datetime | None] = mapped_column(DateTime)


class AgreementEvent(Base):
    """协议状态变更: ``old_stas`` → ``new_stas`` (1 正常 · 2 暂停拨付 · 3 解除协议) with the reason."""

    __tablename__ = "agreement_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fixmedins_code: Mapped[str] = mapped_column(
        ForeignKey("institution.fixmedins_code", ondelete="CASCADE"), index=True
    )
    old_stas: Mapped[str] = mapped_column(String(1))
    new_stas: Mapped[str] = mapped_column(String(1))
    reason: Mapped[str] = mapped_column(String(500))
    effective_date: Mapped[date] = mapped_column(Date)
    changed_by: Mapped[str] = mapped_column(String(50))
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=now)


__all__ = ["AgreementEvent", "PolicyPackVersion"]
