"""Prescription rules on the fee lines (处方监管): 超量开药 and 重复开药.

A drug line's days of supply (带药天数) are its count divided by the drug's daily dose (目录 ``day_dose``,
billing units per day). 超量开药 judges one prescription against the setting's limit; 重复开药 looks
across the person's visits, wherever they were, for supply piling up faster than days pass. Both are
built on quantities and dates, so they find a long supply however it was written.

``over_prescription_hits`` and ``repeat_prescription_hits`` are the single-visit forms that
:func:`check_visit` runs (事前/事中); ``over_prescription`` and ``repeat_prescription`` are the
post-event scans. For 重复开药 "the same drug" is the same code or, where the parameters say so
(``same_generic_name``), the same generic name (目录 ``genname_codg``: days of supply add up across its
specifications); its test (:func:`repeats`) is written once for both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

import ibis
import ibis.expr.types as ir

from yibao.money import fen
from yibao.supervision.local.params import OverPrescriptionParams, RepeatPrescriptionParams
from yibao.supervision.rules.model import BehaviorType, ResultType, RuleKind, Severity
from yibao.supervision.review.visit import CARE_SETTINGS, SETTING_LABELS, Dispensed, Hit, OrderLine, Visit
from yibao.supervision.scan.model import conform, money, text

OVER_RX = "LOCAL-OVERRX"
OVER_RX_NAME = "超量开药（单张处方超过规定带药天数）"
REPEAT_RX = "LOCAL-REPEATRX"
REPEAT_RX_NAME = "重复开药（同一药品此前所开用量未用完又开）"


def repeats(held: Decimal | ir.NumericValue, elapsed: int | ir.IntegerValue,
            p: RepeatPrescriptionParams) -> bool | ir.BooleanValue:
    """重复开药's test, one definition for the scan (Ibis columns) and the review (Decimal): the days
    of supply already held (prescriptions of the window before this one, same day included) exceed
    the days since the first of them × (1 + tolerance) + grace days."""
    return held > elapsed * (1 + float(p.tolerance)) + p.grace_days  # type: ignore[operator, return-value]


def _allowed_units(limit_days: Decimal, dose: Decimal, one_unit: bool) -> Decimal:
    units = (limit_days * dose).to_integral_value(rounding=ROUND_FLOOR)
    return max(units, Decimal(1)) if one_unit else units


def over_prescription_hits(visit: Visit, doses: Mapping[str, Decimal], p: OverPrescriptionParams,
                           version: str) -> list[Hit]:
    """超量开药 on one visit: each drug (its lines summed) whose count gives more days than the
    setting allows; ``doses`` maps a drug code to its daily dose. The hit is on the drug's first
    line, the others are 涉及项; the amount is the units beyond the limit × the unit price."""
    limit = p.max_days.get(visit.med_type)
    if limit is None:
        return []
    setting = SETTING_LABELS.get(CARE_SETTINGS.get(visit.med_type, ""), visit.med_type)
    by_drug: dict[str, list[OrderLine]] = {}
    for line in visit.lines:
        dose = doses.get(line.med_list_codg)
        if dose is not None and dose > 0:
            by_drug.setdefault(line.med_list_codg, []).append(line)
    hits = []
    for code, lines in by_drug.items():
        dose = doses[code]
        cnt = sum((line.cnt for line in lines), Decimal(0))
        allowed = _allowed_units(Decimal(limit), dose, p.one_unit_allowed)
        if cnt <= allowed:
            continue
        days = (cnt / dose).quantize(Decimal("0.1"))
        first = lines[0]
        cont = f"{code} 数量{cnt}，折合带药{days}天，超过{setting}（医疗类别{visit.med_type}）{limit}天限量"
        evid = (f"{OVER_RX_NAME}；每日用量{dose}（计价单位），限量{limit}天即{allowed}个单位，超出{cnt - allowed}个单位；"
                f"参数版本 {version}")
        hits.append(Hit(
            rule_id=OVER_RX, rule_name=OVER_RX_NAME, kind=RuleKind.SUPPLY, result_type=ResultType.CLEAR,
            sev_deg=Severity.MEDIUM.value, vola_bhvr_type=BehaviorType.OVER_FREQUENCY.value,
            feedetl_sn=first.feedetl_sn, med_list_codg=code, vola_cont=cont,
            vola_amt=fen(max(line.pric for line in lines) * (cnt - allowed)), vola_evid=evid[:500],
            related_sn=tuple(line.feedetl_sn for line in lines[1:])))
    return hits


@dataclass(frozen=True, slots=True)
class _Rx:
    """A prescription in the review's window: this visit's or an earlier one."""

    code: str
    day: dt.date
    supply: Decimal
    mdtrt_id: str
    fixmedins_code: str


def repeat_prescription_hits(visit: Visit, dispensed: Sequence[Dispensed], doses: Mapping[str, Decimal],
                             generic: Mapping[str, str], p: RepeatPrescriptionParams, version: str) -> list[Hit]:
    """重复开药 on one visit: each of its drugs given while the person already held, from the
    prescriptions of the ``window_days`` before (``dispensed``, and this visit's other specifications
    of the same generic name), more than the days since could use (:func:`repeats`). ``generic`` maps
    a code to its generic name. The hit is on the drug's first line, the whole prescription at risk;
    the evidence names each earlier prescription, its date and the days of it left."""
    if visit.med_type not in p.med_types:
        return []
    mine: dict[str, list[OrderLine]] = {}
    for line in visit.lines:
        if doses.get(line.med_list_codg, 0) > 0:
            mine.setdefault(line.med_list_codg, []).append(line)
    if not mine:
        return []

    def drug(code: str) -> str:
        return (generic.get(code) or code) if p.same_generic_name else code

    current = {code: _Rx(code, min(x.fee_ocur_time for x in lines).date(),
                         sum((x.cnt for x in lines), Decimal(0)) / doses[code], visit.mdtrt_id, visit.fixmedins_code)
               for code, lines in mine.items()}
    earlier = [_Rx(d.med_list_codg, d.fee_ocur_time.date(), d.cnt / doses[d.med_list_codg], d.mdtrt_id,
                   d.fixmedins_code)
               for d in dispensed
               if d.mdtrt_id != visit.mdtrt_id and d.med_type in p.med_types and doses.get(d.med_list_codg, 0) > 0]
    hits = []
    for code, rx in current.items():
        start = rx.day - dt.timedelta(days=p.window_days)
        held_rx = [o for o in (*earlier, *current.values())
                   if o is not rx and drug(o.code) == drug(code) and start <= o.day <= rx.day]
        if not held_rx:
            continue
        held = sum((o.supply for o in held_rx), Decimal(0))
        elapsed = (rx.day - min(o.day for o in held_rx)).days
        if not repeats(held, elapsed, p):
            continue
        held_rx.sort(key=lambda o: (o.day, o.mdtrt_id, o.code))
        lines = mine[code]
        cont = (f"{code} 本次开{_days(rx.supply)}天用量，此前{elapsed}天内（窗口{p.window_days}天）"
                f"已开{_days(held)}天用量，尚余{_days(sum((_left(o, rx.day) for o in held_rx), Decimal(0)))}天")
        earlier_text = "；".join(f"{o.mdtrt_id}（{o.fixmedins_code}，{o.day.isoformat()}，{o.code}）"
                                f"{_days(o.supply)}天，尚余{_days(_left(o, rx.day))}天" for o in held_rx)
        evid = (f"{REPEAT_RX_NAME}：{earlier_text}；容差{p.tolerance}、宽限{p.grace_days}天；参数版本 {version}")
        hits.append(Hit(
            rule_id=REPEAT_RX, rule_name=REPEAT_RX_NAME, kind=RuleKind.SUPPLY, result_type=ResultType.SUSPECT,
            sev_deg=Severity.MEDIUM.value, vola_bhvr_type=BehaviorType.OVER_COURSE.value,
            feedetl_sn=lines[0].feedetl_sn, med_list_codg=code, vola_cont=cont[:500],
            vola_amt=fen(sum((x.det_item_fee_sumamt for x in lines), Decimal(0))), vola_evid=evid[:500],
            related_sn=tuple(x.feedetl_sn for x in lines[1:])))
    return hits


def _left(rx: _Rx, on: dt.date) -> Decimal:
    """Days of an earlier prescription not yet used up on ``on`` (taken from its day on)."""
    return max(rx.supply - (on - rx.day).days, Decimal(0))


def _days(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"))


def prescriptions(items: ir.Table, visits: ir.Table, catalog: ir.Table, med_types: tuple[str, ...],
                  by_generic_name: bool = False) -> ir.Table:
    """One row per visit and drug with a daily dose (a prescription: its lines summed), of visits of
    the given med_types: ``cnt``, ``fee``, ``pric``, the first line's ``feedetl_sn`` and time, ``day``
    (days since 1970), ``supply`` (days of supply) and ``drug`` (the code, or with ``by_generic_name``
    the generic name where the catalog gives one)."""
    drugs = catalog.filter(catalog.day_dose.notnull() & (catalog.day_dose > 0)).select(
        "med_list_codg", "day_dose", drug_name=catalog.name,
        drug=ibis.coalesce(catalog.genname_codg, catalog.med_list_codg) if by_generic_name else catalog.med_list_codg)
    v = visits.filter(visits.med_type.isin(list(med_types))).select("mdtrt_id", "med_type")
    t = items.join(drugs, "med_list_codg").join(v, "mdtrt_id")
    t = t.group_by(["mdtrt_id", "med_list_codg", "psn_no", "fixmedins_code", "med_type", "day_dose", "drug_name",
                    "drug"]).aggregate(
        cnt=lambda x: x.cnt.sum(), fee=lambda x: x.det_item_fee_sumamt.sum(), pric=lambda x: x.pric.max(),
        feedetl_sn=lambda x: x.feedetl_sn.min(), fee_ocur_time=lambda x: x.fee_ocur_time.min(),
        bilg_dr_codg=lambda x: x.bilg_dr_codg.min(), n_lines=lambda x: x.count())
    return t.mutate(day=t.fee_ocur_time.date().epoch_days(),
                    supply=t.cnt.cast("float64") / t.day_dose.cast("float64"))


def over_prescription(items: ir.Table, visits: ir.Table, catalog: ir.Table, p: OverPrescriptionParams,
                      version: str) -> ir.Table:
    """超量开药, line leads (the prescription's first line): a visit's supply of a drug above its
    setting's limit. The amount is the units beyond the limit × the unit price."""
    t = prescriptions(items, visits, catalog, tuple(p.max_days))
    limit = ibis.cases(*((t.med_type == m, days) for m, days in p.max_days.items()), else_=0)
    allowed = (limit * t.day_dose.cast("float64") + 1e-9).floor()
    if p.one_unit_allowed:
        allowed = ibis.greatest(allowed, 1)
    hit = t.mutate(limit_days=limit, allowed=allowed).filter(lambda x: x.cnt.cast("float64") > x.allowed + 1e-9)
    excess = hit.cnt.cast("decimal(18, 4)") - hit.allowed.cast("decimal(18, 4)")
    evidence = (hit.drug_name + " " + hit.med_list_codg + " 数量" + text(hit.cnt, 2) + "，每日用量" + text(hit.day_dose, 4)
                + "，折合带药" + text(hit.supply, 1) + "天，超过医疗类别" + hit.med_type + "的" + hit.limit_days.cast("string")
                + "天限量（超出" + text(excess, 2) + "个单位）")
    limits = ",".join(f"{m}:{d}" for m, d in p.max_days.items())
    trace = f"{OVER_RX};params={version};max_days={limits};one_unit_allowed={p.one_unit_allowed}"
    return conform(hit.mutate(rule_id=ibis.literal(OVER_RX), pattern=ibis.literal("over_prescription"),
                              level=ibis.literal("item"), atddr_no=hit.bilg_dr_codg, amount=money(hit.pric.cast("decimal(18, 4)") * excess),
                              evidence=evidence, trace=ibis.literal(trace)))


def repeat_prescription(items: ir.Table, visits: ir.Table, catalog: ir.Table, p: RepeatPrescriptionParams,
                        version: str, since: dt.date | None = None) -> ir.Table:
    """重复开药, line leads: a prescription given while the same person already held, from those of the
    ``window_days`` before it (same day included), more of the drug (with ``same_generic_name``, of any
    specification of its generic name) than the days since could use (:func:`repeats`).
    The whole prescription is at risk.

    ``items`` should reach ``window_days`` before ``since`` (the period's first day, from which leads
    are kept) so that supply held at the start of the period counts.
    """
    t = prescriptions(items, visits, catalog, p.med_types, p.same_generic_name)
    w = ibis.range_window(preceding=p.window_days, following=0, group_by=["psn_no", "drug"], order_by="day")
    t = t.mutate(held=t.supply.sum().over(w) - t.supply, first_day=t.day.min().over(w), n_rx=t.day.count().over(w))
    t = t.mutate(elapsed=t.day - t.first_day)
    hit = t.filter(repeats(t.held, t.elapsed, p))
    if since is not None:
        hit = hit.filter(hit.day >= (since - dt.date(1970, 1, 1)).days)
    evidence = (hit.drug_name + " " + hit.med_list_codg + "：此前" + hit.elapsed.cast("string") + "天内（窗口"
                + str(p.window_days) + "天）已开" + text(hit.held, 1) + "天用量，本次又开" + text(hit.supply, 1)
                + "天（窗口内共" + hit.n_rx.cast("string") + "张处方，本次在 " + hit.fixmedins_code + "）")
    trace = (f"{REPEAT_RX};params={version};window_days={p.window_days};tolerance={p.tolerance};"
             f"grace_days={p.grace_days}")
    return conform(hit.mutate(rule_id=ibis.literal(REPEAT_RX), pattern=ibis.literal("repeat_prescription"),
                              level=ibis.literal("item"), atddr_no=hit.bilg_dr_codg,
                              amount=money(hit.fee), evidence=evidence, trace=ibis.literal(trace)))


__all__ = ["OVER_RX", "REPEAT_RX", "over_prescription", "over_prescription_hits", "prescriptions",
           "repeat_prescription", "repeat_prescription_hits", "repeats"]
