"""Fast, exact conversions from numpy to Arrow columns (no Python objects per row)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MONEY = pa.decimal128(18, 2)
COUNT = pa.decimal128(16, 4)
RATIO = pa.decimal128(5, 4)
DOSE = pa.decimal128(10, 4)


def decimal_from_units(units: np.ndarray, type_: pa.Decimal128Type = MONEY) -> pa.Array:
    """A decimal column from integers in its smallest unit (fen for money): exact, zero parsing.

    decimal128 is stored as 16-byte little-endian two's complement; the high word is the sign.
    """
    low = np.ascontiguousarray(units, dtype=np.int64)
    words = np.empty((len(low), 2), dtype=np.int64)
    words[:, 0] = low
    words[:, 1] = low >> 63
    return pa.Array.from_buffers(type_, len(low), [None, pa.py_buffer(words)])


def nullable_decimal(units: np.ndarray, valid: np.ndarray, type_: pa.Decimal128Type = MONEY) -> pa.Array:
    """Like ``decimal_from_units`` with nulls where ``valid`` is false."""
    dense = decimal_from_units(np.where(valid, units, 0), type_)
    return pc.if_else(pa.array(valid), dense, pa.scalar(None, type_))


def ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` + zero-padded number, as a string column (e.g. psn_no, mdtrt_id)."""
    digits = pc.utf8_lpad(pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()), width, "0")
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def strings(values: np.ndarray) -> pa.Array:
    """A numpy unicode/object array as an Arrow string column."""
    return pa.array(values, type=pa.string())


def take_strings(pool: pa.Array, index: np.ndarray) -> pa.Array:
    """Gather strings from a small pool by index (codes, names) without Python objects per row."""
    return pool.take(pa.array(np.asarray(index, dtype=np.int64)))


def timestamps(seconds: np.ndarray) -> pa.Array:
    """Epoch seconds (local wall time of the region, no zone) as timestamp[s]."""
    return pa.array(np.asarray(seconds, dtype="datetime64[s]"), type=pa.timestamp("s"))


def dates(days: np.ndarray) -> pa.Array:
    """Days since 1970-01-01 as date32."""
    return pa.array(np.asarray(days, dtype=np.int32), type=pa.int32()).cast(pa.date32())


__all__ = [
    "COUNT", "DOSE", "MONEY", "RATIO", "dates", "decimal_from_units", "ids", "nullable_decimal", "strings",
    "take_strings", "timestamps",
]
