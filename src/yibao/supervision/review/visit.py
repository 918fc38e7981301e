"""What the single-visit review (事前/事中审核) reads and what it answers.

Input field names follow the national interface (2204 费用明细 / 3101 明细审核): ``feedetl_sn``,
``med_list_codg``, ``pric``, ``cnt``, ``det_item_fee_sumamt``, ``fee_ocur_time``, ``hilist_pric``;
person ``gend`` / ``brdy``; visit ``mdtrt_id``, ``insutype``, ``med_type``, ``hosp_lv``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from yibao.errors import ErrorCode, InputError
from yibao.supervision.rules.model import ResultType, RuleKind

# med_type → care setting (就医方式); a code table of the national interface, not a policy figure.
CARE_SETTINGS: dict[str, str] = {
    "11": "outpatient",
    "12": "outpatient",
    "13": "emergency",
    "14": "outpatient",
    "21": "inpatient",
    "22": "inpatient",
    "23": "inpatient",
    "24": "inpatient",
    "41": "pharmacy",
    "51": "outpatient",
    "52": "inpatient",
}
SETTING_LABELS = {"outpatient": "门诊", "emergency": "急诊", "inpatient": "住院", "pharmacy": "定点药店购药"}
# hosp_lv (医院等级) → a comparable level; 基层 (grassroots) and unrated institutions rank below 一级.
LEVELS: dict[str, int] = {"grassroots": 0, "1": 1, "2": 2, "3": 3}
LEVEL_LABELS = {0: "基层/未定级", 1: "一级", 2: "二级", 3: "三级"}
GEND_LABELS = {"1": "男", "2": "女"}
INSUTYPE_LABELS = {
    "310": "职工基本医疗保险",
    "320": "公务员医疗补助",
    "330": "大额医疗费用补助",
    "340": "离休人员医疗保障",
    "390": "城乡居民基本医疗保险",
    "392": "城乡居民大病医疗保险",
    "410": "工伤保险",
    "510": "生育保险",
}


@dataclass(frozen=True, slots=True)
class Person:
    """参保人: ``gend`` 1 男 / 2 女 (any other value: sex rules do not fire), ``brdy`` 出生日期.

    ``beyond_working_age`` is the enrolment record's own word on 超出法定就业年龄 when it has one
    (e.g. 退休); ``None`` lets the rule compare age with the policy's working-age limit.
    """

    psn_no: str
    gend: str
    brdy: dt.date
    beyond_working_age: bool | None = None


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One fee line (费用明细). ``mdtrt_id`` is needed on history lines (the visit they belong to)."""

    feedetl_sn: str
    med_list_codg: str
    pric: Decimal
    cnt: Decimal
    det_item_fee_sumamt: Decimal
    fee_ocur_time: dt.datetime
    mdtrt_id: str = ""
    hilist_pric: Decimal | None = None  # 医保目录价格: the full list price, for 主次操作 discounts


@dataclass(frozen=True, slots=True)
class Visit:
    """One visit (就诊) under review, with its fee lines."""

    mdtrt_id: str
    person: Person
    insutype: str
    med_type: str
    hosp_lv: str  # grassroots / 1 / 2 / 3
    lines: tuple[OrderLine, ...]
    fixmedins_code: str = ""


@dataclass(frozen=True, slots=True)
class Dispensed:
    """An earlier prescription of the person (one drug's lines of one earlier visit, summed): what
    重复开药 weighs the visit's drugs against. ``fee_ocur_time`` is its first line's."""

    mdtrt_id: str
    fixmedins_code: str
    med_type: str
    med_list_codg: str
    cnt: Decimal
    fee_ocur_time: dt.datetime


@dataclass(frozen=True, slots=True)
class Hit:
    """One rule hit on one fee line (违规明细), with the amount it puts at risk and the evidence."""

    rule_id: str
    rule_name: str
    kind: RuleKind
    result_type: ResultType
    sev_deg: str
    vola_bhvr_type: str
    feedetl_sn: str
    med_list_codg: str
    vola_cont: str
    vola_amt: Decimal
    vola_evid: str
    related_sn: tuple[str, ...] = ()  # 涉及项: the other lines that make this one a violation


def validate_visit(visit: Visit, history: tuple[OrderLine, ...] | list[OrderLine] = ()) -> None:
    """Refuse input the rules cannot judge: unknown med_type / hosp_lv, negative amounts, repeated sn."""
    if visit.med_type not in CARE_SETTINGS:
        raise InputError(ErrorCode.INVALID_VALUE, field="med_type", detail=visit.med_type)
    if visit.hosp_lv not in LEVELS:
        raise InputError(ErrorCode.INVALID_VALUE, field="hosp_lv", detail=visit.hosp_lv)
    seen: set[str] = set()
    for line in visit.lines:
        if line.feedetl_sn in seen:
            raise InputError(ErrorCode.INVALID_VALUE, field="feedetl_sn", detail=f"重复的明细流水号 {line.feedetl_sn}")
        seen.add(line.feedetl_sn)
    for line in (*visit.lines, *history):
        amounts = (line.pric, line.cnt, line.det_item_fee_sumamt)
        if all(type(v) is Decimal and v.is_finite() and v >= 0 for v in amounts):
            if type(line.fee_ocur_time) is not dt.datetime:
                raise InputError(ErrorCode.INVALID_DATE, field="fee_ocur_time", detail=line.feedetl_sn)
            continue
        for name, value in zip(("pric", "cnt", "det_item_fee_sumamt"), amounts):  # name the bad field
            if not isinstance(value, Decimal) or not value.is_finite():
                raise InputError(ErrorCode.INVALID_AMOUNT, field=name, detail=f"{line.feedetl_sn}: {value!r}")
            if value < 0:
                raise InputError(ErrorCode.NEGATIVE_AMOUNT, field=name, detail=f"{line.feedetl_sn}: {value}")


__all__ = ["CARE_SETTINGS", "Dispensed", "Hit", "OrderLine", "Person", "Visit", "validate_visit"]
