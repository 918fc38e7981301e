"""Settlement inputs and results as plain frozen data (national interface field names).

Inputs: :class:`Claim` with :class:`ClaimItem` lines (费用明细), :class:`Person` (人员信息). Results:
:class:`Settlement` (``setlinfo``) with :class:`FundLine` rows (``setldetail``) and a trace of
:class:`TraceEntry` rendered as ``setl_proc_info``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from yibao.catalog.model import ChargeLevel
from yibao.money import ZERO, to_str
from yibao.settlement.accumulators import Accumulators

FUND_NAMES = {
    "310100": "职工基本医疗保险统筹基金",
    "310200": "职工个人账户",
    "330100": "职工大额医疗费用补助",
    "390100": "城乡居民基本医疗保险基金",
    "390200": "城乡居民大病医疗保险",
    "610100": "医疗救助基金",
    "610102": "再救助",
}
BASIC_FUND = {"310": "310100", "390": "390100"}


@dataclass(frozen=True, slots=True)
class ClaimItem:
    """One fee line (费用明细). ``chrgitm_lv`` / ``selfpay_prop`` override the catalog for this line
    (e.g. a restricted-use drug whose conditions are not met is settled as 丙类)."""

    med_list_codg: str
    pric: Decimal
    cnt: Decimal
    det_item_fee_sumamt: Decimal
    chrgitm_lv: ChargeLevel | None = None
    selfpay_prop: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """One visit or stay to settle (就诊/住院结算).

    ``fixmedins_lv`` is the institution level ``"1"``/``"2"``/``"3"``; ``grassroots`` marks 基层
    (community / township centres). ``setl_date`` decides the fund year; ``begndate`` the coverage
    check. ``mdtrtarea_admvs`` is the treating region (就医地); a claim treated outside the person's
    ``insuplc_admdvs`` is cross-region. ``chronic_code`` and ``prescription_days`` apply to med_type 14.
    """

    mdtrt_id: str
    psn_no: str
    insutype: str
    med_type: str
    begndate: dt.date
    setl_date: dt.date
    fixmedins_code: str
    fixmedins_lv: str
    items: tuple[ClaimItem, ...]
    mdtrtarea_admvs: str
    grassroots: bool = False
    chronic_code: str | None = None
    prescription_days: int | None = None
    use_acct: bool = True


@dataclass(frozen=True, slots=True)
class Person:
    """人员: national ``psn_type`` (11 在职, 12 退休, 15/16 居民 …), hardship identities, the insured
    region, and the personal account balance (``acct_balc``, employees only)."""

    psn_no: str
    psn_type: str
    insuplc_admdvs: str
    identities: frozenset[str] = frozenset()
    acct_balc: Decimal = ZERO


class TraceEntry(NamedTuple):
    """One decision: which tier, which parameter and its value, on which base, for which amount.

    ``template`` is formatted with ``args`` only when the trace is read (``{0:%}`` renders a ratio
    as a percentage), so settling stays fast and the text stays exact.
    """

    tier: str
    param: str
    template: str
    args: tuple[object, ...]
    base: Decimal | None
    amount: Decimal | None

    @property
    def value(self) -> str:
        return self.template.format(*self.args)

    def render(self) -> str:
        text = f"【{self.tier}】{self.param}：{self.value}"
        if self.base is not None:
            text += f"；计算基数 {to_str(self.base)} 元"
        if self.amount is not None:
            text += f"；金额 {to_str(self.amount)} 元"
        return text


class FundLine(NamedTuple):
    """``setldetail`` row: one fund's payment on this settlement."""

    fund_pay_type: str
    inscp_scp_amt: Decimal
    crt_payb_lmt_amt: Decimal | None
    fund_payamt: Decimal
    tier: str
    trace: tuple[TraceEntry, ...]

    @property
    def fund_pay_type_name(self) -> str:
        return FUND_NAMES[self.fund_pay_type]

    @property
    def setl_proc_info(self) -> str:
        return "\n".join(entry.render() for entry in self.trace if entry.tier == self.tier)

    def to_dict(self) -> dict[str, str | None]:
        return {
            "fund_pay_type": self.fund_pay_type,
            "fund_pay_type_name": self.fund_pay_type_name,
            "inscp_scp_amt": to_str(self.inscp_scp_amt),
            "crt_payb_lmt_amt": None if self.crt_payb_lmt_amt is None else to_str(self.crt_payb_lmt_amt),
            "fund_payamt": to_str(self.fund_payamt),
            "setl_proc_info": self.setl_proc_info,
        }


MONEY_FIELDS = (
    "medfee_sumamt",
    "fulamt_ownpay_amt",
    "overlmt_selfpay",
    "preselfpay_amt",
    "inscp_scp_amt",
    "act_pay_dedc",
    "hifp_pay",
    "hifmi_pay",
    "hifob_pay",
    "maf_pay",
    "fund_pay_sumamt",
    "psn_part_amt",
    "acct_pay",
    "psn_cash_pay",
    "balc",
)


class Settlement(NamedTuple):
    """``setlinfo``: the one-stop result of one claim across the three tiers.

    Balances to the fen: ``medfee_sumamt = fund_pay_sumamt + psn_part_amt`` and
    ``psn_part_amt = acct_pay + psn_cash_pay``. ``pool_prop_selfpay`` is the basic-tier payment
    ratio applied (统筹支付比例). ``deltas`` is what this settlement added to the accumulators, so a
    reversal can take it back; ``burden_alert`` is set when the year's personal burden crossed the
    policy's watch threshold on this claim (因病返贫致贫风险监测).

    Results are immutable ``NamedTuple``s (inputs are frozen dataclasses): one is built per claim and
    tuple construction keeps the engine near its ~50 µs budget.
    """

    mdtrt_id: str
    psn_no: str
    insutype: str
    med_type: str
    fund_year: int
    pack_id: str
    pack_version: str
    cross_region: bool
    medfee_sumamt: Decimal
    fulamt_ownpay_amt: Decimal
    overlmt_selfpay: Decimal
    preselfpay_amt: Decimal
    inscp_scp_amt: Decimal
    act_pay_dedc: Decimal
    hifp_pay: Decimal
    pool_prop_selfpay: Decimal
    hifmi_pay: Decimal
    hifob_pay: Decimal
    maf_pay: Decimal
    fund_pay_sumamt: Decimal
    psn_part_amt: Decimal
    acct_pay: Decimal
    psn_cash_pay: Decimal
    balc: Decimal
    setldetail: tuple[FundLine, ...]
    trace: tuple[TraceEntry, ...]
    deltas: Accumulators
    burden_alert: bool = False

    @property
    def setl_proc_info(self) -> str:
        """The readable trace (结算过程说明), one decision per line, in Chinese."""
        return "\n".join(entry.render() for entry in self.trace)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "mdtrt_id": self.mdtrt_id,
            "psn_no": self.psn_no,
            "insutype": self.insutype,
            "med_type": self.med_type,
            "fund_year": self.fund_year,
            "pack_id": self.pack_id,
            "pack_version": self.pack_version,
            "cross_region": self.cross_region,
        }
        for name in MONEY_FIELDS:
            out[name] = to_str(getattr(self, name))
        out["pool_prop_selfpay"] = str(self.pool_prop_selfpay)
        out["burden_alert"] = self.burden_alert
        out["setldetail"] = [line.to_dict() for line in self.setldetail]
        out["setl_proc_info"] = self.setl_proc_info
        return out


__all__ = ["BASIC_FUND", "FUND_NAMES", "MONEY_FIELDS", "Claim", "ClaimItem", "FundLine", "Person", "Settlement", "TraceEntry"]
