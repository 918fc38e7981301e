"""Parsers for the free-text values of the national rule workbooks (限定对象 / 限定值域 / 备注 / 频度).

Each parser turns one cell into typed parameters or raises :class:`~yibao.errors.PolicyError`
naming the text, so no workbook row is ever dropped or guessed silently. The text itself is kept on
the entry (``source_text``) as evidence.

>>> parse_sex("女")
'2'
>>> parse_days("14天")
14
>>> parse_window("6小时")
(<Window.HOURS: '小时'>, 6)
>>> parse_course("支付不超过一年，每周最多支付一次。")
CourseLimit(max_days=365, min_interval_days=None, period_n=1, period_days=7)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from yibao.errors import ErrorCode, PolicyError
from yibao.supervision.rules.model import Window

AGE_OBJECTS = ("儿童", "婴幼儿", "新生儿")
INSURANCE_TYPES = {"工伤": ("410",), "生育": ("510",)}  # insutype: 410 工伤保险, 510 生育保险
LEVELS = {"一级": 1, "二级": 2, "三级": 3}
SETTING_INPATIENT = "inpatient"
SETTING_EMERGENCY = "emergency"

_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_NUMBER = r"(\d+|[一二两三四五六七八九十]+)"


def _fail(what: str, text: object) -> PolicyError:
    return PolicyError(ErrorCode.POLICY_INVALID, field=what, detail=f"无法解析“{text}”")


def _number(token: str) -> int:
    if token.isdigit():
        return int(token)
    if token in _CN_DIGITS:
        return _CN_DIGITS[token]
    if token.startswith("十"):  # 十二 = 12
        return 10 + _CN_DIGITS[token[1:]]
    if token.endswith("十"):  # 二十 = 20
        return _CN_DIGITS[token[:-1]] * 10
    tens, ones = token.split("十")
    return _CN_DIGITS[tens] * 10 + _CN_DIGITS[ones]


def parse_sex(text: str) -> str:
    """'男' → gend '1', '女' → gend '2'."""
    value = str(text).strip()
    if value in ("男", "男性"):
        return "1"
    if value in ("女", "女性"):
        return "2"
    raise _fail("限定性别", text)


def parse_age_object(text: str) -> str:
    """The age object (儿童 / 婴幼儿 / 新生儿); its age limit is a policy parameter."""
    value = str(text).strip()
    if value not in AGE_OBJECTS:
        raise _fail("限定年龄对象", text)
    return value


def parse_insurance(text: str) -> tuple[str, ...]:
    """'工伤' → ('410',), '生育' → ('510',): the insutypes that may pay."""
    value = str(text).strip()
    if value not in INSURANCE_TYPES:
        raise _fail("限定保险类型", text)
    return INSURANCE_TYPES[value]


def parse_setting(text: str, description: str = "") -> tuple[str, ...]:
    """'住院' → inpatient; a description that also admits emergency (限急诊或住院患者) adds emergency."""
    value = str(text).strip()
    if value != "住院":
        raise _fail("限定就医方式", text)
    if "急诊" in description:
        return (SETTING_INPATIENT, SETTING_EMERGENCY)
    return (SETTING_INPATIENT,)


def parse_level(text: str) -> int:
    """'二级' → 2: the lowest institution level allowed (二级及以上)."""
    value = str(text).strip().removesuffix("及以上")
    if value not in LEVELS:
        raise _fail("限定机构等级", text)
    return LEVELS[value]


def parse_days(text: str) -> int:
    """A duration in days: '14天', '20日', '一年' (365), '2周' (14)."""
    value = str(text).strip()
    match = re.fullmatch(_NUMBER + r"\s*(天|日|周|年)", value)
    if not match:
        raise _fail("天数", text)
    number, unit = _number(match.group(1)), match.group(2)
    return number * {"天": 1, "日": 1, "周": 7, "年": 365}[unit]


def parse_window(text: str) -> tuple[Window, int | None]:
    """The duplicate-charge window (频度): 单日, 单次就诊, 6小时, 同一小时 → (window, hours)."""
    value = str(text).strip()
    if value == "单日":
        return Window.DAY, None
    if value in ("单次就诊", "当次就诊"):
        return Window.VISIT, None
    if value == "同一小时":
        return Window.HOURS, 1
    match = re.fullmatch(_NUMBER + "小时", value)
    if match:
        return Window.HOURS, _number(match.group(1))
    raise _fail("频度", text)


def parse_per_day(limit: object, unit: str) -> int:
    """限制数量 + 数量单位 → the most quantity per calendar day: (1, 日) → 1; (24, 小时) → 24 hours."""
    unit = str(unit).strip()
    if not isinstance(limit, int) or limit <= 0:
        raise _fail("限制数量", limit)
    if unit in ("日", "天"):
        return limit
    if unit == "小时" and limit == 24:  # charged by the hour: at most 24 hours a day
        return limit
    raise _fail("数量单位", f"{limit}{unit}")


@dataclass(frozen=True)
class CourseLimit:
    """What a course remark (备注) of batch 8-3 limits."""

    max_days: int | None
    min_interval_days: int | None
    period_n: int | None
    period_days: int | None


def parse_course(text: str) -> CourseLimit:
    """'总时间不超过90天，评定间隔时间不短于14天。' → max 90 days, interval ≥ 14 days.

    Clauses: 不超过N天 / 支付不超过一年 (course length), 间隔时间不短于N天 (interval),
    每周最多支付一次 (period: once per 7 days). Text with none of them is an error.
    """
    value = str(text).strip()
    max_days = interval = period_n = period_days = None
    match = re.search("不超过" + _NUMBER + "(天|日|周|年)", value)
    if match:
        max_days = parse_days(match.group(1) + match.group(2))
    match = re.search("间隔时间不短于" + _NUMBER + "(天|日|周)", value)
    if match:
        interval = parse_days(match.group(1) + match.group(2))
    match = re.search("每(周|日|天)最多支付" + _NUMBER + "次", value)
    if match:
        period_days = {"周": 7, "日": 1, "天": 1}[match.group(1)]
        period_n = _number(match.group(2))
    if max_days is None and interval is None and period_n is None:
        raise _fail("疗程", text)
    return CourseLimit(max_days, interval, period_n, period_days)


__all__ = [
    "AGE_OBJECTS",
    "CourseLimit",
    "INSURANCE_TYPES",
    "LEVELS",
    "SETTING_EMERGENCY",
    "SETTING_INPATIENT",
    "parse_age_object",
    "parse_course",
    "parse_days",
    "parse_insurance",
    "parse_level",
    "parse_per_day",
    "parse_setting",
    "parse_sex",
    "parse_window",
]
