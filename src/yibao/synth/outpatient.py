"""Outpatient visits (门诊) and pharmacy purchases (药店购药), with their charge lines.

Ordinary outpatient (med_type 11) happens mostly at grassroots and level-1 institutions, chronic
disease outpatient (14) monthly for people with a registered chronic condition, pharmacy purchases
(41) at designated pharmacies. Visits fall on weekdays in office hours more than at night or at
weekends. Ordinary visits fall outside the person's own inpatient stays (an in-patient is in the
ward, not at a clinic elsewhere); phantom and bed-hanging stays get an *alibi* visit during the stay.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from yibao.synth.catalog import SynthCatalog
from yibao.synth.charges import Lines, charge
from yibao.synth.config import SynthConfig
from yibao.synth.population import Institutions

_DAY = 86_400
_FIRST_LINE = {"11": "02", "14": "02", "41": "09"}
_MORE_LINES = {
    "11": ({"03": 15, "04": 20, "05": 10, "09": 40, "11": 15}),
    "14": ({"04": 10, "09": 70, "11": 20}),
    "41": ({"09": 70, "11": 25, "10": 5}),
}
# Mean amount per line, fen (assumption: ordinary outpatient visits average ≈ 250 yuan, NHC 2023 bulletin ≈ 340 at hospitals).
_MEAN_FEN = {"02": 2000, "03": 12000, "04": 5000, "05": 6000, "09": 4000, "10": 3000, "11": 3500, "12": 1000}
_OUT_DX = np.array(["J06.900", "J20.900", "K29.700", "M54.500", "R51.x00", "L30.900", "H10.900", "K52.900"])


@dataclass(slots=True)
class Visits:
    person: np.ndarray
    institution: np.ndarray
    med_type: np.ndarray
    begin: np.ndarray
    end: np.ndarray
    diag: np.ndarray
    alibi_of: np.ndarray  # inpatient case row the visit contradicts, -1 otherwise


def _days(rng: np.random.Generator, n: int, year_start_day: int) -> np.ndarray:
    weekday = (np.arange(365) + year_start_day + 3) % 7  # 1970-01-01 was a Thursday → 0 = Monday
    weight = np.where(weekday >= 5, 0.45, 1.0)
    cum = np.cumsum(weight)
    return year_start_day + np.searchsorted(cum, rng.random(n) * cum[-1], side="right")


def _hours(rng: np.random.Generator, n: int) -> np.ndarray:
    u = rng.random(n)
    hour = np.where(u < 0.6, rng.integers(8, 12, n), np.where(u < 0.95, rng.integers(14, 18, n), rng.integers(18, 23, n)))
    return hour * 3600 + rng.integers(0, 3600, n)


def _choose(inst: Institutions, rng: np.random.Generator, n: int, kinds: dict[str, float]) -> np.ndarray:
    """Institutions by kind share (keys like 'grassroots', '1', '2', '3', 'pharmacy'), uniform within."""
    groups = {
        "grassroots": np.flatnonzero(inst.grassroots),
        "pharmacy": np.flatnonzero(inst.kind == "pharmacy"),
        **{lv: np.flatnonzero((inst.kind == "hospital") & (inst.level == lv)) for lv in ("1", "2", "3")},
    }
    keys = list(kinds)
    p = np.array([kinds[k] for k in keys])
    which = rng.choice(len(keys), size=n, p=p / p.sum())
    out = np.empty(n, dtype=np.int64)
    for i, k in enumerate(keys):
        sel = which == i
        out[sel] = groups[k][rng.integers(0, len(groups[k]), sel.sum())]
    return out


def _outside_stays(person: np.ndarray, day: np.ndarray, stays: tuple[np.ndarray, np.ndarray, np.ndarray],
                   year_start_day: int) -> np.ndarray:
    """``day`` moved out of the person's stays ``(person, admission day, discharge day)``: to the day
    after the discharge, or before the admission when that runs past the year (a few rounds, as
    moving can land in the person's next stay)."""
    s_person, s_adm, s_dscg = stays
    if not len(s_person):
        return day
    order = np.lexsort((s_adm, s_person))
    s_person, s_adm, s_dscg = s_person[order], s_adm[order], s_dscg[order]
    span = 1 << 20  # more days than any region spans: person-major keys
    keys = s_person * span + s_adm
    # Stays of one person can overlap (a stay billed inside another): cover up to the latest discharge so far.
    s_dscg = np.maximum.accumulate(s_person * span + s_dscg) - s_person * span
    year_end = year_start_day + 364
    for _ in range(4):
        at = np.searchsorted(keys, person * span + day, side="right") - 1
        ok = at >= 0
        at = np.maximum(at, 0)
        inside = ok & (s_person[at] == person) & (day >= s_adm[at]) & (day <= s_dscg[at])
        if not inside.any():
            break
        after = s_dscg[at] + 1 + (day - s_adm[at]) % 7
        before = s_adm[at] - 1 - (day - s_adm[at]) % 7
        day = np.where(inside, np.where(after <= year_end, after, np.maximum(before, year_start_day)), day)
    return day


def generate_visits(config: SynthConfig, rng: np.random.Generator, persons: dict[str, np.ndarray],
                    inst: Institutions, year_start_day: int, alibi_person: np.ndarray,
                    alibi_window: tuple[np.ndarray, np.ndarray], alibi_case: np.ndarray,
                    alibi_avoid: np.ndarray, stays: tuple[np.ndarray, np.ndarray, np.ndarray]) -> Visits:
    """All outpatient and pharmacy visits of a chunk for the year."""
    age = persons["age"]
    factor = np.where(age >= 60, 1.5, np.where(age < 7, 1.3, 0.8))
    n_out = rng.poisson(config.outpatient_visits_per_person * factor / factor.mean())
    n_chronic = np.where(persons["chronic_dx"] != "", rng.poisson(config.chronic_visits_per_year, len(age)), 0)
    n_pharm = rng.poisson(config.pharmacy_visits_per_person, len(age))
    p_out, p_chr, p_ph = (np.repeat(np.arange(len(age)), k) for k in (n_out, n_chronic, n_pharm))
    inst_out = _choose(inst, rng, len(p_out), {"grassroots": 45, "1": 20, "2": 20, "3": 15})
    inst_chr = _choose(inst, rng, len(p_chr), {"grassroots": 60, "2": 30, "3": 10})
    inst_ph = _choose(inst, rng, len(p_ph), {"pharmacy": 1})
    # Alibi: a pharmacy purchase or clinic visit elsewhere while the patient was billed as inpatient.
    lo, hi = alibi_window
    alibi_day = lo // _DAY + (rng.random(len(lo)) * np.maximum(1, (hi - lo) // _DAY)).astype(np.int64)
    inst_alibi = _choose(inst, rng, len(lo), {"pharmacy": 1, "grassroots": 1})
    inst_alibi = np.where(inst_alibi == alibi_avoid, (inst_alibi + 1) % len(inst.code), inst_alibi)
    person = np.concatenate([p_out, p_chr, p_ph, alibi_person])
    institution = np.concatenate([inst_out, inst_chr, inst_ph, inst_alibi])
    med_type = np.concatenate([np.full(len(p_out), "11"), np.full(len(p_chr), "14"), np.full(len(p_ph), "41"),
                               np.where(inst.kind[inst_alibi] == "pharmacy", "41", "11")])
    n_regular = len(p_out) + len(p_chr) + len(p_ph)
    day = np.concatenate([_days(rng, n_regular, year_start_day), alibi_day])
    # Babies of the year are seen after birth, and nobody settles a visit before enrolling: a day drawn
    # before is moved into the part of the year left, spread over it (piled on one day it would read
    # as one card used at many places that day).
    start = np.maximum(persons["birth"][person] + 1, persons["begin"][person])
    left = np.maximum(year_start_day + 365 - start, 1)
    day = np.where(day < start, start + (day - year_start_day) % left, day)
    day[:n_regular] = _outside_stays(person[:n_regular], day[:n_regular], stays, year_start_day)
    day = np.maximum(day, np.maximum(persons["birth"][person] + 1, persons["begin"][person]))
    begin = day * _DAY + _hours(rng, len(day))
    end = begin + rng.integers(5, 45, len(day)) * 60
    diag = np.where(med_type == "14", persons["chronic_dx"][person], _OUT_DX[rng.integers(0, len(_OUT_DX), len(day))])
    diag = np.where(med_type == "41", "", diag)
    alibi_of = np.concatenate([np.full(n_regular, -1), alibi_case])
    return Visits(person, institution, med_type, begin, end, diag, alibi_of)


def visit_lines(visits: Visits, inst: Institutions, catalog: SynthCatalog, rng: np.random.Generator) -> Lines:
    """2-6 lines per visit: a consultation (or a drug at a pharmacy), then drugs, tests, treatment."""
    n = len(visits.person)
    first_type = np.array([_FIRST_LINE[m] for m in ("11", "14", "41")])[np.searchsorted(["11", "14", "41"], visits.med_type)]
    first_type = np.where((first_type == "02") & inst.grassroots[visits.institution], "12", first_type)
    n_more = rng.integers(1, 6, n)
    visit = np.concatenate([np.arange(n), np.repeat(np.arange(n), n_more)])
    types = [first_type]
    more_visit = np.repeat(np.arange(n), n_more)
    more_type = np.empty(len(more_visit), dtype="<U2")
    for m, shares in _MORE_LINES.items():
        sel = visits.med_type[more_visit] == m
        keys = list(shares)
        p = np.array(list(shares.values()), dtype=float)
        more_type[sel] = np.array(keys)[rng.choice(len(keys), size=sel.sum(), p=p / p.sum())]
    types.append(more_type)
    item_type = np.concatenate(types)
    keys = np.array(sorted(_MEAN_FEN))
    mean = np.array([_MEAN_FEN[k] for k in keys])[np.searchsorted(keys, item_type)] * np.where(visits.med_type[visit] == "14", 2.5, 1.0)
    amount = mean * np.exp(rng.normal(-0.18, 0.6, len(visit)))
    when = visits.begin[visit] + 600
    return charge(catalog, rng, visit, item_type, amount, when)  # put in visit order with the injected lines


__all__ = ["Visits", "generate_visits", "visit_lines"]
