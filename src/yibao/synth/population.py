"""People, institutions and doctors of the synthetic region (参保人员、定点医药机构、医保医师).

All vectorised: a chunk of people is a dict of numpy arrays. Days are counted from 1970-01-01.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from yibao.synth.config import SynthConfig

IDENTITIES = ("00", "01", "02", "03", "04", "05")  # none, 特困, 低保, 低收入, 返贫致贫, 脱贫 (psn_idet_type, synthetic codes)
CHRONIC_DX = np.array(["I10.x00", "E11.900", "I25.103", "J44.900", "N18.900"])
_CHRONIC_WEIGHTS = np.array([0.55, 0.25, 0.08, 0.08, 0.04])
_DEPTS = np.array(["A03", "A04", "A05", "A07", "A10", "A11", "A12", "A13", "A20", "A50"])  # 内 外 妇产 儿 眼 耳鼻喉 口腔 皮肤 急诊 中医


def year_start(year: int) -> int:
    return int((np.datetime64(f"{year}-01-01") - np.datetime64("1970-01-01")).astype(int))


@dataclass(frozen=True, slots=True)
class Institutions:
    """Parallel arrays, one row per designated institution."""

    code: np.ndarray
    name: np.ndarray
    level: np.ndarray  # "1"/"2"/"3", "" for pharmacies
    kind: np.ndarray  # hospital / health_centre / pharmacy
    grassroots: np.ndarray
    beds: np.ndarray
    abusive: np.ndarray
    doctor_start: np.ndarray  # first doctor index of the institution
    doctor_count: np.ndarray


@dataclass(frozen=True, slots=True)
class Doctors:
    atddr_no: np.ndarray
    institution: np.ndarray  # institution row
    dept: np.ndarray
    abusive: np.ndarray


def build_institutions(config: SynthConfig, rng: np.random.Generator) -> tuple[Institutions, Doctors]:
    """Institutions of every level, scaled to the population, and their doctors."""
    scale = config.persons / 1_000_000
    minimum = {"3": 1, "2": 2, "1": 3, "grassroots": 5, "pharmacy": 5}
    counts = {k: max(minimum[k], int(round(v * scale))) for k, v in config.institutions_per_million.items()}
    level, kind, grassroots, beds, doctors_per = [], [], [], [], []
    bed_range = {"3": (800, 2500), "2": (200, 800), "1": (20, 150), "grassroots": (0, 40), "pharmacy": (0, 0)}
    staff = {"3": 300, "2": 100, "1": 20, "grassroots": 6, "pharmacy": 1}
    for key in ("3", "2", "1", "grassroots", "pharmacy"):
        n = counts[key]
        level += [key if key in {"1", "2", "3"} else ("1" if key == "grassroots" else "")] * n
        kind += ["pharmacy" if key == "pharmacy" else "health_centre" if key == "grassroots" else "hospital"] * n
        grassroots += [key == "grassroots"] * n
        lo, hi = bed_range[key]
        beds += list(rng.integers(lo, hi + 1, n))
        doctors_per += list(np.maximum(1, rng.poisson(staff[key], n)))
    kind_arr = np.array(kind)
    level_arr = np.array(level)
    n_inst = len(kind_arr)
    prefix = np.where(kind_arr == "pharmacy", "P", "H")
    code = np.array([f"{p}{config.admdvs}{i:05d}" for i, p in enumerate(prefix)])
    label = {"hospital": "医院", "health_centre": "卫生服务中心", "pharmacy": "大药房"}
    name = np.array([f"模拟{label[k]}{i:04d}" for i, k in enumerate(kind_arr)])
    # Abusive institutions are mostly level-1/2 private-style hospitals (assumption from 飞行检查 reports).
    eligible = np.flatnonzero((kind_arr == "hospital") & (level_arr != "3"))
    n_abusive = max(1, int(round(config.abusive_institution_share * np.sum(kind_arr == "hospital"))))
    abusive = np.zeros(n_inst, dtype=bool)
    abusive[rng.choice(eligible, size=min(n_abusive, len(eligible)), replace=False)] = True
    per = np.array(doctors_per, dtype=np.int64)
    start = np.concatenate([[0], np.cumsum(per)[:-1]])
    owner = np.repeat(np.arange(n_inst), per)
    within = np.arange(per.sum()) - start[owner]
    atddr = np.array([f"D{config.admdvs}{o:05d}{w:04d}" for o, w in zip(owner, within)])
    doc_abusive = rng.random(len(owner)) < config.abusive_doctor_share
    doc_abusive &= kind_arr[owner] != "pharmacy"
    institutions = Institutions(code, name, level_arr, kind_arr, np.array(grassroots), np.array(beds, dtype=np.int64),
                                abusive, start, per)
    return institutions, Doctors(atddr, owner, rng.choice(_DEPTS, size=len(owner)), doc_abusive)


def _employee_probability(age: np.ndarray, target: float, age_mean_profile: float) -> np.ndarray:
    profile = np.select([age < 18, age < 25, age < 60], [0.0, 0.3, 0.6], 0.45)
    return np.clip(profile * target / age_mean_profile, 0.0, 0.95)


def _profile_mean(config: SynthConfig) -> float:
    bands = np.asarray(config.age_band_shares)
    ages = np.minimum(np.arange(len(bands)) * 5 + 2, 95)
    under18 = bands[:3].sum() + bands[3] * 0.6
    young = bands[3] * 0.4 + bands[4] * 1.0
    working = bands[5:12].sum()
    old = bands[ages >= 60].sum()
    return float(0.3 * young + 0.6 * working + 0.45 * old + 0.0 * under18)


def persons_chunk(config: SynthConfig, rng: np.random.Generator, first: int, n: int) -> dict[str, np.ndarray]:
    """``n`` people numbered from ``first``: age/sex pyramid, insutype, identities, enrolment."""
    bands = np.asarray(config.age_band_shares)
    band = rng.choice(len(bands), size=n, p=bands / bands.sum())
    age = np.minimum(band * 5 + rng.integers(0, 5, n) + np.where(band == len(bands) - 1, rng.integers(0, 6, n), 0), 104)
    female_p = np.where(age < 60, config.female_share_by_age[0], config.female_share_by_age[1])
    gend = np.where(rng.random(n) < female_p, 2, 1).astype(np.int8)
    y0 = year_start(config.year)
    # Age is the age reached in the year; babies of age 0 are born in the year itself.
    birth = y0 - age * 365 - np.floor(age / 4).astype(np.int64) + rng.integers(0, 335, n)
    employee = rng.random(n) < _employee_probability(age, config.employee_share, _profile_mean(config))
    insutype = np.where(employee, "310", "390")
    psn_type = np.select([employee & (age < 60), employee, age < 18, age < 60], ["11", "12", "1401", "15"], "16")
    shares = np.array([config.identity_shares.get(code, 0.0) for code in IDENTITIES[1:]])
    resident_share = 1.0 - config.employee_share
    cum = np.cumsum(shares / resident_share)
    draw = np.searchsorted(cum, rng.random(n), side="right")
    identity = np.where(~employee & (draw < len(shares)), np.array(IDENTITIES)[np.minimum(draw + 1, len(shares))], "00")
    late = (rng.random(n) < config.late_enrollee_share) & (identity == "00") & (age > 0)
    begin = np.where(late, y0 + rng.integers(59, 334, n), np.minimum(y0, np.maximum(birth, y0 - 3650)))
    begin = np.where(age == 0, np.maximum(birth, y0), begin)
    wait_end = np.where(late, begin + config.waiting_days - 1, -1)  # last day of the wait, inclusive
    prevalence = np.select([age < 18, age < 60], list(config.chronic_prevalence[:2]), config.chronic_prevalence[2])
    chronic = rng.random(n) < prevalence
    chronic_dx = np.where(chronic, CHRONIC_DX[rng.choice(len(CHRONIC_DX), size=n, p=_CHRONIC_WEIGHTS)], "")
    return {
        "seq": np.arange(first, first + n, dtype=np.int64),
        "gend": gend, "age": age.astype(np.int64), "birth": birth.astype(np.int64), "insutype": insutype,
        "psn_type": psn_type, "identity": identity, "begin": begin.astype(np.int64), "wait_end": wait_end.astype(np.int64),
        "late": late, "chronic_dx": chronic_dx,
    }


__all__ = ["CHRONIC_DX", "IDENTITIES", "Doctors", "Institutions", "build_institutions", "persons_chunk", "year_start"]
