"""The benefit policy pack (政策参数包): one pooling region, one year, every insutype.

A pack is data, never code: thresholds (起付线), ratios (支付比例), caps (封顶线), 大病 brackets,
tilts (倾斜支付), assistance (医疗救助) and enrolment standards (筹资标准、待遇等待期). Every model is
frozen and rejects unknown keys; amounts and ratios are ``Decimal`` parsed from TOML strings.

Key vocabularies (so packs and claims speak the same words):

- institution level keys: ``grassroots`` (基层), ``"1"``, ``"2"``, ``"3"`` (一、二、三级);
- person groups: ``employed`` (在职), ``retired`` (退休), ``resident`` (居民) — see :func:`psn_group`;
- identities (困难人员身份): :data:`IDENTITIES`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from yibao.errors import ErrorCode, InputError

LEVEL_KEYS = ("grassroots", "1", "2", "3")
PSN_GROUPS = ("employed", "retired", "resident")
REGION_CLASSES = ("west", "central", "east")

IDENTITIES: dict[str, str] = {
    "extreme_poverty": "特困供养人员",
    "minimum_living": "最低生活保障对象",
    "registered_poor": "建档立卡贫困人员",
    "low_income": "低收入家庭成员",
    "relapse_risk": "返贫致贫人口",
    "lifted_out": "脱贫人口",
    "orphan": "孤儿",
    "rural_low_income": "农村低收入人口",
}

# psn_idet_type codes (the store's and the synthetic region's 困难人员身份) → policy identity names.
IDENTITY_CODES: dict[str, str] = {
    "01": "extreme_poverty",
    "02": "minimum_living",
    "03": "low_income",
    "04": "relapse_risk",
    "05": "lifted_out",
}

LEVEL_LABELS = {"grassroots": "基层", "1": "一级", "2": "二级", "3": "三级"}
GROUP_LABELS = {"employed": "在职", "retired": "退休", "resident": "居民"}


def psn_group(psn_type: str) -> str:
    """Map the national ``psn_type`` code to a ratio group: 11 在职, 12/13 退休, others 居民."""
    if psn_type == "11":
        return "employed"
    if psn_type in ("12", "13"):
        return "retired"
    return "resident"


@cache
def region_prefix(admdvs: str) -> str:
    """The significant prefix of a region code: ``330900`` → ``3309``; ``000000`` → every region."""
    prefix = admdvs
    while prefix.endswith("00"):
        prefix = prefix[:-2]
    return prefix


def _ratio(value: Decimal) -> Decimal:
    if not Decimal(0) <= value <= Decimal(1):
        raise ValueError("比例应在 0 与 1 之间")
    return value


def _amount(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError("金额不能为负数")
    return value


def _identity(value: str) -> str:
    if value not in IDENTITIES:
        raise ValueError(f"未知身份「{value}」，可选：{'、'.join(IDENTITIES)}")
    return value


Ratio = Annotated[Decimal, AfterValidator(_ratio)]
Amount = Annotated[Decimal, AfterValidator(_amount)]
Identity = Annotated[str, AfterValidator(_identity)]
MedTypes = tuple[str, ...]


def _check_levels(table: dict[str, object], where: str) -> None:
    unknown = set(table) - set(LEVEL_KEYS)
    if unknown:
        raise ValueError(f"{where}：未知医院等级 {sorted(unknown)}，可选 {LEVEL_KEYS}")
    missing = {"1", "2", "3"} - set(table)
    if missing:
        raise ValueError(f"{where}：缺少医院等级 {sorted(missing)}")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CatalogRules(_Model):
    """目录处理: 乙类先行自付比例 (per item, per charge class, default); 丙类全自费 and 超限价 are structural."""

    class_b_selfpay_default: Ratio
    class_b_selfpay_by_type: dict[str, Ratio] = Field(default_factory=dict)
    class_b_selfpay_by_item: dict[str, Ratio] = Field(default_factory=dict)


class OutpatientPooling(_Model):
    """普通门诊统筹: annual threshold, ratio by level, annual cap."""

    med_types: MedTypes = ("11", "13")
    threshold: Amount = Decimal(0)
    ratio: dict[str, Ratio]
    annual_cap: Amount | None = None

    @model_validator(mode="after")
    def _levels(self) -> OutpatientPooling:
        _check_levels(self.ratio, "ratio")
        return self


class ChronicDisease(_Model):
    code: str
    name: str


class ChronicOutpatient(_Model):
    """门诊慢特病: disease list, annual threshold, ratio by level, annual cap, long prescriptions."""

    med_types: MedTypes = ("14",)
    diseases: tuple[ChronicDisease, ...]
    threshold: Amount = Decimal(0)
    ratio: dict[str, Ratio]
    annual_cap: Amount | None = None
    max_prescription_weeks: int = Field(default=12, ge=1)
    counts_toward_basic_cap: bool = True

    @model_validator(mode="after")
    def _levels(self) -> ChronicOutpatient:
        _check_levels(self.ratio, "ratio")
        codes = [d.code for d in self.diseases]
        if len(codes) != len(set(codes)):
            raise ValueError("diseases：病种编码重复")
        return self


class Segment(_Model):
    """费用分段: the part of a stay's in-scope cost above the threshold beyond ``above`` gets ``add``."""

    above: Amount
    add: Decimal = Field(ge=Decimal(-1), le=Decimal(1))


class Inpatient(_Model):
    """住院: threshold by level (lower for later admissions), ratio by level and person group, annual cap."""

    med_types: MedTypes = ("21", "22", "23", "24")
    threshold: dict[str, Amount]
    repeat_threshold: dict[str, Amount] | None = None
    ratio: dict[str, dict[str, Ratio]]
    segments: tuple[Segment, ...] = ()
    annual_cap: Amount | None = None

    @model_validator(mode="after")
    def _shape(self) -> Inpatient:
        _check_levels(self.threshold, "threshold")
        if self.repeat_threshold is not None:
            _check_levels(self.repeat_threshold, "repeat_threshold")
        _check_levels(self.ratio, "ratio")
        for level, groups in self.ratio.items():
            unknown = set(groups) - set(PSN_GROUPS)
            if unknown or not groups:
                raise ValueError(f"ratio.{level}：人员类别应为 {PSN_GROUPS} 之一")
        aboves = [s.above for s in self.segments]
        if aboves != sorted(aboves) or len(set(aboves)) != len(aboves):
            raise ValueError("segments：分段起点应严格递增")
        return self


class Bracket(_Model):
    """大病分段: up to ``upto`` (``None`` = no upper bound) at ``ratio``."""

    upto: Amount | None = None
    ratio: Ratio


class Tilt(_Model):
    """倾斜支付: threshold cut by a share, every bracket ratio raised by points, cap removed."""

    identities: tuple[Identity, ...]
    threshold_cut: Ratio = Decimal(0)
    ratio_add: Ratio = Decimal(0)
    no_cap: bool = False


class Critical(_Model):
    """大病保险 / 职工大额医疗费用补助 on the year's compliant self-pay left after the basic tier.

    ``basis = "above_threshold"``: bracket bounds measure the amount above the threshold;
    ``basis = "cumulative"``: bounds measure the whole cumulative amount (only the part above the
    threshold pays).
    """

    fund_pay_type: Literal["390200", "330100"]
    med_types: MedTypes = ("14", "21", "22", "23", "24")
    threshold: Amount
    basis: Literal["above_threshold", "cumulative"]
    brackets: tuple[Bracket, ...]
    annual_cap: Amount | None = None
    tilts: tuple[Tilt, ...] = ()

    @model_validator(mode="after")
    def _brackets(self) -> Critical:
        if not self.brackets:
            raise ValueError("brackets：至少需要一段")
        bounds = [b.upto for b in self.brackets[:-1]]
        if any(b is None for b in bounds):
            raise ValueError("brackets：只有最后一段可以不设上限")
        if bounds != sorted(bounds) or len(set(bounds)) != len(bounds):  # type: ignore[type-var]
            raise ValueError("brackets：分段上限应严格递增")
        return self


class SecondAssistance(_Model):
    """二次救助: on the year's in-scope burden still left after assistance, above a threshold."""

    identities: tuple[Identity, ...]
    threshold: Amount
    ratio: Ratio
    annual_cap: Amount | None = None


class Assistance(_Model):
    """医疗救助: ratio and threshold per identity; one annual cap shared by outpatient and inpatient."""

    med_types: MedTypes = ("11", "13", "14", "21", "22", "23", "24")
    ratio: dict[Identity, Ratio]
    threshold: dict[Identity, Amount] = Field(default_factory=dict)
    annual_cap: Amount | None = None
    second: SecondAssistance | None = None


class Account(_Model):
    """职工个人账户: which med types it may pay the personal part of."""

    med_types: MedTypes = ("11", "13", "14", "21", "22", "23", "24", "41")


class CrossRegion(_Model):
    """异地就医: ratio points taken off when treated outside the home region (0 = same benefits)."""

    ratio_cut: Ratio = Decimal(0)


class BurdenWatch(_Model):
    """因病返贫致贫风险监测: a yearly personal burden (psn_part_amt) at or above ``threshold`` is listed."""

    threshold: Amount


class InsutypeRules(_Model):
    name: str
    catalog: CatalogRules
    outpatient: OutpatientPooling | None = None
    chronic: ChronicOutpatient | None = None
    inpatient: Inpatient
    critical: Critical | None = None
    assistance: Assistance | None = None
    account: Account | None = None
    cross_region: CrossRegion = CrossRegion()
    burden_watch: BurdenWatch | None = None


class Enrollment(_Model):
    """参保缴费与待遇等待期 (resident insurance)."""

    fiscal_subsidy: Amount
    individual: Amount
    central_share: dict[str, Ratio]
    region_class: Literal["west", "central", "east"] | None = None
    critical_funding: Amount | None = None
    full_subsidy_identities: tuple[Identity, ...] = ()
    waiting_days: int = Field(ge=0)
    window_start: str
    window_end: str
    employee_gap_months: int = Field(default=3, ge=0)
    exempt_newborn: bool = True
    exempt_identities: tuple[Identity, ...] = ()

    @model_validator(mode="after")
    def _shape(self) -> Enrollment:
        unknown = set(self.central_share) - set(REGION_CLASSES)
        if unknown:
            raise ValueError(f"central_share：未知地区类别 {sorted(unknown)}")
        for name in ("window_start", "window_end"):
            month_day(getattr(self, name))
        return self


def month_day(text: str, year: int = 2000) -> dt.date:
    """Parse ``"MM-DD"`` to a date in ``year`` (2000 is a leap year, so 02-29 is accepted)."""
    try:
        month, day = (int(p) for p in text.split("-"))
        return dt.date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"日期应为 MM-DD：{text}") from exc


class PolicyPack(_Model):
    """One region-year pack; ``insutype`` maps ``"310"`` / ``"390"`` to their rules."""

    pack_id: str
    version: str
    title: str
    admdvs: str = Field(pattern=r"^\d{6}$")
    region_name: str
    year: int
    valid_from: dt.date
    valid_to: dt.date
    sources: tuple[str, ...] = ()
    enrollment: Enrollment | None = None
    insutype: dict[Literal["310", "390"], InsutypeRules]
    assumptions: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _dates(self) -> PolicyPack:
        if self.valid_from > self.valid_to:
            raise ValueError("valid_from 晚于 valid_to")
        if not self.insutype:
            raise ValueError("insutype：至少需要一个险种")
        return self

    def rules(self, insutype: str) -> InsutypeRules:
        found = self.insutype.get(insutype)  # type: ignore[call-overload]
        if found is None:
            raise InputError(ErrorCode.INVALID_VALUE, field="insutype", detail=f"政策包 {self.pack_id} 无险种 {insutype}")
        return found  # type: ignore[no-any-return]

    def in_force(self, on: dt.date) -> bool:
        return self.valid_from <= on <= self.valid_to

    def covers_region(self, admdvs: str) -> bool:
        """True when ``admdvs`` lies inside the pack's region (trailing ``00`` pairs are wildcards)."""
        return admdvs.startswith(region_prefix(self.admdvs))


__all__ = [
    "GROUP_LABELS",
    "IDENTITIES",
    "IDENTITY_CODES",
    "LEVEL_KEYS",
    "LEVEL_LABELS",
    "PSN_GROUPS",
    "Account",
    "Assistance",
    "Bracket",
    "BurdenWatch",
    "CatalogRules",
    "ChronicDisease",
    "ChronicOutpatient",
    "Critical",
    "CrossRegion",
    "Enrollment",
    "Inpatient",
    "InsutypeRules",
    "OutpatientPooling",
    "PolicyPack",
    "SecondAssistance",
    "Segment",
    "Tilt",
    "month_day",
    "psn_group",
    "region_prefix",
]
