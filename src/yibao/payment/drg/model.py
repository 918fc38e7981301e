"""What the grouper takes and returns: a case (病案首页 facts) and its group result.

Field names follow the settlement list (结算清单) interface: ``gend`` 性别 (1 男, 2 女),
``age`` 年龄（岁）, ``age_days`` 年龄（天）, ``nwb_bir_wt`` 新生儿出生体重（克）, ``ipt_days``
住院天数, ``dscg_way`` 离院方式, ``diag_codes`` (principal first), ``oprn_codes`` (main first).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum


class GroupStatus(str, Enum):
    """入组状态: a stable code for programs, ``.message`` in Chinese."""

    def __new__(cls, code: str, message: str) -> GroupStatus:
        obj = str.__new__(cls, code)
        obj._value_ = code
        obj.message = message  # type: ignore[attr-defined]
        return obj

    GROUPED = ("grouped", "正常入组")
    INVALID_SEX = ("invalid_sex", "信息校验不通过：性别不是 1（男）或 2（女）")
    INVALID_AGE = ("invalid_age", "信息校验不通过：年龄缺失或无效")
    INVALID_AGE_DAYS = ("invalid_age_days", "信息校验不通过：不满 1 周岁的病例缺少年龄（天）或取值无效")
    INVALID_BIRTH_WEIGHT = ("invalid_birth_weight", "信息校验不通过：新生儿缺少出生体重")
    NO_DIAGNOSIS = ("no_diagnosis", "信息校验不通过：没有主要诊断")
    BAD_DIAGNOSIS = ("bad_diagnosis", "诊断不能转换为分组器支持的编码")
    BAD_PROCEDURE = ("bad_procedure", "手术操作不能转换为分组器支持的编码")
    SEX_MISMATCH = ("sex_mismatch", "主要诊断与性别不符")
    UNGROUPABLE = ("ungroupable", "无法入组")

    message: str

    @property
    def is_invalid(self) -> bool:
        """信息校验不通过 (any reason)."""
        return self in _INVALID


_INVALID = frozenset(
    {
        GroupStatus.INVALID_SEX,
        GroupStatus.INVALID_AGE,
        GroupStatus.INVALID_AGE_DAYS,
        GroupStatus.INVALID_BIRTH_WEIGHT,
        GroupStatus.NO_DIAGNOSIS,
    }
)


WHITESPACE = " \t\n\r"  # removed anywhere in a code string (codes never contain them); both faces agree
_DROP_WHITESPACE = str.maketrans("", "", WHITESPACE)


def split_codes(text: str | None) -> tuple[str, ...]:
    """``"I21.000| E11.900|"`` → ``("I21.000", "E11.900")``.

    ASCII whitespace is removed and empty parts dropped, except that an empty *first* part followed
    by codes is kept as ``""``: the principal diagnosis / main procedure slot was left empty.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ()
    return normalise_codes(str(text).split("|"))


def normalise_codes(codes: Iterable[str]) -> tuple[str, ...]:
    """Remove whitespace and drop empty codes, keeping an empty first slot when codes follow it."""
    parts = [c.translate(_DROP_WHITESPACE) for c in codes]
    rest = tuple(p for p in parts[1:] if p)
    if parts and parts[0]:
        return (parts[0], *rest)
    return ("", *rest) if rest else ()


def _number(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


@dataclass(frozen=True, slots=True)
class Case:
    """One inpatient case as the grouper sees it. Codes as submitted (translated by the grouper)."""

    gend: int | None
    age: float | None
    diag_codes: tuple[str, ...]
    oprn_codes: tuple[str, ...] = ()
    age_days: float | None = None
    nwb_bir_wt: float | None = None
    case_id: str = ""
    ipt_days: float | None = None
    dscg_way: str | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, object]) -> Case:
        """A case from a table row (``"|"``-joined codes, numbers possibly as text or NaN)."""
        gend = _number(row.get("gend"))
        dscg = row.get("dscg_way")
        return cls(
            gend=int(gend) if gend is not None and gend.is_integer() else None,
            age=_number(row.get("age")),
            diag_codes=split_codes(row.get("diag_codes")),  # type: ignore[arg-type]
            oprn_codes=split_codes(row.get("oprn_codes")),  # type: ignore[arg-type]
            age_days=_number(row.get("age_days")),
            nwb_bir_wt=_number(row.get("nwb_bir_wt")),
            case_id=str(row.get("case_id", "") or ""),
            ipt_days=_number(row.get("ipt_days")),
            dscg_way=None if dscg is None else str(dscg),
        )


@dataclass(frozen=True, slots=True)
class GroupResult:
    """The group of a case: MDC, ADRG, DRG, status and the Chinese trace of how it got there."""

    case_id: str
    status: GroupStatus
    drg: str
    mdc: str | None = None
    adrg: str | None = None
    drg_name: str | None = None
    diag_codes: tuple[str, ...] = ()  # as translated for the grouper
    oprn_codes: tuple[str, ...] = ()
    trace: tuple[str, ...] = field(default=())

    @property
    def grouped(self) -> bool:
        return self.status is GroupStatus.GROUPED


__all__ = ["Case", "GroupResult", "GroupStatus", "WHITESPACE", "normalise_codes", "split_codes"]
