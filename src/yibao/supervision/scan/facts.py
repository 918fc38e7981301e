"""Per-case facts the local rules and the anomaly features read (病例事实), as Ibis expressions.

For every inpatient case of the period: its principal diagnosis, severity (the highest of its
secondary diagnoses in the CHS-DRG MCC / CC tables), cost structure by 收费项目类别 (surgery fees
among them, set against the operations coded), length of stay, its peers' mean cost and stay (same
principal diagnosis and severity, across the region), the visits the same person made elsewhere
while admitted (不在院就诊), and — from the fee lines — the
evidence of care: the care lines billed against those of the coded CC/MCC level and of one level
lower (a likelihood ratio, then posterior log-odds), how usual its drugs are for its principal
diagnosis and which diagnosis they fit best, and how far its institution's coding runs ahead of its
bills and of its peers.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from yibao.codes.tables import data_dir, read_tsv
from yibao.supervision.local.params import UpcodingParams

_CARE = ("03", "04", "05", "06", "08", "09", "10", "11")  # 检查 化验 治疗 手术 材料 西药 中药饮片 中成药
_BED = ("01", "07")  # 床位费 护理费
_EXAM = ("03", "04")  # 检查费 化验费
_DRUG = ("09", "10", "11")  # 西药 中药饮片 中成药
_TREAT = ("03", "04", "05")  # 检查 化验 治疗: what a complication adds day by day
_SURGERY = ("06",)  # 手术费: an operation billed, whether or not one is coded
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
               items: ir.Table | None = None, upcoding: UpcodingParams | None = None) -> ir.Table:
    """One row per case with the facts the detectors read. ``cases`` is already cut to the period;
    without ``items`` (fee lines) the care-evidence columns are null; with them, ``upcoding`` gives
    the parameters of that evidence."""
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
        surgery_fee=_fees(cases, _SURGERY),
    )
    sec = base.filter(base.secondary != "").select("case_id", code=base.secondary.replace("|", _SEP).split(_SEP).unnest())
    severity = sec.join(sev, "code").group_by("case_id").aggregate(severity=lambda t: t.sev.max())
    f = base.left_join(severity, "case_id").drop("case_id_right")
    f = f.mutate(severity=f.severity.fill_null(0))
    # The fee-line evidence is built on this narrow table and joined once at the end: Spark inlines a
    # query's repeated parts, and aggregates of the wide facts joined back to them blow up its plan.
    core = f.select("mdtrt_id", "fixmedins_code", "principal", "severity", "ipt_days", "icu_days", "cost",
                    dx3=f.principal.substr(0, 3))
    safe = ibis.greatest(f.cost, 0.01)
    # Exams against the bill without beds and nursing too: those grow with the days, not with what was done.
    f = f.mutate(bed_share=f.bed_fee / safe, care_share=f.care_fee / safe, exam_share=f.exam_fee / safe,
                 exam_care_share=f.exam_fee / ibis.greatest(f.cost - f.bed_fee, 0.01),
                 surgery_share=f.surgery_fee / safe)
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
    if items is None:
        return f.mutate(**{name: ibis.null(kind) for name, kind in CARE_COLUMNS.items()})
    if upcoding is None:
        raise ValueError("case_facts: fee lines need the upcoding parameters")
    f = f.left_join(institution_coding(core, min_peer_cases=min_peer_cases), "fixmedins_code")
    f = f.drop("fixmedins_code_right")
    evidence = care_evidence(core, items, min_peer_cases=min_peer_cases, p=upcoding)
    return f.left_join(evidence, "mdtrt_id").drop("mdtrt_id_right")


# The care-evidence columns (null when the fee lines are not read).
CARE_COLUMNS = {
    "care_lines": "int64", "care_per_day": "float64", "care_coded": "float64", "care_lower": "float64",
    "severe_llr": "float64", "severe_share": "float64", "severe_log_odds": "float64", "drug_lines": "int64",
    "drug_usual": "float64", "dx_alt": "string", "dx_llr": "float64", "inst_cmi_excess": "float64",
    "inst_cmi_z": "float64", "inst_severe_excess": "float64", "inst_severe_z": "float64",
}


def institution_coding(core: ir.Table, *, min_peer_cases: int) -> ir.Table:
    """Per institution, how far its coding runs ahead of its bills and of its peers (the prior of
    高套 at that institution): ``inst_cmi_excess`` — the mean log of (its cases' coded-group mean
    cost / their own cost) above the region's, with ``inst_cmi_z`` its excess in standard errors
    (a CMI high for the care billed); ``inst_severe_excess`` / ``inst_severe_z`` — its CC/MCC rate
    above the rate of the same principal diagnoses in the region (binomial standard errors). One row
    per institution, from the narrow case table of :func:`case_facts`."""
    peers = core.group_by(["principal", "severity"]).aggregate(peer_n=lambda t: t.count(), peer_cost=lambda t: t.cost.mean())
    f = core.join(peers, ["principal", "severity"])
    known = f.peer_n >= min_peer_cases
    t = f.mutate(gap=ibis.ifelse(known, (ibis.greatest(f.peer_cost, 0.01) / ibis.greatest(f.cost, 0.01)).ln(),
                                 ibis.null("float64")),
                 coded=(f.severity >= 1).cast("float64"))
    rate = t.group_by("principal").aggregate(dx_rate=lambda g: g.coded.mean())
    t = t.left_join(rate, "principal").drop("principal_right")
    region = t.aggregate(r_gap=t.gap.mean(), r_sd=t.gap.std())
    inst = t.group_by("fixmedins_code").aggregate(
        n_gap=lambda g: g.gap.count(), gap=lambda g: g.gap.mean(), n=lambda g: g.count(),
        coded=lambda g: g.coded.mean(), expected=lambda g: g.dx_rate.mean(),
        var=lambda g: (g.dx_rate * (1 - g.dx_rate)).sum())
    inst = inst.cross_join(region)
    inst = inst.select(
        "fixmedins_code",
        inst_cmi_excess=inst.gap - inst.r_gap,
        inst_cmi_z=ibis.ifelse(inst.n_gap > 0, (inst.gap - inst.r_gap) * inst.n_gap.cast("float64").sqrt()
                               / ibis.greatest(inst.r_sd, 1e-9), ibis.null("float64")),
        inst_severe_excess=inst.coded - inst.expected,
        inst_severe_z=(inst.coded - inst.expected) * inst.n / ibis.greatest(inst.var, 1e-9).sqrt(),
    )
    return inst


def care_evidence(core: ir.Table, items: ir.Table, *, min_peer_cases: int, p: UpcodingParams) -> ir.Table:
    """The evidence of care in the fee lines, for the coded severity and the principal diagnosis: one
    row per case of ``core`` (the narrow case table of :func:`case_facts`).

    Severity: ``care_lines`` (examination, test and treatment lines), ``care_per_day``; ``care_coded``
    / ``care_lower`` — the lines expected for a stay of this length at the coded CC/MCC level and at
    one level lower (an uncomplicated stay's lines a day plus the mean extra of that level, each from
    the principal diagnosis, backing off to its category (类目, 3 characters), then the region, when
    fewer than ``min_peer_cases`` cases); ``severe_llr`` — the log-likelihood ratio of "one level
    lower" against "coded" for the lines billed (Poisson, divided by ``care_dispersion``) and for the
    ICU days (the region's ICU rate of each level); ``severe_share`` — the region's estimated share of
    the coded level billed like one level lower, and ``severe_log_odds`` the case's posterior log-odds.

    Principal diagnosis: ``drug_lines``; ``drug_usual`` — the share of the drug lines whose drug at
    least ``usual_drug_share`` of the other cases of the same principal diagnosis used; ``dx_alt`` /
    ``dx_llr`` — the diagnosis whose drug profile fits the drug lines best and the log-likelihood
    ratio of it against the coded one (each line drawn from the diagnosis's lines, at least
    ``drug_floor``; the case's own lines left out of its group; null when its group is small)."""
    case = core.select("mdtrt_id", "principal", "dx3", "severity", "ipt_days", "icu_days")
    lines = items.filter(items.med_chrgitm_type.isin(_TREAT + _DRUG)).select(
        "mdtrt_id", "med_list_codg", "med_chrgitm_type").join(case.select("mdtrt_id", "principal"), "mdtrt_id")
    care = lines.filter(lines.med_chrgitm_type.isin(_TREAT)).group_by("mdtrt_id").aggregate(care_lines=lambda t: t.count())
    drugs = _drug_fit(lines.filter(lines.med_chrgitm_type.isin(_DRUG)), min_peer_cases, p)
    ev = _severity_evidence(case.left_join(care, "mdtrt_id").drop("mdtrt_id_right"), min_peer_cases, p)
    ev = ev.left_join(drugs, "mdtrt_id").drop("mdtrt_id_right")
    return ev.mutate(drug_lines=ev.drug_lines.fill_null(0))


def _severity_evidence(case: ir.Table, min_n: int, p: UpcodingParams) -> ir.Table:
    """``care_lines``, ``care_per_day``, ``care_coded``, ``care_lower``, ``severe_llr``, ``severe_share``,
    ``severe_log_odds`` per case (see :func:`care_evidence`) from ``case`` (narrow, with its care lines)."""
    c = case.mutate(care_lines=case.care_lines.fill_null(0))
    c = c.mutate(care_per_day=c.care_lines / ibis.greatest(c.ipt_days, 1).cast("float64"),
                 icu=(c.icu_days.fill_null(0) > 0).cast("float64"))

    def level_means(t: ir.Table) -> dict[str, ir.Value]:
        out: dict[str, ir.Value] = {}
        for s in (0, 1, 2):
            out[f"m{s}"] = t.care_per_day.mean(where=t.severity == s)
            out[f"n{s}"] = t.count(where=t.severity == s)
        return out

    # Each group's uncomplicated stays' care a day and each level's extra over them: the principal
    # diagnosis, else its category (3 characters), else the region.
    for i, keys in enumerate((["principal"], ["dx3"])):
        g = c.group_by(keys).aggregate(**level_means(c)).rename(**{f"{k}{i}": k for k in ("m0", "m1", "m2", "n0", "n1", "n2")})
        c = c.left_join(g, keys).drop(*[f"{k}_right" for k in keys])
    region = c.aggregate(**level_means(c), i0=c.icu.mean(where=c.severity == 0), i1=c.icu.mean(where=c.severity == 1),
                         i2=c.icu.mean(where=c.severity == 2)).rename(m02="m0", m12="m1", m22="m2", n02="n0", n12="n1", n22="n2")
    c = c.cross_join(region)

    def pick(part: str, s: int) -> ir.NumericValue:
        value = c[f"m{s}2"] - c["m02"] if part == "extra" else c["m02"]
        for i in (1, 0):
            ok = c[f"n0{i}"].fill_null(0) >= min_n
            if part == "extra":
                ok = ok & (c[f"n{s}{i}"].fill_null(0) >= min_n)
            here = c[f"m{s}{i}"] - c[f"m0{i}"] if part == "extra" else c[f"m0{i}"]
            value = ibis.ifelse(ok, here, value)
        return value

    plain = pick("plain", 0)
    extra = {0: ibis.literal(0.0), 1: ibis.greatest(pick("extra", 1).fill_null(0), 0),
             2: ibis.greatest(pick("extra", 2).fill_null(0), 0)}
    coded = ibis.cases((c.severity == 2, extra[2]), (c.severity == 1, extra[1]), else_=extra[0])
    below = ibis.cases((c.severity == 2, extra[1]), else_=extra[0])
    days = ibis.greatest(c.ipt_days, 1).cast("float64")
    # At least half a line: a group billing none still expects some.
    c = c.mutate(plain_day=plain, care_coded=ibis.greatest((plain + coded) * days, 0.5),
                 care_lower=ibis.greatest((plain + below) * days, 0.5),
                 icu_rate=ibis.cases((c.severity == 2, c.i2), (c.severity == 1, c.i1), else_=c.i0),
                 icu_lower=ibis.cases((c.severity == 2, c.i1), else_=c.i0))
    x = c.care_lines.cast("float64")
    care_llr = (x * (c.care_lower / c.care_coded).ln() - (c.care_lower - c.care_coded)) / float(p.care_dispersion)
    pc, pl = ibis.greatest(c.icu_rate.fill_null(0), 1e-3), ibis.greatest(c.icu_lower.fill_null(0), 1e-3)
    icu_llr = ibis.ifelse(c.icu_days.isnull(), 0.0,
                          ibis.ifelse(c.icu_days > 0, (pl / pc).ln(), ((1 - pl) / ibis.greatest(1 - pc, 1e-3)).ln()))
    c = c.mutate(severe_llr=ibis.ifelse((c.severity >= 1) & c.plain_day.notnull(), care_llr + icu_llr, ibis.null("float64")))
    c = c.select("mdtrt_id", "severity", "care_lines", "care_per_day", "care_coded", "care_lower", "severe_llr")
    # The region's share of each coded level whose bill fits one level lower: one EM step from
    # ``severe_prior_start`` (the posterior of each case, averaged). It turns the likelihood ratio into
    # posterior log-odds, so a level rarely overcoded in the region needs more evidence.
    start = float(p.severe_prior_start)
    share = c.filter(c.severe_llr.notnull()).group_by("severity").aggregate(
        severe_share=lambda t: (1 / (1 + (1 - start) / start * (-_clip(t.severe_llr, 30.0)).exp())).mean())
    c = c.left_join(share, "severity").drop("severity_right")
    prior = _clip((c.severe_share / (1 - c.severe_share)).ln(), 15.0)
    return c.mutate(severe_log_odds=c.severe_llr + prior).drop("severity")


def _clip(x: ir.NumericValue, bound: float) -> ir.NumericValue:
    """``x`` within ±``bound``, null staying null (SQL's LEAST / GREATEST skip nulls)."""
    return ibis.ifelse(x > bound, bound, ibis.ifelse(x < -bound, -bound, x))


def _drug_fit(drugs: ir.Table, min_peer_cases: int, p: UpcodingParams) -> ir.Table:
    """Per case with drug lines: ``drug_lines``, ``drug_usual``, ``dx_alt``, ``dx_llr`` (see
    :func:`care_evidence`)."""
    per = drugs.group_by(["mdtrt_id", "principal", "med_list_codg"]).aggregate(k=lambda t: t.count())
    n_case = per.group_by("mdtrt_id").aggregate(drug_lines=lambda t: t.k.sum())
    first = _fit(per, per, n_case, min_peer_cases, p)
    # Again, with the diagnoses' drug profiles drawn without the cases the first pass doubts: in a
    # diagnosis most of whose cases were coded up from others, their drugs would otherwise look usual.
    doubted = first.filter(first.dx_llr >= float(p.principal_min_llr)).select("mdtrt_id")
    second = _fit(per.anti_join(doubted, "mdtrt_id"), per, n_case, min_peer_cases, p)
    return first.select("mdtrt_id", "drug_lines", "drug_usual").left_join(
        second.select("mdtrt_id", "dx_alt", "dx_llr"), "mdtrt_id").drop("mdtrt_id_right")


def _fit(base: ir.Table, per: ir.Table, n_case: ir.Table, min_peer_cases: int, p: UpcodingParams) -> ir.Table:
    """The drug fit of every case in ``per`` (lines per case and drug) against the diagnoses' drug
    profiles drawn from ``base`` (the same, or fewer cases); a case in ``base`` is left out of its own."""
    usage = base.group_by(["principal", "med_list_codg"]).aggregate(users=lambda t: t.count(), pl=lambda t: t.k.sum())
    group = base.group_by("principal").aggregate(dx_cases=lambda t: t.mdtrt_id.nunique(), gl=lambda t: t.k.sum())
    inside = base.select("mdtrt_id").distinct().mutate(inside=ibis.literal(1))
    own = per.left_join(usage, ["principal", "med_list_codg"]).drop("principal_right", "med_list_codg_right")
    own = own.left_join(group, "principal").drop("principal_right").join(n_case, "mdtrt_id")
    own = own.left_join(inside, "mdtrt_id").drop("mdtrt_id_right")
    # Leave the case itself out: a drug only this case used is usual for nobody else.
    mine = own.inside.fill_null(0)
    users, pl = own.users.fill_null(0) - mine, own.pl.fill_null(0) - mine * own.k
    share = users / ibis.greatest(own.dx_cases.fill_null(0) - mine, 1)
    floor = float(p.drug_floor)
    rest = ibis.greatest(own.gl.fill_null(0) - mine * own.drug_lines, 1)
    own = own.mutate(is_usual=(share >= float(p.usual_drug_share)).cast("float64") * own.k,
                     fit=own.k * (ibis.greatest(pl / rest, floor) / floor).ln())
    own = own.group_by("mdtrt_id").aggregate(
        drug_lines=lambda t: t.drug_lines.max(), dx_cases=lambda t: (t.dx_cases.fill_null(0) - t.inside.fill_null(0)).max(),
        usual_lines=lambda t: t.is_usual.sum(), own_fit=lambda t: t.fit.sum())
    trusted = own.dx_cases + 1 >= min_peer_cases  # the case and its peers, as the cost peers count
    own = own.select("mdtrt_id", "drug_lines",
                     drug_usual=ibis.ifelse(trusted, own.usual_lines / own.drug_lines, ibis.null("float64")),
                     own_fit=ibis.ifelse(trusted, own.own_fit, ibis.null("float64")))
    # Other diagnoses (of enough cases) for which the drug is a usual one: the candidates.
    cand = usage.join(group, "principal")
    cand = cand.filter((cand.dx_cases >= min_peer_cases) & (cand.pl >= float(p.candidate_share) * cand.gl))
    cand = cand.select(cand_dx=cand.principal, cand_drug=cand.med_list_codg,
                       w=(ibis.greatest(cand.pl / cand.gl, floor) / floor).ln())
    j = per.join(cand, (per.med_list_codg == cand.cand_drug) & (per.principal != cand.cand_dx))
    alt = j.group_by(["mdtrt_id", "cand_dx"]).aggregate(fit=lambda t: (t.k * t.w).sum())
    best = alt.group_by("mdtrt_id").aggregate(alt_fit=lambda t: t.fit.max(), dx_alt=lambda t: t.cand_dx.argmax(t.fit))
    out = own.left_join(best, "mdtrt_id").drop("mdtrt_id_right")
    return out.select("mdtrt_id", "drug_lines", "drug_usual", "dx_alt", dx_llr=out.alt_fit - out.own_fit)


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


__all__ = ["CARE_COLUMNS", "alibi_visits", "care_evidence", "case_facts", "institution_coding", "period_cases",
           "severity_codes"]
