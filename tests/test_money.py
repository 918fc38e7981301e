from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yibao.errors import ErrorCode, InputError
from yibao.money import cap, fen, price, ratio, to_str, yuan


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12", "12.00"), ("12.3", "12.30"), ("0.01", "0.01"), ("1,234.56", "1234.56"), (" 7 ", "7.00"), (5, "5.00")],
)
def test_yuan_parses_strings_and_integers_to_the_fen(text, expected):
    assert yuan(text) == Decimal(expected)
    assert str(yuan(text)) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (12.3, ErrorCode.FLOAT_AMOUNT),
        ("abc", ErrorCode.INVALID_AMOUNT),
        ("", ErrorCode.INVALID_AMOUNT),
        ("NaN", ErrorCode.INVALID_AMOUNT),
        ("Infinity", ErrorCode.INVALID_AMOUNT),
        (True, ErrorCode.INVALID_AMOUNT),
        (None, ErrorCode.INVALID_AMOUNT),
        ("-1", ErrorCode.NEGATIVE_AMOUNT),
        ("1.234", ErrorCode.INVALID_AMOUNT),
    ],
)
def test_yuan_refuses_floats_garbage_negatives_and_sub_fen_amounts(value, code):
    with pytest.raises(InputError) as info:
        yuan(value, field="medfee_sumamt")
    assert info.value.code is code
    assert "medfee_sumamt" in info.value.message


def test_negative_amounts_are_allowed_only_when_asked():
    assert yuan("-3.5", allow_negative=True) == Decimal("-3.50")


def test_fen_rounds_half_up_not_to_even():
    assert fen(Decimal("0.125")) == Decimal("0.13")
    assert fen(Decimal("0.135")) == Decimal("0.14")
    assert fen(Decimal("-0.125")) == Decimal("-0.13")


def test_price_keeps_up_to_six_decimals_unrounded():
    assert price("0.123456") == Decimal("0.123456")
    with pytest.raises(InputError):
        price("0.1234567")


def test_ratio_must_lie_between_zero_and_one():
    assert ratio("0.65") == Decimal("0.65")
    with pytest.raises(InputError):
        ratio("1.2")


def test_cap_and_rendering():
    assert cap(Decimal("5"), None) == Decimal("5")
    assert cap(Decimal("5"), Decimal("3")) == Decimal("3")
    assert to_str(Decimal("3")) == "3.00"


@given(st.decimals(min_value=0, max_value=10**9, places=2))
def test_any_two_decimal_amount_round_trips(amount):
    assert yuan(str(amount)) == amount
