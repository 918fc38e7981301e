"""The settlement ledger (结算): settlements, their per-fund lines, and annual accumulators.

A settlement row is the national ``setlinfo``; its lines are ``setldetail``. Rows are never updated
except for ``setl_stas``: a reversal (结算撤销, 2208/2305) writes a *new* settlement with negated amounts,
``setl_stas = '2'`` and ``init_setl_id`` pointing at the original, whose status becomes ``'0'``.
Summing every row therefore nets a reversed settlement out; summing ``setl_stas = '1'`` counts only
live ones.

Codes stored here:

- ``setl_stas`` 结算状态: ``1`` 正常 · ``0`` 已撤销 · ``2`` 冲销（撤销产生的负记录）.
- ``fund_pay_type`` 基金支付类型: ``310100`` 职工统筹 · ``390100`` 居民统筹 · ``390200`` 居民大病 ·
  ``610100`` 医疗救助 … (GLOSSARY.md).

The database refuses an unbalanced row: ``medfee_sumamt = fund_pay_sumamt + psn_part_amt +
hosp_part_amt`` to the fen.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yibao.store.models.base import Base, now
from yibao.store.models.people import Person
from yibao.store.models.reference import Institution
from yibao.store.models.visits import Visit
from yibao.store.types import Money, Ratio

ZERO = Decimal("0.00")


class SettlementStatus(str, Enum):
    """结算状态 ``setl_stas``."""

    CANCELLED = "0"  # 已撤销（被冲销的原结算）
    NORMAL = "1"  # 正常
    REVERSAL = "2"  # 冲销记录


class Settlement(Base):
    """结算 (``setlinfo``), with the policy pack that produced it and its trace."""

    __tablename__ = "setl"
    __table_args__ = (
        CheckConstraint("setl_stas IN ('0', '1', '2')", name="setl_stas"),
        CheckConstraint("medfee_sumamt = fund_pay_sumamt + psn_part_amt + hosp_part_amt", name="balanced"),
    )

    setl_id: Mapped[str] = mapped_column(String(30), primary_key=True)
    mdtrt_id: Mapped[str] = mapped_column(ForeignKey("mdtrt.mdtrt_id"), index=True)
    psn_no: Mapped[str] = mapped_column(ForeignKey("person.psn_no"), index=True)
    fixmedins_code: Mapped[str] = mapped_column(ForeignKey("institution.fixmedins_code"), index=True)
    insutype: Mapped[str] = mapped_column(String(6))
    med_type: Mapped[str] = mapped_column(String(6))
    psn_type: Mapped[str | None] = mapped_column(String(6))
    setl_time: Mapped[datetime] = mapped_column(DateTime, index=True)
    medfee_sumamt: Mapped[Decimal] = mapped_column(Money())
    fulamt_ownpay_amt: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    overlmt_selfpay: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    preselfpay_amt: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    inscp_scp_amt: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    act_pay_dedc: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    hifp_pay: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    pool_prop_selfpay: Mapped[Decimal | None] = mapped_column(Ratio())
    cvlserv_pay: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    hifes_pay: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    hifmi_pay: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    hifob_pay: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    maf_pay: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    oth_pay: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    fund_pay_sumamt: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    psn_part_amt: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    acct_pay: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    psn_cash_pay: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    hosp_part_amt: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    balc: Mapped[Decimal | None] = mapped_column(Money())  # 个人账户余额
    setl_stas: Mapped[str] = mapped_column(String(1), default=SettlementStatus.NORMAL.value)
    init_setl_id: Mapped[str | None] = mapped_column(ForeignKey("setl.setl_id"), unique=True)  # 原结算ID
    msgid: Mapped[str | None] = mapped_column(String(30), unique=True)  # 产生本结算的报文ID
    policy_pack_id: Mapped[str] = mapped_column(String(100))
    policy_pack_version: Mapped[str] = mapped_column(String(50))
    trace: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now)

    visit: Mapped[Visit] = relationship()
    person: Mapped[Person] = relationship()
    institution: Mapped[Institution] = relationship()
    original: Mapped[Settlement | None] = relationship(remote_side=[setl_id])
    details: Mapped[list[SettlementDetail]] = relationship(
        back_populates="settlement", cascade="all, delete-orphan", order_by="SettlementDetail.fund_pay_type"
    )


class SettlementDetail(Base):
    """基金分项结算 (``setldetail``): what one fund paid and why."""

    __tablename__ = "setl_detail"
    __table_args__ = (UniqueConstraint("setl_id", "fund_pay_type"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    setl_id: Mapped[str] = mapped_column(ForeignKey("setl.setl_id", ondelete="CASCADE"))
    fund_pay_type: Mapped[str] = mapped_column(String(6))
    fund_pay_type_name: Mapped[str | None] = mapped_column(String(50))
    inscp_scp_amt: Mapped[Decimal] = mapped_column(Money(), default=ZERO)
    crt_payb_lmt_amt: Mapped[Decimal | None] = mapped_column(Money())  # 本次可支付限额
    fund_payamt: Mapped[Decimal] = mapped_column(Money())
    setl_proc_info: Mapped[str | None] = mapped_column(Text)  # 结算过程信息

    settlement: Mapped[Settlement] = relationship(back_populates="details")


class AnnualAccumulator(Base):
    """年度累计 for one person, fund year and insutype.

    ``counters`` is engine-agnostic JSON: counter name → Decimal yuan *as a string* (``"800.00"``)
    or a plain integer count (``admissions``) — exactly what
    ``yibao.settlement.accumulators.Accumulators.to_dict()`` gives and ``from_dict()`` takes.
    Assign a new dict (or use :meth:`set_amounts`) so the change is seen. ``version`` is the
    optimistic-concurrency counter: SQLAlchemy adds ``WHERE version = :old`` to every update and
    raises ``StaleDataError`` if someone else got there first.
    """

    __tablename__ = "annual_accumulator"

    psn_no: Mapped[str] = mapped_column(ForeignKey("person.psn_no"), primary_key=True)
    fund_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    insutype: Mapped[str] = mapped_column(String(6), primary_key=True)
    counters: Mapped[dict[str, str | int]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=now, onupdate=now)

    person: Mapped[Person] = relationship()

    __mapper_args__ = {"version_id_col": version}

    def amounts(self) -> dict[str, Decimal | int]:
        """The counters with amounts as Decimal and counts as int."""
        return {
            name: value if isinstance(value, int) else Decimal(value) for name, value in (self.counters or {}).items()
        }

    def set_amounts(self, amounts: Mapping[str, Decimal | int]) -> None:
        """Replace the counters: Decimals are stored as strings, integers as integers."""
        counters: dict[str, str | int] = {}
        for name, value in sorted(amounts.items()):
            if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
                raise TypeError(f"累计值 {name} 须为 Decimal 或整数，收到 {type(value).__name__}")
            counters[name] = value if isinstance(value, int) else str(value)
        self.counters = counters


__all__ = ["AnnualAccumulator", "Settlement", "SettlementDetail", "SettlementStatus"]
