"""The national batch rules (国家两库), vectorised for the post-event scan (事后): Ibis joins of the
period's fee lines with the rule entries (``entry_records``), giving the same hits ``check_visit``
gives line by line, for every person and visit at once.

Kinds covered: 限定性别 · 限定年龄 · 限就业年龄 · 限定险种 · 限定就医方式 · 限定机构等级 · 重复收费
(当次就诊 / 单日 / N 小时) · 限定频次 (单日). 疗程 / 周期 / 主次手术 rules run in the per-visit replay
(``review.batch``), not here.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from yibao.supervision.review.visit import CARE_SETTINGS, LEVELS
from yibao.supervision.rules.library import RuleParams, entry_records
from yibao.supervision.rules.model import RuleKind, RuleLibrary, Stage
from yibao.supervision.scan.model import conform, money, text

VECTORISED = (RuleKind.SEX, RuleKind.AGE, RuleKind.WORKING_AGE, RuleKind.INSUTYPE, RuleKind.SETTING,
              RuleKind.LEVEL, RuleKind.DUPLICATE, RuleKind.FREQUENCY)
PATTERNS: dict[str, str] = {
    "sex": "sex_restricted", "age": "age_restricted", "working_age": "working_age",
    "insutype": "insutype_restricted", "setting": "setting_restricted", "level": "level_restricted",
    "duplicate": "duplicate_charge", "frequency": "over_frequency",
}
_D4 = "decimal(18, 4)"
_ITEM_COLS = ("mdtrt_id", "feedetl_sn", "psn_no", "fixmedins_code", "med_list_codg", "pric", "cnt",
              "det_item_fee_sumamt", "fee_ocur_time", "bilg_dr_codg")


def entries_table(library: RuleLibrary, kinds: tuple[RuleKind, ...] = VECTORISED) -> ir.Table:
    """The post-event entries of the given kinds as a memtable (one row per entry)."""
    post = {r.rule_id for r in library.rules if Stage.POST in r.stages and r.kind in kinds}
    rows = [r for r in entry_records(library) if r["rule_id"] in post]
    cols = ("rule_id", "rule_name", "kind", "code", "name", "row", "source_text", "sex", "age_object", "insutypes",
            "settings", "min_level", "max_per_day", "pair_code", "pair_name", "window", "window_hours")
    schema = {c: "string" for c in cols} | {"row": "int64", "min_level": "int64", "max_per_day": "int64",
                                           "window_hours": "int64"}
    # Absent numbers are -1, not null: a nullable integer column reaches Spark as float NaN.
    numbers = ("min_level", "max_per_day", "window_hours")
    data = {c: [(-1 if r[c] is None else r[c]) if c in numbers else r[c] for r in rows] for c in cols}
    return ibis.memtable(data, schema=schema)


def _age_years(brdy: ir.DateValue, day: ir.DateValue) -> ir.IntegerValue:
    before = (day.month() < brdy.month()) | ((day.month() == brdy.month()) & (day.day() < brdy.day()))
    return day.year() - brdy.year() - before.cast("int64")


def _seconds(ts: ir.TimestampValue) -> ir.IntegerValue:
    """Seconds since the epoch from the calendar fields: the same on every backend, whatever its
    session time zone (Spark's unix_timestamp is not)."""
    return ts.date().epoch_days().cast("int64") * 86400 + ts.hour() * 3600 + ts.minute() * 60 + ts.second()


def _lead(t: ir.Table, evidence: ir.StringValue, amount: ir.NumericValue | None = None) -> ir.Table:
    pattern = t.kind.cases(*PATTERNS.items(), else_="other")
    trace = "rule=" + t.rule_id + ";entry=" + t.code + "#" + t.row.cast("string") + ";limit=" + t.source_text.fill_null("")
    return t.mutate(pattern=pattern, level=ibis.literal("item"), atddr_no=t.bilg_dr_codg,
                    amount=money(amount if amount is not None else t.det_item_fee_sumamt),
                    evidence=t.rule_name + "：" + t.name + " " + t.med_list_codg + "；" + evidence, trace=trace)


def national_leads(items: ir.Table, visits: ir.Table, persons: ir.Table, institutions: ir.Table,
                   entries: ir.Table, params: RuleParams) -> ir.Table:
    """Leads of every vectorised national rule over the period's fee lines (one per rule and line)."""
    lines = items.select(*_ITEM_COLS)
    lines = lines.mutate(day=lines.fee_ocur_time.date())
    hit = lines.join(entries, lines.med_list_codg == entries.code)
    vis = visits.select("mdtrt_id", v_insutype=visits.insutype, v_med_type=visits.med_type)
    inst = institutions.select(
        "fixmedins_code",
        lv=ibis.ifelse(institutions.grassroots_flag.fill_null(False) | institutions.hosp_lv.isnull(),
                       "grassroots", institutions.hosp_lv))
    people = persons.select("psn_no", p_gend=persons.gend, p_brdy=persons.brdy)
    hit = hit.join(people, "psn_no").join(vis, "mdtrt_id").join(inst, "fixmedins_code")
    parts = [_sex(hit), _age(hit, params), _working_age(hit, params), _insutype(hit), _setting(hit), _level(hit),
             _duplicate(hit, lines), _frequency(hit, lines)]
    leads = ibis.union(*[conform(p) for p in parts if p is not None])
    # One lead per rule and line: a line meeting a rule through two entries is one violation.
    return leads.group_by(["rule_id", "feedetl_sn"]).aggregate(
        **{c: leads[c].max() for c in leads.columns if c not in ("rule_id", "feedetl_sn")}).select(*leads.columns)


def _sex(h: ir.Table) -> ir.Table:
    t = h.filter((h.kind == "sex") & h.p_gend.isin(["1", "2"]) & (h.p_gend != h.sex))
    return _lead(t, "参保人性别 gend=" + t.p_gend + "，限定 " + t.sex)


def _age(h: ir.Table, params: RuleParams) -> ir.Table:
    limits = ibis.memtable({"age_object": list(params.age_objects),
                            "unit": [a.unit for a in params.age_objects.values()],
                            "below": [a.below for a in params.age_objects.values()]})
    t = h.filter(h.kind == "age").join(limits, "age_object")
    age = ibis.ifelse(t.unit == "year", _age_years(t.p_brdy, t.day), t.day.epoch_days() - t.p_brdy.epoch_days())
    t = t.mutate(age=age).filter(lambda x: x.age >= x.below)
    return _lead(t, "限" + t.age_object + "，费用日期年龄 " + t.age.cast("string") + ibis.ifelse(t.unit == "year", "岁", "天"))


def _working_age(h: ir.Table, params: RuleParams) -> ir.Table:
    limits = ibis.memtable({"p_gend": list(params.working_age), "limit_age": list(params.working_age.values())})
    t = h.filter(h.kind == "working_age").join(limits, "p_gend").mutate(age=lambda x: _age_years(x.p_brdy, x.day))
    t = t.filter(t.age >= t.limit_age)
    return _lead(t, "年龄 " + t.age.cast("string") + " 岁，超出法定就业年龄")


def _insutype(h: ir.Table) -> ir.Table:
    t = h.filter((h.kind == "insutype") & (("," + h.insutypes + ",").find("," + h.v_insutype + ",") < 0))
    return _lead(t, "险种 insutype=" + t.v_insutype + "，限 " + t.insutypes)


def _setting(h: ir.Table) -> ir.Table:
    settings = ibis.memtable({"v_med_type": list(CARE_SETTINGS), "setting": list(CARE_SETTINGS.values())})
    t = h.filter(h.kind == "setting").join(settings, "v_med_type")
    t = t.filter(("," + t.settings + ",").find("," + t.setting + ",") < 0)
    return _lead(t, "医疗类别 med_type=" + t.v_med_type + "，限 " + t.settings)


def _level(h: ir.Table) -> ir.Table:
    levels = ibis.memtable({"lv": list(LEVELS), "lv_rank": list(LEVELS.values())})
    t = h.filter((h.kind == "level") & (h.min_level >= 0)).join(levels, "lv")
    t = t.filter(t.lv_rank < t.min_level)
    return _lead(t, "机构等级 " + t.lv + "，限 " + t.min_level.cast("string") + " 级及以上")


def _duplicate(h: ir.Table, lines: ir.Table) -> ir.Table:
    """从项 charged with its 主项 inside the window (same visit, same day, or within N hours)."""
    t = h.filter(h.kind == "duplicate")
    p = lines.select(p_psn=lines.psn_no, p_mdtrt=lines.mdtrt_id, p_code=lines.med_list_codg, p_sn=lines.feedetl_sn,
                     p_time=lines.fee_ocur_time, p_day=lines.day)
    j = t.join(p, (t.psn_no == p.p_psn) & (t.pair_code == p.p_code))
    gap = (_seconds(j.fee_ocur_time) - _seconds(j.p_time)).abs()
    inside = ((j.window == "当次就诊") & (j.p_mdtrt == j.mdtrt_id)) | ((j.window == "单日") & (j.p_day == j.day)) | (
        (j.window == "小时") & (j.window_hours >= 0) & (gap <= j.window_hours * 3600))
    j = j.filter(inside)
    return _lead(j, "主项 " + j.pair_code + " 明细 " + j.p_sn + "；窗口 " + j.source_text)


def _frequency(h: ir.Table, lines: ir.Table) -> ir.Table:
    """More than ``max_per_day`` of a code in one calendar day (the person's lines, in time order)."""
    t = h.filter((h.kind == "frequency") & (h.max_per_day >= 0))
    same = lines.select(s_psn=lines.psn_no, s_code=lines.med_list_codg, s_day=lines.day, s_time=lines.fee_ocur_time,
                        s_sn=lines.feedetl_sn, s_cnt=lines.cnt)
    j = t.join(same, (t.psn_no == same.s_psn) & (t.code == same.s_code) & (t.day == same.s_day)
               & ((same.s_time < t.fee_ocur_time) | ((same.s_time == t.fee_ocur_time) & (same.s_sn <= t.feedetl_sn))))
    keys = [c for c in t.columns]
    agg = j.group_by(keys).aggregate(total=lambda x: x.s_cnt.sum())
    excess = ibis.least(agg.cnt.cast(_D4), agg.total.cast(_D4) - agg.max_per_day.cast(_D4))
    agg = agg.mutate(excess=excess).filter(lambda x: x.excess > 0)
    return _lead(agg, "当日累计数量 " + text(agg.total) + " > " + agg.max_per_day.cast("string"), agg.excess.cast(_D4) * agg.pric.cast(_D4))


def price_leads(items: ir.Table, catalog: ir.Table, tolerance: str, version: str) -> ir.Table:
    """超标准收费: a unit price above the item's payment standard / price cap (支付标准 / 最高限价)."""
    cap = catalog.filter(catalog.pric_uplmt_amt.notnull()).select(
        c_code=catalog.med_list_codg, c_name=catalog.name, cap=catalog.pric_uplmt_amt)
    j = items.join(cap, items.med_list_codg == cap.c_code)
    j = j.filter(j.pric.cast("float64") > j.cap.cast("float64") + float(tolerance))
    evidence = ("单价 " + text(j.pric) + " 元高于支付标准 " + text(j.cap) + " 元（" + j.c_name + " " + j.med_list_codg
                + "），数量 " + text(j.cnt))
    return conform(j.mutate(rule_id=ibis.literal("LOCAL-PRICE"), pattern=ibis.literal("over_limit_price"),
                            level=ibis.literal("item"), atddr_no=j.bilg_dr_codg,
                            amount=money((j.pric - j.cap).cast(_D4) * j.cnt.cast(_D4)), evidence=evidence,
                            trace=ibis.literal(f"LOCAL-PRICE;params={version};tolerance={tolerance}")))


__all__ = ["PATTERNS", "VECTORISED", "entries_table", "national_leads", "price_leads"]
