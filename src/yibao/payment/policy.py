"""The payment policy pack (支付方式参数包): DIP and DRG point payment under a regional global budget.

One pack per region and year, effective-dated and versioned like the benefit packs, and written in
the same TOML conventions (Decimal strings, ``{ value = …, assumption = "…" }``, ``source``); the
benefit loader's normalisation is reused (:func:`yibao.policy.loader.read_annotated`).

Sections:

- ``[dip]`` 按病种分值付费: catalog building (目录库), subtypes (辅助目录), violation markers,
  institution coefficients (机构系数), outlier rules (高低倍率、特例单议), point value (点值);
- ``[drg]`` DRG 点数付费: base-point trimming, high/low multiplier tiers, special review share,
  point value;
- ``[funds.310]`` / ``[funds.390]`` 职工 / 居民 DIP-DRG budget of the year, kept apart;
- ``[clearing]`` 预付、月度结算、年度清算 shared by DIP and DRG.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from yibao.errors import ErrorCode, PolicyError
from yibao.policy.loader import policy_error, read_annotated

LEVELS = ("1", "2", "3")


def _ratio(value: Decimal) -> Decimal:
    if not Decimal(0) <= value <= Decimal(1):
        raise ValueError("比例应在 0 与 1 之间")
    return value


def _positive(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("应为正数")
    return value


def _amount(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError("金额不能为负数")
    return value


Ratio = Annotated[Decimal, AfterValidator(_ratio)]
Positive = Annotated[Decimal, AfterValidator(_positive)]
Amount = Annotated[Decimal, AfterValidator(_amount)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PointValue(_Model):
    """点值: ``fixed`` = expected value (上年费用 ÷ 分值); ``floating`` = budget ÷ fund ratio ÷ points;
    ``elastic`` = ``base_share`` × expected + ``increment_share`` × floating (基础:增量, e.g. 8:2)."""

    mode: Literal["fixed", "floating", "elastic"] = "floating"
    base_share: Ratio = Decimal("0.8")
    increment_share: Ratio = Decimal("0.2")

    @model_validator(mode="after")
    def _shares(self) -> PointValue:
        if self.base_share + self.increment_share != 1:
            raise ValueError("base_share + increment_share 应等于 1")
        return self


class Fund(_Model):
    """One fund's (职工 310 / 居民 390) DIP-DRG budget: a fixed amount, or last year's fund payment grown."""

    name: str
    budget_basis: Literal["fixed", "history"] = "history"
    annual_budget: Amount = Decimal(0)
    budget_growth: Decimal = Decimal(0)
    fund_pay_ratio: Ratio


class Band(_Model):
    """A band of the surplus / overspend rate (relative to the settlement amount) and the share applied."""

    upto: Ratio
    share: Ratio


class Clearing(_Model):
    """预付金、月度结算、年度清算 parameters (shared by DIP and DRG)."""

    withheld_share: Ratio
    quality_deposit_share: Ratio
    advance_months: dict[str, Decimal]  # credit grade → months of last year's monthly average
    surplus_bands: tuple[Band, ...]  # 结余留用: share of the surplus the institution keeps, by band
    overspend_bands: tuple[Band, ...]  # 合理超支分担: share of the overspend the fund bears, by band

    @model_validator(mode="after")
    def _bands(self) -> Clearing:
        for name in ("surplus_bands", "overspend_bands"):
            bands = getattr(self, name)
            if not bands or [b.upto for b in bands] != sorted(b.upto for b in bands) or bands[-1].upto != 1:
                raise ValueError(f"{name}：分段上限应递增且最后一段为 1")
        return self


class BaseGroup(_Model):
    """基准病种: principal-diagnosis subcategory and main procedure (empty for 保守治疗)."""

    diag: str
    oprn: str = ""


class DayBedLists(_Model):
    """日间手术病种 and 按床日付费病种 lists."""

    day_surgery_procedures: tuple[str, ...] = ()
    day_surgery_max_days: int = 1
    bed_day_diag_prefixes: tuple[str, ...] = ()
    bed_day_points_per_day: Amount = Decimal(0)


class DipCatalog(_Model):
    """目录库 building: clustering, scores, trimming."""

    history_weights: tuple[Positive, ...]  # oldest year first, e.g. 1:2:7
    min_core_cases: int = Field(ge=1)
    split_threshold: Ratio  # a related procedure splits out when it moves the mean by ≥ this share
    score_method: Literal["mean_cost", "base_group", "quota"]
    score_scale: Positive  # RW × scale = score (1000)
    base_group: BaseGroup | None = None
    # when the base group has too few cases in the region's history: refuse, or use the mean-cost method
    base_group_fallback: Literal["none", "mean_cost"] = "none"
    quota_scores: dict[str, Amount] = Field(default_factory=dict)  # 定额分值 by group code
    trim_sd: Positive  # cases outside group-year mean ± trim_sd × SD are left out of the scores
    grassroots_groups: tuple[str, ...] = ()  # 基层病种: group codes, same score at every level
    lists: DayBedLists = DayBedLists()

    @model_validator(mode="after")
    def _method(self) -> DipCatalog:
        if self.score_method == "base_group" and self.base_group is None:
            raise ValueError("score_method = base_group 需要 base_group")
        return self


class AgeBand(_Model):
    label: str
    min_days: int = Field(ge=0)
    max_days: int = Field(ge=0)


class DayBand(_Model):
    label: str
    min_days: int = Field(ge=0)
    max_days: int = Field(ge=0)


class Subtypes(_Model):
    """辅助目录 as subtype coefficients, kept for a group only where they cut its CV."""

    age_bands: tuple[AgeBand, ...]
    icu_bands: tuple[DayBand, ...] = ()  # 重症监护天数 bands (days outside every band: 无)
    # 肿瘤分期 applies to principal diagnoses whose category (first 3 characters) lies in this range
    tumor_diag_range: tuple[str, str] = ("C00", "D48")
    min_cases: int = Field(ge=1)
    min_cv_reduction: Ratio  # relative CV reduction a dimension must reach to be kept
    dimensions: tuple[Literal["severity", "age", "icu", "tumor"], ...] = ("severity", "age")

    @model_validator(mode="after")
    def _icu(self) -> Subtypes:
        if "icu" in self.dimensions and not self.icu_bands:
            raise ValueError("dimensions 含 icu 时需要 icu_bands")
        return self


class Markers(_Model):
    """违规行为监督辅助目录: flags for monitoring (not payment)."""

    readmission_days: int = Field(ge=1)
    low_standard_ratio: Ratio  # cost below this share of the standard, without procedures
    long_stay_multiple: Positive  # ipt_days above this multiple of the group's mean days
    low_risk_score: Amount  # groups scoring below this are low risk; a death there is flagged


class Outliers(_Model):
    """高低倍率与特例单议."""

    low_ratio: Ratio
    high_ratio: Positive
    high_extra_factor: Positive  # points per unit of cost ratio above high_ratio, × base points
    special_review_ratio: Positive  # cost ratio from which a case is queued for 特例单议
    special_review_cap: Ratio  # at most this share of the year's cases (5 ‰)


class InstitutionCoefficients(_Model):
    """机构系数 = basic (by level) + bonus (by evaluation grade); 基层病种 use 1."""

    basic: dict[str, Positive]
    bonus: dict[str, Decimal] = Field(default_factory=dict)
    grassroots: Positive = Decimal(1)

    @model_validator(mode="after")
    def _levels(self) -> InstitutionCoefficients:
        missing = set(LEVELS) - set(self.basic)
        if missing:
            raise ValueError(f"basic：缺少医院等级 {sorted(missing)}")
        return self


class Dip(_Model):
    catalog: DipCatalog
    subtypes: Subtypes
    markers: Markers
    institution: InstitutionCoefficients
    outliers: Outliers
    point_value: PointValue


class MultiplierTier(_Model):
    """DRG 高倍率 tier: groups with base points up to ``upto_points`` use ``high_multiple``."""

    upto_points: Amount
    high_multiple: Positive


class Drg(_Model):
    """DRG 点数付费 parameters."""

    history_weights: tuple[Positive, ...]
    trim_low_ratio: Ratio  # base points: cases below this share of the group mean are trimmed
    trim_high_multiple: Positive  # … and above this multiple
    points_scale: Positive  # 基准点数 of the all-case mean (100)
    low_ratio: Ratio  # 低倍率: cost below this share of the group standard
    high_tiers: tuple[MultiplierTier, ...]
    special_review_share: Ratio
    institution: InstitutionCoefficients
    point_value: PointValue
    min_group_cases: int = Field(default=5, ge=1)  # 病组例数不足: flagged "small"
    max_group_cv: Positive = Decimal("1")  # 变异系数过大: flagged "unstable"
    high_formula: Literal["national"] = "national"  # base×coef + base×(ratio−multiple)×high_pay_ratio
    high_pay_ratio: Ratio = Decimal("1")
    low_formula: Literal["cost_ratio"] = "cost_ratio"  # base × cost ÷ group mean
    review_formula: Literal["cost_ratio"] = "cost_ratio"  # 特例单议 before a reviewer decides
    coefficient_basis: Literal["level", "blend"] = "level"  # 差异系数: by level, or blended with history
    history_coef_share: Ratio = Decimal("0")  # the hospital's historical cost ratio's share in the blend

    @model_validator(mode="after")
    def _tiers(self) -> Drg:
        if not self.high_tiers or [t.upto_points for t in self.high_tiers] != sorted(t.upto_points for t in self.high_tiers):
            raise ValueError("high_tiers：upto_points 应递增")
        return self

    def high_multiple(self, base_points: Decimal) -> Decimal:
        for tier in self.high_tiers:
            if base_points <= tier.upto_points:
                return tier.high_multiple
        return self.high_tiers[-1].high_multiple


class PaymentPack(_Model):
    """One region-year payment pack."""

    pack_id: str
    version: str
    title: str
    admdvs: str = Field(pattern=r"^\d{6}$")
    region_name: str
    year: int
    valid_from: dt.date
    valid_to: dt.date
    sources: tuple[str, ...] = ()
    funds: dict[Literal["310", "390"], Fund]
    clearing: Clearing
    dip: Dip | None = None
    drg: Drg | None = None
    assumptions: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> PaymentPack:
        if self.valid_from > self.valid_to:
            raise ValueError("valid_from 晚于 valid_to")
        if self.dip is None and self.drg is None:
            raise ValueError("至少需要 [dip] 或 [drg] 之一")
        return self

    def require_dip(self) -> Dip:
        if self.dip is None:
            raise PolicyError(ErrorCode.POLICY_INVALID, field="dip", detail=f"支付参数包 {self.pack_id} 没有 [dip]")
        return self.dip


def parse_payment_pack(text: str, origin: str = "<text>") -> PaymentPack:
    """Parse and validate a payment pack; failures are ``PolicyError`` naming the key path."""
    data, notes = read_annotated(text, origin)
    data["assumptions"] = notes
    try:
        return PaymentPack.model_validate(data)
    except ValidationError as exc:
        raise policy_error(exc, origin) from exc


@cache
def _bundled() -> dict[str, PaymentPack]:
    folder = resources.files("yibao.payment").joinpath("packs")
    packs = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            pack = parse_payment_pack(entry.read_text(encoding="utf-8"), origin=entry.name)
            packs[pack.pack_id] = pack
    return packs


def load_payment_pack(name: str | Path) -> PaymentPack:
    """A payment pack from a ``.toml`` path, or a bundled one by ``pack_id`` (``zibo-dip-2025``)."""
    path = Path(name)
    if path.suffix == ".toml":
        try:
            return parse_payment_pack(path.read_text(encoding="utf-8"), origin=path.name)
        except OSError as exc:
            raise PolicyError(ErrorCode.POLICY_INVALID, field=str(name), detail=f"无法读取：{exc.strerror}") from exc
    found = _bundled().get(str(name))
    if found is None:
        known = "、".join(_bundled())
        raise PolicyError(ErrorCode.NOT_FOUND, field="pack", detail=f"无支付参数包「{name}」，内置：{known}")
    return found


def bundled_payment_packs() -> tuple[PaymentPack, ...]:
    return tuple(_bundled().values())


__all__ = [
    "AgeBand", "Band", "BaseGroup", "Clearing", "DayBand", "DayBedLists", "Dip", "DipCatalog", "Drg", "Fund",
    "InstitutionCoefficients", "Markers", "MultiplierTier", "Outliers", "PaymentPack", "PointValue",
    "Subtypes", "bundled_payment_packs", "load_payment_pack", "parse_payment_pack",
]
