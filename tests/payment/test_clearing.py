"""Point-payment clearing shared by DIP and DRG: allocation to the fen, point values, bands, clearing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yibao.errors import InputError
from yibao.payment import clearing
from yibao.payment.policy import Band, Clearing, PointValue

D = Decimal
PARAMS = Clearing(
    withheld_share=D("0.05"), quality_deposit_share=D("0.02"), advance_months={"A": D("1"), "B": D("0.5")},
    surplus_bands=(Band(upto=D("0.10"), share=D("1")), Band(upto=D("0.20"), share=D("0.5")), Band(upto=D("1"), share=D("0"))),
    overspend_bands=(Band(upto=D("0.10"), share=D("0.7")), Band(upto=D("1"), share=D("0"))),
)
FLOATING = PointValue(mode="floating")


@given(st.integers(0, 10**9), st.lists(st.integers(1, 10**7), min_size=1, max_size=40))
def test_allocation_always_sums_to_the_total_to_the_fen(cents: int, weights: list[int]) -> None:
    total = D(cents) / 100
    parts = clearing.allocate(total, {f"H{i:03d}": D(w) / 10000 for i, w in enumerate(weights)})
    assert sum(parts.values()) == total
    assert all(p >= 0 for p in parts.values())


def test_the_rounding_remainder_goes_to_the_largest_remainders_then_by_key() -> None:
    parts = clearing.allocate(D("100.00"), {"A": D(1), "B": D(1), "C": D(1)})
    assert parts == {"A": D("33.34"), "B": D("33.33"), "C": D("33.33")}


def test_allocating_a_fraction_of_a_fen_is_refused() -> None:
    with pytest.raises(InputError):
        clearing.allocate(D("1.005"), {"A": D(1)})


def test_floating_point_value_is_budget_over_fund_ratio_over_points() -> None:
    assert clearing.point_value(FLOATING, D("750000"), D("0.75"), D("50000"), D("18")) == D("20.000000")


def test_elastic_point_value_blends_expected_and_floating_eight_to_two() -> None:
    rule = PointValue(mode="elastic", base_share=D("0.8"), increment_share=D("0.2"))
    assert clearing.point_value(rule, D("750000"), D("0.75"), D("50000"), D("15")) == D("16.000000")


def test_fixed_point_value_is_the_expected_value() -> None:
    assert clearing.point_value(PointValue(mode="fixed"), D("1"), D("0.5"), D("10"), D("17.5")) == D("17.5")


def test_monthly_settlement_withholds_its_share_and_pays_the_rest() -> None:
    pv, lines = clearing.monthly_settlement(PARAMS, FLOATING, D("100000.00"), D("0.8"),
                                            {"H1": D("3000"), "H2": D("1000")}, D("20"))
    assert pv == D("31.250000")
    assert [(ln.key, ln.amount, ln.withheld, ln.paid) for ln in lines] == [
        ("H1", D("75000.00"), D("3750.00"), D("71250.00")), ("H2", D("25000.00"), D("1250.00"), D("23750.00"))]


def test_advance_is_last_years_monthly_average_times_the_credit_months() -> None:
    out = clearing.advance_payments(PARAMS, {"H1": D("1200000"), "H2": D("1200000"), "H3": D("1200000")},
                                    {"H1": "A", "H2": "B", "H3": "C"})
    assert out == {"H1": D("100000.00"), "H2": D("50000.00"), "H3": D("0.00")}


def test_a_surplus_is_retained_by_band() -> None:
    # DIP amount 100,000, actual fund 85,000: surplus 15,000 = 10,000 kept fully + 5,000 kept half
    row = clearing.InstitutionYear("H1", D("1000"), actual_fund=D("85000"), monthly_paid=D("0"))
    _, (line,) = clearing.annual_clearing(PARAMS, FLOATING, D("100000.00"), D("1"), [row], D("100"))
    assert line.dip_amount == D("100000.00")
    assert line.cleared == D("85000") + D("10000") + D("2500")


def test_an_overspend_is_shared_by_band() -> None:
    # actual 125,000 over 100,000: 10,000 × 70 % shared, the other 15,000 borne by the institution
    row = clearing.InstitutionYear("H1", D("1000"), actual_fund=D("125000"), monthly_paid=D("0"))
    _, (line,) = clearing.annual_clearing(PARAMS, FLOATING, D("100000.00"), D("1"), [row], D("100"))
    assert line.cleared == D("107000.00")


def test_clearing_subtracts_monthly_payments_advance_audit_and_the_kept_quality_deposit() -> None:
    row = clearing.InstitutionYear("H1", D("1000"), actual_fund=D("100000.00"), monthly_paid=D("90000.00"),
                                   advance=D("5000.00"), audit_deduction=D("1200.00"), assessment_score=D("0.5"))
    _, (line,) = clearing.annual_clearing(PARAMS, FLOATING, D("100000.00"), D("1"), [row], D("100"))
    # deposit 2 % of 100,000 = 2,000, half returned → 1,000 kept
    assert line.balance == D("100000.00") - D("90000.00") - D("5000.00") - D("1200.00") - D("1000.00")
    kinds = {a.kind: a.amount for a in line.adjustments}
    assert kinds == {"monthly_paid": D("-90000.00"), "advance": D("-5000.00"), "audit": D("-1200.00"),
                     "quality_deposit": D("-1000.00")}
    assert all(a.reason for a in line.adjustments)


def test_annual_dip_amounts_balance_to_the_budget_to_the_fen() -> None:
    rows = [clearing.InstitutionYear(f"H{i}", D(p), actual_fund=D("0"), monthly_paid=D("0"))
            for i, p in enumerate(["1234.5678", "987.0001", "3.3333", "55555.5555"])]
    _, lines = clearing.annual_clearing(PARAMS, FLOATING, D("987654.32"), D("0.7"), rows, D("10"))
    assert sum(ln.dip_amount for ln in lines) == D("987654.32")
