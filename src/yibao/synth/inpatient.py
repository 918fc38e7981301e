"""Inpatient stays (住院病例) with coherent codes, lognormal costs and case-level abuse.

Case-level abuse changes behaviour, not only labels: a split stay becomes two real stays with a
1-14 day gap; upcoding adds an MCC or swaps in a richer principal diagnosis while the cost stays;
a low-standard admission is a short, cheap, examination-heavy stay of a mild condition; a phantom
stay bills beds and nursing without treatment; a bed-hanging stay is long with mostly bed fees.
The last two get an outpatient visit elsewhere during the stay (made in ``outpatient``).

Care leaves traces in the bill: drugs are given day by day, mostly the drugs the treated diagnosis
is treated with; a treated MCC / CC adds its own daily examinations, tests and treatment (its share
of the cost). An upcoded case carries the bill of the care actually given, not of the codes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from yibao.synth.casemix import POOL, CaseMix, cell_of, sample_paths
from yibao.synth.catalog import SynthCatalog
from yibao.synth.charges import Lines, charge
from yibao.synth.config import SynthConfig
from yibao.synth.population import Doctors, Institutions

CASE_KINDS = ("none", "split_hospitalisation", "upcoding", "low_standard_admission", "phantom_stay", "bed_hanging")
# Cost-category shares per profile (assumption, typical 结算清单 structure). Bed fees are per day, apart.
_PER_DAY = ("01", "07")  # 床位费, 护理费: charged one line per day of the stay
_SHARES = {
    "medical": {"02": 3, "03": 12, "04": 12, "05": 12, "08": 6, "09": 38, "11": 8, "14": 2},
    "surgical": {"02": 2, "03": 8, "04": 8, "05": 8, "06": 22, "08": 25, "09": 20, "11": 2, "14": 1},
    "low": {"02": 5, "03": 45, "04": 40, "09": 10},
    "phantom": {"02": 1},
}
_RICHER_MIN_COST = 1.5  # a richer principal diagnosis codes at least 1.5 × the treated path's mean cost (assumption)
_DSCG_WAY = (np.array(["1", "2", "3", "4", "5", "9"]), np.array([0.90, 0.02, 0.01, 0.04, 0.01, 0.02]))
# Daily drug lines of a stay (assumption): about one a day, a patient's intensity varying (gamma, shape 4);
# most are one of the few drugs its diagnosis is treated with (signature, keyed by the principal diagnosis).
_DRUG_LINES_PER_DAY = 1.0
_DRUG_SIGNATURE = 6
_DRUG_SIGNATURE_SHARE = 0.8
# A treated complication's own daily lines (assumption): MCC about 2.5 a day, CC about 1.2 (monitoring
# and treatment, tests, examinations), paid from the severity's share of the cost.
_SEVERITY_LINES_PER_DAY = {2: 2.5, 1: 1.2}
_SEVERITY_TYPES = {"05": 0.45, "04": 0.40, "03": 0.15}


@dataclass(slots=True)
class Cases:
    """Inpatient cases of a chunk as parallel arrays (index = case row)."""

    person: np.ndarray
    institution: np.ndarray
    doctor: np.ndarray
    path: np.ndarray  # the path coded on the claim
    true_path: np.ndarray  # the path actually treated
    secondary: list[str]  # "|"-joined secondary diagnoses
    severity: np.ndarray
    adm_sec: np.ndarray
    dscg_sec: np.ndarray
    kind: np.ndarray  # index into CASE_KINDS
    split_of: np.ndarray  # for a split's second stay, the first stay's row; else -1
    newborn: np.ndarray
    age: np.ndarray
    age_days: np.ndarray  # -1 when not an infant
    birth_weight: np.ndarray  # -1 when not a newborn
    dscg_way: np.ndarray
    cost_fen: np.ndarray  # target cost, the claim lines make the real total
    multiplier: np.ndarray  # abuse-rate multiplier (abusive institution / doctor)


def _admissions(config: SynthConfig, persons: dict[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    age = persons["age"]
    cls = np.select([age < 5, age < 18, age < 45, age < 65], [0, 1, 2, 3], 4)
    profile = np.asarray(config.admission_age_profile)[cls]
    bands = np.asarray(config.age_band_shares)
    band_age = np.minimum(np.arange(len(bands)) * 5 + 2, 95)
    band_cls = np.select([band_age < 5, band_age < 18, band_age < 45, band_age < 65], [0, 1, 2, 3], 4)
    expected = float((bands * np.asarray(config.admission_age_profile)[band_cls]).sum() / bands.sum())
    return rng.poisson(profile * config.admission_rate / expected)


def _pick_hospital(inst: Institutions, rng: np.random.Generator, surgical: np.ndarray) -> np.ndarray:
    """By beds; operations go to level-2/3 hospitals (grassroots units rarely operate)."""
    beds = np.where(inst.kind == "pharmacy", 0, inst.beds).astype(float)
    out = np.empty(len(surgical), dtype=np.int64)
    u = rng.random(len(surgical))
    for sel, weight in ((~surgical, beds), (surgical, beds * np.isin(inst.level, ["2", "3"]) * (inst.kind == "hospital"))):
        cum = np.cumsum(weight)
        out[sel] = np.searchsorted(cum, u[sel] * cum[-1], side="right")
    return out


def _richer_paths(mix: CaseMix, path: np.ndarray, cell: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Per case, a medical path of the same MDC and demographic cell costing at least
    ``_RICHER_MIN_COST`` times more, drawn by how common it is (an upcoder codes a plausible, frequent
    richer diagnosis, not always the same one); -1 when there is none."""
    weights = np.diff(mix.cell_cum, axis=1, prepend=0.0)
    out = np.full(len(path), -1, dtype=np.int64)
    key = np.char.add(mix.mdc[path], cell.astype(str))
    for k in np.unique(key):
        rows = np.flatnonzero(key == k)
        m, c = mix.mdc[path[rows[0]]], cell[rows[0]]
        weight = weights[c]
        cand = np.flatnonzero((mix.mdc == m) & ~mix.surgical & (weight > 0))
        if not len(cand):
            continue
        order = cand[np.argsort(mix.cost_mean[cand])]
        cost = mix.cost_mean[order]
        cum = np.cumsum(weight[order])
        # Candidates are the tail of the cost-sorted list from the first costing enough more.
        start = np.searchsorted(cost, mix.cost_mean[path[rows]] * _RICHER_MIN_COST, side="left")
        ok = start < len(order)
        base = np.where(start > 0, cum[np.maximum(start - 1, 0)], 0.0)
        u = base + rng.random(len(rows)) * (cum[-1] - base)
        pick = np.minimum(np.searchsorted(cum, u, side="right"), len(order) - 1)
        out[rows[ok]] = order[pick[ok]]
    return out


def generate_cases(config: SynthConfig, rng: np.random.Generator, persons: dict[str, np.ndarray], mix: CaseMix,
                   inst: Institutions, docs: Doctors, year_start_day: int, abuse: bool = True) -> Cases:
    """The chunk's inpatient cases for one year, before charges."""
    n_adm = _admissions(config, persons, rng)
    person = np.repeat(np.arange(len(n_adm)), n_adm)
    n = len(person)
    sex = persons["gend"][person]
    age = persons["age"][person]
    first = np.r_[True, person[1:] != person[:-1]] if n else np.zeros(0, dtype=bool)
    newborn = (age == 0) & first & (rng.random(n) < 0.6)
    path = sample_paths(mix, mix.cell_cum, cell_of(sex, age, newborn), rng)
    institution = _pick_hospital(inst, rng, mix.surgical[path])
    doctor = inst.doctor_start[institution] + rng.integers(0, 1 << 30, n) % inst.doctor_count[institution]
    mult = np.where(inst.abusive[institution], config.abuse.institution_multiplier, 1.0)
    mult = mult * np.where(docs.abusive[doctor], config.abuse.doctor_multiplier, 1.0)
    rates = np.array(list(config.abuse.case_kinds.values())) if abuse else np.zeros(len(CASE_KINDS) - 1)
    cum = np.cumsum(rates[None, :] * mult[:, None], axis=1)
    kind = np.where(newborn, 0, 1 + (rng.random(n)[:, None] >= np.minimum(cum, 0.9)).sum(axis=1))
    kind = np.where(kind > len(rates), 0, kind)
    low = kind == CASE_KINDS.index("low_standard_admission")
    path[low] = sample_paths(mix, mix.low_cum, cell_of(sex[low], age[low], newborn[low]), rng)
    sev_u = rng.random(n)
    severity = np.where(sev_u < config.severity_shares[0], 2, np.where(sev_u < sum(config.severity_shares), 1, 0))
    severity[low | (kind == CASE_KINDS.index("phantom_stay"))] = 0
    pick = rng.integers(0, POOL, n)
    mcc = mix.mcc_pool[path, pick]
    cc = mix.cc_pool[path, pick]
    severity = np.where((severity == 2) & (mcc == ""), 1, severity)
    severity = np.where((severity == 1) & (cc == ""), 0, severity)
    plain = mix.plain_pool[path[:, None], rng.integers(0, POOL, (n, 2))]
    n_plain = rng.integers(0, 3, n)
    factor = np.select([severity == 2, severity == 1], list(config.severity_cost_factor), 1.0)
    sigma = config.cost_sigma
    z = rng.normal(0, 1, n)
    cost = mix.cost_mean[path] * factor * np.exp(sigma * z - sigma**2 / 2)
    los = np.maximum(1, np.rint(mix.los_mean[path] * (1 + 0.4 * (severity > 0)) * np.exp(0.5 * sigma * z + rng.normal(0, 0.2, n))))
    cost = np.where(low, cost * 0.35, cost)
    los = np.where(low, rng.integers(1, 4, n), los)
    phantom = kind == CASE_KINDS.index("phantom_stay")
    hanging = kind == CASE_KINDS.index("bed_hanging")
    cost = np.where(phantom, cost * 0.15, cost)
    los = np.minimum(np.where(hanging, los * 2 + rng.integers(5, 15, n), los), 180).astype(np.int64)
    true_path = path.copy()
    secondary_codes = np.where(severity == 2, mcc, np.where(severity == 1, cc, ""))
    up = kind == CASE_KINDS.index("upcoding")
    richer = _richer_paths(mix, path, cell_of(sex, age, newborn), rng)
    swap = up & (richer >= 0) & (rng.random(n) < 0.5)
    path = np.where(swap, richer, path)
    add_mcc = up & ~swap & (severity < 2) & (mix.mcc_pool[path, pick] != "")
    secondary_codes = np.where(add_mcc, mix.mcc_pool[path, pick], secondary_codes)
    kind = np.where(up & ~swap & ~add_mcc, 0, kind)  # nothing richer to code: no upcoding happened
    secondary = [
        "|".join([c for c in (s, *p[:k]) if c]) for s, p, k in zip(secondary_codes.tolist(), plain.tolist(), n_plain.tolist())
    ]
    # Dates: discharge uniform in the year; newborns are admitted at birth.
    day = 86_400
    y0 = year_start_day * day
    dscg = y0 + rng.integers(los, 365, n) * day + rng.integers(9, 12, n) * 3600
    birth = persons["birth"][person]
    nb_adm = np.maximum(birth, year_start_day) * day + rng.integers(0, 3, n) * day + 10 * 3600
    los = np.where(newborn, np.minimum(los, 27), los)
    adm = np.where(newborn, nb_adm, dscg - los * day - rng.integers(-3, 8, n) * 3600)
    dscg = np.where(newborn, adm + los * day, dscg)
    # A baby of the year is never admitted before it is born: move the stay after the birth.
    infant = (age == 0) & ~newborn
    year_end = (year_start_day + 365) * day
    los = np.where(infant, np.maximum(1, np.minimum(los, year_end // day - birth - 2)), los)
    adm = np.where(infant, np.maximum(adm, (birth + 1) * day + 9 * 3600), adm)
    dscg = np.where(infant, adm + los * day, dscg)
    shift = np.where(infant, np.maximum(0, dscg - year_end + 3600), 0)
    adm, dscg = adm - shift, dscg - shift
    # Nobody settles a stay begun before enrolling: a late enrollee's stays move after the enrolment
    # date (those then inside the waiting period are refused at settlement, as they should be).
    enrolled = persons["begin"][person] * day + 9 * 3600
    late = adm < enrolled
    dscg = np.where(late, np.minimum(enrolled + (dscg - adm), year_end - 3600), dscg)
    adm = np.where(late, np.minimum(enrolled, dscg - day), adm)
    age_days = np.where(age == 0, np.maximum(0, adm // day - birth), -1)
    # The settlement list records a birth weight for every baby admitted within 28 days of birth.
    weighed = newborn | ((age_days >= 0) & (age_days <= 28))
    birth_weight = np.where(weighed, np.clip(np.rint(rng.normal(3300, 420, n)), 2500, 4800), -1).astype(np.int64)
    way = _DSCG_WAY[0][np.searchsorted(np.cumsum(_DSCG_WAY[1]), rng.random(n) * 0.999999, side="right")]
    cases = Cases(person, institution, doctor, path, true_path, secondary, severity, adm, dscg, kind,
                  np.full(n, -1), newborn, age, age_days, birth_weight, way, np.rint(cost * 100).astype(np.int64), mult)
    return _split(cases, rng, y0 + 365 * day) if abuse else cases


def _split(c: Cases, rng: np.random.Generator, year_end: int) -> Cases:
    """分解住院: the stay is billed as two stays, the second 1-14 days after the first discharge."""
    day = 86_400
    rows = np.flatnonzero(c.kind == CASE_KINDS.index("split_hospitalisation"))
    los = (c.dscg_sec[rows] - c.adm_sec[rows]) // day
    ok = los >= 2
    c.kind[rows[~ok]] = 0
    rows, los = rows[ok], los[ok]
    los1 = np.maximum(1, los // 2)
    gap = rng.integers(1, 15, len(rows))
    span = (los + gap) * day
    adm = np.minimum(c.adm_sec[rows], year_end - span - day)
    c.adm_sec[rows] = adm
    c.dscg_sec[rows] = adm + los1 * day
    second_adm = c.dscg_sec[rows] + gap * day
    share = los1 / los
    cost2 = np.rint(c.cost_fen[rows] * (1 - share)).astype(np.int64)
    c.cost_fen[rows] -= cost2
    second = {
        "person": c.person[rows], "institution": c.institution[rows], "doctor": c.doctor[rows], "path": c.path[rows],
        "true_path": c.true_path[rows], "severity": np.zeros(len(rows), np.int64), "adm_sec": second_adm,
        "dscg_sec": second_adm + (los - los1) * day, "kind": c.kind[rows], "split_of": rows, "newborn": c.newborn[rows],
        "age": c.age[rows], "age_days": c.age_days[rows], "birth_weight": c.birth_weight[rows],
        "dscg_way": np.full(len(rows), "1"), "cost_fen": cost2, "multiplier": c.multiplier[rows],
    }
    merged = {f: np.concatenate([getattr(c, f), second[f]]) for f in second}
    return Cases(secondary=c.secondary + [""] * len(rows), **merged)


def case_lines(cases: Cases, mix: CaseMix, catalog: SynthCatalog, rng: np.random.Generator,
               severity_cost_factor: tuple[float, float]) -> Lines:
    """Claim lines of every stay: bed days, daily drugs, a treated complication's daily care, then the
    rest of the cost split over categories by profile."""
    n = len(cases.person)
    day = 86_400
    los = np.maximum(1, (cases.dscg_sec - cases.adm_sec) // day)
    phantom = cases.kind == CASE_KINDS.index("phantom_stay")
    low = cases.kind == CASE_KINDS.index("low_standard_admission")
    profile = np.where(phantom, "phantom", np.where(low, "low", np.where(mix.surgical[cases.true_path], "surgical", "medical")))
    # Bed and nursing fees: one line a day, as a HIS uploads them (per-day rules count lines per day).
    stay = np.repeat(np.arange(n), los)
    nth = np.arange(len(stay)) - np.repeat(np.cumsum(los) - los, los)
    parts, daily_fen = [], np.zeros(n, dtype=np.int64)
    for offset, item_type in enumerate(_PER_DAY):
        pool = catalog.pools[item_type]
        item = pool[rng.integers(0, len(pool), n)]
        parts.append(Lines(stay, item[stay], catalog.price_fen[item][stay], np.ones(len(stay), dtype=los.dtype),
                           cases.adm_sec[stay] + nth * day + (offset + 1) * 3600))
        daily_fen += catalog.price_fen[item] * los
    # The treated severity's share of the cost (cases.severity is what was treated, not what was coded).
    factor = np.select([cases.severity == 2, cases.severity == 1], list(severity_cost_factor), 1.0)
    severity_fen = np.rint(cases.cost_fen * (1 - 1 / factor)).astype(np.int64)
    base_fen = cases.cost_fen - severity_fen
    rest = np.maximum(base_fen - daily_fen, base_fen // 10)
    severe = np.flatnonzero(cases.severity > 0)
    if len(severe):
        rate = np.where(cases.severity[severe] == 2, _SEVERITY_LINES_PER_DAY[2], _SEVERITY_LINES_PER_DAY[1])
        k = np.maximum(1, rng.poisson(rate * los[severe]))
        visit = np.repeat(severe, k)
        keys = np.array(list(_SEVERITY_TYPES))
        p = np.array(list(_SEVERITY_TYPES.values()))
        t = keys[rng.choice(len(keys), size=len(visit), p=p / p.sum())]
        when = cases.adm_sec[visit] + (rng.random(len(visit)) * los[visit] * day).astype(np.int64)
        parts.append(charge(catalog, rng, visit, t, np.repeat(severity_fen[severe] / k, k), when))
    principal_key = np.unique(mix.principal, return_inverse=True)[1][cases.true_path]
    for name, shares in _SHARES.items():
        rows = np.flatnonzero(profile == name)
        if not len(rows):
            continue
        types = np.array(list(shares))
        weights = rng.gamma(np.array(list(shares.values()), dtype=float) * 0.5, size=(len(rows), len(types)))
        weights /= weights.sum(axis=1, keepdims=True)
        amount = rest[rows][:, None] * weights
        drug = types == "09"
        if drug.any():  # drugs day by day, not one lump
            parts.append(_daily_drugs(catalog, rng, rows, amount[:, drug].sum(axis=1), los[rows],
                                      cases.adm_sec[rows], principal_key[rows]))
            types, amount = types[~drug], amount[:, ~drug]
        visit = np.repeat(rows, len(types))
        t = np.tile(types, len(rows))
        when = cases.adm_sec[visit] + (rng.random(len(visit)) * los[visit] * day).astype(np.int64)
        parts.append(charge(catalog, rng, visit, t, amount.ravel(), when))
    return Lines.concat(parts)  # put in visit order once, with the injected lines


def _daily_drugs(catalog: SynthCatalog, rng: np.random.Generator, rows: np.ndarray, amount_fen: np.ndarray,
                 los: np.ndarray, adm_sec: np.ndarray, principal_key: np.ndarray) -> Lines:
    """About ``_DRUG_LINES_PER_DAY`` drug lines a day worth ``amount_fen`` in all, most of them from the
    diagnosis's few usual drugs."""
    intensity = rng.gamma(4.0, 0.25, len(rows))
    k = np.maximum(1, rng.poisson(_DRUG_LINES_PER_DAY * intensity * los))
    visit = np.repeat(rows, k)
    local = np.repeat(np.arange(len(rows)), k)
    pool = catalog.pools["09"]
    usual = pool[(principal_key[local] * 7919 + rng.integers(0, _DRUG_SIGNATURE, len(local)) * 104_729) % len(pool)]
    other = pool[rng.integers(0, len(pool), len(local))]
    item = np.where(rng.random(len(local)) < _DRUG_SIGNATURE_SHARE, usual, other)
    price = catalog.price_fen[item]
    count = np.maximum(1, np.rint(np.repeat(amount_fen / k, k) / price)).astype(np.int64)
    when = adm_sec[local] + (rng.random(len(local)) * los[local] * 86_400).astype(np.int64)
    return Lines(visit.astype(np.int64), item, price, count, when.astype(np.int64))


__all__ = ["CASE_KINDS", "Cases", "case_lines", "generate_cases"]
