"""DRG payment runs over the warehouse (the imperative shell of ``points`` / ``payment`` / ``clearing``).

Tables written (all Parquet under the warehouse root, one part per year or month):

- ``drg_cases`` every case grouped (case_id, fixmedins_code, insutype, setl_year, setl_month, cost, drg, status …)
- ``drg_base_points`` 基准点数 per DRG and ``drg_coefficients`` 差异系数 per hospital, for a payment year
- ``drg_parameters`` budget, expected point value and fund ratio per fund and year
- ``drg_review_queue`` 特例单议队列 · ``drg_case_points`` 月度病例点数与金额 · ``drg_monthly`` 月度结算
- ``drg_year_points`` · ``drg_clearing`` 年度清算 · ``drg_adjustments`` 清算调整（含理由）

Optional inputs: ``drg_review_decisions`` (case_id, points, reason), ``drg_audit_deductions``
(fixmedins_code, year, amount, reason), ``drg_evaluations`` (fixmedins_code, eval_grade, credit_grade,
assessment_score).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from yibao.errors import ConflictError, ErrorCode, InputError, NotFoundError
from yibao.money import fen
from yibao.payment import clearing
from yibao.payment.clearing import FundResult
from yibao.payment.runs import cached, last_year_fund, monthly_paid, optional_table
from yibao.payment.drg.batch import INPUT_COLUMNS, barrier, group_table
from yibao.payment.drg.payment import fund_budget, month_budget, with_amounts
from yibao.payment.drg.points import (DrgRules, base_points, case_points, hospital_coefficients, review_queue,
                                      score_cases)
from yibao.payment.drg.service import spark_materialiser
from yibao.payment.policy import PaymentPack
from yibao.store.warehouse import Warehouse

MONEY = pa.decimal128(18, 2)
POINTS = pa.decimal128(18, 4)
PV = pa.decimal128(18, 6)
CASE_COLUMNS = ("case_id", "psn_no", "fixmedins_code", "insutype", "setl_year", "setl_month", "dscg_date", "cost",
                "mdc", "adrg", "drg", "status")


def _dec(v: object) -> Decimal:
    return v if isinstance(v, Decimal) else Decimal(str(v))


@dataclass(frozen=True)
class BaseSummary:
    """What :func:`build_base_points` did (基准点数测算结果)."""

    year: int
    history_years: tuple[int, ...]
    cases: int
    groups: int
    small: int
    unstable: int
    budgets: dict[str, Decimal]
    expected_pv: dict[str, Decimal]


def group_cases(wh: Warehouse) -> int:
    """Group every case of the warehouse into ``drg_cases`` (one pass; later runs read it). Returns cases."""
    cases = wh.table("cases")
    inp = cases.select(*INPUT_COLUMNS, "psn_no", "fixmedins_code", "insutype", "setl_year", "dscg_date",
                       setl_month=cases.dscg_date.month().cast("int32"), cost=cases.medfee_sumamt)
    share = spark_materialiser(wh.con) if wh.backend == "pyspark" else barrier
    out = group_table(inp, materialise=share).select(*CASE_COLUMNS)
    table = wh.con.to_pyarrow(out)
    wh.write("drg_cases", table)
    return table.num_rows


def grouped(wh: Warehouse) -> ir.Table:
    if "drg_cases" not in wh.tables():
        group_cases(wh)
    return wh.table("drg_cases")


def _history_years(g: ir.Table, year: int, n: int) -> list[int]:
    present = set(g.filter(g.setl_year < year).select("setl_year").distinct().to_pyarrow()["setl_year"].to_pylist())
    years = [y for y in range(year - n, year) if y in present]
    if not years:
        raise NotFoundError(ErrorCode.NOT_FOUND, field="setl_year", detail=f"{year} 年之前没有历史住院病例，无法测算基准点数")
    return years


def _for_year(wh: Warehouse, name: str, year: int, hint: str) -> ir.Table:
    t = optional_table(wh, name)
    if t is None:
        raise NotFoundError(ErrorCode.NOT_FOUND, field=name, detail=hint)
    return t.filter(t.year == year).drop("year")


def build_base_points(wh: Warehouse, pack: PaymentPack, year: int,
                      budgets: dict[str, Decimal] | None = None) -> BaseSummary:
    """基准点数、差异系数、预期点值与年度预算 for payment year ``year`` from the previous years' cases."""
    rules = DrgRules.from_pack(pack)
    group_cases(wh)  # the start of a payment year: group the warehouse's cases afresh
    g = wh.table("drg_cases")
    years = _history_years(g, year, len(rules.drg.history_weights))
    hist = cached(wh, g.filter(g.setl_year.isin(years)))
    base = cached(wh, base_points(hist, rules, years))
    coefs = cached(wh, hospital_coefficients(wh.table("institutions"), hist, base, rules,
                                             optional_table(wh, "drg_evaluations")))
    base_rows = base.to_pyarrow()
    coef_rows = coefs.to_pyarrow()
    wh.write("drg_base_points", _with_year(base_rows, year), partition=str(year))
    wh.write("drg_coefficients", _with_year(coef_rows, year), partition=str(year))
    # 预期点值: last history year's cost ÷ its points under this year's base points
    last = hist.filter(hist.setl_year == years[-1])
    scored = score_cases(last, base, coefs, rules)
    pts = case_points(scored, scored.filter(ibis.literal(False)).select("case_id"), rules)
    sums = {r["insutype"]: r for r in pts.group_by("insutype").agg(
        cost=pts.cost.sum(), points=pts.points.sum()).to_pyarrow().to_pylist()}
    all_cost = sum((_dec(r["cost"]) for r in sums.values()), Decimal(0))
    all_points = sum((_dec(r["points"]) for r in sums.values()), Decimal(0))
    overall = clearing.expected_point_value(all_cost, all_points)
    rows, out_budgets, out_pv = [], {}, {}
    for code, fund in sorted(pack.funds.items()):
        row = sums.get(code)
        cost = _dec(row["cost"]) if row else Decimal(0)
        points = _dec(row["points"]) if row else Decimal(0)
        pv = clearing.expected_point_value(cost, points) if points > 0 else overall
        budget = fund_budget(fund, cost, (budgets or {}).get(code))
        out_budgets[code], out_pv[code] = budget, pv
        rows.append({"year": year, "insutype": code, "budget": budget, "expected_pv": pv,
                     "fund_pay_ratio": fund.fund_pay_ratio, "basis_year": years[-1], "basis_cost": cost,
                     "history_years": ",".join(map(str, years))})
    wh.write("drg_parameters", pa.Table.from_pylist(rows, schema=pa.schema([
        ("year", pa.int32()), ("insutype", pa.string()), ("budget", MONEY), ("expected_pv", PV),
        ("fund_pay_ratio", pa.decimal128(9, 4)), ("basis_year", pa.int32()), ("basis_cost", MONEY),
        ("history_years", pa.string())])), partition=str(year))
    flags = base_rows.to_pylist()
    return BaseSummary(year, tuple(years), sum(r["case_count"] for r in flags), len(flags),
                       sum(1 for r in flags if r["small"]), sum(1 for r in flags if r["unstable"]),
                       out_budgets, out_pv)


def _with_year(table: pa.Table, year: int) -> pa.Table:
    return table.append_column("year", pa.array([year] * table.num_rows, pa.int32()))


def parameters(wh: Warehouse, year: int) -> dict[str, dict[str, object]]:
    p = _for_year(wh, "drg_parameters", year, "请先运行 yibao drg base-points")
    found = {r["insutype"]: r for r in p.to_pyarrow().to_pylist()}
    if not found:
        raise NotFoundError(ErrorCode.NOT_FOUND, field="year", detail=f"没有为 {year} 年测算基准点数")
    return found


def year_points(wh: Warehouse, pack: PaymentPack, year: int, month: int | None = None) -> ir.Table:
    """Case points of a month (queue refreshed and stored for the month) or of the year (the months'
    stored queues, or a year-wide queue when no month was settled)."""
    rules = DrgRules.from_pack(pack)
    g = grouped(wh)
    scope = g.filter(g.setl_year == year)
    if month is not None:
        scope = scope.filter(scope.setl_month == month)
    base = _for_year(wh, "drg_base_points", year, "请先运行 yibao drg base-points")
    coefs = _for_year(wh, "drg_coefficients", year, "请先运行 yibao drg base-points")
    scored = cached(wh, score_cases(scope, base, coefs, rules))
    stored = optional_table(wh, "drg_review_queue")
    if month is None and stored is not None and stored.filter(stored.year == year).count().execute():
        queue = stored.filter(stored.year == year).select("case_id").distinct()
    else:
        fresh = review_queue(scored, rules).to_pyarrow()
        fresh = _with_year(fresh, year)
        wh.write("drg_review_queue", fresh, partition=f"{year}-{month or 0:02d}")
        queue = ibis.memtable(fresh.select(["case_id"]))
    pts = case_points(scored, queue, rules, optional_table(wh, "drg_review_decisions"))
    return pts.select("case_id", "psn_no", "fixmedins_code", "insutype", "setl_month", "dscg_date", "drg",
                      "status", "cost", "mean_cost", "base_points", "coef", "cost_ratio", "high_multiple",
                      "case_type", "points", "review_reason")


def _sums(points: ir.Table) -> dict[tuple[str, str], tuple[Decimal, Decimal, int]]:
    agg = points.group_by("insutype", "fixmedins_code").agg(
        points=points.points.sum(), cost=points.cost.sum(), n=points.count()).to_pyarrow().to_pylist()
    return {(r["insutype"], r["fixmedins_code"]): (_dec(r["points"]), _dec(r["cost"]), r["n"]) for r in agg}


def _case_sums(lines: ir.Table) -> dict[tuple[str, str], Decimal]:
    rows = lines.group_by("insutype", "fixmedins_code").agg(s=lines.amount.sum()).to_pyarrow().to_pylist()
    return {(r["insutype"], r["fixmedins_code"]): _dec(r["s"]) for r in rows}


def settle_month(wh: Warehouse, pack: PaymentPack, year: int, month: int) -> list[FundResult]:
    """月度预结算: the month's points, the month's budget by points, less the withheld share."""
    if not 1 <= month <= 12:
        raise InputError(ErrorCode.INVALID_VALUE, field="month", detail=f"月份应为 1–12：{month}")
    rules = DrgRules.from_pack(pack)
    params = parameters(wh, year)
    pts = cached(wh, year_points(wh, pack, year, month))
    sums = _sums(pts)
    results, rows, pvs, ratios = [], [], {}, {}
    for code, fund in sorted(pack.funds.items()):
        p = params.get(code)
        if p is None:
            continue
        budget = month_budget(_dec(p["budget"]), month)
        local = {k[1]: v[0] for k, v in sums.items() if k[0] == code}
        pv, lines = clearing.monthly_settlement(pack.clearing, rules.drg.point_value, budget, fund.fund_pay_ratio,
                                                local, _dec(p["expected_pv"]))
        pvs[code], ratios[code] = pv, fund.fund_pay_ratio
        for line in lines:
            rows.append({"year": year, "month": month, "insutype": code, "fixmedins_code": line.key,
                         "cases": sums[(code, line.key)][2], "points": line.points, "point_value": pv,
                         "budget": budget, "amount": line.amount, "withheld": line.withheld, "paid": line.paid})
        results.append(FundResult(code, budget, pv, sum(local.values(), Decimal(0)),
                                  sum((ln.amount for ln in lines), Decimal(0)), len(lines)))
    case_lines = with_amounts(pts, pvs, ratios)
    wh.write("drg_case_points", _with_year(case_lines.to_pyarrow(), year), partition=f"{year}-{month:02d}")
    case_sum = _case_sums(case_lines)
    for row in rows:
        row["rounding"] = row["amount"] - case_sum.get((row["insutype"], row["fixmedins_code"]), Decimal(0))
    wh.write("drg_monthly", _monthly_table(rows), partition=f"{year}-{month:02d}")
    return results


def _monthly_table(rows: list[dict[str, object]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=pa.schema(
        [("year", pa.int32()), ("month", pa.int32()), ("insutype", pa.string()), ("fixmedins_code", pa.string()),
         ("cases", pa.int64()), ("points", POINTS), ("point_value", PV)]
        + [(m, MONEY) for m in ("budget", "amount", "withheld", "paid", "rounding")]))


def record_review(wh: Warehouse, case_id: str, points: Decimal, reason: str) -> None:
    """特例单议结论 for a queued case: the points experts decided, and why."""
    if not reason.strip():
        raise InputError(ErrorCode.MISSING_FIELD, field="reason", detail="特例单议须写明理由")
    if points < 0:
        raise InputError(ErrorCode.NEGATIVE_AMOUNT, field="points", detail=str(points))
    queue = optional_table(wh, "drg_review_queue")
    if queue is None or not queue.filter(queue.case_id == case_id).count().execute():
        raise NotFoundError(ErrorCode.NOT_FOUND, field="case_id", detail=f"病例 {case_id} 不在特例单议队列中")
    wh.write("drg_review_decisions", pa.table({
        "case_id": [case_id], "points": pa.array([points.quantize(Decimal("0.0001"))], POINTS),
        "reason": [reason]}), partition=case_id)


def record_audit(wh: Warehouse, year: int, code: str, amount: Decimal, reason: str, key: str) -> None:
    """审核扣款: a deduction of ``amount`` from ``code``'s clearing of ``year`` (``key`` names the record)."""
    if amount <= 0:
        raise InputError(ErrorCode.INVALID_AMOUNT, field="amount", detail=f"扣款金额应为正数：{amount}")
    wh.write("drg_audit_deductions", pa.table({
        "fixmedins_code": [code], "year": pa.array([year], pa.int32()), "amount": pa.array([fen(amount)], MONEY),
        "reason": [reason]}), partition=f"{year}-{key}")


def _inputs(wh: Warehouse, year: int) -> tuple[dict[str, dict[str, object]], dict[str, list[tuple[Decimal, str]]]]:
    evals: dict[str, dict[str, object]] = {}
    ev = optional_table(wh, "drg_evaluations")
    if ev is not None:
        evals = {r["fixmedins_code"]: r for r in ev.to_pyarrow().to_pylist()}
    audits: dict[str, list[tuple[Decimal, str]]] = defaultdict(list)
    au = optional_table(wh, "drg_audit_deductions")
    if au is not None:
        for r in au.filter(au.year == year).to_pyarrow().to_pylist():
            audits[r["fixmedins_code"]].append((_dec(r["amount"]), str(r["reason"])))
    return evals, audits


def clear_year(wh: Warehouse, pack: PaymentPack, year: int) -> list[FundResult]:
    """年度清算: the year's points and point value, retention / sharing bands, less monthly payments,
    the advance, audit deductions and the quality deposit; Σ DRG amounts == budget (floating)."""
    rules = DrgRules.from_pack(pack)
    params = parameters(wh, year)
    pts = cached(wh, year_points(wh, pack, year))
    sums = _sums(pts)
    evals, audits = _inputs(wh, year)
    paid = monthly_paid(wh, "drg_monthly", year)
    g = grouped(wh)
    last = g.filter(g.setl_year == year - 1)
    last_fund = last_year_fund(pack, last, last.cost)
    audit_fund = sorted(pack.funds)[0]  # deductions are per institution; taken once, from the first fund
    results, out_rows, adj_rows, pvs, ratios = [], [], [], {}, {}
    for code, fund in sorted(pack.funds.items()):
        p = params.get(code)
        if p is None:
            continue
        budget = _dec(p["budget"])
        keys = sorted(k[1] for k in sums if k[0] == code)
        credit = {k: str(evals.get(k, {}).get("credit_grade") or "A") for k in keys}
        advance = clearing.advance_payments(pack.clearing, {k: last_fund.get((code, k), Decimal(0)) for k in keys},
                                            credit)
        rows = [clearing.InstitutionYear(
            key=k, points=sums[(code, k)][0], actual_fund=fen(sums[(code, k)][1] * fund.fund_pay_ratio),
            monthly_paid=paid.get((code, k), Decimal(0)), advance=advance[k],
            audit_deduction=sum((a for a, _ in audits.get(k, [])), Decimal(0)) if code == audit_fund else Decimal(0),
            assessment_score=_dec(evals.get(k, {}).get("assessment_score") or 1)) for k in keys]
        pv, lines = clearing.annual_clearing(pack.clearing, rules.drg.point_value, budget, fund.fund_pay_ratio,
                                             rows, _dec(p["expected_pv"]))
        pvs[code], ratios[code] = pv, fund.fund_pay_ratio
        total = sum((ln.dip_amount for ln in lines), Decimal(0))
        if rules.drg.point_value.mode == "floating" and lines and total != budget:
            raise ConflictError(ErrorCode.UNBALANCED, field="budget", detail=f"{code}：Σ {total} ≠ 预算 {budget}")
        for line in lines:
            out_rows.append({"year": year, "insutype": code, "fixmedins_code": line.key,
                             "cases": sums[(code, line.key)][2], "points": line.points, "point_value": pv,
                             "budget": budget, "drg_amount": line.dip_amount, "actual_fund": line.actual_fund,
                             "cleared": line.cleared, "balance": line.balance})
            for a in line.adjustments:
                reason = a.reason
                if a.kind == "audit":
                    reason = "；".join(f"{r}（{amt}）" for amt, r in audits.get(line.key, [])) or reason
                adj_rows.append({"year": year, "insutype": code, "fixmedins_code": line.key, "kind": a.kind,
                                 "amount": a.amount, "reason": reason})
        results.append(FundResult(code, budget, pv, sum((r.points for r in rows), Decimal(0)), total, len(lines)))
    wh.write("drg_year_points", _with_year(with_amounts(pts, pvs, ratios).to_pyarrow(), year), partition=str(year))
    wh.write("drg_clearing", pa.Table.from_pylist(out_rows, schema=pa.schema(
        [("year", pa.int32()), ("insutype", pa.string()), ("fixmedins_code", pa.string()), ("cases", pa.int64()),
         ("points", POINTS), ("point_value", PV)]
        + [(m, MONEY) for m in ("budget", "drg_amount", "actual_fund", "cleared", "balance")])), partition=str(year))
    wh.write("drg_adjustments", pa.Table.from_pylist(adj_rows, schema=pa.schema([
        ("year", pa.int32()), ("insutype", pa.string()), ("fixmedins_code", pa.string()), ("kind", pa.string()),
        ("amount", MONEY), ("reason", pa.string())])), partition=str(year))
    return results


__all__ = ["BaseSummary", "FundResult", "build_base_points", "clear_year", "group_cases", "grouped", "parameters",
           "record_audit", "record_review", "settle_month", "year_points"]
