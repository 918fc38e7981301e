"""The DIP catalog engine on hand-made cases: clustering, splitting, comprehensive groups, scores, CV, RIV."""

from __future__ import annotations

from decimal import Decimal

import ibis
import pytest

from dip_cases import make_cases
from yibao.payment.dip import catalog as cat
from yibao.payment.dip.features import case_features, kind_table, severity_table
from yibao.payment.policy import PaymentPack

STENT, ANGIO, IVUS = "36.0601", "88.5500", "00.2400x001"


def _features(rows: list[dict[str, object]]) -> ibis.Table:
    return case_features(ibis.memtable(make_cases(rows)), ibis.memtable(kind_table()), ibis.memtable(severity_table()))


def _build(rows: list[dict[str, object]], pack: PaymentPack, years: list[int] | None = None, **update: object):
    params = pack.require_dip().catalog.model_copy(update={"score_method": "mean_cost", **update})
    feats = _features(rows).cache()
    combos = cat.history_combos(feats, params).cache()
    assigned = cat.assign_history(feats, combos, params).cache()
    return cat.build_catalog(assigned, combos, params, years or [2024]), combos, assigned


def _mi(n: int, oprn: str, cost: str) -> list[dict[str, object]]:
    return [{"diag_codes": "I21.000|I10.x00", "oprn_codes": oprn, "medfee_sumamt": cost} for _ in range(n)]


def test_a_related_procedure_that_moves_the_mean_less_than_ten_percent_stays_merged(zibo: PaymentPack) -> None:
    rows = _mi(20, STENT, "28033") + _mi(20, f"{STENT}|{ANGIO}", "28849")
    _, combos, _ = _build(rows, zibo)
    mapping = dict(zip(*combos.select("combo", "group_code").execute().T.values, strict=True))
    assert mapping[f"{STENT}+{ANGIO}"] == f"I21.0:{STENT}"


def test_a_related_procedure_that_moves_the_mean_by_ten_percent_or_more_splits_out(zibo: PaymentPack) -> None:
    rows = _mi(20, STENT, "28033") + _mi(20, f"{STENT}|{IVUS}", "44003")
    built, combos, _ = _build(rows, zibo)
    mapping = dict(zip(*combos.select("combo", "group_code").execute().T.values, strict=True))
    assert mapping[f"{STENT}+{IVUS}"] == f"I21.0:{STENT}+{IVUS}"
    groups = built.groups.execute().set_index("group_code")
    assert groups.loc[f"I21.0:{STENT}+{IVUS}", "group_type"] == "core"
    assert groups.loc[f"I21.0:{STENT}+{IVUS}", "mean_cost"] == Decimal("44003.00")


def test_the_procedure_order_after_the_main_one_does_not_matter() -> None:
    feats = _features([{"diag_codes": "I21.000", "oprn_codes": f"{STENT}|{IVUS}|{ANGIO}", "medfee_sumamt": "1"},
                       {"diag_codes": "I21.000", "oprn_codes": f"{STENT}|{ANGIO}|{IVUS}", "medfee_sumamt": "1"}])
    assert set(feats.combo.execute()) == {f"{STENT}+{IVUS}+{ANGIO}"}  # the rest sorted by code


@pytest.mark.parametrize(("oprn", "suffix"), [
    ("47.0100", "S"),  # 腹腔镜下阑尾切除术: an operating-room procedure
    ("88.7200", "D"),  # 心脏诊断性超声: diagnostic
    ("", "M"),  # no procedure: conservative treatment
], ids=["surgery", "diagnostic", "conservative"])
def test_small_combinations_fall_into_comprehensive_groups_by_category_and_treatment_kind(
        zibo: PaymentPack, oprn: str, suffix: str) -> None:
    rows = [{"diag_codes": "K35.800", "oprn_codes": oprn, "medfee_sumamt": "9000"} for _ in range(3)]
    rows += [{"diag_codes": "K35.301", "oprn_codes": oprn, "medfee_sumamt": "9500"} for _ in range(14)]
    _, _, assigned = _build(rows, zibo)
    assert set(assigned.group_code.execute()) == {f"K35#{suffix}"}


def test_surgery_outranks_therapeutic_and_diagnostic_procedures_in_one_case() -> None:
    feats = _features([{"diag_codes": "K35.800", "oprn_codes": "88.7200|47.0100", "medfee_sumamt": "1"}])
    assert feats.kind_rank.execute().tolist() == [3]


def test_the_mean_cost_score_is_the_group_mean_over_the_all_case_mean_times_1000(zibo: PaymentPack) -> None:
    rows = _mi(20, STENT, "30000") + [{"diag_codes": "J18.900", "medfee_sumamt": "10000"} for _ in range(20)]
    built, _, _ = _build(rows, zibo)
    scores = dict(zip(*built.groups.select("group_code", "score").execute().T.values, strict=True))
    assert scores[f"I21.0:{STENT}"] == Decimal("1500.0000")
    assert scores["J18.9:"] == Decimal("500.0000")


def test_years_are_weighted_one_two_seven(zibo: PaymentPack) -> None:
    rows = []
    for year, cost in ((2022, "10000"), (2023, "20000"), (2024, "30000")):
        rows += [{"diag_codes": "J18.900", "medfee_sumamt": cost, "setl_year": year} for _ in range(6)]
    built, _, _ = _build(rows, zibo, years=[2022, 2023, 2024])
    groups = built.groups.execute().set_index("group_code")
    assert groups.loc["J18.9:", "mean_cost"] == Decimal("26000.00")  # (1×10000 + 2×20000 + 7×30000) / 10


def test_extreme_cases_are_trimmed_from_the_scores_but_counted(zibo: PaymentPack) -> None:
    rows = [{"diag_codes": "J18.900", "medfee_sumamt": str(10000 + i)} for i in range(40)]
    rows.append({"diag_codes": "J18.900", "medfee_sumamt": "900000"})
    built, _, _ = _build(rows, zibo)
    g = built.groups.execute().set_index("group_code").loc["J18.9:"]
    assert (g["case_count"], g["kept_count"]) == (41, 40)
    assert g["mean_cost"] == Decimal("10019.50")


def test_the_catalog_reports_coverage_riv_and_each_groups_cv(zibo: PaymentPack) -> None:
    rows = _mi(20, STENT, "30000") + [{"diag_codes": "J18.900", "medfee_sumamt": c} for c in ("9000", "11000") * 10]
    rows += [{"diag_codes": "K35.800", "oprn_codes": "47.0100", "medfee_sumamt": "9000"}]
    built, _, _ = _build(rows, zibo)
    summary = built.summary.execute().iloc[0]
    assert summary["core_coverage"] == pytest.approx(40 / 41, abs=1e-4)
    # within-group variance is 1,000,000 × 20 of a total much larger: RIV close to 1
    assert 0.95 < summary["riv"] < 1
    cv = built.groups.execute().set_index("group_code").loc["J18.9:", "cv"]
    assert cv == pytest.approx(0.1, abs=1e-4)


def test_bed_day_and_day_surgery_cases_go_to_their_listed_groups(zibo: PaymentPack) -> None:
    rows = [{"diag_codes": "F20.000", "medfee_sumamt": "20000", "ipt_days": 60},
            {"diag_codes": "H25.900", "oprn_codes": "13.4100", "medfee_sumamt": "6000", "ipt_days": 1},
            {"diag_codes": "H25.900", "oprn_codes": "13.4100", "medfee_sumamt": "8000", "ipt_days": 4}]
    _, _, assigned = _build(rows, zibo)
    got = dict(zip(*assigned.select("case_id", "group_code").execute().T.values, strict=True))
    assert got["C000000"] == "BD:F20"
    assert got["C000001"] == "DS:13.4100"
    assert got["C000002"] != "DS:13.4100"  # a four-day stay is not day surgery
