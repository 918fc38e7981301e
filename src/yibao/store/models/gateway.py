"""Tables of the national-interface gateway and the catalog (migration ``0002_gateway``).

- ``catalog_item`` 医保目录: one row per catalog code, region and validity period — the columns of
  :class:`yibao.catalog.model.CatalogEntry` plus ``admdvs`` (the region whose catalog it is; ``000000``
  for a national line) and ``begndate``/``enddate`` (``enddate`` NULL = still valid).
- ``institution_credential`` 机构接口凭证: the argon2 hash of each institution's interface secret.
- ``sign_in`` 签到 (9001): the ``sign_no`` an institution's operator got, which later calls carry.
- ``message_log`` 报文日志: one row per *successful* message, written in the same transaction as
  its business effect: a replayed ``msgid`` with the same body hash gets ``response`` back; with
  another body it is refused (``E4001``).
- ``audit_log`` 审计日志: every call, successful or not — who, when, ``infno``, ``msgid``, result.
  Append-only: a trigger on PostgreSQL and on SQLite refuses UPDATE and DELETE.
- ``mdtrt_ext`` 就诊补充信息: what 2201/2203/2401 carry that ``mdtrt`` has no column for.
- ``setl_delta`` 结算累计增量: what a settlement added to the annual accumulators
  (``Accumulators.to_dict()`` of the engine's ``deltas``), so a reversal takes exactly that back.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yibao.catalog.model import CatalogEntry, ChargeLevel, ListType
from yibao.store.models.base import Base, now
from yibao.store.models.ledger import Settlement
from yibao.store.models.visits import Visit
from yibao.store.types import ExactDecimal, Ratio, UnitPrice

NATIONAL_ADMDVS = "000000"


class CatalogItem(Base):
    """医保目录 line (``CatalogEntry`` + region + validity). Build the engine's entry with :meth:`entry`."""

    __tablename__ = "catalog_item"
    __table_args__ = (
        UniqueConstraint("med_list_codg", "admdvs", "begndate"),
        CheckConstraint("chrgitm_lv IN ('01', '02', '03')", name="chrgitm_lv"),
        CheckConstraint("list_type IN ('101', '102', '201', '301')", name="list_type"),
        CheckConstraint("enddate IS NULL OR enddate >= begndate", name="period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    med_list_codg: Mapped[str] = mapped_column(String(50), index=True)  # 医疗目录编码
    name: Mapped[str] = mapped_column(String(200))
    list_type: Mapped[str] = mapped_column(String(3))  # 目录类别
    chrgitm_lv: Mapped[str] = mapped_column(String(2))  # 收费项目等级 01 甲 02 乙 03 丙
    med_chrgitm_type: Mapped[str] = mapped_column(String(6))  # 医疗收费项目类别
    selfpay_prop: Mapped[Decimal] = mapped_column(Ratio(), default=Decimal("0"))  # 先行自付比例
    pric_uplmt_amt: Mapped[Decimal | None] = mapped_column(UnitPrice())  # 支付标准/限价
    day_dose: Mapped[Decimal | None] = mapped_column(ExactDecimal(10, 4))  # 每日用量（计价单位）, drugs only
    genname_codg: Mapped[str | None] = mapped_column(String(50), index=True)  # 通用名编号 (0005_catalog_dose)
    admdvs: Mapped[str] = mapped_column(String(6), default=NATIONAL_ADMDVS)
    begndate: Mapped[date] = mapped_column(Date)
    enddate: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=now, onupdate=now)

    def entry(self) -> CatalogEntry:
        return CatalogEntry(
            med_list_codg=self.med_list_codg,
            name=self.name,
            list_type=ListType(self.list_type),
            chrgitm_lv=ChargeLevel(self.chrgitm_lv),
            med_chrgitm_type=self.med_chrgitm_type,
            selfpay_prop=self.selfpay_prop,
            pric_uplmt_amt=self.pric_uplmt_amt,
            day_dose=self.day_dose,
            genname_codg=self.genname_codg,
        )


class InstitutionCredential(Base):
    """机构接口凭证: the argon2 hash of the secret an institution's HIS presents."""

    __tablename__ = "institution_credential"

    fixmedins_code: Mapped[str] = mapped_column(ForeignKey("institution.fixmedins_code"), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now)


class SignIn(Base):
    """签到 (9001): ``sign_no`` is valid for the institution that signed in, until ``signout_time``."""

    __tablename__ = "sign_in"

    sign_no: Mapped[str] = mapped_column(String(40), primary_key=True)
    fixmedins_code: Mapped[str] = mapped_column(ForeignKey("institution.fixmedins_code"), index=True)
    opter: Mapped[str] = mapped_column(String(30))
    sign_time: Mapped[datetime] = mapped_column(DateTime, default=now)
    signout_time: Mapped[datetime | None] = mapped_column(DateTime)


class MessageLog(Base):
    """报文日志: the answer given to a successful message, for replays (幂等)."""

    __tablename__ = "message_log"

    msgid: Mapped[str] = mapped_column(String(40), primary_key=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    infno: Mapped[str] = mapped_column(String(10))
    fixmedins_code: Mapped[str] = mapped_column(String(30), index=True)
    infcode: Mapped[int] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(Text)  # the JSON answer, byte for byte
    recv_time: Mapped[datetime] = mapped_column(DateTime)
    respond_time: Mapped[datetime] = mapped_column(DateTime)


class AuditLog(Base):
    """审计日志 (append-only): every call, including refused and failed ones. No personal data."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    fixmedins_code: Mapped[str | None] = mapped_column(String(30), index=True)  # as claimed by the caller
    authenticated: Mapped[bool] = mapped_column(Boolean)
    opter: Mapped[str | None] = mapped_column(String(30))
    infno: Mapped[str | None] = mapped_column(String(10))
    msgid: Mapped[str | None] = mapped_column(String(40), index=True)
    infcode: Mapped[int] = mapped_column(Integer)
    err_code: Mapped[str | None] = mapped_column(String(10))  # ErrorCode value of a failure


class VisitExtra(Base):
    """就诊补充信息 from 2201/2203/2401: the HIS's own visit number, the treating region, the
    chronic / special disease (``dise_codg``, 门诊慢特病病种) a med_type 14 visit is settled under."""

    __tablename__ = "mdtrt_ext"

    mdtrt_id: Mapped[str] = mapped_column(ForeignKey("mdtrt.mdtrt_id", ondelete="CASCADE"), primary_key=True)
    ipt_otp_no: Mapped[str | None] = mapped_column(String(30))  # 住院/门诊号
    mdtrtarea_admvs: Mapped[str] = mapped_column(String(6))  # 就医地医保区划
    dise_codg: Mapped[str | None] = mapped_column(String(30))  # 病种编码（门诊慢特病）
    dr_name: Mapped[str | None] = mapped_column(String(50))  # 医生姓名
    caty: Mapped[str | None] = mapped_column(String(30))  # 科别

    visit: Mapped[Visit] = relationship()  # so a new visit is inserted before its extra row


class SettlementDelta(Base):
    """结算累计增量: the engine's ``deltas`` of one settlement, for its reversal."""

    __tablename__ = "setl_delta"

    setl_id: Mapped[str] = mapped_column(ForeignKey("setl.setl_id", ondelete="CASCADE"), primary_key=True)
    counters: Mapped[dict[str, str | int]] = mapped_column(JSON)

    settlement: Mapped[Settlement] = relationship()  # so the settlement is inserted first


__all__ = [
    "NATIONAL_ADMDVS",
    "AuditLog",
    "CatalogItem",
    "InstitutionCredential",
    "MessageLog",
    "SettlementDelta",
    "SignIn",
    "VisitExtra",
]
