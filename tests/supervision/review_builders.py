"""Builders of visits for the supervision tests: a fee line, a person of a given age, a visit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from yibao.supervision.review import Hit, OrderLine, Person, Visit

DAY = dt.datetime(2024, 6, 15, 9, 0)


def person(gend: str = "1", age_years: int = 30, age_days: int | None = None, flag: bool | None = None) -> Person:
    """A person of that age on DAY (age_days, when given, wins)."""
    if age_days is not None:
        brdy = DAY.date() - dt.timedelta(days=age_days)
    else:
        brdy = DAY.date().replace(year=DAY.year - age_years)
    return Person("P001", gend=gend, brdy=brdy, beyond_working_age=flag)


def line(
    sn: str,
    code: str,
    when: dt.datetime = DAY,
    pric: str = "10.00",
    cnt: str = "1",
    mdtrt_id: str = "",
    hilist_pric: str | None = None,
) -> OrderLine:
    price, count = Decimal(pric), Decimal(cnt)
    return OrderLine(
        feedetl_sn=sn,
        med_list_codg=code,
        pric=price,
        cnt=count,
        det_item_fee_sumamt=(price * count).quantize(Decimal("0.01")),
        fee_ocur_time=when,
        mdtrt_id=mdtrt_id,
        hilist_pric=None if hilist_pric is None else Decimal(hilist_pric),
    )


def visit(
    *lines: OrderLine,
    who: Person | None = None,
    insutype: str = "310",
    med_type: str = "21",
    hosp_lv: str = "3",
    mdtrt_id: str = "M001",
) -> Visit:
    return Visit(mdtrt_id, who or person(), insutype=insutype, med_type=med_type, hosp_lv=hosp_lv, lines=lines)


def hits_of(hits: list[Hit], rule_id: str, sn: str | None = None) -> list[Hit]:
    return [h for h in hits if h.rule_id == rule_id and (sn is None or h.feedetl_sn == sn)]
