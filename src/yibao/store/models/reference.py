"""Pooling regions (统筹区) and designated institutions (定点医药机构) with their bed records.

Codes stored here:

- ``fixmedins_type`` 定点医药机构类型: ``1`` 定点医疗机构 · ``2`` 定点零售药店.
- ``hosp_lv`` 医院等级: ``1`` 一级 · ``2`` 二级 · ``3`` 三级; ``NULL`` for pharmacies and unrated units.
- ``grassroots_flag`` 基层医疗机构 (community / township health centres), independent of the level.
- ``agre_stas`` 协议状态: ``1`` 正常 · ``2`` 暂停拨付 · ``3`` 解除协议.
- Beds (seed 001, 住院床位档案数据库): ``aprv_bed_cnt`` 编制床位数 · ``open_bed_cnt`` 实际开放床位数 ·
  ``hi_agre_bed_cnt`` 医保协议床位数.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yibao.store.models.base import Base, now


class InstitutionType(str, Enum):
    """定点医药机构类型 ``fixmedins_type``."""

    MEDICAL = "1"  # 定点医疗机构
    PHARMACY = "2"  # 定点零售药店


class AgreementStatus(str, Enum):
    """协议状态 ``agre_stas``."""

    NORMAL = "1"  # 正常
    PAYMENT_SUSPENDED = "2"  # 暂停拨付
    TERMINATED = "3"  # 解除协议


class PoolingRegion(Base):
    """统筹区: a 6-digit administrative division code (``admdvs``), optionally under a parent."""

    __tablename__ = "pooling_region"

    admdvs: Mapped[str] = mapped_column(String(6), primary_key=True)
    admdvs_name: Mapped[str] = mapped_column(String(100))
    prnt_admdvs: Mapped[str | None] = mapped_column(ForeignKey("pooling_region.admdvs"))

    parent: Mapped[PoolingRegion | None] = relationship(remote_side=[admdvs])


class Institution(Base):
    """定点医药机构: one row per institution, with its agreement and bed record."""

    __tablename__ = "institution"
    __table_args__ = (
        CheckConstraint("hosp_lv IN (1, 2, 3)", name="hosp_lv"),
        CheckConstraint("fixmedins_type IN ('1', '2')", name="fixmedins_type"),
        CheckConstraint("agre_stas IN ('1', '2', '3')", name="agre_stas"),
        CheckConstraint(
            "aprv_bed_cnt >= 0 AND open_bed_cnt >= 0 AND hi_agre_bed_cnt >= 0", name="bed_cnt_non_negative"
        ),
    )

    fixmedins_code: Mapped[str] = mapped_column(String(30), primary_key=True)
    fixmedins_name: Mapped[str] = mapped_column(String(200))
    fixmedins_type: Mapped[str] = mapped_column(String(1), default=InstitutionType.MEDICAL.value)
    hosp_lv: Mapped[int | None] = mapped_column(SmallInteger)
    grassroots_flag: Mapped[bool] = mapped_column(Boolean, default=False)
    admdvs: Mapped[str] = mapped_column(ForeignKey("pooling_region.admdvs"), index=True)
    aprv_bed_cnt: Mapped[int] = mapped_column(Integer, default=0)
    open_bed_cnt: Mapped[int] = mapped_column(Integer, default=0)
    hi_agre_bed_cnt: Mapped[int] = mapped_column(Integer, default=0)
    agre_stas: Mapped[str] = mapped_column(String(1), default=AgreementStatus.NORMAL.value)
    agre_begndate: Mapped[date | None] = mapped_column(Date)
    agre_enddate: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=now, onupdate=now)

    region: Mapped[PoolingRegion] = relationship()


__all__ = ["AgreementStatus", "Institution", "InstitutionType", "PoolingRegion"]
