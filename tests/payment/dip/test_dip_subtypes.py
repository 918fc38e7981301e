"""辅助目录 on hand-made cases: ICU days and tumour stage become subtype coefficients only where they cut
a group's CV; the all-case CV and the groups' weighted CV are reported."""

from __future__ import annotations

from decimal import Decimal

import ibis
import pytest

from dip_cases import make_cases
from yibao.errors import PolicyError
from yibao.payment.dip import catalog as cat
from yibao.payment.dip.features import case_features, kind_table, severity_table
from yibao.payment.dip.subtypes import apply_subtypes, build_subtypes
from yibao.payment.policy import PaymentPack, parse_payment_pack

LUNG = "C34.900"  # malignant: staged
PNEUMONIA = "J18.900"


def _assigned(rows: list[dict[str, object]], pack: PaymentPack) -> ibis.Table:
    params = pack.require_dip().catalog.model_copy(update={"score_method": "mean_cost"})
    feats = case_features(ibis.memtable(make_cases(rows)), ibis.memtable(kind_table()),
                          ibis.memtable(severity_table())).cache()
    combos = cat.history_combos(feats, params).cache()
    return cat.assign_history(feats, combos, params).cache()


def _lung(stage: str | None, cost: str, n: int) -> list[dict[str, object]]:
    return [{"diag_codes": LUNG, "tumor_stage": stage, "medfee_sumamt": cost} for _ in range(n)]


def test_tumour_stage_is_kept_where_stages_cost_apart_with_their_mean_ratio(zibo: PaymentPack) -> None:
    rows = _lung("I", "20000", 15) + _lung("IV", "40000", 15)
    sub = build_subtypes(_assigned(rows, zibo), zibo.require_dip().subtypes).execute()
    mine = sub[sub.group_code == "C34.9:"].set_index("level")
    assert set(mine["dimension"]) == {"tumor"}
    assert mine.loc["I", "coefficient"] == Decimal("0.6667") and mine.loc["IV", "coefficient"] == Decimal("1.3333")
    assert mine["cv_after"].iloc[0] == 0 < mine["cv_before"].iloc[0]


def test_tumour_stage_never_splits_a_non_tumour_group_even_if_the_column_is_filled(zibo: PaymentPack) -> None:
    rows = [{"diag_codes": PNEUMONIA, "tumor_stage": s, "medfee_sumamt": c}
            for s, c in (("I", "5000"), ("IV", "15000")) for _ in range(15)]
    sub = build_subtypes(_assigned(rows, zibo), zibo.require_dip().subtypes).execute()
    assert "tumor" not in set(sub[sub.group_code == "J18.9:"]["dimension"])


def test_icu_days_band_into_a_coefficient_and_apply_to_new_cases(zibo: PaymentPack) -> None:
    rows = [{"diag_codes": PNEUMONIA, "icu_days": 0, "medfee_sumamt": "8000"} for _ in range(20)]
    rows += [{"diag_codes": PNEUMONIA, "icu_days": 5, "medfee_sumamt": "24000"} for _ in range(10)]
    params = zibo.require_dip().subtypes
    assigned = _assigned(rows, zibo)
    sub = build_subtypes(assigned, params)
    got = sub.execute().set_index("level")
    assert set(got["dimension"]) == {"icu"}
    assert got.loc["4天及以上", "coefficient"] == Decimal("1.8000")  # 24,000 ÷ the group mean 13,333.33
    applied = apply_subtypes(assigned, sub, params).execute().set_index("case_id")
    assert applied.loc["C000025", "subtype"] == "icu:4天及以上"
    assert applied.loc["C000000", "subtype"] == "icu:无" and applied.loc["C000000", "subtype_coef"] == Decimal("0.6000")


def test_a_dimension_that_does_not_cut_the_cv_enough_is_dropped(zibo: PaymentPack) -> None:
    rows = [{"diag_codes": PNEUMONIA, "icu_days": d, "medfee_sumamt": c}
            for d, c in ((0, "9000"), (0, "11000"), (2, "9000"), (2, "11000")) for _ in range(10)]
    sub = build_subtypes(_assigned(rows, zibo), zibo.require_dip().subtypes).execute()
    assert sub.empty


def test_the_icu_dimension_needs_its_bands(zibo: PaymentPack) -> None:
    from importlib import resources

    text = resources.files("yibao.payment").joinpath("packs", "zibo-dip-2025.toml").read_text(encoding="utf-8")
    start = text.index("icu_bands = ")
    end = text.index("tumor_diag_range")
    with pytest.raises(PolicyError) as err:
        parse_payment_pack(text[:start] + text[end:])
    assert "icu_bands" in str(err.value)


def test_the_summary_reports_the_all_case_cv_and_the_weighted_group_cv(zibo: PaymentPack) -> None:
    rows = [{"diag_codes": PNEUMONIA, "medfee_sumamt": c} for c in ("9000", "11000") * 10]
    rows += _lung(None, "30000", 10) + _lung(None, "50000", 10)
    params = zibo.require_dip().catalog.model_copy(update={"score_method": "mean_cost"})
    assigned = _assigned(rows, zibo)
    built = cat.build_catalog(assigned, cat.history_combos(assigned, params), params, [2024])
    s = built.summary.execute().iloc[0]
    assert s["group_cv"] == pytest.approx((0.1 * 20 + 0.25 * 20) / 40, abs=1e-4)
    assert s["all_cv"] > s["group_cv"]
