"""Clinical detail of a stay the 结算清单 / 病案首页 carry: ICU days (重症监护) and tumour stage (肿瘤分期).

Drawn after the stay's cost, on their own random stream (the main stream stays as it was), so that
they explain part of the cost as they do in real data:

- ICU: the chance rises with an MCC, an operation and a death (``SynthConfig.icu_*``) and with the
  stay's cost above its path's mean — an ICU stay is what makes a case dear; its days grow with the
  length of stay (at most the stay).
- Tumour stage: only for malignant principal diagnoses (C00–C97, I–IV) and in-situ ones (D00–D09,
  stage 0); a higher stage goes with a higher cost above the path's mean. Other diagnoses, D10–D48
  (benign / uncertain) included, have none.
"""

from __future__ import annotations

import numpy as np

from yibao.synth.casemix import CaseMix
from yibao.synth.config import SynthConfig

STAGES = np.array(["I", "II", "III", "IV"])
IN_SITU = "0"


def cost_residual(mix: CaseMix, path: np.ndarray, severity: np.ndarray, cost_fen: np.ndarray,
                  config: SynthConfig) -> np.ndarray:
    """log(cost ÷ the path's mean at the case's severity): > 0 for a stay dearer than its path."""
    factor = np.select([severity == 2, severity == 1], list(config.severity_cost_factor), 1.0)
    expected = mix.cost_mean[path] * factor * 100
    return np.log(np.maximum(cost_fen, 1) / expected)


def icu_days(config: SynthConfig, rng: np.random.Generator, mcc: np.ndarray, surgical: np.ndarray,
             died: np.ndarray, residual: np.ndarray, los: np.ndarray) -> np.ndarray:
    """Days in intensive care per stay (0 for none)."""
    odds = config.icu_base_rate / (1 - config.icu_base_rate)
    odds = odds * np.where(mcc, config.icu_odds_mcc, 1.0) * np.where(surgical, config.icu_odds_surgery, 1.0)
    odds = odds * np.where(died, config.icu_odds_death, 1.0) * np.exp(config.icu_cost_slope * residual)
    chance = odds / (1 + odds)
    icu = rng.random(len(los)) < chance
    days = 1 + rng.poisson(np.maximum(los, 1) * config.icu_share_of_stay)
    return np.where(icu, np.minimum(days, np.maximum(los, 1)), 0).astype(np.int32)


def tumor_stage(config: SynthConfig, rng: np.random.Generator, principal: np.ndarray,
                residual: np.ndarray) -> np.ndarray:
    """肿瘤分期 per stay: "I"–"IV", "0" (in situ) or "" (none)."""
    category = [str(p)[:3] for p in principal.tolist()]
    malignant = np.array([c[:1] == "C" and c[1:].isdigit() for c in category], dtype=bool)
    in_situ = np.array([c[:1] == "D" and c[1:].isdigit() and int(c[1:]) <= 9 for c in category], dtype=bool)
    # a latent severity: the cost residual plus noise, cut at the stage shares' quantiles
    latent = config.tumor_cost_slope * residual + rng.normal(0, 1, len(principal))
    cuts = np.quantile(latent[malignant], np.cumsum(config.tumor_stage_shares)[:-1]) if malignant.any() else np.zeros(3)
    stage = STAGES[np.searchsorted(cuts, latent)]
    return np.where(malignant, stage, np.where(in_situ, IN_SITU, ""))


__all__ = ["IN_SITU", "STAGES", "cost_residual", "icu_days", "tumor_stage"]
