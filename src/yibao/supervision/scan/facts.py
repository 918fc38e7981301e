"""Per-case facts the local rules and the anomaly features read (病例事实), as Ibis expressions.

For every inpatient case of the period: its principal diagnosis, severity (the highest of its
secondary diagnoses in the CHS-DRG MCC / CC tables), cost structure by 收费项目类别, length of stay,
its peers' mean cost and stay (same principal diagnosis and severity, across the region), the
visits the same person made elsewhere while admitted (不在院就诊), and — from the fee lines — the
evidence of care: care lines a day against the uncomplicated peers of the principal diagnosis
(a treated MCC / CC needs more care), and how usual its drugs are for its principal diagnosis.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from yibao.codes.tables import data_dir, read_tsv

_CARE = ("03", "04", "05", "06", "08", "09", "10", "11")  # 检查 化验 治疗 手术 材料 西药 中药饮片 中成药
_BED = ("01", "07")  # 床位费 护理费
_EXAM = ("03", "04")  # 检查费 化验费
_DRUG = ("09", "10", "11")  # 西药 中药饮片 中成药
_TREAT = ("03", "04", "05")  # 检查 化验 治疗: what a complication adds day by day
# Spark's split takes a regular expression, where "|" means "or": split on a plain comma instead.
_SEP = ","


def _count_codes(text: ir.StringValue) -> ir.IntegerValue:
    """How many codes a ``"|"``-joined string holds (0 when empty), without building lists."""
    return ibis.ifelse(text == "", 0, text.length() - text.replace("|", "").length() + 1)


def severity_codes() -> ir.Table:
    """CHS-DRG 1.1 MCC (2) and CC (1) diagnosis codes, as a memtable ``code, sev``."""
    rows: dict[str, int] = {}
    for sev, name in ((1, "cc.tsv"), (2, "mcc.tsv")):
        for row in read_tsv(data_dir() / name):
            rows[row[0]] = max(sev, rows.get(row[0], 0))
    return ibis.memtable({"code": list(rows), "sev": list(rows.values())})


def _fees(t: ir.Table, types: tuple[str, ...]) -> ir.NumericValue:
    total = t[f"fee_{types[0]}"].cast("float64")
    for code in types[1:]:
        total = total + t[f"fee_{code}"].cast("float64")
    return total


def period_cases(cases: ir.Table, date_from: dt.date, date_to: dt.date) -> ir.Table:
    """Cases discharged in [date_from, date_to] (出院日期在期间内)."""
    return cases.filter((cases.dscg_date >= date_from) & (cases.dscg_date <= date_to))


def case_facts(cases: ir.Table, visits: ir.Table, sev: ir.Table, *, min_peer_cases: int,
               items: ir.Table | None = None, usual_drug_share: float = 0.0) -> ir.Table:
    """One row per case with the facts the detectors read. ``cases`` is already cut to the period;
    without ``items`` (fee lines) the care-evidence columns are null."""
    diag = cases.diag_codes.fill_null("")
    pos = diag.find("|")
    base = cases.mutate(
        principal=ibis.ifelse(pos >= 0, diag.substr(0, pos), diag),
        secondary=ibis.ifelse(pos >= 0, diag.substr(pos + 1), ""),
        n_oprn=_count_codes(cases.oprn_codes.fill_null("")),
        adm_day=cases.adm_date.epoch_days(),
        dscg_day=cases.dscg_date.epoch_days(),
        cost=cases.medfee_sumamt.cast("float64"),
        bed_fee=_fees(cases, _BED),
        care_fee=_fees(cases, _CARE),
        exam_fee=_fees(cases, _EXAM),
    )
    sec = base.filter(base.secondary != "").select("case_id", code=base.secondary.replace("|", _SEP).split(_SEP).unnest())
    severity = sec.join(sev, "code").group_by("case_id").aggregate(severity=lambda t: t.sev.max())
    f = base.left_join(severity, "case_id").drop("case_id_right")
    f = f.mutate(severity=f.severity.fill_null(0))
    safe = ibis.greatest(f.cost, 0.01)
    f = f.mutate(bed_share=f.bed_fee / safe, care_share=f.care_fee / safe, exam_share=f.exam_fee / safe)
    peers = f.group_by(["principal", "severity"]).aggregate(
        peer_n=lambda t: t.count(), peer_cost=lambda t: t.cost.mean(), peer_los=lambda t: t.ipt_days.mean())
    plain = f.filter(f.severity == 0).group_by("principal").aggregate(
        plain_n=lambda t: t.count(), plain_cost=lambda t: t.cost.mean())
    f = f.left_join(peers, ["principal", "severity"]).drop("principal_right", "severity_right")
    f = f.left_join(plain, "principal").drop("principal_right")
    # Stay length falls back to the diagnosis category (3 characters) when the peer group is small.
    f = f.mutate(dx3=f.principal.substr(0, 3))
    category = f.group_by("dx3").aggregate(dx3_los=lambda t: t.ipt_days.mean())
    f = f.left_join(category, "dx3").drop("dx3_right")
    trusted = f.peer_n >= min_peer_cases
    f = f.mutate(
        cost_ratio=ibis.ifelse(trusted, f.cost / ibis.greatest(f.peer_cost, 0.01), ibis.null("float64")),
        los_ratio=f.ipt_days / ibis.greatest(ibis.ifelse(trusted, f.peer_los, f.dx3_los), 0.01),
        plain_ratio=ibis.ifelse(f.plain_n.fill_null(0) >= min_peer_cases,
                                f.cost / ibis.greatest(f.plain_cost, 0.01), ibis.null("float64")),
    )
    f = f.left_join(alibi_visits(f, visits), "mdtrt_id").drop("mdtrt_id_right").mutate(
        alibi_n=lambda t: t.alibi_n.fill_null(0))
    return with_care_evidence(f, items, min_peer_cases=min_peer_cases, usual_drug_share=usual_drug_share)


def with_care_evidence(f: ir.Table, items: ir.Table | None, *, min_peer_cases: int, usual_drug_share: float) -> ir.Table:
    """Add the evidence of care in the fee lines: ``care_lines`` (examination, test and treatment
    lines), ``care_per_day``, ``care_lift`` (care a day over the mean of the principal diagnosis's
    cases without CC/MCC), ``severe_care`` / ``severe_care_expected`` (lines beyond an uncomplicated
    stay of the same length: this case's, its coded peers' mean), ``drug_lines`` and ``drug_usual`` — the share of the drug lines whose drug
    at least ``usual_drug_share`` of the other cases of the same principal diagnosis used (low: the
    drugs of another condition)."""
    if items is None:
        return f.mutate(care_lines=ibis.null("int64"), care_per_day=ibis.null("float64"), care_lift=ibis.null("float64"),
                        drug_lines=ibis.null("int64"), drug_usual=ibis.null("float64"),
                        severe_care=ibis.null("float64"), severe_care_expected=ibis.null("float64"))
    case = f.select("mdtrt_id", "principal")
    lines = items.filter(items.med_chrgitm_type.isin(_TREAT + _DRUG)).select(
        "mdtrt_id", "med_list_codg", "med_chrgitm_type").join(case, "mdtrt_id")
    care = lines.filter(lines.med_chrgitm_type.isin(_TREAT)).group_by("mdtrt_id").aggregate(care_lines=lambda t: t.count())
    drugs = lines.filter(lines.med_chrgitm_type.isin(_DRUG))
    used = drugs.select("mdtrt_id", "principal", "med_list_codg").distinct()
    usage = used.group_by(["principal", "med_list_codg"]).aggregate(users=lambda t: t.count())
    per_dx = used.select("mdtrt_id", "principal").distinct().group_by("principal").aggregate(dx_cases=lambda t: t.count())
    usual = drugs.join(usage, ["principal", "med_list_codg"]).join(per_dx, "principal")
    # Leave the case itself out: a drug only this case used is usual for nobody else.
    share = (usual.users - 1) / ibis.greatest(usual.dx_cases - 1, 1)
    usual = usual.mutate(is_usual=(share >= usual_drug_share).cast("float64"))
    usual = usual.group_by("mdtrt_id").aggregate(
        drug_lines=lambda t: t.count(),
        drug_usual=lambda t: ibis.ifelse(t.dx_cases.max() >= min_peer_cases, t.is_usual.mean(), ibis.null("float64")))
    f = f.left_join(care, "mdtrt_id").drop("mdtrt_id_right").left_join(usual, "mdtrt_id").drop("mdtrt_id_right")
    f = f.mutate(care_lines=f.care_lines.fill_null(0), drug_lines=f.drug_lines.fill_null(0))
    f = f.mutate(care_per_day=f.care_lines / ibis.greatest(f.ipt_days, 1).cast("float64"))
    plain = f.filter(f.severity == 0).group_by("principal").aggregate(
        plain_care_n=lambda t: t.count(), plain_care=lambda t: t.care_per_day.mean())
    coded = f.group_by(["principal", "severity"]).aggregate(peer_care=lambda t: t.care_per_day.mean())
    f = f.left_join(plain, "principal").drop("principal_right")
    f = f.left_join(coded, ["principal", "severity"]).drop("principal_right", "severity_right")
    plain_ok = f.plain_care_n.fill_null(0) >= min_peer_cases
    # A small coded group falls back to the region's mean extra care a day of that CC/MCC level.
    level = f.filter(plain_ok & (f.peer_n >= min_peer_cases)).group_by("severity").aggregate(
        level_extra=lambda t: (t.care_per_day - t.plain_care).mean())
    f = f.left_join(level, "severity").drop("severity_right")
    extra = ibis.ifelse(f.peer_n >= min_peer_cases, f.peer_care - f.plain_care, f.level_extra)
    days = f.ipt_days.cast("float64")
    # Care beyond an uncomplicated stay of the same diagnosis and length: what this case got, and
    # what its coded peers (same principal diagnosis and CC/MCC level) get on average.
    return f.mutate(
        care_lift=ibis.ifelse(plain_ok, f.care_per_day / ibis.greatest(f.plain_care, 0.01), ibis.null("float64")),
        severe_care=ibis.ifelse(plain_ok, f.care_lines - f.plain_care * days, ibis.null("float64")),
        severe_care_expected=ibis.ifelse(plain_ok, extra * days, ibis.null("float64")),
    )


def alibi_visits(facts: ir.Table, visits: ir.Table) -> ir.Table:
    """Per stay, how many visits the same person made at another institution strictly inside it
    (after the admission day, before the discharge day): ``mdtrt_id, alibi_n, alibi_fixmedins``."""
    stays = facts.select("mdtrt_id", "psn_no", "fixmedins_code", "adm_day", "dscg_day").filter(
        lambda t: t.dscg_day - t.adm_day >= 2)
    other = visits.filter(visits.med_type != "21").select(
        o_psn=visits.psn_no, o_inst=visits.fixmedins_code, o_day=visits.begntime.date().epoch_days(),
        o_id=visits.mdtrt_id)
    j = stays.join(other, (stays.psn_no == other.o_psn) & (stays.fixmedins_code != other.o_inst)
                   & (other.o_day > stays.adm_day) & (other.o_day < stays.dscg_day))
    return j.group_by("mdtrt_id").aggregate(alibi_n=lambda t: t.count(), alibi_fixmedins=lambda t: t.o_inst.min())


__all__ = ["alibi_visits", "case_facts", "period_cases", "severity_codes", "with_care_evidence"]
