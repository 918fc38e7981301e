"""Settlement lists (医疗保障基金结算清单, 4101A): what DRG / DIP grouping reads.

One list per settlement (``setl_id``); a re-upload replaces it. Field names follow 4101A:
``setlinfo`` header, ``diseinfo`` diagnoses, ``oprninfo`` procedures, ``iteminfo`` cost by
``med_chrgitm_type``.

Codes stored here:

- ``dscg_way`` 离院方式: ``1`` 医嘱离院 · ``2`` 医嘱转院 · ``3`` 医嘱转社区/乡镇卫生院 ·
  ``4`` 非医嘱离院 · ``5`` 死亡 · ``9`` 其他.
- ``adm_cond_type`` 入院病情: ``1`` 有 · ``2`` 临床未确定 · ``3`` 情况不明 · ``4`` 无.
- ``gend``: ``1`` 男 · ``2`` 女.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yibao.store.models.base import Base, now
from yibao.store.models.ledger import Settlement
from yibao.store.types import Money


class SettlementList(Base):
    """结算清单 header (4101A ``setlinfo``)."""

    __tablename__ = "setl_list"
    __table_args__ = (
        CheckConstraint("act_ipt_days >= 0", name="act_ipt_days"),
        CheckConstraint("dscg_way IN ('1', '2', '3', '4', '5', '9')", name="dscg_way"),
    )

    setl_id: Mapped[str] = mapped_column(ForeignKey("setl.setl_id"), primary_key=True)
    mdtrt_id: Mapped[str] = mapped_column(ForeignKey("mdtrt.mdtrt_id"), index=True)
    psn_no: Mapped[str] = mapped_column(ForeignKey("person.psn_no"), index=True)
    fixmedins_code: Mapped[str] = mapped_column(ForeignKey("institution.fixmedins_code"), index=True)
    insutype: Mapped[str] = mapped_column(String(6))
    gend: Mapped[str] = mapped_column(String(1))
    age: Mapped[int] = mapped_column(Integer)  # 年龄（岁）
    nwb_age: Mapped[int | None] = mapped_column(Integer)  # 新生儿年龄（天）
    nwb_bir_wt: Mapped[int | None] = mapped_column(Integer)  # 新生儿出生体重（克）
    nwb_adm_wt: Mapped[int | None] = mapped_column(Integer)  # 新生儿入院体重（克）
    adm_time: Mapped[datetime] = mapped_column(DateTime)
    dscg_time: Mapped[datetime] = mapped_column(DateTime)
    act_ipt_days: Mapped[int] = mapped_column(Integer)  # 实际住院天数
    adm_caty: Mapped[str | None] = mapped_column(String(30))  # 入院科别
    dscg_caty: Mapped[str | None] = mapped_column(String(30))  # 出院科别
    dscg_way: Mapped[str] = mapped_column(String(1))
    medfee_sumamt: Mapped[Decimal] = mapped_column(Money())
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=now)

    settlement: Mapped[Settlement] = relationship()
    diagnoses: Mapped[list[SettlementListDiagnosis]] = relationship(
        cascade="all, delete-orphan", order_by="SettlementListDiagnosis.diag_srt_no"
    )
    procedures: Mapped[list[SettlementListProcedure]] = relationship(
        cascade="all, delete-orphan", order_by="SettlementListProcedure.oprn_srt_no"
    )
    items: Mapped[list[SettlementListItem]] = relationship(
        cascade="all, delete-orphan", order_by="SettlementListItem.med_chrgitm_type"
    )


class SettlementListDiagnosis(Base):
    """清单诊断 (``diseinfo``): ``maindiag_flag`` marks the principal diagnosis."""

    __tablename__ = "setl_list_diag"
    __table_args__ = (UniqueConstraint("setl_id", "diag_srt_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    setl_id: Mapped[str] = mapped_column(ForeignKey("setl_list.setl_id", ondelete="CASCADE"))
    diag_srt_no: Mapped[int] = mapped_column(Integer)
    diag_code: Mapped[str] = mapped_column(String(20))
    diag_name: Mapped[str | None] = mapped_column(String(200))
    maindiag_flag: Mapped[bool] = mapped_column(Boolean, default=False)
    adm_cond_type: Mapped[str | None] = mapped_column(String(1))  # 入院病情


class SettlementListProcedure(Base):
    """清单手术操作 (``oprninfo``): ``main_oprn_flag`` marks the main procedure."""

    __tablename__ = "setl_list_oprn"
    __table_args__ = (UniqueConstraint("setl_id", "oprn_srt_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    setl_id: Mapped[str] = mapped_column(ForeignKey("setl_list.setl_id", ondelete="CASCADE"))
    oprn_srt_no: Mapped[int] = mapped_column(Integer)
    oprn_oprt_code: Mapped[str] = mapped_column(String(20))
    oprn_oprt_name: Mapped[str | None] = mapped_column(String(200))
    oprn_oprt_date: Mapped[date | None] = mapped_column(Date)
    main_oprn_flag: Mapped[bool] = mapped_column(Boolean, default=False)


class SettlementListItem(Base):
    """清单收费项目 (``iteminfo``): cost of one ``med_chrgitm_type`` and its 甲/乙/自费 split."""

    __tablename__ = "setl_list_item"
    __table_args__ = (UniqueConstraint("setl_id", "med_chrgitm_type"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    setl_id: Mapped[str] = mapped_column(ForeignKey("setl_list.setl_id", ondelete="CASCADE"))
    med_chrgitm_type: Mapped[str] = mapped_column(String(6))
    amt: Mapped[Decimal] = mapped_column(Money())  # 金额
    claa_sumfee: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))  # 甲类费用
    clab_amt: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))  # 乙类金额
    fulamt_ownpay_amt: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))  # 全自费
    oth_amt: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))  # 其他


__all__ = ["SettlementList", "SettlementListDiagnosis", "SettlementListItem", "SettlementListProcedure"]
