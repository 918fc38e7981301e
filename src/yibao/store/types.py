"""Column types that keep Decimal exact on every backend.

PostgreSQL has a real ``NUMERIC(p, s)``; SQLite has none (SQLAlchemy would go through float).
``ExactDecimal`` therefore stores, on SQLite only, the value scaled to an integer of its smallest
unit — money as integer fen (分), unit prices as integer 1e-6 yuan — and gives back a Decimal with
exactly ``scale`` decimals on both backends. SQL sums stay exact (integer addition), and
``func.sum(Settlement.hifp_pay)`` in SQLAlchemy still comes back in yuan because the result keeps
the column type. Raw SQL on SQLite sees fen: go through SQLAlchemy expressions.

A value with more decimals than the column holds is refused rather than rounded: rounding is the
engines' business (``yibao.money.fen``), never the store's.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, Dialect, Numeric
from sqlalchemy.types import TypeDecorator, TypeEngine

from yibao.errors import ErrorCode, InputError


class ExactDecimal(TypeDecorator[Decimal]):
    """``NUMERIC(precision, scale)``; on SQLite an integer of ``10**-scale`` units."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 18, scale: int = 2) -> None:
        super().__init__(precision=precision, scale=scale, asdecimal=True)
        self.precision = precision
        self.scale = scale
        self._unit = Decimal(1).scaleb(-scale)
        self._bound = Decimal(10) ** (precision - scale)
        """The first value too large: ``precision`` digits, ``scale`` of them decimals."""

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Decimal] | TypeEngine[int]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def _exact(self, value: object) -> Decimal:
        # Every amount a settlement writes passes here: the checks are the cheap equivalents of
        # building the digit tuple (a coefficient of at most ``precision`` digits at ``scale``
        # decimals is a magnitude below ``_bound``).
        if type(value) is Decimal:
            number = value
        elif isinstance(value, bool) or not isinstance(value, (Decimal, int)):
            raise InputError(ErrorCode.INVALID_AMOUNT, detail=f"数据库金额须为 Decimal，收到 {type(value).__name__}")
        else:
            number = Decimal(value)
        if not number.is_finite():
            raise InputError(ErrorCode.INVALID_AMOUNT, detail=str(value))
        quantized = number.quantize(self._unit)
        if quantized != number:
            raise InputError(ErrorCode.INVALID_AMOUNT, detail=f"超过 {self.scale} 位小数：{value}")
        if not -self._bound < quantized < self._bound:
            raise InputError(ErrorCode.INVALID_AMOUNT, detail=f"超过 {self.precision} 位有效数字：{value}")
        return quantized

    def process_bind_param(self, value: object, dialect: Dialect) -> Decimal | int | None:
        if value is None:
            return None
        exact = self._exact(value)
        if dialect.name == "sqlite":
            return int(exact.scaleb(self.scale))
        return exact

    def process_result_value(self, value: object, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            if isinstance(value, float):  # SUM/AVG over integers can come back as REAL
                value = round(value)
            return Decimal(int(value)).scaleb(-self.scale).quantize(self._unit)  # type: ignore[call-overload]
        return Decimal(value).quantize(self._unit)  # type: ignore[arg-type]


def Money() -> ExactDecimal:  # noqa: N802 - reads like a type in column declarations
    """金额：DECIMAL(18,2) yuan."""
    return ExactDecimal(18, 2)


def UnitPrice() -> ExactDecimal:  # noqa: N802
    """单价 ``pric``: DECIMAL(18,6), as the national interface allows six decimals."""
    return ExactDecimal(18, 6)


def Quantity() -> ExactDecimal:  # noqa: N802
    """数量 ``cnt``: DECIMAL(16,4)."""
    return ExactDecimal(16, 4)


def Ratio() -> ExactDecimal:  # noqa: N802
    """比例 (``pool_prop_selfpay`` …): DECIMAL(7,6)."""
    return ExactDecimal(7, 6)


__all__ = ["ExactDecimal", "Money", "Quantity", "Ratio", "UnitPrice"]
