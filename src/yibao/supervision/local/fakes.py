"""The "three fakes" (三假: 假病人、假病情、假票据) as far as claims data can show them.

- 假病人 (fake patient) — LOCAL-MULTICARD: one person's card settled at several institutions on one
  day (冒名就医 / 套刷 leave this trace; the stays of people elsewhere are LOCAL-BEDHANG's alibi).
- 假病情 (fake condition) — LOCAL-FAKECOND: a 门诊慢特病 visit for a disease the person has no
  registration for (the visit's diagnosis outside the registered disease's ICD-10 category).
- 假票据 (fake receipt) — LOCAL-RECEIPT: a fee line dated outside its visit, or a visit whose total
  is not the sum of its lines.

Each reads the warehouse's visits, persons and fee lines only; every number comes from params.toml.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from yibao.supervision.local.params import FakeConditionParams, FakePatientParams, FakeReceiptParams
from yibao.supervision.scan.model import conform, money, text

_INPATIENT = "21"


def _visit_lead(t: ir.Table, rule_id: str, pattern: str, amount: ir.Value, evidence: ir.StringValue, trace: str,
                **extra: ir.Value) -> ir.Table:
    return conform(t.mutate(rule_id=ibis.literal(rule_id), pattern=ibis.literal(pattern), level=ibis.literal("case"),
                            amount=money(amount), evidence=evidence, trace=ibis.literal(trace), **extra))


def multi_institution_day(visits: ir.Table, p: FakePatientParams, version: str) -> ir.Table:
    """假病人: every non-inpatient visit of a person on a day when the card was used at
    ``min_institutions_per_day`` or more institutions."""
    v = visits.filter(visits.med_type != _INPATIENT)
    v = v.mutate(day=v.begntime.date())
    per_day = v.group_by(["psn_no", "day"]).aggregate(n_inst=lambda t: t.fixmedins_code.nunique(),
                                                      n_visits=lambda t: t.count())
    busy = per_day.filter(per_day.n_inst >= p.min_institutions_per_day)
    hit = v.join(busy, ["psn_no", "day"])
    evidence = (hit.day.cast("string") + " 同一参保人在" + hit.n_inst.cast("string") + "家定点机构结算" + hit.n_visits.cast("string")
                + "次，本次在 " + hit.fixmedins_code + "（医疗类别" + hit.med_type + "）")
    trace = f"LOCAL-MULTICARD;params={version};min_institutions_per_day={p.min_institutions_per_day}"
    return _visit_lead(hit, "LOCAL-MULTICARD", "fake_patient", hit.medfee_sumamt, evidence, trace)


def unregistered_condition(visits: ir.Table, persons: ir.Table, p: FakeConditionParams, version: str) -> ir.Table:
    """假病情: a chronic-disease visit whose diagnosis is not in the category of the person's registered
    门诊慢特病 (or the person has none registered)."""
    v = visits.filter(visits.med_type.isin(list(p.chronic_med_types)))
    reg = persons.select(r_psn=persons.psn_no, registered=persons.chronic_dise_codg)
    t = v.left_join(reg, v.psn_no == reg.r_psn)
    n = p.dx_prefix_len
    same = t.diag_code.fill_null("").substr(0, n) == t.registered.fill_null("").substr(0, n)
    hit = t.filter(t.registered.isnull() | (t.registered == "") | ~same)
    evidence = ("门诊慢特病结算，诊断 " + hit.diag_code.fill_null("（空）") + "，参保人登记病种 "
                + hit.registered.fill_null("（无登记）"))
    trace = f"LOCAL-FAKECOND;params={version};chronic_med_types={','.join(p.chronic_med_types)};dx_prefix_len={n}"
    return _visit_lead(hit, "LOCAL-FAKECOND", "fake_condition", hit.medfee_sumamt, evidence, trace)


def receipt_mismatch(visits: ir.Table, items: ir.Table, p: FakeReceiptParams, version: str) -> list[ir.Table]:
    """假票据: fee lines dated outside their visit (line leads) and visit totals that are not the sum of
    their lines (visit leads). ``visits`` are the period's; ``items`` any lines, matched by visit."""
    v = visits.select("mdtrt_id", "psn_no", "fixmedins_code", "atddr_no", "medfee_sumamt", begin=visits.begntime.date(),
                      end=visits.endtime.date(), first=visits.begntime.date().epoch_days(),
                      last=visits.endtime.date().epoch_days())
    lines = items.select("mdtrt_id", "feedetl_sn", "med_list_codg", "det_item_fee_sumamt", "bilg_dr_codg",
                         fee_time=items.fee_ocur_time, l_day=items.fee_ocur_time.date().epoch_days())
    j = v.join(lines, "mdtrt_id")
    out_of = (j.l_day < j.first - p.days_outside) | (j.l_day > j.last + p.days_outside)
    late = j.filter(out_of)
    evidence = ("明细 " + late.feedetl_sn + "（" + late.med_list_codg + "）费用时间 " + late.fee_time.cast("string")
                + "，不在就诊期间 " + late.begin.cast("string") + " 至 " + late.end.cast("string") + " 内")
    trace = f"LOCAL-RECEIPT;params={version};days_outside={p.days_outside}"
    dated = conform(late.mutate(rule_id=ibis.literal("LOCAL-RECEIPT"), pattern=ibis.literal("fake_receipt"),
                                level=ibis.literal("item"), amount=money(late.det_item_fee_sumamt), evidence=evidence,
                                trace=ibis.literal(trace)))
    sums = lines.group_by("mdtrt_id").aggregate(line_sum=lambda t: t.det_item_fee_sumamt.sum(), n_lines=lambda t: t.count())
    t = v.left_join(sums, "mdtrt_id").drop("mdtrt_id_right")
    t = t.mutate(line_sum=t.line_sum.fill_null(0), n_lines=t.n_lines.fill_null(0))
    gap = t.medfee_sumamt - t.line_sum
    off = t.mutate(gap=gap).filter(gap.abs() > float(p.total_tolerance))
    evidence = ("就诊总额 " + text(off.medfee_sumamt) + " 元，明细" + off.n_lines.cast("string") + "条合计 " + text(off.line_sum)
                + " 元，相差 " + text(off.gap) + " 元")
    trace = f"LOCAL-RECEIPT;params={version};total_tolerance={p.total_tolerance}"
    totals = _visit_lead(off, "LOCAL-RECEIPT", "fake_receipt", off.gap.abs(), evidence, trace)
    return [dated, totals]


__all__ = ["multi_institution_day", "receipt_mismatch", "unregistered_condition"]
