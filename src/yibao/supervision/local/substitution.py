"""项目串换 (item substitution): an institution billing a dearer specification of a drug than was given.

One line cannot show it: the behaviour is an institution's habit. For every generic name (目录
``genname_codg``: the specifications of one drug that can stand in for each other) the scan compares,
in days of treatment (count ÷ daily dose), the share each specification has at the institution with
its share at every other institution (leave-one-out). A specification that costs at least
``min_cost_ratio`` × the peers' cost of a day of that drug, and whose share at the institution is at
least ``min_share_ratio`` × and ``min_share_gain`` above its peers' share, over at least ``min_lines``
lines of the drug there, is suspected: its lines are leads, with the cost beyond the peers' cost of
the same days of treatment as the amount at risk.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from yibao.supervision.local.params import SubstitutionParams
from yibao.supervision.scan.model import conform, money, text


def item_substitution(items: ir.Table, visits: ir.Table, catalog: ir.Table, p: SubstitutionParams,
                      version: str) -> ir.Table:
    """Line leads of 项目串换 (see the module)."""
    fam = catalog.filter(catalog.genname_codg.notnull() & catalog.day_dose.notnull() & (catalog.day_dose > 0)).select(
        "med_list_codg", "genname_codg", "day_dose", drug_name=catalog.name)
    v = visits.filter(visits.med_type.isin(list(p.med_types))).select("mdtrt_id")
    t = items.join(fam, "med_list_codg").join(v, "mdtrt_id")
    t = t.mutate(days=t.cnt.cast("float64") / t.day_dose.cast("float64"), fee=t.det_item_fee_sumamt.cast("float64"))
    fam_i = t.group_by(["fixmedins_code", "genname_codg"]).aggregate(
        fi_days=lambda x: x.days.sum(), fi_fee=lambda x: x.fee.sum(), fi_lines=lambda x: x.count())
    fam_a = t.group_by("genname_codg").aggregate(fa_days=lambda x: x.days.sum(), fa_fee=lambda x: x.fee.sum())
    mem_i = t.group_by(["fixmedins_code", "genname_codg", "med_list_codg"]).aggregate(
        mi_days=lambda x: x.days.sum(), mi_fee=lambda x: x.fee.sum())
    mem_a = t.group_by(["genname_codg", "med_list_codg"]).aggregate(ma_days=lambda x: x.days.sum())
    g = mem_i.join(fam_i, ["fixmedins_code", "genname_codg"]).join(fam_a, "genname_codg").join(
        mem_a, ["genname_codg", "med_list_codg"])
    peer_days = g.fa_days - g.fi_days
    g = g.mutate(share=g.mi_days / ibis.greatest(g.fi_days, 1e-9),
                 peer_share=(g.ma_days - g.mi_days) / ibis.greatest(peer_days, 1e-9),
                 cost=g.mi_fee / ibis.greatest(g.mi_days, 1e-9),
                 peer_cost=(g.fa_fee - g.fi_fee) / ibis.greatest(peer_days, 1e-9))
    suspect = g.filter((peer_days > 0) & (g.fi_lines >= p.min_lines)
                       & (g.cost >= g.peer_cost * float(p.min_cost_ratio))
                       & (g.share >= g.peer_share * float(p.min_share_ratio))
                       & (g.share - g.peer_share >= float(p.min_share_gain))).select(
        "fixmedins_code", "med_list_codg", "share", "peer_share", "cost", "peer_cost", "fi_lines")
    hit = t.join(suspect, ["fixmedins_code", "med_list_codg"])
    evidence = (hit.drug_name + " " + hit.med_list_codg + "（通用名 " + hit.genname_codg + "）每治疗日 " + text(hit.cost)
                + " 元，其他机构该通用名每治疗日 " + text(hit.peer_cost) + " 元；本机构该规格占该通用名治疗日数 "
                + text(hit.share * 100, 1) + "%（" + hit.fi_lines.cast("string") + "条明细），其他机构占 "
                + text(hit.peer_share * 100, 1) + "%")
    trace = (f"LOCAL-SUBST;params={version};min_cost_ratio={p.min_cost_ratio};min_share_ratio={p.min_share_ratio};"
             f"min_share_gain={p.min_share_gain};min_lines={p.min_lines}")
    return conform(hit.mutate(rule_id=ibis.literal("LOCAL-SUBST"), pattern=ibis.literal("item_substitution"),
                              level=ibis.literal("item"), atddr_no=hit.bilg_dr_codg,
                              amount=money(hit.fee - hit.peer_cost * hit.days), evidence=evidence,
                              trace=ibis.literal(trace)))


__all__ = ["item_substitution"]
