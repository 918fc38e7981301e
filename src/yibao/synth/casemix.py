"""The region's inpatient case mix: coherent diagnosis/procedure paths along CHS-DRG (病例组合).

A *path* is one principal diagnosis with its procedure combination (possibly none). Paths are
drawn along the scheme (an ADRG's own diagnosis or procedure list, a principal diagnosis of its
MDC) and kept only when the scheme's own walk lands them in a real ADRG for the demographic cell
they are meant for. Each path carries a mean cost and length of stay, and pools of secondary
diagnoses that are a valid MCC / CC / plain comorbidity for its principal diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from yibao.synth.config import SynthConfig
from yibao.synth.scheme import Demography, Scheme, load_scheme

# Demographic cells: (sex, age class). Age classes: 0 newborn ≤28 d, 1 infant, 2 child 1-14,
# 3 adult 15-49, 4 adult 50-64, 5 aged 65+.
AGE_CLASSES = 6
CELLS = 2 * AGE_CLASSES
_REPRESENTATIVE = {0: (0, 10, 3300), 1: (0, 180, None), 2: (7, None, None), 3: (32, None, None), 4: (57, None, None), 5: (76, None, None)}
_SIMPLE_RULES = {
    "principal_dx in dx",
    "main_proc in proc",
    "principal_dx in dx and main_proc in proc",
    "principal_dx in dx and age_days <= 28",
    "main_proc in proc and age_days <= 28",
    "any_dx in dx and has_birth_weight and birth_weight_g >= 2500 and age_days <= 28",
}
POOL = 8  # secondary diagnoses kept per path and severity


@dataclass(frozen=True, slots=True)
class CaseMix:
    """Paths as parallel arrays; ``cell_cum[c]`` is the cumulative sampling weight in cell c."""

    adrg: np.ndarray  # str
    mdc: np.ndarray  # str
    principal: np.ndarray  # str
    procedures: np.ndarray  # str, "|"-joined, main first
    surgical: np.ndarray  # bool
    cost_mean: np.ndarray  # float yuan
    los_mean: np.ndarray  # float days
    cell_cum: np.ndarray  # (CELLS, n) float
    low_cum: np.ndarray  # (CELLS, n) float, the cheap medical paths (low-standard admission)
    richer: np.ndarray  # int: a costlier path of the same MDC and cell use, -1 if none
    mcc_pool: np.ndarray  # (n, POOL) str, "" where missing
    cc_pool: np.ndarray
    plain_pool: np.ndarray

    def __len__(self) -> int:
        return len(self.adrg)


def cell_of(sex: np.ndarray, age: np.ndarray, newborn: np.ndarray) -> np.ndarray:
    """The demographic cell of each case (sex 1/2, age in years, newborn ≤ 28 days flag)."""
    age_class = np.select([newborn, age == 0, age <= 14, age <= 49, age <= 64], [0, 1, 2, 3, 4], 5)
    return (sex.astype(np.int64) - 1) * AGE_CLASSES + age_class


def _eligible_cells(mdc: str) -> list[int]:
    if mdc == "MDCP":
        return [0, AGE_CLASSES]
    if mdc == "MDCO":
        return [AGE_CLASSES + 3]
    ages = [2, 3, 4, 5] if mdc in {"MDCM", "MDCN"} else [1, 2, 3, 4, 5]
    sexes = [0] if mdc == "MDCM" else [1] if mdc == "MDCN" else [0, 1]
    return [s * AGE_CLASSES + a for s in sexes for a in ages]


def _who(cell: int) -> Demography:
    age, days, weight = _REPRESENTATIVE[cell % AGE_CLASSES]
    return Demography(sex=cell // AGE_CLASSES + 1, age_years=age, age_days=days, birth_weight=weight)


def _pick(rng: np.random.Generator, items: list[str], k: int) -> list[str]:
    if len(items) <= k:
        return list(rng.permutation(items)) if items else []
    return [items[i] for i in rng.choice(len(items), size=k, replace=False)]


def _candidates(scheme: Scheme, rng: np.random.Generator, adrg: str, mdc: str) -> list[tuple[str, list[str]]]:
    """(principal dx, procedures) combinations drawn along one ADRG's rule."""
    rule = scheme.adrgs[adrg]["rule"]
    own_dx = sorted(scheme.adrg_dx[adrg])
    own_proc = sorted(scheme.adrg_proc[adrg])
    mdc_dx = sorted(scheme.mdc_dx[mdc]) if mdc != "MDCA" else sorted(scheme.mdc_dx["MDCE"])
    n_dx = int(rng.integers(2, 7))
    if "main_proc" not in rule:
        return [(d, []) for d in _pick(rng, own_dx, n_dx)]
    dx_pool = own_dx if rule.startswith("principal_dx") else mdc_dx
    out: list[tuple[str, list[str]]] = []
    for d in _pick(rng, dx_pool, n_dx):
        for p in _pick(rng, own_proc, int(rng.integers(1, 3))):
            out.append((d, [p]))
            extra = [q for q in _pick(rng, own_proc, 2) if q != p]
            if extra and rng.random() < 0.5:  # DIP: same dx, a richer procedure combination
                out.append((d, [p, extra[0]]))
    return out


def _secondary_pool(scheme: Scheme, rng: np.random.Generator, codes: list[str], principal: str,
                    procs: list[str], adrg: str, cells: list[int], test: str) -> list[str]:
    kept: list[str] = []
    for code in _pick(rng, codes, 4 * POOL):
        if code == principal:
            continue
        if test == "mcc" and not scheme.is_mcc(code, principal):
            continue
        if test == "cc" and (not scheme.is_cc(code, principal) or scheme.is_mcc(code, principal)):
            continue
        # Only newborn rules read secondary diagnoses (any_dx); elsewhere the principal decides.
        if not adrg.startswith("P") or all(scheme.landing_adrg([principal, code], procs, _who(c)) == adrg for c in cells):
            kept.append(code)
        if len(kept) == POOL:
            break
    return kept + [""] * (POOL - len(kept))


def build_casemix(config: SynthConfig, rng: np.random.Generator) -> CaseMix:
    """Draw the region's paths and their weights from the bundled scheme."""
    scheme = load_scheme()
    trauma = set(scheme.trauma["MDCZ"])
    mcc_codes = sorted(c for c in scheme.mcc if c not in trauma)
    cc_codes = sorted(c for c in scheme.cc if c not in trauma and c not in scheme.mcc)
    plain_codes = sorted(c for c in ("I10.x00", "E11.900", "E78.500", "K21.900", "J44.900", "M81.900",
                                     "I25.103", "N18.900", "E03.900", "K76.000", "H25.900", "M17.900")
                         if c in scheme.diagnoses and c not in scheme.cc and c not in scheme.mcc)  # plain: neither CC nor MCC
    rows: list[dict] = []
    for mdc, share in config.mdc_shares.items():
        adrgs = [s["adrg"] for s in scheme.mdcs[mdc]["steps"]
                 if "adrg" in s and scheme.adrgs[s["adrg"]]["rule"] in _SIMPLE_RULES]
        if not adrgs or mdc == "MDCZ":
            continue
        kinds = {a: "main_proc" in scheme.adrgs[a]["rule"] for a in adrgs}
        n_surg = sum(kinds.values())
        n_med = len(adrgs) - n_surg
        dirichlet = rng.dirichlet(np.full(len(adrgs), 0.8)) ** config.adrg_weight_power
        dirichlet /= dirichlet.sum()
        for a, w_adrg in zip(adrgs, dirichlet):
            surgical = kinds[a]
            kind_share = (config.surgical_share if n_med else 1.0) if surgical else (1 - config.surgical_share if n_surg else 1.0)
            base_cost = float(np.exp(rng.normal(np.log(24_000 if surgical else 7_000), 0.5)))
            base_cost *= 6.0 if mdc == "MDCA" else 0.6 if mdc == "MDCP" else 1.0
            base_los = float(np.exp(rng.normal(np.log(9.0 if surgical else 7.5), 0.3)))
            cands = _candidates(scheme, rng, a, mdc)
            zipf = 1.0 / np.arange(1, len(cands) + 1) ** config.path_zipf_exponent
            for (dx, procs), w_path in zip(cands, zipf / zipf.sum() if cands else []):
                cells = [c for c in _eligible_cells(mdc) if scheme.landing_adrg([dx], procs, _who(c)) == a]
                if not cells:
                    continue
                factor = config.extra_procedure_cost_factor if len(procs) > 1 else 1.0
                rows.append({
                    "adrg": a, "mdc": mdc, "dx": dx, "procs": procs, "surgical": surgical, "cells": cells,
                    "weight": share * kind_share * (n_surg if surgical else n_med) * w_adrg * w_path,
                    "cost": base_cost * factor * float(np.exp(rng.normal(0, 0.15))), "los": base_los * (1.1 if len(procs) > 1 else 1.0),
                    "mcc": _secondary_pool(scheme, rng, mcc_codes, dx, procs, a, cells, "mcc"),
                    "cc": _secondary_pool(scheme, rng, cc_codes, dx, procs, a, cells, "cc"),
                    "plain": _secondary_pool(scheme, rng, plain_codes, dx, procs, a, cells, "plain"),
                })
    return _assemble(rows)


def _assemble(rows: list[dict]) -> CaseMix:
    n = len(rows)
    weights = np.zeros((CELLS, n))
    for j, r in enumerate(rows):
        weights[r["cells"], j] = r["weight"]
    cost = np.array([r["cost"] for r in rows])
    surgical = np.array([r["surgical"] for r in rows], dtype=bool)
    mdc = np.array([r["mdc"] for r in rows])
    cheap = ~surgical & (cost <= np.quantile(cost[~surgical], 0.25))
    richer = np.full(n, -1, dtype=np.int64)
    for m in np.unique(mdc):
        idx = np.flatnonzero((mdc == m) & ~surgical)
        if len(idx) > 1:
            top = idx[np.argmax(cost[idx])]
            richer[idx[cost[idx] < cost[top]]] = top
    return CaseMix(
        adrg=np.array([r["adrg"] for r in rows]),
        mdc=mdc,
        principal=np.array([r["dx"] for r in rows]),
        procedures=np.array(["|".join(r["procs"]) for r in rows]),
        surgical=surgical,
        cost_mean=cost,
        los_mean=np.array([r["los"] for r in rows]),
        cell_cum=np.cumsum(weights, axis=1),
        low_cum=np.cumsum(weights * cheap, axis=1),
        richer=richer,
        mcc_pool=np.array([r["mcc"] for r in rows]),
        cc_pool=np.array([r["cc"] for r in rows]),
        plain_pool=np.array([r["plain"] for r in rows]),
    )


def sample_paths(mix: CaseMix, cum: np.ndarray, cells: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One path index per case, drawn by the case's cell from ``cum`` (cell_cum or low_cum)."""
    out = np.empty(len(cells), dtype=np.int64)
    u = rng.random(len(cells))
    for c in range(CELLS):
        sel = cells == c
        if not sel.any():
            continue
        row = cum[c] if cum[c, -1] > 0 else mix.cell_cum[c]
        out[sel] = np.minimum(np.searchsorted(row, u[sel] * row[-1], side="right"), len(row) - 1)
    return out


__all__ = ["AGE_CLASSES", "CELLS", "CaseMix", "build_casemix", "cell_of", "sample_paths"]
