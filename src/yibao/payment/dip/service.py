"""DIP runs over the warehouse: build the catalog, settle a month, record special reviews, clear a year.

The engines (``features``, ``catalog``, ``subtypes``, ``points``, :mod:`yibao.payment.clearing`) are
pure; this module decides where they run (the warehouse's backend), caches intermediate results and
writes results back as warehouse tables:

- ``dip_catalog`` 病种目录 · ``dip_catalog_combos`` 组合→核心病种 · ``dip_subtypes`` 亚型系数 ·
  ``dip_catalog_summary`` 目录汇总 (coverage, RIV) · ``dip_parameters`` 预期点值与预算
- ``dip_case_points`` 病例分值 (one part per month) · ``dip_review_queue`` 特例单议队列 ·
  ``dip_review_decisions`` 特例单议结论 · ``dip_monthly`` 月度结算 · ``dip_clearing`` 年度清算 ·
  ``dip_adjustments`` 清算调整明细

Optional inputs: ``dip_evaluations`` (fixmedins_code, eval_grade, credit_grade, assessment_score) and
``dip_audit_deductions`` (fixmedins_code, year, amount, reason).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from yibao.errors import ErrorCode, InputError, NotFoundError, PolicyError
from yibao.money import fen
from yibao.payment import clearing
from yibao.payment.dip import catalog as cat
from yibao.payment.dip.features import case_features, kind_table, severity_table
from yibao.payment.dip.points import base_points, case_points, institution_coefficients, review_queue
from yibao.payment.dip.subtypes import apply_subtypes, build_subtypes, mark_violations
from yibao.payment.policy import PaymentPack
from yibao.payment.runs import FROM_RATIO, cached, optional_table, with_fund_payment
from yibao.store.warehouse import Warehouse

FUNDS = ("310", "390")
MONTHLY_BUDGET_SHARE = Decimal(1) / Decimal(12)


@dataclass(frozen=True)
class CatalogSummary:
    years: tuple[int, ...]
    cases: int
    groups: int
    core_groups: int
    core_coverage: Decimal
    riv: Decimal
    method: str
    all_cv: Decimal  # CV of all cases' cost before grouping
    group_cv: Decimal  # the groups' CV, weighted by their cases
    subtype_groups: dict[str, int]  # dimension → groups that keep it (辅助目录)


def _lookup(wh: Warehouse, name: str, build: Callable[[], pa.Table]) -> ir.Table:
    """A code lookup table kept in the warehouse (read as Parquet: cheap on every backend)."""
    if name not in wh.tables():
        wh.write(name, build())
    return wh.table(name)


def _features(wh: Warehouse, cases: ir.Table) -> ir.Table:
    kinds = _lookup(wh, "dip_procedure_kinds", kind_table)
    sevs = _lookup(wh, "dip_cc_levels", severity_table)
    return case_features(cases, kinds, sevs)


def history_years(wh: Warehouse, year: int, n: int) -> list[int]:
    cases = wh.table("cases")
    present = set(cases.filter(cases.setl_year < year).select("setl_year").distinct().execute()["setl_year"].tolist())
    years = [y for y in range(year - n, year) if y in present]
    if not years:
        raise NotFoundError(ErrorCode.NOT_FOUND, field="setl_year", detail=f"{year} 年之前没有历史住院病例，无法建立目录库")
    return years


def build_catalog(wh: Warehouse, pack: PaymentPack, year: int) -> CatalogSummary:
    """目录库 for settlement year ``year`` from the previous years' cases; written to the warehouse."""
    dip = pack.require_dip()
    params = dip.catalog
    years = history_years(wh, year, len(params.history_weights))
    cases = wh.table("cases")
    feats = cached(wh, _features(wh, cases.filter(cases.setl_year.isin(years))))
    combos = cached(wh, cat.history_combos(feats, params))
    assigned = cached(wh, cat.assign_history(feats, combos, params))
    if params.score_method == "base_group":
        n_base = int(cat.base_group_cases(assigned, params).execute())
        if n_base < params.min_core_cases:
            if params.base_group_fallback == "none":
                raise PolicyError(ErrorCode.POLICY_INVALID, field="dip.catalog.base_group",
                                  detail=f"基准病种在历史数据中仅 {n_base} 例，少于 {params.min_core_cases} 例")
            params = params.model_copy(update={"score_method": "mean_cost"})
    built = cat.build_catalog(assigned, combos, params, years)
    cached_groups = cached(wh, built.groups)
    groups = cached_groups.to_pyarrow()
    wh.write("dip_catalog", groups)
    wh.write("dip_catalog_combos", combos.filter(combos.core).to_pyarrow())
    subtypes = build_subtypes(assigned, dip.subtypes).to_pyarrow()
    wh.write("dip_subtypes", subtypes)
    summary = cat.catalog_summary(assigned, cached_groups).to_pyarrow().to_pylist()[0]
    summary["years"] = ",".join(str(y) for y in years)
    summary["catalog_year"] = year
    wh.write("dip_catalog_summary", pa.Table.from_pylist([summary]))
    _write_parameters(wh, pack, year, years[-1], assigned)
    types = groups["group_type"].to_pylist()
    kept_dims: dict[str, set[str]] = {}
    for code, dim in zip(subtypes["group_code"].to_pylist(), subtypes["dimension"].to_pylist()):
        kept_dims.setdefault(dim, set()).add(code)
    return CatalogSummary(tuple(years), int(summary["cases"]), len(types), types.count("core"),
                          Decimal(str(summary["core_coverage"])), Decimal(str(summary["riv"])), summary["method"],
                          Decimal(str(summary["all_cv"])), Decimal(str(summary["group_cv"])),
                          {d: len(c) for d, c in sorted(kept_dims.items())})


def _scored(wh: Warehouse, pack: PaymentPack, cases: ir.Table, expected_pv: Decimal) -> ir.Table:
    """Cases → group, subtype, base points, standard cost, cost ratio (cached)."""
    dip = pack.require_dip()
    groups = wh.table("dip_catalog")
    feats = _features(wh, cases)
    assigned = cat.assign_groups(feats, wh.table("dip_catalog_combos"), groups.select("group_code"), dip.catalog)
    sub = apply_subtypes(assigned, wh.table("dip_subtypes"), dip.subtypes)
    coefs = institution_coefficients(wh.table("institutions"), optional_table(wh, "dip_evaluations"), dip)
    return cached(wh, base_points(sub, groups, coefs, dip, expected_pv))


def _basis_fund(wh: Warehouse, pack: PaymentPack, last: int) -> dict[str, dict[str, object]]:
    """The last history year's fund payment per fund: Σ ``fund_pay`` (settlements, else cost × ratio), and
    how many cases took the ratio rule (the budget's trace)."""
    cases = wh.table("cases")
    scope = cases.filter(cases.setl_year == last)
    t = with_fund_payment(wh, pack, scope, scope.medfee_sumamt)
    rows = t.group_by("insutype").agg(fund=t.fund_pay.sum(), n=t.count(),
                                      by_ratio=(t.fund_source == FROM_RATIO).cast("int64").sum())
    return {r["insutype"]: r for r in rows.to_pyarrow().to_pylist()}


def _write_parameters(wh: Warehouse, pack: PaymentPack, year: int, last: int, assigned: ir.Table) -> None:
    """预期点值 per fund (last history year's cost ÷ base points) and the year's budget per fund: last year's
    fund payment (from its settlements where the warehouse has them) × (1 + growth).

    The last year's cases are taken already grouped from the catalog run (``assigned``)."""
    dip = pack.require_dip()
    grouped = apply_subtypes(assigned.filter(assigned.setl_year == last), wh.table("dip_subtypes"), dip.subtypes)
    coefs = institution_coefficients(wh.table("institutions"), optional_table(wh, "dip_evaluations"), dip)
    scored = base_points(grouped, wh.table("dip_catalog"), coefs, dip, Decimal(1))
    sums = scored.group_by("insutype").agg(cost=scored.cost.sum(), points=scored.base_points.sum()).to_pyarrow()
    rows = []
    all_cost = sum((Decimal(str(c)) for c in sums["cost"].to_pylist()), Decimal(0))
    all_points = sum((Decimal(str(p)) for p in sums["points"].to_pylist()), Decimal(0))
    overall = clearing.expected_point_value(all_cost, all_points)
    by_fund = {r["insutype"]: r for r in sums.to_pylist()}
    basis = _basis_fund(wh, pack, last)
    for code, fund in pack.funds.items():
        row = by_fund.get(code)
        cost = Decimal(str(row["cost"])) if row else Decimal(0)
        points = Decimal(str(row["points"])) if row else Decimal(0)
        pv = clearing.expected_point_value(cost, points) if points > 0 else overall
        b = basis.get(code, {})
        paid = Decimal(str(b.get("fund") or 0))
        budget = fund.annual_budget if fund.budget_basis == "fixed" else fen(paid * (1 + fund.budget_growth))
        rows.append({"year": year, "insutype": code, "expected_pv": str(pv), "overall_pv": str(overall),
                     "budget": str(budget), "fund_pay_ratio": str(fund.fund_pay_ratio), "basis_year": last,
                     "basis_cost": str(cost), "basis_fund": str(paid), "basis_cases": int(b.get("n") or 0),
                     "basis_ratio_cases": int(b.get("by_ratio") or 0)})
    wh.write("dip_parameters", pa.Table.from_pylist(rows))


def parameters(wh: Warehouse, year: int) -> dict[str, dict[str, str]]:
    if "dip_parameters" not in wh.tables():
        raise NotFoundError(ErrorCode.NOT_FOUND, field="dip_parameters", detail="请先运行 yibao dip build-catalog")
    rows = wh.table("dip_parameters").to_pyarrow().to_pylist()
    found = {r["insutype"]: r for r in rows if int(r["year"]) == year}
    if not found:
        raise NotFoundError(ErrorCode.NOT_FOUND, field="year", detail=f"目录库不是为 {year} 年建立的")
    return found


def year_points(wh: Warehouse, pack: PaymentPack, year: int, month: int | None = None,
                refresh_queue: bool = False) -> ir.Table:
    """The year's (or month's) case points with markers, cross-region flag and the review outcome.

    ``refresh_queue`` rebuilds the special-review queue of this scope and writes it (monthly settlement);
    otherwise the stored queue is used (annual clearing), or a fresh one when none is stored.
    """
    dip = pack.require_dip()
    params = parameters(wh, year)
    overall = Decimal(next(iter(params.values()))["overall_pv"])
    cases = wh.table("cases")
    # previous discharge of the same person (15-day readmission), looking back into last year
    since = dt.date(year, 1, 1) - dt.timedelta(days=dip.markers.readmission_days)
    window = cases.filter((cases.setl_year == year) | ((cases.setl_year == year - 1) & (cases.dscg_date >= since)))
    window = window.mutate(prev_dscg=window.dscg_date.lag().over(group_by="psn_no", order_by=["adm_date", "case_id"]))
    scope = window.filter(window.setl_year == year)
    scope = scope.mutate(setl_month=scope.dscg_date.month().cast("int32"))
    if month is not None:
        scope = scope.filter(scope.setl_month == month)
    scope = _cross_region(wh, scope)
    scope = with_fund_payment(wh, pack, scope, scope.medfee_sumamt)
    scored = _scored(wh, pack, scope, overall)
    stored = None if refresh_queue else optional_table(wh, "dip_review_queue")
    if refresh_queue:
        queue = _store_queue(wh, review_queue(scored, dip).to_pyarrow(), year, month)
    elif stored is not None:
        queue = stored.filter(stored.year == year)
        queue = queue if month is None else queue.filter(queue.case_id.isin(scored.case_id))
    else:
        queue = review_queue(scored, dip)
    decisions = optional_table(wh, "dip_review_decisions")
    pts = case_points(scored, queue, decisions, dip)
    marked = mark_violations(pts, wh.table("dip_catalog"), dip.markers)
    return marked.select(
        "case_id", "psn_no", "fixmedins_code", "insutype", "setl_month", "dscg_date", "cross_region",
        "group_code", "group_type", "subtype", "score", "inst_coef", "subtype_coef", "base_points",
        "cost", "std_cost", "cost_ratio", "outlier", "points", "review_reason", "reviewer", "fund_pay", "fund_source",
        "readmit_15d", "low_standard", "long_stay", "low_risk_death")


def _cross_region(wh: Warehouse, scope: ir.Table) -> ir.Table:
    """省内异地: the person is insured outside the treating institution's city (first 4 digits differ)."""
    if "persons" not in wh.tables():
        return scope.mutate(cross_region=ibis.literal(False))
    persons = wh.table("persons").select(p_no="psn_no", insu_admdvs="insu_admdvs")
    inst = wh.table("institutions").select(i_code="fixmedins_code", inst_admdvs="admdvs")
    t = scope.left_join(persons, scope.psn_no == persons.p_no).left_join(inst, scope.fixmedins_code == inst.i_code)
    cross = t.insu_admdvs.notnull() & (t.insu_admdvs.substr(0, 4) != t.inst_admdvs.substr(0, 4))
    return t.mutate(cross_region=cross.fill_null(False)).drop("p_no", "insu_admdvs", "i_code", "inst_admdvs")


def review_queue_for(wh: Warehouse, pack: PaymentPack, year: int, month: int | None = None) -> pa.Table:
    """The special-review queue (特例单议) of a year or month, written to ``dip_review_queue``."""
    params = parameters(wh, year)
    overall = Decimal(next(iter(params.values()))["overall_pv"])
    cases = wh.table("cases")
    scope = cases.filter(cases.setl_year == year)
    scope = scope.mutate(setl_month=scope.dscg_date.month().cast("int32"))
    if month is not None:
        scope = scope.filter(scope.setl_month == month)
    scored = _scored(wh, pack, scope, overall)
    _store_queue(wh, review_queue(scored, pack.require_dip()).to_pyarrow(), year, month)
    return wh.table("dip_review_queue").to_pyarrow()


def _store_queue(wh: Warehouse, queue: pa.Table, year: int, month: int | None) -> ir.Table:
    queue = queue.append_column("year", pa.array([year] * queue.num_rows, pa.int32()))
    wh.write("dip_review_queue", queue, partition=f"{year}-{month or 0:02d}")
    return ibis.memtable(queue)


def record_review(wh: Warehouse, case_id: str, points: Decimal, reason: str, reviewer: str) -> None:
    """Record a reviewer's decision for a queued case (points + reason + reviewer)."""
    if not reason.strip() or not reviewer.strip():
        raise InputError(ErrorCode.MISSING_FIELD, field="reason", detail="特例单议须写明理由与评审人")
    if points < 0:
        raise InputError(ErrorCode.NEGATIVE_AMOUNT, field="points", detail=str(points))
    queue = optional_table(wh, "dip_review_queue")
    if queue is None or queue.filter(queue.case_id == case_id).count().execute() == 0:
        raise NotFoundError(ErrorCode.NOT_FOUND, field="case_id", detail=f"病例 {case_id} 不在特例单议队列中")
    row = pa.table({"case_id": [case_id], "points": pa.array([points.quantize(Decimal("0.0001"))], pa.decimal128(18, 4)),
                    "reason": [reason], "reviewer": [reviewer],
                    "reviewed_at": pa.array([dt.datetime.now(dt.UTC).replace(tzinfo=None)], pa.timestamp("us"))})
    wh.write("dip_review_decisions", row, partition=f"{case_id}")


__all__ = ["CatalogSummary", "build_catalog", "cached", "history_years", "optional_table", "parameters", "record_review",
           "review_queue_for", "year_points"]
