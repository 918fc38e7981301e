"""The payment packs: Zibo DIP 2025 reproduces seed 001 and the issue's figures; every other figure is marked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from yibao.errors import PolicyError
from yibao.payment.policy import bundled_payment_packs, load_payment_pack, parse_payment_pack

D = Decimal


def test_the_zibo_pack_carries_the_specified_figures() -> None:
    pack = load_payment_pack("zibo-dip-2025")
    dip = pack.require_dip()
    assert pack.valid_from == dt.date(2025, 1, 1)
    assert dip.catalog.min_core_cases == 15
    assert dip.catalog.split_threshold == D("0.10")
    assert dip.catalog.history_weights == (D(1), D(2), D(7))
    assert dip.catalog.score_scale == D(1000)
    assert (dip.catalog.base_group.diag, dip.catalog.base_group.oprn) == ("K35.8", "47.0100")
    assert (dip.outliers.low_ratio, dip.outliers.high_ratio, dip.outliers.special_review_cap) == (
        D("0.5"), D(2), D("0.005"))
    assert (dip.point_value.base_share, dip.point_value.increment_share) == (D("0.8"), D("0.2"))
    assert dip.markers.readmission_days == 15
    assert [(b.min_days, b.max_days) for b in dip.subtypes.age_bands][:2] == [(0, 28), (29, 365)]
    assert set(pack.funds) == {"310", "390"}  # employee and resident funds budgeted apart


@pytest.mark.parametrize("path", [
    "funds.310.fund_pay_ratio", "clearing.withheld_share", "clearing.quality_deposit_share",
    "clearing.surplus_bands", "clearing.overspend_bands", "dip.institution.basic", "dip.outliers.special_review_ratio",
])
def test_figures_the_seed_does_not_state_are_marked_as_assumptions(path: str) -> None:
    notes = load_payment_pack("zibo-dip-2025").assumptions
    assert "假设" in notes[path]


def test_the_zhoushan_drg_pack_defines_multiplier_tiers_by_base_points() -> None:
    drg = load_payment_pack("zhoushan-drg-2019").drg
    assert drg is not None
    assert [drg.high_multiple(D(p)) for p in ("80", "150", "900")] == [D(3), D("2.5"), D(2)]
    assert drg.point_value.mode == "floating"


def test_every_bundled_payment_pack_loads() -> None:
    assert {p.pack_id for p in bundled_payment_packs()} >= {"zibo-dip-2025", "zhoushan-drg-2019"}


def test_a_float_in_a_payment_pack_is_refused_with_its_key_path() -> None:
    text = load_payment_pack_text().replace('withheld_share = { value = "0.05"', "withheld_share = { value = 0.05")
    with pytest.raises(PolicyError) as err:
        parse_payment_pack(text)
    assert err.value.field == "clearing.withheld_share"


def test_bands_that_do_not_end_at_one_are_refused() -> None:
    text = load_payment_pack_text().replace('{ upto = "1", share = "0" }], source = "种子 001：结余留用"',
                                            '{ upto = "0.5", share = "0" }], source = "种子 001：结余留用"')
    with pytest.raises(PolicyError) as err:
        parse_payment_pack(text)
    assert "surplus_bands" in str(err.value.detail)


def load_payment_pack_text() -> str:
    from importlib import resources

    return resources.files("yibao.payment").joinpath("packs", "zibo-dip-2025.toml").read_text(encoding="utf-8")
