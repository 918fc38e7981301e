"""Visits (就诊, ``mdtrt``), their diagnoses and fee detail lines (费用明细, 2204/2301).

Codes stored here:

- ``med_type`` 医疗类别: ``11`` 普通门诊 · ``14`` 门诊慢特病 · ``21`` 普通住院 … (GLOSSARY.md).
- ``mdtrt_stas`` 就诊状态: ``1`` 就诊中/在院 · ``2`` 已结束/出院 · ``0`` 已撤销.
- ``chrgitm_lv`` 收费项目等级: ``01`` 甲类 · ``02`` 乙类 · ``03`` 丙类.
- ``med_chrgitm_type`` 医疗收费项目类别: ``01`` 床位费 … ``14`` 其他费.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yibao.store.models.base import Base
from yibao.store.models.people import Person
from yibao.store.models.reference import Institution
from yibao.store.types import Money, Quantity, UnitPrice


class VisitStatus(str, Enum):
    """就诊状态 ``mdtrt_stas``."""

    CANCELLED = "0"  # 已撤销
    OPEN = "1"  # 就诊中 / 在院
    CLOSED = "2"  # 已结束 / 出院


class Visit(Base):
    """就诊 (``mdtrt``): one outpatient visit or one inpatient stay."""

    __tablename__ = "mdtrt"
    __table_args__ = (CheckConstraint("mdtrt_stas IN ('0', '1', '2')", name="mdtrt_stas"),)

    mdtrt_id: Mapped[str] = mapped_column(String(30), primary_key=True)
    psn_no: Mapped[str] = mapped_column(ForeignKey("person.psn_no"), index=True)
    fixmedins_code: Mapped[str] = mapped_column(ForeignKey("institution.fixmedins_code"), index=True)
    insutype: Mapped[str] = mapped_column(String(6))
    med_type: Mapped[str] = mapped_column(String(6))
    begntime: Mapped[datetime] = mapped_column(DateTime)
    endtime: Mapped[datetime | None] = mapped_column(DateTime)
    dept_code: Mapped[str | None] = mapped_column(String(30))
    dept_name: Mapped[str | None] = mapped_column(String(100))
    atddr_no: Mapped[str | None] = mapped_column(String(30))  # 主治医生编码
    mdtrt_stas: Mapped[str] = mapped_column(String(1), default=VisitStatus.OPEN.value)

    person: Mapped[Person] = relationship()
    institution: Mapped[Institution] = relationship()
    diagnoses: Mapped[list[VisitDiagnosis]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="VisitDiagnosis.diag_srt_no"
    )
    fee_details: Mapped[list[FeeDetail]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="FeeDetail.feedetl_sn"
    )


class VisitDiagnosis(Base):
    """就诊诊断 (2203/2401 ``diseinfo``)."""

    __tablename__ = "mdtrt_diagnosis"
    __table_args__ = (UniqueConstraint("mdtrt_id", "diag_srt_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mdtrt_id: Mapped[str] = mapped_column(ForeignKey("mdtrt.mdtrt_id", ondelete="CASCADE"))
    diag_srt_no: Mapped[int] = mapped_column(Integer)  # 诊断排序号
    diag_code: Mapped[str] = mapped_column(String(20))
    diag_name: Mapped[str | None] = mapped_column(String(200))
    maindiag_flag: Mapped[bool] = mapped_column(Boolean, default=False)  # 主诊断标志

    visit: Mapped[Visit] = relationship(back_populates="diagnoses")


class FeeDetail(Base):
    """费用明细 (2204/2301 ``feedetail``): ``det_item_fee_sumamt`` = ``pric`` × ``cnt`` as uploaded."""

    __tablename__ = "feedetl"
    __table_args__ = (UniqueConstraint("mdtrt_id", "feedetl_sn"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mdtrt_id: Mapped[str] = mapped_column(ForeignKey("mdtrt.mdtrt_id", ondelete="CASCADE"))
    feedetl_sn: Mapped[str] = mapped_column(String(30))  # 费用明细流水号
    med_list_codg: Mapped[str] = mapped_column(String(50), index=True)  # 医疗目录编码
    medins_list_codg: Mapped[str | None] = mapped_column(String(150))  # 医药机构目录编码
    pric: Mapped[Decimal] = mapped_column(UnitPrice())
    cnt: Mapped[Decimal] = mapped_column(Quantity())
    det_item_fee_sumamt: Mapped[Decimal] = mapped_column(Money())
    chrgitm_lv: Mapped[str | None] = mapped_column(String(3))
    med_chrgitm_type: Mapped[str] = mapped_column(String(6))
    fee_ocur_time: Mapped[datetime] = mapped_column(DateTime)
    bilg_dr_codg: Mapped[str | None] = mapped_column(String(30))  # 开单医生编码
    bilg_dept_codg: Mapped[str | None] = mapped_column(String(30))  # 开单科室编码

    visit: Mapped[Visit] = relationship(back_populates="fee_details")


__all__ = ["FeeDetail", "Visit", "VisitDiagnosis", "VisitStatus"]
