"""Money: Decimal yuan, rounded to the fen with ROUND_HALF_UP at named points.

Never float. ``yuan("12.345")`` parses; ``yuan(12.3)`` is refused because a float already lost the
fen. Ratios are parsed the same way (``ratio("0.6")``) and kept exact until a rounding point.

>>> yuan("1,234.5")
Decimal('1234.50')
>>> yuan(300)
Decimal('300.00')
>>> fen(Decimal("0.005"))
Decimal('0.01')
>>> fen(yuan("100") * ratio("0.333"))
Decimal('33.30')
>>> cap(yuan("120"), yuan("100"))
Decimal('100.00')
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from yibao.errors import ErrorCode, InputError

FEN = Decimal("0.01")
ZERO = Decimal("0.00")

Money = Decimal
Amountish = str | int | Decimal


def _parse_decimal(value: object, field: str) -> Decimal:
    if isinstance(value, bool):
        raise InputError(ErrorCode.INVALID_AMOUNT, field=field, detail="不接受布尔值")
    if isinstance(value, float):
        raise InputError(ErrorCode.FLOAT_AMOUNT, field=field, detail=repr(value))
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", "").replace("，", "")
        if not text:
            raise InputError(ErrorCode.INVALID_AMOUNT, field=field, detail="空字符串")
        try:
            number = Decimal(text)
        except InvalidOperation as exc:
            raise InputError(ErrorCode.INVALID_AMOUNT, field=field, detail=f"无法解析“{value}”") from exc
    else:
        raise InputError(ErrorCode.INVALID_AMOUNT, field=field, detail=f"类型 {type(value).__name__} 不是金额")
    if not number.is_finite():
        raise InputError(ErrorCode.INVALID_AMOUNT, field=field, detail="不是有限数")
    return number


def yuan(value: Amountish, field: str = "amount", *, allow_negative: bool = False) -> Decimal:
    """Parse an amount of yuan to the fen; more than two decimals is an error, not a rounding."""
    number = _parse_decimal(value, field)
    if number < 0 and not allow_negative:
        raise InputError(ErrorCode.NEGATIVE_AMOUNT, field=field, detail=str(value))
    if number != number.quantize(FEN, rounding=ROUND_HALF_UP):
        raise InputError(ErrorCode.INVALID_AMOUNT, field=field, detail=f"金额最多两位小数：{value}")
    return number.quantize(FEN)


def price(value: Amountish, field: str = "pric") -> Decimal:
    """Parse a unit price (单价): up to six decimals as the national interface allows, never rounded."""
    number = _parse_decimal(value, field)
    if number < 0:
        raise InputError(ErrorCode.NEGATIVE_AMOUNT, field=field, detail=str(value))
    if number.as_tuple().exponent < -6:  # type: ignore[operator]
        raise InputError(ErrorCode.INVALID_AMOUNT, field=field, detail=f"单价最多六位小数：{value}")
    return number


def ratio(value: Amountish, field: str = "ratio") -> Decimal:
    """Parse a ratio between 0 and 1 exactly (``"0.65"``)."""
    number = _parse_decimal(value, field)
    if not Decimal(0) <= number <= Decimal(1):
        raise InputError(ErrorCode.INVALID_VALUE, field=field, detail=f"比例应在 0 与 1 之间：{value}")
    return number


def fen(amount: Decimal) -> Decimal:
    """Round to the fen, half up: the one rounding rule of the system."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def cap(amount: Decimal, limit: Decimal | None) -> Decimal:
    """The smaller of ``amount`` and ``limit``; ``None`` means no limit."""
    return amount if limit is None or amount <= limit else limit


def non_negative(amount: Decimal) -> Decimal:
    return amount if amount > 0 else ZERO


def to_str(amount: Decimal) -> str:
    """Render with exactly two decimals, as the national interface does (``"12.30"``)."""
    return str(fen(amount))


__all__ = ["FEN", "ZERO", "Money", "cap", "fen", "non_negative", "price", "ratio", "to_str", "yuan"]
