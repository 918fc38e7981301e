"""DIP monthly settlement and annual clearing runs (services: read the warehouse, call engines, write).

Fund payment: each case's 统筹基金支付 is its settlement's ``hifp_pay`` (``settlements`` in the warehouse);
a case without one takes cost × the pack's ratio, marked ``ratio`` (:func:`yibao.payment.runs.with_fund_payment`).
The fund payment ratio of the point value (DIP 预算 ÷ 基金支付比例 ÷ 总分值) is Σ fund payment ÷ Σ cost of
the scope's local cases (the month's for a monthly settlement, the year's for the clearing), and the
institution's 实际基金记账 in the clearing is Σ its cases' fund payment.

Money: case lines show ``points × point value × fund ratio`` to the fen; the institution's amount is
its share of the budget allocated by largest remainder (:func:`yibao.payment.clearing.allocate`), so
Σ institutions == the budget exactly; the difference to Σ case lines is shown as 尾差调整.
省内异地 cases are paid at the local point value outside the local budget (cleared with the insured
person's region) and listed apart.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from yibao.errors import ConflictError, ErrorCode, InputError
from yibao.money import fen
from yibao.payment import clearing
from yibao.payment.dip.service import parameters, year_points
from yibao.payment.runs import (FROM_RATIO, cached, fund_ratio, last_year_fund, monthly_paid, optional_table,
                                with_fund_payment)
from yibao.payment.policy import PaymentPack
from yibao.store.warehouse import Warehouse

MONEY = pa.decimal128(18, 2)
POINTS = pa.decimal128(18, 4)
PART_ROWS = 1_000_000
RATIO = pa.decimal128(9, 6)


@dataclass(frozen=True)
class FundResult(clearing.FundResult):
    """A fund's DIP month or year: the point method's figures, plus cross-region cases and the fund ratio."""

    cross_amount: Decimal
    fund_pay_ratio: Decimal  # 基金支付比例 of the point value (Σ fund payment ÷ Σ cost of the local cases)


def _dec(v: object) -> Decimal:
    return v if isinstance(v, Decimal) else Decimal(str(v))


@dataclass(frozen=True)
class Sums:
    """One (fund, institution, cross-region) cell of a scope's case points."""

    points: Decimal
    cost: Decimal
    fund: Decimal  # Σ 统筹基金支付
    cases: int
    by_ratio: int  # cases whose fund payment came from the ratio rule (no settlement)


def _sums(points: ir.Table) -> dict[tuple[str, str, bool], Sums]:
    """(insutype, fixmedins_code, cross) → sums."""
    agg = points.group_by("insutype", "fixmedins_code", "cross_region").agg(
        points=points.points.sum(), cost=points.cost.sum(), fund=points.fund_pay.sum(), n=points.count(),
        by_ratio=(points.fund_source == FROM_RATIO).cast("int64").sum()).to_pyarrow().to_pylist()
    return {(r["insutype"], r["fixmedins_code"], bool(r["cross_region"])):
            Sums(_dec(r["points"]), _dec(r["cost"]), _dec(r["fund"]), r["n"], int(r["by_ratio"])) for r in agg}


def _fund_ratio(sums: dict[tuple[str, str, bool], Sums], code: str, default: Decimal) -> tuple[Decimal, int]:
    """The fund's payment ratio over its local cases in scope, and how many of them took the ratio rule."""
    local = [v for k, v in sums.items() if k[0] == code and not k[2]]
    ratio = fund_ratio(sum((v.fund for v in local), Decimal(0)), sum((v.cost for v in local), Decimal(0)), default)
    return ratio, sum(v.by_ratio for v in local)


def _with_amounts(points: ir.Table, pv: dict[str, Decimal], ratio: dict[str, Decimal]) -> ir.Table:
    """Case lines with ``point_value`` and ``amount`` = fen(points × value × fund ratio)."""
    value = ibis.cases(*((points.insutype == k, ibis.literal(v, type="decimal(18, 6)")) for k, v in pv.items()),
                       else_=ibis.literal(Decimal(0), type="decimal(18, 6)"))
    share = ibis.cases(*((points.insutype == k, ibis.literal(v, type="decimal(9, 6)")) for k, v in ratio.items()),
                       else_=ibis.literal(Decimal(0), type="decimal(9, 6)"))
    amount = (points.points * value).round(6) * share
    return points.mutate(point_value=value, fund_pay_ratio=share, amount=amount.round(2).cast("decimal(18, 2)"))


def _write_parts(wh: Warehouse, name: str, expr: ir.Table, prefix: str) -> None:
    """Stream ``expr`` into parts ``<prefix>-NNNN`` of table ``name`` (bounded memory at any size)."""
    folder = wh.root / name
    for old in folder.glob(f"part-{prefix}-*.parquet"):
        old.unlink()
    parts = max(1, -(-int(expr.count().execute()) // PART_ROWS))
    for i in range(parts):
        # split by a hash of the case id: any backend, each part materialised on its own
        part = expr if parts == 1 else expr.filter((expr.case_id.hash() % parts).abs() == i)
        wh.write(name, part.to_pyarrow(), partition=f"{prefix}-{i:04d}")


def _case_sum(lines: ir.Table) -> dict[tuple[str, str], Decimal]:
    """Σ case-line amounts per (fund, institution), local cases only."""
    local = lines.filter(~lines.cross_region)
    rows = local.group_by("insutype", "fixmedins_code").agg(s=local.amount.sum()).to_pyarrow().to_pylist()
    return {(r["insutype"], r["fixmedins_code"]): _dec(r["s"]) for r in rows}


def settle_month(wh: Warehouse, pack: PaymentPack, year: int, month: int) -> list[FundResult]:
    """月度结算 of ``year-month``: queue special reviews, score the month's cases, pay per institution."""
    if not 1 <= month <= 12:
        raise InputError(ErrorCode.INVALID_VALUE, field="month", detail=f"月份应为 1–12：{month}")
    params = parameters(wh, year)
    pts = cached(wh, year_points(wh, pack, year, month, refresh_queue=True))
    sums = _sums(pts)
    results, rows, pvs, ratios = [], [], {}, {}
    for code, fund in pack.funds.items():
        p = params.get(code)
        if p is None:
            continue
        monthly_budget = clearing.allocate(_dec(p["budget"]), {f"{m:02d}": Decimal(1) for m in range(1, 13)})[f"{month:02d}"]
        local = {k[1]: v.points for k, v in sums.items() if k[0] == code and not k[2]}
        ratio, by_ratio = _fund_ratio(sums, code, fund.fund_pay_ratio)
        pv, lines = clearing.monthly_settlement(pack.clearing, pack.require_dip().point_value, monthly_budget,
                                                ratio, local, _dec(p["expected_pv"]))
        pvs[code], ratios[code] = pv, ratio
        cross = {k[1]: v.points for k, v in sums.items() if k[0] == code and k[2]}
        cross_amount = {k: fen(v * pv * ratio) for k, v in cross.items()}
        for line in lines:
            mine = sums[(code, line.key, False)]
            rows.append({"year": year, "month": month, "insutype": code, "fixmedins_code": line.key,
                         "points": line.points, "point_value": pv, "fund_pay_ratio": ratio, "fund_ratio_cases": by_ratio,
                         "actual_fund": mine.fund, "ratio_cases": mine.by_ratio,
                         "budget": monthly_budget, "amount": line.amount,
                         "withheld": line.withheld, "paid": line.paid,
                         "cross_points": cross.get(line.key, Decimal(0)),
                         "cross_amount": cross_amount.get(line.key, Decimal(0))})
        results.append(FundResult(code, monthly_budget, pv, sum(local.values(), Decimal(0)),
                                  sum((ln.amount for ln in lines), Decimal(0)), len(lines),
                                  sum(cross_amount.values(), Decimal(0)), ratio))
    case_lines = _with_amounts(pts, pvs, ratios)
    _write_parts(wh, "dip_case_points", case_lines, f"{year}-{month:02d}")
    case_sum = _case_sum(case_lines)
    for row in rows:
        row["rounding"] = row["amount"] - case_sum.get((row["insutype"], row["fixmedins_code"]), Decimal(0))
    wh.write("dip_monthly", _monthly_table(rows), partition=f"{year}-{month:02d}")
    return results


def _monthly_table(rows: list[dict[str, object]]) -> pa.Table:
    money = ("point_value", "budget", "amount", "withheld", "paid", "cross_amount", "rounding", "actual_fund")
    schema = pa.schema([("year", pa.int32()), ("month", pa.int32()), ("insutype", pa.string()),
                        ("fixmedins_code", pa.string()), ("points", POINTS), ("cross_points", POINTS),
                        ("fund_pay_ratio", RATIO), ("fund_ratio_cases", pa.int64()), ("ratio_cases", pa.int64())]
                       + [(m, pa.decimal128(18, 6) if m == "point_value" else MONEY) for m in money])
    return pa.Table.from_pylist(rows, schema=schema)


def _inputs(wh: Warehouse, year: int) -> tuple[dict[str, dict[str, object]], dict[str, Decimal]]:
    """Evaluations by institution, and audit deductions of the year by institution."""
    evals: dict[str, dict[str, object]] = {}
    ev = optional_table(wh, "dip_evaluations")
    if ev is not None:
        evals = {r["fixmedins_code"]: r for r in ev.to_pyarrow().to_pylist()}
    audits: dict[str, Decimal] = defaultdict(Decimal)
    au = optional_table(wh, "dip_audit_deductions")
    if au is not None:
        for r in au.filter(au.year == year).to_pyarrow().to_pylist():
            audits[r["fixmedins_code"]] += _dec(r["amount"])
    return evals, audits


def clear_year(wh: Warehouse, pack: PaymentPack, year: int) -> list[FundResult]:
    """年度清算: the year's points and point value, bands, less monthly payments, advance, audits, deposit."""
    params = parameters(wh, year)
    pts = cached(wh, year_points(wh, pack, year))
    sums = _sums(pts)
    evals, audits = _inputs(wh, year)
    paid = monthly_paid(wh, "dip_monthly", year)
    cases = wh.table("cases")
    last = cases.filter(cases.setl_year == year - 1)
    last = with_fund_payment(wh, pack, last, last.medfee_sumamt)
    last_fund = last_year_fund(pack, last, last.medfee_sumamt, last.fund_pay)
    results, out_rows, adj_rows, pvs, ratios = [], [], [], {}, {}
    for code, fund in pack.funds.items():
        p = params.get(code)
        if p is None:
            continue
        budget = _dec(p["budget"])
        keys = sorted({k[1] for k in sums if k[0] == code and not k[2]})
        credit = {k: str(evals.get(k, {}).get("credit_grade") or "A") for k in keys}
        advance = clearing.advance_payments(pack.clearing, {k: last_fund.get((code, k), Decimal(0)) for k in keys}, credit)
        ratio, by_ratio = _fund_ratio(sums, code, fund.fund_pay_ratio)
        rows = [clearing.InstitutionYear(
            key=k, points=sums[(code, k, False)].points, actual_fund=sums[(code, k, False)].fund,
            monthly_paid=paid.get((code, k), Decimal(0)), advance=advance[k],
            audit_deduction=audits.get(k, Decimal(0)) if code == _audit_fund(pack) else Decimal(0),
            assessment_score=_dec(evals.get(k, {}).get("assessment_score") or 1)) for k in keys]
        pv, lines = clearing.annual_clearing(pack.clearing, pack.require_dip().point_value, budget,
                                             ratio, rows, _dec(p["expected_pv"]))
        pvs[code], ratios[code] = pv, ratio
        total = sum((ln.dip_amount for ln in lines), Decimal(0))
        if pack.require_dip().point_value.mode == "floating" and lines and total != budget:
            raise ConflictError(ErrorCode.UNBALANCED, field="budget", detail=f"{code}：Σ {total} ≠ 预算 {budget}")
        cross = {k[1]: v.points for k, v in sums.items() if k[0] == code and k[2]}
        for line in lines:
            out_rows.append({"year": year, "insutype": code, "fixmedins_code": line.key, "points": line.points,
                             "point_value": pv, "fund_pay_ratio": ratio, "fund_ratio_cases": by_ratio,
                             "ratio_cases": sums[(code, line.key, False)].by_ratio,
                             "dip_amount": line.dip_amount, "actual_fund": line.actual_fund,
                             "cleared": line.cleared, "balance": line.balance,
                             "cross_points": cross.get(line.key, Decimal(0)),
                             "cross_amount": fen(cross.get(line.key, Decimal(0)) * pv * ratio)})
            adj_rows += [{"year": year, "insutype": code, "fixmedins_code": line.key, "kind": a.kind,
                          "amount": a.amount, "reason": a.reason} for a in line.adjustments]
        results.append(FundResult(code, budget, pv, sum((r.points for r in rows), Decimal(0)), total, len(lines),
                                  sum((r["cross_amount"] for r in out_rows if r["insutype"] == code), Decimal(0)),
                                  ratio))
    _write_parts(wh, "dip_year_points", _with_amounts(pts, pvs, ratios), str(year))
    wh.write("dip_clearing", _clearing_table(out_rows), partition=str(year))
    wh.write("dip_adjustments", pa.Table.from_pylist(adj_rows, schema=pa.schema([
        ("year", pa.int32()), ("insutype", pa.string()), ("fixmedins_code", pa.string()), ("kind", pa.string()),
        ("amount", MONEY), ("reason", pa.string())])), partition=str(year))
    return results


def _audit_fund(pack: PaymentPack) -> str:
    """Audit deductions are recorded per institution; they are taken from the first fund's clearing."""
    return sorted(pack.funds)[0]


def _clearing_table(rows: list[dict[str, object]]) -> pa.Table:
    money = ("dip_amount", "actual_fund", "cleared", "balance", "cross_amount")
    return pa.Table.from_pylist(rows, schema=pa.schema(
        [("year", pa.int32()), ("insutype", pa.string()), ("fixmedins_code", pa.string()), ("points", POINTS),
         ("point_value", pa.decimal128(18, 6)), ("fund_pay_ratio", RATIO), ("fund_ratio_cases", pa.int64()),
         ("ratio_cases", pa.int64()), ("cross_points", POINTS)] + [(m, MONEY) for m in money]))


__all__ = ["FundResult", "clear_year", "settle_month"]
