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


def case_features(cases: ir.Table, kinds: ir.Table, severities: ir.Table) -> ir.Table:
    """Add the DIP grouping features to a ``cases`` table (kinds/severities: the two tables above, as Ibis)."""
    diags = cases.diag_codes.split("|")
    principal = diags[0]
    oprns = cases.oprn_codes.split("|")
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
    # treatment kind over the distinct combinations (small), then joined back
    combos = base.filter(base.combo != "").select("combo").distinct()
    exploded = combos.select("combo", code=combos.combo.split("+").unnest())
    ranked = exploded.left_join(kinds, exploded.code == kinds.code).group_by("combo").agg(
        kind_rank=kinds.kind_rank.coalesce(UNKNOWN_PROCEDURE_RANK).max()
    )
    # severity over the distinct secondary-diagnosis strings
    secondary = base.filter(diags.length() > 1).select(dx=base.diag_codes).distinct()
    sec = secondary.select("dx", code=secondary.dx.split("|")[1:].unnest())
    sev = sec.join(severities, sec.code == severities.code).group_by("dx").agg(cc_level=severities.level.max())
    out = base.left_join(ranked, "combo").drop("combo_right")
    out = out.left_join(sev, out.diag_codes == sev.dx).drop("dx")
    return out.mutate(
        kind_rank=out.kind_rank.coalesce(0).cast("int32"),
        severity=ibis.ifelse(out.died, 3, out.cc_level.coalesce(0)).cast("int32"),
    ).drop("cc_level")


__all__ = ["KIND_LABELS", "KIND_RANK", "KIND_SUFFIX", "case_features", "kind_table", "severity_table"]
