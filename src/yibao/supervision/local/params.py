"""Parameters of the local rules and the anomaly score (本地规则参数), read from ``params.toml``.

Policy is data: every window, share and multiple the detectors use is here, none in the engines.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Self

from yibao.errors import ErrorCode, PolicyError

PARAMS_FILE = Path(__file__).with_name("params.toml")


@dataclass(frozen=True, slots=True)
class SplitParams:
    window_days: int
    same_institution: bool
    dx_prefix_len: int
    exempt_dx_prefixes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LowStandardParams:
    max_days: int
    max_cost_ratio: Decimal
    min_exam_share: Decimal
    no_procedure: bool


@dataclass(frozen=True, slots=True)
class UpcodingParams:
    severe_min_log_odds: Decimal
    severe_prior_start: Decimal
    care_dispersion: Decimal
    usual_drug_share: Decimal
    principal_max_usual_share: Decimal
    principal_min_drug_lines: int
    principal_min_llr: Decimal
    drug_floor: Decimal
    candidate_share: Decimal
    unoperated_min_surgery_share: Decimal
    unoperated_min_llr: Decimal
    prior_min_z: Decimal
    prior_min_cmi_excess: Decimal
    prior_min_severe_excess: Decimal
    prior_llr_cut: Decimal
    min_peer_cases: int


@dataclass(frozen=True, slots=True)
class PhantomParams:
    min_days: int
    max_care_share: Decimal


@dataclass(frozen=True, slots=True)
class BedHangingParams:
    min_days: int
    min_los_ratio: Decimal
    alibi_min_visits: int


@dataclass(frozen=True, slots=True)
class PriceParams:
    tolerance: Decimal


@dataclass(frozen=True, slots=True)
class OverPrescriptionParams:
    max_days: dict[str, int]  # med_type → most days of supply one prescription may give
    one_unit_allowed: bool


@dataclass(frozen=True, slots=True)
class RepeatPrescriptionParams:
    window_days: int
    tolerance: Decimal
    grace_days: int
    med_types: tuple[str, ...]
    same_generic_name: bool  # the specifications of one generic name are one drug (their supply adds up)


@dataclass(frozen=True, slots=True)
class FakePatientParams:
    min_institutions_per_day: int


@dataclass(frozen=True, slots=True)
class FakeConditionParams:
    chronic_med_types: tuple[str, ...]
    dx_prefix_len: int


@dataclass(frozen=True, slots=True)
class SubstitutionParams:
    med_types: tuple[str, ...]
    min_cost_ratio: Decimal
    min_share_ratio: Decimal
    min_share_gain: Decimal
    min_lines: int


@dataclass(frozen=True, slots=True)
class FakeReceiptParams:
    days_outside: int
    total_tolerance: Decimal


@dataclass(frozen=True, slots=True)
class AnomalyParams:
    trees: int
    seed: int
    min_cases: int
    top_features: int
    history_years: int
    min_colleagues: int
    excess_half: Decimal


@dataclass(frozen=True, slots=True)
class LocalParams:
    """All local-rule parameters, with the version recorded in every lead's trace."""

    version: str
    split_hospitalisation: SplitParams
    low_standard_admission: LowStandardParams
    upcoding: UpcodingParams
    phantom_stay: PhantomParams
    bed_hanging: BedHangingParams
    price: PriceParams
    anomaly: AnomalyParams
    over_prescription: OverPrescriptionParams
    repeat_prescription: RepeatPrescriptionParams
    fake_patient: FakePatientParams
    fake_condition: FakeConditionParams
    fake_receipt: FakeReceiptParams
    item_substitution: SubstitutionParams

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Self:
        parts: dict[str, object] = {"version": str(data.get("version", ""))}
        for f in fields(cls):
            if f.name == "version":
                continue
            section = data.get(f.name)
            if not isinstance(section, dict):
                raise PolicyError(ErrorCode.POLICY_INVALID, field=f.name, detail="缺少本地规则参数节")
            parts[f.name] = _section(_TYPES[f.name], section, f.name)
        return cls(**parts)  # type: ignore[arg-type]


_TYPES: dict[str, type] = {
    "split_hospitalisation": SplitParams, "low_standard_admission": LowStandardParams, "upcoding": UpcodingParams,
    "phantom_stay": PhantomParams, "bed_hanging": BedHangingParams, "price": PriceParams, "anomaly": AnomalyParams,
    "over_prescription": OverPrescriptionParams, "repeat_prescription": RepeatPrescriptionParams,
    "fake_patient": FakePatientParams, "fake_condition": FakeConditionParams, "fake_receipt": FakeReceiptParams,
    "item_substitution": SubstitutionParams,
}


def _section(kind: type, raw: dict[str, object], name: str) -> object:
    values: dict[str, object] = {}
    for f in fields(kind):
        if f.name not in raw:
            raise PolicyError(ErrorCode.POLICY_INVALID, field=f"{name}.{f.name}", detail="缺少参数")
        value = raw[f.name]
        if f.type == "Decimal":
            value = Decimal(str(value))
        elif f.type == "tuple[str, ...]":
            value = tuple(str(v) for v in value)  # type: ignore[union-attr]
        elif f.type == "dict[str, int]":
            value = {str(k): int(v) for k, v in value.items()}  # type: ignore[union-attr]
        values[f.name] = value
    return kind(**values)


@lru_cache(maxsize=1)
def load_local_params(path: Path = PARAMS_FILE) -> LocalParams:
    """The packaged local-rule parameters."""
    with path.open("rb") as handle:
        return LocalParams.from_dict(tomllib.load(handle))


__all__ = [
    "AnomalyParams", "BedHangingParams", "FakeConditionParams", "FakePatientParams", "FakeReceiptParams", "LocalParams",
    "LowStandardParams", "OverPrescriptionParams", "PhantomParams", "PriceParams", "RepeatPrescriptionParams",
    "SplitParams", "SubstitutionParams", "UpcodingParams", "load_local_params",
]
