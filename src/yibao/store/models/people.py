"""Insured persons (参保人员), their hardship identities and their coverage periods (参保).

The ID number (``certno``) is never stored in clear: ``certno_cipher`` holds a Fernet token,
``certno_index`` a keyed HMAC for exact lookup, ``certno_mask`` the shown form
(``330902********1234``). See :mod:`yibao.store.protect`.

Codes stored here:

- ``gend`` 性别: ``1`` 男 · ``2`` 女.
- ``psn_type`` 人员类别: ``11`` 在职 · ``12`` 退休 · ``13`` 离休 · ``15`` 居民（成年） ·
  ``16`` 居民（老年） · ``1401``–``1405`` 学生儿童.
- ``psn_cert_type`` 证件类型: ``01`` 居民身份证 (others as the national code table).
- ``psn_idet_type`` 困难人员身份 (project codes, see :class:`HardshipIdentity`).
- ``insutype`` 险种: ``310`` 职工基本医疗保险 · ``390`` 城乡居民基本医疗保险 … (GLOSSARY.md).
- ``psn_insu_stas`` 参保状态: ``1`` 正常 · ``2`` 暂停.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yibao.store.models.base import Base, now
from yibao.store.models.reference import PoolingRegion
from yibao.store.types import Money


class HardshipIdentity(str, Enum):
    """困难人员身份 ``psn_idet_type`` — project codes; they change thresholds, ratios and caps.

    ``01`` 特困人员 · ``02`` 低保对象 · ``03`` 低收入人口 · ``04`` 返贫致贫人口 · ``05`` 脱贫人口.
    """

    EXTREME_POVERTY = "01"  # 特困人员
    SUBSISTENCE_ALLOWANCE = "02"  # 低保对象
    LOW_INCOME = "03"  # 低收入人口
    RELAPSED_INTO_POVERTY = "04"  # 返贫致贫人口
    LIFTED_FROM_POVERTY = "05"  # 脱贫人口

    @property
    def label(self) -> str:
        return _HARDSHIP_LABELS[self]


_HARDSHIP_LABELS = {
    HardshipIdentity.EXTREME_POVERTY: "特困人员",
    HardshipIdentity.SUBSISTENCE_ALLOWANCE: "低保对象",
    HardshipIdentity.LOW_INCOME: "低收入人口",
    HardshipIdentity.RELAPSED_INTO_POVERTY: "返贫致贫人口",
    HardshipIdentity.LIFTED_FROM_POVERTY: "脱贫人口",
}


class InsuranceStatus(str, Enum):
    """参保状态 ``psn_insu_stas``."""

    NORMAL = "1"  # 正常
    SUSPENDED = "2"  # 暂停


class Person(Base):
    """参保人员. Build with :meth:`yibao.store.uow.PersonRepository.add`, which protects the certno."""

    __tablename__ = "person"
    __table_args__ = (CheckConstraint("gend IN ('1', '2', '9')", name="gend"),)

    psn_no: Mapped[str] = mapped_column(String(30), primary_key=True)
    psn_name: Mapped[str] = mapped_column(String(50))
    psn_cert_type: Mapped[str] = mapped_column(String(3), default="01")
    certno_cipher: Mapped[str] = mapped_column(String(400))
    certno_index: Mapped[str] = mapped_column(String(64), unique=True)
    certno_mask: Mapped[str] = mapped_column(String(50))
    gend: Mapped[str] = mapped_column(String(1))
    brdy: Mapped[date] = mapped_column(Date)
    psn_type: Mapped[str] = mapped_column(String(6))
    insuplc_admdvs: Mapped[str] = mapped_column(ForeignKey("pooling_region.admdvs"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now)

    region: Mapped[PoolingRegion] = relationship()
    identities: Mapped[list[PersonIdentity]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="PersonIdentity.begndate"
    )
    coverage_periods: Mapped[list[CoveragePeriod]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="CoveragePeriod.begndate"
    )


class PersonIdentity(Base):
    """A hardship identity held over a period; ``enddate`` NULL means still held."""

    __tablename__ = "person_identity"
    __table_args__ = (
        UniqueConstraint("psn_no", "psn_idet_type", "begndate"),
        CheckConstraint("enddate IS NULL OR enddate >= begndate", name="period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    psn_no: Mapped[str] = mapped_column(ForeignKey("person.psn_no", ondelete="CASCADE"), index=True)
    psn_idet_type: Mapped[str] = mapped_column(String(2))
    begndate: Mapped[date] = mapped_column(Date)
    enddate: Mapped[date | None] = mapped_column(Date)
    memo: Mapped[str | None] = mapped_column(String(200))

    person: Mapped[Person] = relationship(back_populates="identities")


class CoveragePeriod(Base):
    """参保期间 by insutype: enrolment, contribution (个人 + 资助), subsidy and waiting period."""

    __tablename__ = "coverage_period"
    __table_args__ = (
        UniqueConstraint("psn_no", "insutype", "begndate"),
        CheckConstraint("enddate IS NULL OR enddate >= begndate", name="period"),
        CheckConstraint("psn_insu_stas IN ('1', '2')", name="psn_insu_stas"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    psn_no: Mapped[str] = mapped_column(ForeignKey("person.psn_no", ondelete="CASCADE"), index=True)
    insutype: Mapped[str] = mapped_column(String(6))
    begndate: Mapped[date] = mapped_column(Date)
    enddate: Mapped[date | None] = mapped_column(Date)
    psn_insu_date: Mapped[date] = mapped_column(Date)  # 参保登记日期
    psn_clct_amt: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))  # 个人缴费
    subs_clct_amt: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))  # 资助缴费
    subs_flag: Mapped[bool] = mapped_column(Boolean, default=False)  # 资助参保
    subs_src: Mapped[str | None] = mapped_column(String(50))  # 资助来源，如 医疗救助基金
    wait_enddate: Mapped[date | None] = mapped_column(Date)  # 待遇等待期结束日期（含）
    psn_insu_stas: Mapped[str] = mapped_column(String(1), default=InsuranceStatus.NORMAL.value)

    person: Mapped[Person] = relationship(back_populates="coverage_periods")


__all__ = ["CoveragePeriod", "HardshipIdentity", "InsuranceStatus", "Person", "PersonIdentity"]
