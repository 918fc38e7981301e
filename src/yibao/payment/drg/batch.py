"""Group a table of cases (批量分组) as one Ibis expression: DuckDB by default, Spark unchanged.

The same rule set as :func:`~yibao.payment.drg.single.group_case`, evaluated relationally:

1. split the ``"|"``-joined codes into long tables and translate them (``dx_tr`` / ``px_tr``);
2. aggregate per case: untranslatable codes, trauma regions, OR procedures, MCC / CC after the
   principal diagnosis's exclusion table;
3. join the codes with the membership-atom tables, count the atoms each gate / rule conjunction
   needs, and check the scalar terms (sex, age, birth weight …) as a bitmask;
4. the first (MDC, ADRG) step in scheme order whose gate and rule both hold takes the case, and
   ``drg_pick`` splits it by MCC / CC;
5. statuses are decided in the order of the single-case grouper.

Input columns: ``case_id`` (unique), ``gend, age, age_days, nwb_bir_wt, diag_codes, oprn_codes``;
the output is the input with ``mdc, adrg, drg, status`` added.
"""

from __future__ import annotations

from collections.abc import Callable

import ibis
import ibis.expr.types as ir

from yibao.payment.drg.model import WHITESPACE, GroupStatus
from yibao.payment.drg.rules import Compare, HasBirthWeight, NoOrProcedure, RegionCount, Sex, Term
from yibao.payment.drg.scheme import Scheme, default_scheme
from yibao.payment.drg.tables import SchemeTables, scheme_memtables, scheme_tables

INPUT_COLUMNS = ("case_id", "gend", "age", "age_days", "nwb_bir_wt", "diag_codes", "oprn_codes")
OUTPUT_COLUMNS = ("mdc", "adrg", "drg", "status")
_SEP = "\x1f"  # split on a non-regex character: Spark's SPLIT takes a pattern, "|" would misfire


Materialise = Callable[[ir.Table], ir.Table]


def barrier(t: ir.Table) -> ir.Table:
    """Mark a table that several branches read: Ibis then emits it once as a CTE (which DuckDB
    materialises) instead of fusing it into every consumer and recomputing it there."""
    return t.limit(None)


def _given(col: ir.StringValue) -> ir.BooleanValue:
    """A scheme-table attribute is present (the tables write ``""`` for none; unmatched is null)."""
    return (col.notnull() & (col != "")).fill_null(False)


def _number(col: ir.Column) -> ir.FloatingColumn:
    """A numeric column as float64, text parsed leniently, NaN as null (as the single face)."""
    value = col.try_cast("float64") if col.type().is_string() else col.cast("float64")
    return ibis.ifelse(value.isnan(), ibis.null("float64"), value)


def _head_tail(col: ir.Column) -> tuple[ir.StringValue, ir.StringValue]:
    """The first code and the rest of a ``"|"``-joined string, without building lists."""
    text = _clean(col)
    at = text.find("|")
    head = ibis.ifelse(at >= 0, text.substr(0, at), text)
    tail = ibis.ifelse(at >= 0, text.substr(at + 1), ibis.literal(""))
    return head, tail


def _clean(col: ir.Column) -> ir.StringValue:
    """Codes never contain whitespace: remove it (plain REPLACE is far cheaper than TRIM per code)."""
    text = col.cast("string")
    for ch in WHITESPACE:
        text = text.replace(ch, "")
    return text


def _unnest_codes(text: ir.StringValue) -> ir.StringValue:
    return text.replace("|", _SEP).split(_SEP).unnest()


def _compare(value: ir.NumericValue, op: str, bound: int) -> ir.BooleanValue:
    out = {"<=": value <= bound, ">=": value >= bound, "==": value == bound, "<": value < bound, ">": value > bound}[op]
    return out.fill_null(False)


def _scalar(term: Term, t: ir.Table) -> ir.BooleanValue:
    if isinstance(term, Sex):
        return t._sex == term.value
    if isinstance(term, Compare):
        col = {"age_days": t._ad, "age_years": t._age, "birth_weight_g": t._w}[term.field]
        return _compare(col, term.op, term.value)
    if isinstance(term, HasBirthWeight):
        return t._w.notnull()
    if isinstance(term, NoOrProcedure):
        return ~t._has_or
    if isinstance(term, RegionCount):
        return _compare(t._regions, term.op, term.value)
    raise TypeError(term)


def _mask(terms: tuple[Term, ...], t: ir.Table) -> ir.IntegerValue:
    mask: ir.IntegerValue = ibis.literal(0, type="int64")
    for i, term in enumerate(terms):
        mask = mask + ibis.ifelse(_scalar(term, t), ibis.literal(1 << i, type="int64"), ibis.literal(0, type="int64"))
    return mask


def _satisfied(atoms: ir.Table, m: dict[str, ir.Table], prefix: str, masks: ir.Table, keys: list[str]) -> ir.Table:
    """(case, *keys) for the conjunctions whose membership atoms all hold and whose scalars hold.

    Single-atom conjunctions need only a join; the others count their atoms per case. Only the
    few conjunctions with scalar terms meet the case bitmask.
    """
    one = m[f"{prefix}conj1"]
    hits = atoms.join(one, "atom").select("_cid", *keys, "mask")
    many, many_atoms = m[f"{prefix}conjn"], m[f"{prefix}conjn_atoms"]
    counted = atoms.join(many_atoms, "atom").group_by(["_cid", "conj"]).aggregate(_n=ibis._.count())
    full = counted.join(many, [counted.conj == many.conj, counted._n == many.n]).select("_cid", *keys, "mask")
    cand = ibis.union(hits, full, distinct=False)
    free = cand.filter(cand.mask == 0).select("_cid", *keys)
    masked = cand.filter(cand.mask != 0).join(masks, "_cid")
    masked = masked.filter((masked.mask & masked._mask) == masked.mask).select("_cid", *keys)
    return ibis.union(free, masked, distinct=False)


def _scalar_only(base: ir.Table, zero: ir.Table, masks: ir.Table, keys: list[str]) -> ir.Table:
    """(case, *keys) for conjunctions without membership atoms: only scalar terms to check."""
    pairs = base.join(zero, "mdc") if "mdc" in base.columns else base.cross_join(zero)
    pairs = pairs.join(masks, "_cid")
    return pairs.filter((pairs.mask & pairs._mask) == pairs.mask).select("_cid", *keys)


def group_table(cases: ir.Table, scheme: Scheme | None = None, *, materialise: Materialise = barrier) -> ir.Table:
    """Add ``mdc, adrg, drg, status`` to every case; identical groups to ``group_case``.

    ``materialise`` is applied to the intermediate tables several branches read. The default
    (:func:`barrier`) suits DuckDB, which materialises shared CTEs itself; Spark inlines CTEs and
    re-plans every copy, so its shell passes
    :func:`~yibao.payment.drg.service.spark_materialiser` (or anything that persists).
    """
    scheme = scheme or default_scheme()
    share = materialise
    st: SchemeTables = scheme_tables(scheme)
    m = scheme_memtables(scheme)
    c = _prepare(cases, m, share)
    dxl, pxl = _long_codes(c, m, share)
    b = _facts(c, dxl, pxl, st, share)
    masks = b.select("_cid", "_mask")
    # membership atoms that hold, one row per (case, atom)
    ids = [
        b.select("_cid", code=b._pdx).join(m["pdx_atoms"], "code").select("_cid", "atom"),
        b.select("_cid", code=b._mproc).join(m["mproc_atoms"], "code").select("_cid", "atom"),
        dxl.select("_cid", code=dxl.to_code).join(m["anydx_atoms"], "code").select("_cid", "atom").distinct(),
        pxl.select("_cid", code=pxl.to_code).join(m["anyproc_atoms"], "code").select("_cid", "atom").distinct(),
    ]
    atoms = share(ibis.union(*ids, distinct=False))

    gate_ok = _satisfied(atoms, m, "g", masks, ["mdc"])
    if st.tables["gconj0"].num_rows:
        gate_ok = ibis.union(gate_ok, _scalar_only(masks.select("_cid"), m["gconj0"], masks, ["mdc"]), distinct=False)
    gate_ok = share(gate_ok.distinct())
    rule_ok = _satisfied(atoms, m, "r", masks, ["ord", "mdc"])
    if st.tables["rconj0"].num_rows:
        rule_ok = ibis.union(rule_ok, _scalar_only(gate_ok, m["rconj0"], masks, ["ord", "mdc"]), distinct=False)
    taken = rule_ok.join(gate_ok, ["_cid", "mdc"]).group_by("_cid").aggregate(ord=ibis._.ord.min())
    steps = m["steps"]
    taken = taken.join(steps, "ord").select("_cid", _mdc=steps.mdc, _adrg=steps.adrg)

    r = b.left_join(taken, "_cid").drop("_cid_right")
    pick = m["drg_pick"]
    r = r.left_join(pick, [r._adrg == pick.adrg, r._has_mcc == pick.has_mcc, r._has_cc == pick.has_cc])
    sexspec = m["sexspec"]
    r = r.left_join(sexspec, r._pdx == sexspec.code)
    return _finish(cases, r, scheme)


def _prepare(cases: ir.Table, m: dict[str, ir.Table], share: Materialise) -> ir.Table:
    """One row per case: numbers parsed, principal / main code split off and translated."""
    dx_tr, px_tr = m["dx_tr"], m["px_tr"]
    pdx_raw, dxs = _head_tail(cases.diag_codes)
    c = cases.select(
        _cid=cases.case_id,
        _g=_number(cases.gend),
        _age=_number(cases.age),
        _ad=_number(cases.age_days),
        _w0=_number(cases.nwb_bir_wt),
        _pdx_raw=pdx_raw,
        _dxs=dxs,
        _mproc_raw=_head_tail(cases.oprn_codes)[0],
        _pxs=_clean(cases.oprn_codes),
    )
    pdx = dx_tr.select(_pdx_raw=dx_tr.from_code, _pdx=dx_tr.to_code, _pdx_excl=dx_tr.p_excl, _pdx_region=dx_tr.region)
    mproc = px_tr.select(_mproc_raw=px_tr.from_code, _mproc=px_tr.to_code)
    c = c.left_join(pdx, "_pdx_raw").drop("_pdx_raw_right")
    return share(c.left_join(mproc, "_mproc_raw").drop("_mproc_raw_right"))


def _long_codes(c: ir.Table, m: dict[str, ir.Table], share: Materialise) -> tuple[ir.Table, ir.Table]:
    """Diagnoses (principal from the case row, secondaries unnested) and procedures, translated.

    A secondary diagnosis counts as MCC / CC unless its exclusion table is the principal's.
    """
    dx_tr, px_tr = m["dx_tr"], m["px_tr"]
    sec = c.select("_cid", "_pdx_excl", _code=_unnest_codes(c._dxs))
    sec = sec.filter(sec._code != "")
    sec = sec.left_join(dx_tr, sec._code == dx_tr.from_code)

    def counts(col: ir.StringColumn) -> ir.BooleanColumn:
        return _given(col) & ~(_given(sec._pdx_excl) & (col == sec._pdx_excl)).fill_null(False)

    sec = sec.select("_cid", "to_code", "region", _mcc=counts(sec.mcc_excl), _cc=counts(sec.cc_excl))
    pri = c.filter(c._pdx_raw != "").select(
        "_cid", to_code=c._pdx, region=c._pdx_region, _mcc=ibis.literal(False), _cc=ibis.literal(False)
    )
    dxl = share(ibis.union(pri, sec, distinct=False))
    pxl = c.select("_cid", _code=_unnest_codes(c._pxs))
    pxl = pxl.filter(pxl._code != "")
    pxl = share(pxl.left_join(px_tr, pxl._code == px_tr.from_code))
    return dxl, pxl


def _facts(c: ir.Table, dxl: ir.Table, pxl: ir.Table, st: SchemeTables, share: Materialise) -> ir.Table:
    """Per case: validity inputs, untranslatable codes, MCC / CC, regions, OR flag, scalar mask."""
    dx_agg = dxl.group_by("_cid").aggregate(
        _ndx=ibis._.count(),
        _bad_dx=dxl.to_code.isnull().any(),
        _has_mcc=dxl._mcc.any(),
        _has_cc=dxl._cc.any(),
    )
    trauma = dxl.filter(_given(dxl.region)).select("_cid", "region").distinct()
    regions = trauma.group_by("_cid").aggregate(_regions=ibis._.count())
    px_agg = pxl.group_by("_cid").aggregate(
        _nproc=ibis._.count(), _bad_px=pxl.to_code.isnull().any(), _has_or=pxl.is_or.fill_null(False).any()
    )
    b = c.select(*(col for col in c.columns if col not in ("_dxs", "_pxs")))  # select: drop() orders by hash
    b = b.left_join(dx_agg, "_cid").drop("_cid_right")
    b = b.left_join(px_agg, "_cid").drop("_cid_right")
    b = b.left_join(regions, "_cid").drop("_cid_right")
    b = b.mutate(
        _sex=ibis.cases((b._g == 1, 1), (b._g == 2, 2), else_=ibis.null("int64")),
        _w=ibis.ifelse(b._w0 > 0, b._w0, ibis.null("float64")),
        _regions=b._regions.fill_null(0),
        _has_or=b._has_or.fill_null(False),
        _has_mcc=b._has_mcc.fill_null(False),
        _has_cc=b._has_cc.fill_null(False),
        _bad_dx=b._bad_dx.fill_null(False),
        _bad_px=(b._bad_px.fill_null(False) | ((b._mproc_raw == "") & (b._nproc.fill_null(0) > 0))).fill_null(False),
    )
    return share(b.mutate(_mask=_mask(st.scalars, b)))


def _finish(cases: ir.Table, r: ir.Table, scheme: Scheme) -> ir.Table:
    S = GroupStatus
    newborn = (r._age == 0) & (r._ad <= 28).fill_null(False)
    own = ibis.ifelse(r._sex == 1, r.male, r.female).fill_null(False)
    other = ibis.ifelse(r._sex == 1, r.female, r.male).fill_null(False)
    status = ibis.cases(
        (r._sex.isnull(), S.INVALID_SEX.value),
        (r._age.isnull() | (r._age < 0), S.INVALID_AGE.value),
        ((r._ad < 0).fill_null(False) | ((r._age == 0) & r._ad.isnull()), S.INVALID_AGE_DAYS.value),
        (newborn & r._w.isnull(), S.INVALID_BIRTH_WEIGHT.value),
        (r._pdx_raw.isnull() | (r._pdx_raw == ""), S.NO_DIAGNOSIS.value),
        (r._bad_dx, S.BAD_DIAGNOSIS.value),
        (r._bad_px, S.BAD_PROCEDURE.value),
        (r._adrg.notnull(), S.GROUPED.value),
        (other & ~own, S.SEX_MISMATCH.value),
        else_=S.UNGROUPABLE.value,
    )
    r = r.mutate(status=status)
    ok = r.status == S.GROUPED.value
    res = r.select(
        "_cid",
        mdc=ibis.ifelse(ok, r._mdc, ibis.null("string")),
        adrg=ibis.ifelse(ok, r._adrg, ibis.null("string")),
        drg=ibis.ifelse(ok, r.drg, ibis.literal(scheme.fallback_drg)),
        status=r.status,
    )
    keep = [c for c in cases.columns if c not in OUTPUT_COLUMNS]
    out = cases.select(*keep).left_join(res, cases.case_id == res._cid)
    return out.select(*keep, *OUTPUT_COLUMNS)


__all__ = ["INPUT_COLUMNS", "OUTPUT_COLUMNS", "Materialise", "barrier", "group_table"]
