"""The parameters of a synthetic pooling region (模拟统筹区参数).

Every share and rate the generator uses lives here, with its default and where the figure comes
from. Figures marked *assumption* are our own reasoned choices, not published statistics.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from yibao.supervision.scan.model import PATTERN_NAMES

# Five-year age bands 0-4 … 85-89, 90+ (19 bands). Shape of an ageing Chinese prefecture city:
# China 7th census (2020) national pyramid shifted older so that 60+ ≈ 28 % and 65+ ≈ 21 %, as in
# cities such as Nantong or Shanghai's suburbs (assumption built on the census shape).
AGE_BAND_SHARES: tuple[float, ...] = (
    0.040, 0.046, 0.046, 0.042, 0.040, 0.058, 0.070, 0.076, 0.074,
    0.070, 0.082, 0.080, 0.066, 0.068, 0.058, 0.040, 0.025, 0.014, 0.005,
)

# MDC shares of inpatient cases (assumption from published provincial DRG case-mix reports:
# circulatory, respiratory, digestive and nervous system lead; transplants and HIV are rare).
MDC_SHARES: dict[str, float] = {
    "MDCA": 0.002, "MDCP": 0.02, "MDCY": 0.0005, "MDCZ": 0.002, "MDCM": 0.015, "MDCN": 0.03,
    "MDCB": 0.10, "MDCC": 0.015, "MDCD": 0.03, "MDCE": 0.13, "MDCF": 0.15, "MDCG": 0.11,
    "MDCH": 0.04, "MDCI": 0.09, "MDCJ": 0.025, "MDCK": 0.035, "MDCL": 0.04, "MDCO": 0.06,
    "MDCQ": 0.01, "MDCR": 0.05, "MDCS": 0.006, "MDCT": 0.006, "MDCU": 0.005, "MDCV": 0.02,
    "MDCW": 0.005, "MDCX": 0.01,
}


# Chinese names of the ground-truth label kinds (the ``labels`` table's ``kind``): a behaviour a
# detector finds is named as its leads are (one word for one behaviour); the entity labels are the
# generator's own.
_DETECTED_KINDS = (
    "split_hospitalisation", "upcoding", "low_standard_admission", "phantom_stay", "bed_hanging", "duplicate_charge",
    "sex_restricted", "age_restricted", "over_limit_price", "over_prescription", "repeat_prescription", "fake_patient",
    "fake_condition", "fake_receipt", "item_substitution",
)
LABEL_NAMES: dict[str, str] = {kind: PATTERN_NAMES[kind] for kind in _DETECTED_KINDS} | {
    "abusive_institution": "违规高发机构",
    "abusive_doctor": "违规高发医师",
}


@dataclass(frozen=True, slots=True)
class AbuseRates:
    """Injected abuse, as the share of eligible records at ordinary institutions.

    Case-level kinds are drawn once per inpatient case (mutually exclusive); item-level kinds once
    per visit (inpatient or outpatient). At an abusive institution each rate is multiplied by
    ``institution_multiplier``, for an abusive doctor by ``doctor_multiplier`` (assumptions chosen
    so that institution-level anomaly scores separate clearly).
    """

    split_hospitalisation: float = 0.010  # 分解住院
    upcoding: float = 0.015  # 高套分值 (richer principal dx or an MCC without the cost)
    low_standard_admission: float = 0.010  # 低标准入院
    phantom_stay: float = 0.002  # 虚假住院
    bed_hanging: float = 0.004  # 挂床住院
    duplicate_charge: float = 0.006  # 重复收费 (a batch-7 pair in one visit)
    sex_restricted: float = 0.002  # 限定性别
    age_restricted: float = 0.002  # 限定年龄
    over_limit_price: float = 0.004  # 超限价
    # Drawn on their own random stream (see synth/local_abuse.py), per ordinary outpatient visit:
    over_prescription: float = 0.003  # 超量开药: one prescription of many times the usual days of supply
    repeat_prescription: float = 0.004  # 重复开药: per chronic-disease visit, the same drug again at 2-3 other places within days
    fake_patient: float = 0.0005  # 多处刷卡: the card used at 3 more institutions the same day
    fake_condition: float = 0.001  # 虚构病情: an ordinary visit settled as 门诊慢特病 for someone with none registered
    fake_receipt: float = 0.001  # 虚假票据: a line dated outside its visit, or a visit total above its lines
    # 项目串换, at abusive institutions only: the share of their outpatient lines of an ordinary
    # specification of a drug family billed as the family's premium one (an institution's habit).
    item_substitution: float = 0.5
    institution_multiplier: float = 8.0
    doctor_multiplier: float = 4.0

    @property
    def case_kinds(self) -> dict[str, float]:
        return {
            "split_hospitalisation": self.split_hospitalisation,
            "upcoding": self.upcoding,
            "low_standard_admission": self.low_standard_admission,
            "phantom_stay": self.phantom_stay,
            "bed_hanging": self.bed_hanging,
        }

    @property
    def item_kinds(self) -> dict[str, float]:
        return {
            "duplicate_charge": self.duplicate_charge,
            "sex_restricted": self.sex_restricted,
            "age_restricted": self.age_restricted,
            "over_limit_price": self.over_limit_price,
        }

    @property
    def local_kinds(self) -> dict[str, float]:
        return {
            "over_prescription": self.over_prescription,
            "repeat_prescription": self.repeat_prescription,
            "fake_patient": self.fake_patient,
            "fake_condition": self.fake_condition,
            "fake_receipt": self.fake_receipt,
        }


@dataclass(frozen=True, slots=True)
class SynthConfig:
    """A region: its size, year, seed and every share the generator samples from."""

    persons: int = 50_000
    year: int = 2025
    seed: int = 20250101
    history_years: int = 0  # also emit inpatient cases of this many previous years (DIP/DRG 1:2:7)
    chunk_persons: int = 100_000  # generation unit; bounds peak memory
    admdvs: str = "330902"  # 统筹区划 code of the synthetic city (fictional prefix use)

    age_band_shares: tuple[float, ...] = AGE_BAND_SHARES
    female_share_by_age: tuple[float, float] = (0.48, 0.56)  # under 60, 60+ (census: women outlive men)
    employee_share: float = 0.40  # 职工医保 vs 居民医保 40/60 (national 2023 statistical bulletin ≈ 0.28/0.72; ageing city assumption)
    # Identities, share of all insured (assumptions from Ministry of Civil Affairs / NHSA 2023 counts
    # scaled to a prosperous eastern city): mutually exclusive, all among residents.
    identity_shares: dict[str, float] = field(
        default_factory=lambda: {"01": 0.005, "02": 0.03, "03": 0.01, "04": 0.001, "05": 0.02}
    )
    late_enrollee_share: float = 0.02  # enrolled mid-year outside the concentrated period (assumption)
    waiting_days: int = 90  # 待遇等待期 for late enrollees (national guideline: ≤ 3 months)

    admission_rate: float = 0.20  # inpatient cases per insured per year (national ≈ 0.19–0.21)
    admission_age_profile: tuple[float, ...] = (1.0, 0.4, 0.6, 1.6, 3.2)  # 0-4, 5-17, 18-44, 45-64, 65+ relative
    outpatient_visits_per_person: float = 1.8  # 普通门诊统筹 claims per person (assumption, within budget)
    pharmacy_visits_per_person: float = 0.8  # 定点药店购药 (assumption)
    chronic_prevalence: tuple[float, float, float] = (0.0, 0.06, 0.28)  # 门诊慢特病 by age <18, 18-59, 60+
    chronic_visits_per_year: float = 10.0  # monthly-ish refills
    # Days of supply of an ordinary drug line, by med_type (assumption: within 门诊 7 days and, for
    # 门诊慢特病, about a month, as prescribing guidance asks); the count is what covers them.
    supply_days: dict[str, tuple[int, int]] = field(
        default_factory=lambda: {"11": (1, 7), "41": (1, 7), "14": (7, 28)})
    # Of the outpatient lines drawn as a drug family's premium specification, the share kept (the
    # rest get an ordinary one): prescribers mostly choose the usual specifications (assumption).
    premium_share_kept: float = 0.2
    mdc_shares: dict[str, float] = field(default_factory=lambda: dict(MDC_SHARES))
    # Case-mix concentration (assumption): real regions put most cases on a few hundred diagnosis +
    # procedure combinations (which is why a city's DIP core groups cover ~90 % of cases at 15 cases).
    # Inside an MDC, ADRG weights are Dirichlet(0.8) draws raised to this power (renormalised) …
    adrg_weight_power: float = 2.0
    # … and inside an ADRG the k-th (diagnosis, procedures) path is drawn ∝ 1 / k ** this exponent.
    path_zipf_exponent: float = 2.0
    surgical_share: float = 0.35  # share of surgical ADRGs inside an MDC that has both
    severity_shares: tuple[float, float] = (0.10, 0.22)  # MCC, CC among cases of ADRGs that split on them
    cost_sigma: float = 0.45  # within-group lognormal sigma of a case's cost
    severity_cost_factor: tuple[float, float] = (1.7, 1.3)  # MCC, CC
    extra_procedure_cost_factor: float = 1.35  # DIP: a second procedure combination costs more
    cost_growth: float = 0.04  # yearly cost growth, for history years (assumption)
    # ICU (重症监护) and tumour stage (肿瘤分期), see synth/clinical.py. Assumptions: ~1.5 % of ordinary
    # stays use the ICU; the odds multiply with an MCC, an operation, a death and the stay's cost above
    # its path (log-odds slope per unit of log cost); ICU days ≈ 1 + Poisson(30 % of the stay).
    icu_base_rate: float = 0.015
    icu_odds_mcc: float = 6.0
    icu_odds_surgery: float = 2.5
    icu_odds_death: float = 12.0
    icu_cost_slope: float = 2.0
    icu_share_of_stay: float = 0.3
    tumor_stage_shares: tuple[float, float, float, float] = (0.30, 0.30, 0.25, 0.15)  # I–IV at diagnosis (assumption)
    tumor_cost_slope: float = 1.5  # how strongly a higher stage goes with a dearer stay

    institutions_per_million: dict[str, int] = field(
        default_factory=lambda: {"3": 6, "2": 24, "1": 70, "grassroots": 220, "pharmacy": 400}
    )
    abusive_institution_share: float = 0.06  # of hospitals (levels 1-2 mostly)
    abusive_doctor_share: float = 0.01
    abuse: AbuseRates = field(default_factory=AbuseRates)

    def __post_init__(self) -> None:
        if self.persons <= 0 or self.chunk_persons <= 0:
            raise ValueError("persons and chunk_persons must be positive")
        if abs(sum(self.age_band_shares) - 1.0) > 1e-6:
            raise ValueError("age_band_shares must sum to 1")


__all__ = ["AbuseRates", "SynthConfig", "AGE_BAND_SHARES", "MDC_SHARES"]
