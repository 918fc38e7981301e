"""Case features DIP groups on (病例特征): diagnosis subcategory, procedure combination, treatment kind,
severity and age — as Ibis expressions, so DuckDB and Spark compute them alike.

- ``subcat`` 主要诊断亚目 (``I21.0``), ``diag3`` 类目 (``I21``);
- ``combo`` 手术操作组合: the main procedure, then the others sorted, joined by ``+``; ``""`` for 保守治疗;
- ``kind_rank`` 治疗方式: 3 相关手术 ≻ 2 治疗性操作 ≻ 1 诊断性操作 ≻ 0 内科保守, the highest of the case;
- ``severity`` 严重程度: 0 none, 1 CC, 2 MCC among the secondary diagnoses, 3 died (离院方式 5);
- ``age_days`` 年龄（天）: ``age_days`` for infants, else ``age × 365 + 182`` (mid-year).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from yibao.codes.kinds import procedure_kind_table
from yibao.codes.tables import data_dir, read_tsv

KIND_RANK = {"surgery": 3, "therapeutic": 2, "diagnostic": 1}
KIND_SUFFIX = {3: "S", 2: "T", 1: "D", 0: "M"}
KIND_LABELS = {3: "相关手术", 2: "治疗性操作", 1: "诊断性操作", 0: "内科保守治疗"}
DIED = "5"  # 离院方式 5 死亡
UNKNOWN_PROCEDURE_RANK = 2  # a code outside the tables counts as a therapeutic procedure


def kind_table() -> pa.Table:
    """Procedure code → kind rank, from the bundled code tables."""
    table = procedure_kind_table()
    ranks = [KIND_RANK[k] for k in table["kind"].to_pylist()]
    return pa.table({"code": table["code"], "kind_rank": pa.array(ranks, pa.int32())})


def severity_table() -> pa.Table:
    """Diagnosis code → 2 (MCC) or 1 (CC), from the bundled CHS-DRG lists."""
    folder = data_dir()
    levels: dict[str, int] = {}
    for row in read_tsv(folder / "cc.tsv"):
        levels[row[0]] = 1
    for row in read_tsv(folder / "mcc.tsv"):
        levels[row[0]] = 2
    codes = sorted(levels)
    return pa.table({"code": codes, "level": pa.array([levels[c] for c in codes], pa.int32())})


def codes(column: ir.StringValue) -> ir.ArrayValue:
    """A "|"-joined code list as an array. Spark's split takes a regex and DuckDB's a literal, so the
    separator is first replaced by "," (the same either way)."""
    return column.replace("|", ",").split(",")


CASE_COLUMNS = ("case_id", "psn_no", "fixmedins_code", "insutype", "age", "age_days", "ipt_days", "dscg_way",
                "icu_days", "tumor_stage", "diag_codes", "oprn_codes", "adm_date", "dscg_date", "setl_year",
                "medfee_sumamt")
CARRIED = ("prev_dscg", "setl_month", "cross_region", "fund_pay", "fund_source")  # added by the services when present


def case_features(cases: ir.Table, kinds: ir.Table, severities: ir.Table) -> ir.Table:
    """Add the DIP grouping features to a ``cases`` table (kinds/severities: the two tables above, as Ibis).

    Only the columns DIP uses are kept (the cost-by-category columns are dropped early: narrower rows).
    """
    cases = cases.select(*CASE_COLUMNS, *(c for c in CARRIED if c in cases.columns))
    diags = codes(cases.diag_codes)
    principal = diags[0]
    oprns = codes(cases.oprn_codes)
    has_oprn = cases.oprn_codes.notnull() & (cases.oprn_codes.length() > 0)
    rest = oprns[1:].sort().join("+")
    combo = ibis.ifelse(has_oprn, ibis.ifelse(oprns.length() > 1, oprns[0] + "+" + rest, oprns[0]), "")
    base = cases.mutate(
        subcat=principal.substr(0, 5),
        diag3=principal.substr(0, 3),
        main_oprn=ibis.ifelse(has_oprn, oprns[0], ""),
        combo=combo,
        age_days_eff=cases.age_days.cast("int32").coalesce(cases.age * 365 + 182).cast("int32"),
        died=cases.dscg_way == DIED,
        cost=cases.medfee_sumamt,
    )
    # treatment kind over the distinct procedure lists (small), then joined back
    lists = base.filter(has_oprn).select(ox="oprn_codes").distinct()
    exploded = lists.select("ox", code=codes(lists.ox).unnest())
    ranked = exploded.left_join(kinds, exploded.code == kinds.code).group_by("ox").agg(
        kind_rank=kinds.kind_rank.coalesce(UNKNOWN_PROCEDURE_RANK).max()
    )
    # severity over the distinct secondary-diagnosis strings
    secondary = base.filter(diags.length() > 1).select(dx=base.diag_codes).distinct()
    sec = secondary.select("dx", code=codes(secondary.dx)[1:].unnest())
    sev = sec.join(severities, sec.code == severities.code).group_by("dx").agg(cc_level=severities.level.max())
    out = base.left_join(ranked, base.oprn_codes == ranked.ox).drop("ox")
    out = out.left_join(sev, out.diag_codes == sev.dx).drop("dx")
    return out.mutate(
        kind_rank=out.kind_rank.coalesce(0).cast("int32"),
        severity=ibis.ifelse(out.died, 3, out.cc_level.coalesce(0)).cast("int32"),
    ).drop("cc_level")


__all__ = ["KIND_LABELS", "KIND_RANK", "KIND_SUFFIX", "case_features", "codes", "kind_table", "severity_table"]
