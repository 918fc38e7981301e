"""项目串换 (item substitution): an institution billing a dearer specification of a drug than was given.

One line cannot show it: the behaviour is an institution's habit. For every generic name (目录
``genname_codg``: the specifications of one drug that can stand in for each other) the scan compares,
in days of treatment (count ÷ daily dose), the share each specification has at the institution with
its share at every other institution (leave-one-out). A specification that costs at least
``min_cost_ratio`` × the peers' cost of a day of that drug, and whose share at the institution is at
least ``min_share_ratio`` × and ``min_share_gain`` above its peers' share, over at least ``min_lines``
lines of the drug there, is suspected: its lines are leads, with the cost beyond the peers' cost of
the same days of treatment as the amount at risk.

Money is exact: fees are summed as integer fen and a line's days of treatment as integer
ten-thousandths of a day (rounded half up, the one rounding before the amount), so every sum is the
same on every backend; the amount is the line's fee less the peers' fee × the line's days ÷ the
peers' days, rounded half up to the fen by exact integer division. The shares and cost ratios that
select the suspects are ratios of those integer sums.
"""

from __future__ import annotations

from decimal import Decimal

import ibis
import ibis.expr.types as ir

from yibao.supervision.local.params import SubstitutionParams
from yibao.supervision.scan.model import conform, money, text

DAY_UNITS = 10_000  # a line's days of treatment in ten-thousandths of a day (day_dose has 4 decimals)


def floor_div(a: ir.IntegerValue, b: ir.IntegerValue) -> ir.IntegerValue:
    """⌊a ÷ b⌋ exactly for 0 ≤ a < 2**62, b > 0. Ibis's ``//`` goes through a double, which is off for
    large integers: the double's quotient is corrected by the exact integer remainder (its error is
    under one while the quotient stays below 2**51). The amounts' numerators stay below 2**61 up to,
    say, 10¹⁰ yuan of one generic name at the peers and 100 days on a line."""
    q = (a.cast("float64") / b.cast("float64")).floor().cast("int64")
    r = a - q * b
    return q + (r >= b).ifelse(1, 0) - (r < 0).ifelse(1, 0)


def div_half_up(a: ir.IntegerValue, b: ir.IntegerValue) -> ir.IntegerValue:
    """a ÷ b rounded half up to an integer, exactly (0 ≤ a < 2**61, b > 0, as :func:`floor_div`)."""
    return floor_div(2 * a + b, 2 * b)


def _yuan(fen: ir.IntegerValue) -> ir.DecimalValue:
    """Integer fen as yuan, exactly (a product, not a division, which DuckDB would do in double). The
    outer cast is spelled out because Ibis drops a cast to the type it believes a product already has,
    while the backends widen a product's precision and scale."""
    return (fen.cast("decimal(16, 0)") * ibis.literal(Decimal("0.01"), type="decimal(18, 2)")).cast("decimal(38, 2)")


def item_substitution(items: ir.Table, visits: ir.Table, catalog: ir.Table, p: SubstitutionParams,
                      version: str) -> ir.Table:
    """Line leads of 项目串换 (see the module)."""
    fam = catalog.filter(catalog.genname_codg.notnull() & catalog.day_dose.notnull() & (catalog.day_dose > 0)).select(
        "med_list_codg", "genname_codg", drug_name=catalog.name, dose_u=(catalog.day_dose * DAY_UNITS).cast("int64"))
    v = visits.filter(visits.med_type.isin(list(p.med_types))).select("mdtrt_id")
    t = items.join(fam, "med_list_codg").join(v, "mdtrt_id")
    cnt_u = (t.cnt * DAY_UNITS).cast("int64")  # cnt has 4 decimals: exact
    t = t.mutate(days=div_half_up(cnt_u * DAY_UNITS, t.dose_u), fee=(t.det_item_fee_sumamt * 100).cast("int64"))
    fam_i = t.group_by(["fixmedins_code", "genname_codg"]).aggregate(
        fi_days=lambda x: x.days.sum(), fi_fee=lambda x: x.fee.sum(), fi_lines=lambda x: x.count())
    fam_a = t.group_by("genname_codg").aggregate(fa_days=lambda x: x.days.sum(), fa_fee=lambda x: x.fee.sum())
    mem_i = t.group_by(["fixmedins_code", "genname_codg", "med_list_codg"]).aggregate(
        mi_days=lambda x: x.days.sum(), mi_fee=lambda x: x.fee.sum())
    mem_a = t.group_by(["genname_codg", "med_list_codg"]).aggregate(ma_days=lambda x: x.days.sum())
    g = mem_i.join(fam_i, ["fixmedins_code", "genname_codg"]).join(fam_a, "genname_codg").join(
        mem_a, ["genname_codg", "med_list_codg"])
    g = g.mutate(peer_days=g.fa_days - g.fi_days, peer_fee=g.fa_fee - g.fi_fee)

    def ratio(a: ir.IntegerValue, b: ir.IntegerValue) -> ir.FloatingValue:
        return a.cast("float64") / ibis.greatest(b, 1).cast("float64")

    g = g.mutate(share=ratio(g.mi_days, g.fi_days), peer_share=ratio(g.ma_days - g.mi_days, g.peer_days),
                 cost=ratio(g.mi_fee, g.mi_days), peer_cost=ratio(g.peer_fee, g.peer_days))
    suspect = g.filter((g.peer_days > 0) & (g.mi_days > 0) & (g.fi_lines >= p.min_lines)
                       & (g.cost >= g.peer_cost * float(p.min_cost_ratio))
                       & (g.share >= g.peer_share * float(p.min_share_ratio))
                       & (g.share - g.peer_share >= float(p.min_share_gain))).select(
        "fixmedins_code", "med_list_codg", "share", "peer_share", "fi_lines", "peer_days", "peer_fee",
        day_fen=div_half_up(g.mi_fee * DAY_UNITS, g.mi_days),
        peer_day_fen=div_half_up(g.peer_fee * DAY_UNITS, g.peer_days))
    hit = t.join(suspect, ["fixmedins_code", "med_list_codg"])
    # (fee × peer days − peer fee × days) ÷ peer days, half up: one rounding of the difference itself.
    beyond = div_half_up(ibis.greatest(hit.fee * hit.peer_days - hit.peer_fee * hit.days, 0), hit.peer_days)
    evidence = (hit.drug_name + " " + hit.med_list_codg + "（通用名 " + hit.genname_codg + "）每治疗日 "
                + text(_yuan(hit.day_fen)) + " 元，其他机构该通用名每治疗日 " + text(_yuan(hit.peer_day_fen))
                + " 元；本机构该规格占该通用名治疗日数 " + text(hit.share * 100, 1) + "%（" + hit.fi_lines.cast("string")
                + "条明细），其他机构占 " + text(hit.peer_share * 100, 1) + "%")
    trace = (f"LOCAL-SUBST;params={version};min_cost_ratio={p.min_cost_ratio};min_share_ratio={p.min_share_ratio};"
             f"min_share_gain={p.min_share_gain};min_lines={p.min_lines}")
    return conform(hit.mutate(rule_id=ibis.literal("LOCAL-SUBST"), pattern=ibis.literal("item_substitution"),
                              level=ibis.literal("item"), atddr_no=hit.bilg_dr_codg,
                              amount=money(_yuan(beyond)), evidence=evidence,
                              trace=ibis.literal(trace)))


__all__ = ["div_half_up", "floor_div", "item_substitution"]
