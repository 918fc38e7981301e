"""The national batch rules (国家两库), vectorised for the post-event scan (事后): Ibis joins and window
functions over the period's fee lines and the rule entries (``entry_records``), giving the same hits
``check_visit`` gives line by line, for every person and visit at once.

Every kind ``check_visit`` implements is here: 限定性别 · 限定年龄 · 限就业年龄 · 限定险种 · 限定就医方式 ·
限定机构等级 · 重复收费 (当次就诊 / 单日 / N 小时) · 限定频次 (单日) · 周期超频次 (N 天 M 次) ·
支付疗程 (疗程天数 / 间隔 / 周期) · 主次手术 (同一切口).

Each kind is its own query (``national_parts``) that reads only the fee lines of its own codes and only
the tables it needs, so the scan can run them one at a time over the ``rule_lines`` it holds once. Lines are ordered by
(``fee_ocur_time``, ``feedetl_sn``): the order a person's charges happened in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from yibao.supervision.review.visit import CARE_SETTINGS, LEVELS
from yibao.supervision.rules.library import RuleParams, entry_records
from yibao.supervision.rules.model import RuleKind, RuleLibrary, Stage
from yibao.supervision.scan.model import conform, money, text

VECTORISED = (RuleKind.SEX, RuleKind.AGE, RuleKind.WORKING_AGE, RuleKind.INSUTYPE, RuleKind.SETTING,
              RuleKind.LEVEL, RuleKind.DUPLICATE, RuleKind.FREQUENCY, RuleKind.PERIOD, RuleKind.COURSE,
              RuleKind.OPERATION)
PATTERNS: dict[str, str] = {
    "sex": "sex_restricted", "age": "age_restricted", "working_age": "working_age",
    "insutype": "insutype_restricted", "setting": "setting_restricted", "level": "level_restricted",
    "duplicate": "duplicate_charge", "frequency": "over_frequency", "period": "over_period",
    "course": "over_course", "operation": "secondary_operation",
}
_D4 = "decimal(18, 4)"
_LINE_COLS = ("mdtrt_id", "feedetl_sn", "psn_no", "fixmedins_code", "med_list_codg", "pric", "cnt",
              "det_item_fee_sumamt", "fee_ocur_time", "bilg_dr_codg")
_TEXT_COLS = ("rule_name", "name", "row", "source_text", "pair_name")
_NUMBERS = ("row", "min_level", "max_per_day", "window_hours", "max_days", "min_interval_days", "period_n",
            "period_days")
_ENTRY_COLS = ("rule_id", "rule_name", "kind", "code", "group", "name", "row", "source_text", "sex", "age_object",
               "insutypes", "settings", "min_level", "max_per_day", "pair_code", "pair_name", "window",
               "window_hours", "max_days", "min_interval_days", "period_n", "period_days")


def entries_table(library: RuleLibrary, kinds: tuple[RuleKind, ...] = VECTORISED) -> ir.Table:
    """The post-event entries of the given kinds as a memtable (one row per entry, ``eid`` its number)."""
    post = {r.rule_id for r in library.rules if Stage.POST in r.stages and r.kind in kinds}
    rows = [r for r in entry_records(library) if r["rule_id"] in post]
    schema = {"eid": "int64"} | {c: "int64" if c in _NUMBERS else "string" for c in _ENTRY_COLS}
    # Absent numbers are -1, not null: a nullable integer column reaches Spark as float NaN.
    data = {c: [(-1 if r[c] is None else r[c]) if c in _NUMBERS else r[c] for r in rows] for c in _ENTRY_COLS}
    return ibis.memtable({"eid": list(range(len(rows)))} | data, schema=schema)


@dataclass(frozen=True)
class _Scope:
    """What the kinds read: the period's fee lines (with ``day`` and ``dn``, its epoch day number) and
    the entries; persons, visits and institutions are joined only by the kinds that need them."""

    lines: ir.Table
    visits: ir.Table
    persons: ir.Table
    institutions: ir.Table
    entries: ir.Table
    params: RuleParams

    def of(self, kind: str, *cols: str) -> ir.Table:
        """The fee lines of the kind's codes, one row per (line, entry), with the entry columns named."""
        e = self.entries.filter(self.entries.kind == kind).select("eid", "rule_id", "code", *cols)
        return self.lines.join(e, self.lines.med_list_codg == e.code).drop("code")

    def members(self, kind: str) -> ir.Table:
        """The fee lines of every code of the kind's groups, tagged ``rule_id, group`` (a course's drug
        codes, an incision's operations; other kinds: the code alone)."""
        e = self.entries.filter(self.entries.kind == kind)
        m = e.select("rule_id", m_group=e.group, m_code=e.code).distinct()
        return self.lines.join(m, self.lines.med_list_codg == m.m_code).drop("m_code")

    def people(self) -> ir.Table:
        return self.persons.select("psn_no", p_gend=self.persons.gend, p_brdy=self.persons.brdy)


def _age_years(brdy: ir.DateValue, day: ir.DateValue) -> ir.IntegerValue:
    before = (day.month() < brdy.month()) | ((day.month() == brdy.month()) & (day.day() < brdy.day()))
    return day.year() - brdy.year() - before.cast("int64")


def _seconds(ts: ir.TimestampValue) -> ir.IntegerValue:
    """Seconds since the epoch from the calendar fields: the same on every backend, whatever its
    session time zone (Spark's unix_timestamp is not)."""
    return ts.date().epoch_days().cast("int64") * 86400 + ts.hour() * 3600 + ts.minute() * 60 + ts.second()


def _upto(t: ir.Table, time: str, sn: str) -> ir.BooleanValue:
    """The other line (``time``, ``sn``) was charged at or before this one."""
    return (t[time] < t.fee_ocur_time) | ((t[time] == t.fee_ocur_time) & (t[sn] <= t.feedetl_sn))


def _key(*parts: ir.StringValue) -> ir.StringValue:
    """One join key from the person and the entry's columns: a self-join of the fee lines on it can only
    run after both sides met their entries (joined on the person alone, the optimiser may pair every
    line of a person with every other first)."""
    key = parts[0]
    for part in parts[1:]:
        key = key + "|" + part
    return key


def _per_line(t: ir.Table, value: ir.StringValue) -> ir.StringValue:
    """``value`` behind the line's sn. Comparing a person's (a visit's) field with an entry's then
    involves the line too, so the optimiser cannot turn the comparison into a join of the persons
    with the entries, a product of both, before either meets the fee lines."""
    return t.feedetl_sn + "|" + value


def _n(value: ir.Value) -> ir.StringValue:
    return value.cast("int64").cast("string")


def _hits(t: ir.Table, facts: ir.StringValue, amount: ir.NumericValue | None = None) -> ir.Table:
    """The narrow hit rows every kind returns: entry, line, amount (rounded to the fen) and facts."""
    return t.select("eid", "rule_id", *_LINE_COLS,
                    amount=money(amount if amount is not None else t.det_item_fee_sumamt), facts=facts)


def _sex(s: _Scope) -> ir.Table:
    t = s.of("sex", "sex").join(s.people(), "psn_no")
    t = t.filter(t.p_gend.isin(["1", "2"]) & (_per_line(t, t.p_gend) != _per_line(t, t.sex)))
    return _hits(t, "参保人性别 gend=" + t.p_gend + "，限定 " + t.sex)


def _age(s: _Scope) -> ir.Table:
    ages = s.params.age_objects
    limits = ibis.memtable({"age_object": list(ages), "unit": [a.unit for a in ages.values()],
                            "below": [a.below for a in ages.values()]})
    t = s.of("age", "age_object").join(s.people(), "psn_no").join(limits, "age_object")
    age = ibis.ifelse(t.unit == "year", _age_years(t.p_brdy, t.day), t.day.epoch_days() - t.p_brdy.epoch_days())
    t = t.mutate(age=age).filter(lambda x: x.age >= x.below)
    return _hits(t, "限" + t.age_object + "，费用日期年龄 " + _n(t.age) + ibis.ifelse(t.unit == "year", "岁", "天"))


def _working_age(s: _Scope) -> ir.Table:
    limits = ibis.memtable({"p_gend": list(s.params.working_age), "limit_age": list(s.params.working_age.values())})
    t = s.of("working_age").join(s.people(), "psn_no").join(limits, "p_gend")
    t = t.mutate(age=_age_years(t.p_brdy, t.day)).filter(lambda x: x.age >= x.limit_age)
    return _hits(t, "年龄 " + _n(t.age) + " 岁，超出法定就业年龄")


def _insutype(s: _Scope) -> ir.Table:
    vis = s.visits.select("mdtrt_id", v_insutype=s.visits.insutype)
    t = s.of("insutype", "insutypes").join(vis, "mdtrt_id")
    t = t.filter(_per_line(t, "," + t.insutypes + ",").find("," + t.v_insutype + ",") < 0)
    return _hits(t, "险种 insutype=" + t.v_insutype + "，限 " + t.insutypes)


def _setting(s: _Scope) -> ir.Table:
    settings = ibis.memtable({"v_med_type": list(CARE_SETTINGS), "setting": list(CARE_SETTINGS.values())})
    vis = s.visits.select("mdtrt_id", v_med_type=s.visits.med_type)
    t = s.of("setting", "settings").join(vis, "mdtrt_id").join(settings, "v_med_type")
    t = t.filter(_per_line(t, "," + t.settings + ",").find("," + t.setting + ",") < 0)
    return _hits(t, "医疗类别 med_type=" + t.v_med_type + "，限 " + t.settings)


def _level(s: _Scope) -> ir.Table:
    i = s.institutions
    inst = i.select("fixmedins_code",
                    lv=ibis.ifelse(i.grassroots_flag.fill_null(False) | i.hosp_lv.isnull(), "grassroots", i.hosp_lv))
    levels = ibis.memtable({"lv": list(LEVELS), "lv_rank": list(LEVELS.values())})
    t = s.of("level", "min_level").join(inst, "fixmedins_code").join(levels, "lv")
    t = t.filter((t.min_level >= 0) & (t.lv_rank < t.min_level))
    return _hits(t, "机构等级 " + t.lv + "，限 " + _n(t.min_level) + " 级及以上")


def _duplicate(s: _Scope) -> ir.Table:
    """从项 charged with its 主项 inside the window (same visit, same day, or within N hours)."""
    t = s.of("duplicate", "pair_code", "window", "window_hours", "source_text")
    e = s.entries.filter(s.entries.kind == "duplicate")
    primary_codes = e.select(pc=e.pair_code).distinct()
    lines = s.lines.join(primary_codes, s.lines.med_list_codg == primary_codes.pc)
    p = lines.select(p_psn=lines.psn_no, p_mdtrt=lines.mdtrt_id, p_code=lines.med_list_codg, p_sn=lines.feedetl_sn,
                     p_time=lines.fee_ocur_time, p_day=lines.day)
    j = t.join(p, _key(t.psn_no, t.pair_code) == _key(p.p_psn, p.p_code))
    gap = (_seconds(j.fee_ocur_time) - _seconds(j.p_time)).abs()
    inside = ((j.window == "当次就诊") & (j.p_mdtrt == j.mdtrt_id)) | ((j.window == "单日") & (j.p_day == j.day)) | (
        (j.window == "小时") & (j.window_hours >= 0) & (gap <= j.window_hours * 3600))
    j = j.filter(inside)
    return _hits(j, "主项 " + j.pair_code + " 明细 " + j.p_sn + "；窗口 " + j.source_text)


def _frequency(s: _Scope) -> ir.Table:
    """More than ``max_per_day`` of a code in one calendar day: the running quantity of the person's
    lines of that code that day, in time order."""
    t = s.of("frequency", "max_per_day")
    w = ibis.cumulative_window(group_by=["psn_no", "med_list_codg", "day"], order_by=["fee_ocur_time", "feedetl_sn"])
    t = t.filter(t.max_per_day >= 0).mutate(total=t.cnt.sum().over(w))
    t = t.mutate(excess=ibis.least(t.cnt.cast(_D4), t.total.cast(_D4) - t.max_per_day.cast(_D4)))
    t = t.filter(t.excess > 0)
    return _hits(t, "当日累计数量 " + text(t.total) + " > " + _n(t.max_per_day), t.excess * t.pric.cast(_D4))


def _window_count(t: ir.Table, members: ir.Table) -> ir.Table:
    """For the lines of ``t`` with a period limit: the quantity of their group's lines (the person's)
    charged up to and including the line within the last ``period_days`` days, as ``w_count``."""
    g = members.select(g_key=_key(members.psn_no, members.rule_id, members.m_group), g_dn=members.dn,
                       g_time=members.fee_ocur_time, g_sn=members.feedetl_sn, g_cnt=members.cnt)
    h = t.filter((t.period_n >= 0) & (t.period_days >= 0))
    h = h.select("eid", "feedetl_sn", "dn", "fee_ocur_time", "period_days", h_key=_key(h.psn_no, h.rule_id, h.group))
    j = h.join(g, (h.h_key == g.g_key) & (g.g_dn <= h.dn) & (h.dn - g.g_dn < h.period_days))
    j = j.filter(_upto(j, "g_time", "g_sn"))
    return j.group_by(["eid", "feedetl_sn"]).aggregate(w_count=j.g_cnt.sum())


def _period(s: _Scope) -> ir.Table:
    """More than ``period_n`` within ``period_days`` days: the excess quantity × price."""
    t = s.of("period", "group", "period_n", "period_days")
    counts = _window_count(t, s.members("period"))
    t = t.join(counts, ["eid", "feedetl_sn"])
    t = t.mutate(excess=ibis.least(t.cnt.cast(_D4), t.w_count.cast(_D4) - t.period_n.cast(_D4)))
    t = t.filter(t.excess > 0)
    facts = _n(t.period_days) + "天内累计 " + text(t.w_count) + " > " + _n(t.period_n)
    return _hits(t, facts, t.excess * t.pric.cast(_D4))


def _course(s: _Scope) -> ir.Table:
    """Payable for at most ``max_days`` (from the course's first day; a gap longer than the limit starts
    a new course), charges at least ``min_interval_days`` apart, at most ``period_n`` per ``period_days``."""
    t = s.of("course", "group", "max_days", "min_interval_days", "period_n", "period_days")
    members = s.members("course")
    # The course's first day: over the person's distinct days of the group, a new course starts after a gap.
    e = s.entries.filter((s.entries.kind == "course") & (s.entries.max_days >= 0))
    limits = e.select("rule_id", m_group=e.group, c_max=e.max_days).distinct()
    days = members.select("psn_no", "rule_id", "m_group", "dn").distinct().join(limits, ["rule_id", "m_group"])
    by_day = ["psn_no", "rule_id", "m_group", "c_max"]
    days = days.mutate(prev=days.dn.lag().over(ibis.window(group_by=by_day, order_by="dn")))
    days = days.mutate(first=ibis.ifelse(days.prev.isnull() | (days.dn - days.prev > days.c_max), days.dn,
                                         ibis.null("int64")))
    days = days.mutate(start=days.first.max().over(ibis.cumulative_window(group_by=by_day, order_by="dn")))
    days = days.select("psn_no", "rule_id", "dn", "c_max", "start", group=days.m_group)
    # The group's previous charge (any of its codes), in time order.
    w = ibis.window(group_by=["psn_no", "rule_id", "m_group"], order_by=["fee_ocur_time", "feedetl_sn"])
    prev = members.mutate(prev_dn=members.dn.lag().over(w)).select("feedetl_sn", "rule_id", "prev_dn",
                                                                    group=members.m_group)
    t = t.left_join(days, [t.psn_no == days.psn_no, t.rule_id == days.rule_id, t.group == days.group,
                           t.dn == days.dn, t.max_days == days.c_max]).select(t, days.start)
    t = t.left_join(prev, ["feedetl_sn", "rule_id", "group"]).select(t, prev.prev_dn)
    t = t.left_join(_window_count(t, members), ["eid", "feedetl_sn"]).drop("eid_right", "feedetl_sn_right")
    span = t.dn - t.start + 1
    gap = t.dn - t.prev_dn
    excess = ibis.least(t.cnt.cast(_D4), t.w_count.cast(_D4) - t.period_n.cast(_D4))
    t = t.mutate(span=span, gap=gap, excess=excess,
                 over_span=((t.max_days >= 0) & (span > t.max_days)).fill_null(False),
                 short=((t.min_interval_days >= 0) & (gap < t.min_interval_days)).fill_null(False),
                 many=((t.period_n >= 0) & t.w_count.notnull() & (excess > 0)).fill_null(False))
    t = t.filter(t.over_span | t.short | t.many)
    fee = t.det_item_fee_sumamt.cast(_D4)
    zero = ibis.literal(0, _D4)
    amount = ibis.greatest(ibis.ifelse(t.over_span | t.short, fee, zero),
                           ibis.ifelse(t.many, t.excess * t.pric.cast(_D4), zero))
    facts = (ibis.ifelse(t.over_span, "疗程第" + _n(t.span) + "天，超过" + _n(t.max_days) + "天；", "")
             + ibis.ifelse(t.short, "距上次收费" + _n(t.gap) + "天，短于" + _n(t.min_interval_days) + "天；", "")
             + ibis.ifelse(t.many, _n(t.period_days) + "天内累计" + text(t.w_count) + "次，超过" + _n(t.period_n) + "次；",
                           ""))
    return _hits(t, facts.substr(0, facts.length() - 1), amount)


def _operation(s: _Scope) -> ir.Table:
    """Two or more different operations of one incision group on one day of a visit: all but the dearest
    (the first uploaded at equal price) are secondary, charged at ``secondary_ratio`` of the price. Fee
    lines in the warehouse carry no list price, so the excess is the fee × (1 − ratio), 可疑."""
    t = s.of("operation", "group")
    members = s.members("operation")
    keys = ["mdtrt_id", "rule_id", "m_group", "dn"]
    n_codes = members.group_by(keys).aggregate(n_codes=members.med_list_codg.nunique())
    w = ibis.window(group_by=keys, order_by=[ibis.desc("pric"), "feedetl_sn"])
    first = members.mutate(rank=ibis.row_number().over(w))
    first = first.filter(first.rank == 0).select(*keys, primary=first.med_list_codg)
    groups = n_codes.join(first, keys).filter(lambda x: x.n_codes >= 2).rename(group="m_group")
    t = t.join(groups, ["mdtrt_id", "rule_id", "group", "dn"]).filter(lambda x: x.med_list_codg != x.primary)
    ratio = s.params.secondary_ratio
    facts = "同一切口" + t.group + "当日主手术 " + t.primary + "；未报目录价，按计收比例 " + str(ratio) + " 估算"
    return _hits(t, facts, t.det_item_fee_sumamt.cast(_D4) * ibis.literal(1 - ratio, _D4))


_KINDS: dict[str, Callable[[_Scope], ir.Table]] = {
    "sex": _sex, "age": _age, "working_age": _working_age, "insutype": _insutype, "setting": _setting,
    "level": _level, "duplicate": _duplicate, "frequency": _frequency, "period": _period, "course": _course,
    "operation": _operation,
}


def _leads(hits: ir.Table, entries: ir.Table) -> ir.Table:
    """One lead per rule and line (a line meeting a rule through two entries is one violation: the
    dearer), with the entry's names and limit as evidence and trace."""
    w = ibis.window(group_by=["rule_id", "feedetl_sn"], order_by=[ibis.desc("amount"), "eid"])
    best = hits.mutate(rank=ibis.row_number().over(w))
    best = best.filter(best.rank == 0).drop("rank")
    t = best.join(entries.select("eid", "kind", *_TEXT_COLS), "eid")
    trace = "rule=" + t.rule_id + ";entry=" + t.med_list_codg + "#" + t.row.cast("string") + ";limit=" + \
        t.source_text.fill_null("")
    return conform(t.mutate(pattern=t.kind.cases(*PATTERNS.items(), else_="other"), level=ibis.literal("item"),
                            atddr_no=t.bilg_dr_codg,
                            evidence=t.rule_name + "：" + t.name + " " + t.med_list_codg + "；" + t.facts, trace=trace))


def rule_lines(items: ir.Table, entries: ir.Table) -> ir.Table:
    """The fee lines the national kinds read: those of an entry's code or of a duplicate pair's 主项,
    with only the columns the kinds use (about a quarter of the lines; worth holding once, e.g.
    ``Table.cache``, rather than reading the warehouse again for every kind)."""
    codes = entries.select(c=entries.code).union(entries.filter(entries.pair_code.notnull()).select(c=entries.pair_code))
    lines = items.select(*_LINE_COLS)
    return lines.semi_join(codes.distinct(), lines.med_list_codg == codes.c)


def national_parts(items: ir.Table, visits: ir.Table, persons: ir.Table, institutions: ir.Table,
                   entries: ir.Table, params: RuleParams, kinds: tuple[RuleKind, ...] = VECTORISED) -> list[ir.Table]:
    """The leads of each vectorised kind, one query per kind. ``items`` are the period's fee lines,
    or just their ``rule_lines``."""
    lines = items.select(*_LINE_COLS)
    lines = lines.mutate(day=lines.fee_ocur_time.date())
    lines = lines.mutate(dn=lines.day.epoch_days().cast("int64"))
    scope = _Scope(lines, visits, persons, institutions, entries, params)
    return [_leads(_KINDS[k.value](scope), entries) for k in kinds]


def national_leads(items: ir.Table, visits: ir.Table, persons: ir.Table, institutions: ir.Table,
                   entries: ir.Table, params: RuleParams) -> ir.Table:
    """Leads of every vectorised national rule over the period's fee lines (one per rule and line)."""
    return ibis.union(*national_parts(rule_lines(items, entries), visits, persons, institutions, entries, params))


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


__all__ = ["PATTERNS", "VECTORISED", "entries_table", "national_leads", "national_parts", "price_leads", "rule_lines"]
