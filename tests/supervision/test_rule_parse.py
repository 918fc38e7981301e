"""The free-text values of the workbooks parse into typed limits, or refuse loudly."""

from __future__ import annotations

import pytest

from yibao.errors import PolicyError
from yibao.supervision.rules import Window
from yibao.supervision.rules.parse import (
    CourseLimit,
    parse_age_object,
    parse_course,
    parse_days,
    parse_insurance,
    parse_level,
    parse_per_day,
    parse_setting,
    parse_sex,
    parse_window,
)


@pytest.mark.parametrize(
    ("parser", "text", "expected"),
    [
        (parse_sex, "男", "1"),
        (parse_sex, "女", "2"),
        (parse_age_object, "儿童", "儿童"),
        (parse_age_object, "新生儿", "新生儿"),
        (parse_insurance, "工伤", ("410",)),
        (parse_insurance, "生育", ("510",)),
        (parse_level, "二级", 2),
        (parse_level, "三级", 3),
        (parse_days, "14天", 14),
        (parse_days, "365天", 365),
        (parse_days, "一年", 365),
        (parse_days, "2周", 14),
        (parse_window, "单日", (Window.DAY, None)),
        (parse_window, "单次就诊", (Window.VISIT, None)),
        (parse_window, "6小时", (Window.HOURS, 6)),
        (parse_window, "同一小时", (Window.HOURS, 1)),
    ],
    ids=lambda v: getattr(v, "__name__", str(v)),
)
def test_a_workbook_value_parses_to_its_limit(parser, text, expected):
    assert parser(text) == expected


def test_inpatient_only_admits_emergency_when_the_description_says_so():
    assert parse_setting("住院", "限急诊或住院患者。") == ("inpatient", "emergency")
    assert parse_setting("住院", "住院患者方予支付") == ("inpatient",)


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("总时间不超过90天，评定间隔时间不短于14天。", CourseLimit(90, 14, None, None)),
        ("支付不超过30天。", CourseLimit(30, None, None, None)),
        ("一个疾病过程支付不超过90天。", CourseLimit(90, None, None, None)),
        ("支付不超过一年，每周最多支付一次。", CourseLimit(365, None, 1, 7)),
    ],
    ids=["total-and-interval", "total", "disease-course", "year-and-weekly"],
)
def test_a_course_remark_parses_into_its_clauses(text, limit):
    assert parse_course(text) == limit


def test_frequency_limits_are_per_day_in_days_or_hours():
    assert parse_per_day(1, "日") == 1
    assert parse_per_day(1, "天") == 1
    assert parse_per_day(24, "小时") == 24


@pytest.mark.parametrize(
    ("parser", "text"),
    [
        (parse_sex, "不限"),
        (parse_age_object, "老年人"),
        (parse_insurance, "职工"),
        (parse_level, "四级"),
        (parse_days, "两个疗程"),
        (parse_window, "同一周"),
        (parse_course, "遵医嘱"),
        (parse_setting, "门诊"),
    ],
    ids=lambda v: getattr(v, "__name__", str(v)),
)
def test_text_that_does_not_parse_is_refused_not_guessed(parser, text):
    with pytest.raises(PolicyError):
        parser(text)


def test_an_hourly_limit_other_than_a_whole_day_is_refused():
    with pytest.raises(PolicyError):
        parse_per_day(12, "小时")
