"""DRG base points and case points on hand-made cases, against a pure-Python reference."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import ibis
import pyarrow as pa
import pytest

from yibao.payment.drg.points import (DrgRules, base_points, case_points, hospital_coefficients, review_queue,
                                      score_cases)
from yibao.payment.policy import load_payment_pack

YEARS = [2017, 2018, 2019]
MONEY = pa.decimal128(18, 2)


def q4(v: Decimal) -> Decimal:
    return v.quantize(Decimal("0.0001"), ROUND_HALF_UP)


def q6(v: Decimal) -> Decimal:
    return v.quantize(Decimal("0.000001"), ROUND_HALF_UP)


@pytest.fixture(scope="module")
def rules() -> DrgRules:
    return DrgRules.from_pack(load_payment_pack("zhoushan-drg-2019"), coefficient_basis="level")


def history_rows() -> list[dict]:
    rows = []

    def add(year: int, drg: str, costs: list[str], hosp: str = "H3") -> None:
        for c in costs:
            rows.append({"case_id": f"{year}-{drg}-{len(rows)}", "setl_year": year, "drg": drg, "status": "grouped",
                         "cost": Decimal(c), "fixmedins_code": hosp})

    add(2017, "A", ["900"] * 4)
    add(2017, "B", ["1800"] * 4)
    add(2018, "A", ["950"] * 4)
    add(2018, "B", ["1900"] * 4)
    add(2019, "A", ["1000"] * 9 + ["50"])  # 50 < 0.1 × mean 905: trimmed
    add(2019, "B", ["2000"] * 4)
    add(2019, "C", ["3000", "3000"])  # too few cases
    add(2019, "D", ["100"] * 4 + ["3000"])  # CV 1.71: unstable
    rows.append({"case_id": "2019-x", "setl_year": 2019, "drg": "0000", "status": "no_diagnosis",
                 "cost": Decimal("777"), "fixmedins_code": "H3"})
    return rows


def history_table(rows: list[dict]) -> ibis.Table:
    schema = pa.schema([("case_id", pa.string()), ("setl_year", pa.int32()), ("drg", pa.string()),
                        ("status", pa.string()), ("cost", MONEY), ("fixmedins_code", pa.string())])
    return ibis.memtable(pa.Table.from_pylist(rows, schema=schema))


def reference_base(rows: list[dict], rules: DrgRules) -> dict[str, Decimal]:
    """Pure Python: trimming per DRG-year, 1:2:7 weighted means, ÷ all-case mean × 100."""
    w = dict(zip(YEARS, [Decimal(x) for x in rules.drg.history_weights]))
    grouped = [r for r in rows if r["status"] == "grouped"]
    kept = []
    for r in grouped:
        same = [x["cost"] for x in grouped if x["drg"] == r["drg"] and x["setl_year"] == r["setl_year"]]
        mean = sum(same) / len(same)
        if mean * rules.drg.trim_low_ratio <= r["cost"] <= mean * rules.drg.trim_high_multiple:
            kept.append(r)

    def wmean(cases: list[dict]) -> Decimal:
        years = sorted({c["setl_year"] for c in cases})
        num = sum(w[y] * sum(c["cost"] for c in cases if c["setl_year"] == y)
                  / len([c for c in cases if c["setl_year"] == y]) for y in years)
        return num / sum(w[y] for y in years)

    overall = wmean(kept)
    return {d: q4(wmean([c for c in kept if c["drg"] == d]) / overall * 100) for d in {c["drg"] for c in kept}}


def test_base_points_are_the_weighted_group_mean_over_the_all_case_mean(rules: DrgRules) -> None:
    rows = history_rows()
    got = {r["drg"]: r for r in base_points(history_table(rows), rules, YEARS).to_pyarrow().to_pylist()}
    assert {k: v["base_points"] for k, v in got.items()} == reference_base(rows, rules)
    # by hand: A = (900 + 2 × 950 + 7 × 1000) ÷ 10 = 980, the 50-yuan case trimmed
    assert got["A"]["mean_cost"] == Decimal("980.00")
    assert (got["A"]["case_count"], got["A"]["kept_count"]) == (18, 17)
    assert got["B"]["mean_cost"] == Decimal("1960.00")
    assert "0000" not in got


def test_groups_with_few_cases_or_a_large_cv_are_flagged(rules: DrgRules) -> None:
    got = {r["drg"]: r for r in base_points(history_table(history_rows()), rules, YEARS).to_pyarrow().to_pylist()}
    assert got["C"]["small"] and not got["C"]["unstable"]
    assert got["D"]["unstable"] and not got["D"]["small"]
    assert got["D"]["cv"] == pytest.approx(1.7059, abs=1e-4)
    assert not got["A"]["small"] and not got["A"]["unstable"]


def institutions() -> ibis.Table:
    return ibis.memtable(pa.table({"fixmedins_code": ["H3", "H2"], "hosp_lv": ["3", "2"]}))


def current(costs: dict[str, tuple[str, str, str]]) -> ibis.Table:
    """case_id → (hospital, drg, cost)."""
    return ibis.memtable(pa.Table.from_pylist(
        [{"case_id": k, "fixmedins_code": h, "drg": d, "status": "grouped" if d != "0000" else "no_diagnosis",
          "cost": Decimal(c)} for k, (h, d, c) in costs.items()],
        schema=pa.schema([("case_id", pa.string()), ("fixmedins_code", pa.string()), ("drg", pa.string()),
                          ("status", pa.string()), ("cost", MONEY)])))


def run(rules: DrgRules, costs: dict[str, tuple[str, str, str]], share: str | None = None) -> dict[str, dict]:
    if share is not None:
        rules = rules.model_copy(update={"drg": rules.drg.model_copy(update={"special_review_share": Decimal(share)})})
    base = base_points(history_table(history_rows()), rules, YEARS)
    coefs = hospital_coefficients(institutions(), None, base, rules)
    scored = score_cases(current(costs), base, coefs, rules)
    pts = case_points(scored, review_queue(scored, rules), rules)
    return {r["case_id"]: r for r in pts.to_pyarrow().to_pylist()}


def test_case_points_follow_the_normal_high_and_low_formulas(rules: DrgRules) -> None:
    ref = reference_base(history_rows(), rules)
    a = ref["A"]
    got = run(rules, {"n3": ("H3", "A", "980"), "n2": ("H2", "A", "1200"), "hi": ("H3", "A", "3920"),
                      "lo": ("H2", "A", "196"), "un": ("H2", "0000", "1335")}, share="0")
    assert got["n3"]["case_type"] == "normal" and got["n3"]["points"] == q4(a * 1)
    assert got["n2"]["points"] == q4(a * Decimal("0.92"))  # 二级差异系数
    # A has ≤ 100 points: high multiple 3; ratio 4 → base × 1 + base × (4 − 3) × 1
    assert got["hi"]["case_type"] == "high" and got["hi"]["cost_ratio"] == Decimal("4")
    assert got["hi"]["points"] == q4(a) + q4(q4(a * 1) * 1)
    # low: ratio 0.2 < 0.4 → base × 0.2, no coefficient
    assert got["lo"]["case_type"] == "low" and got["lo"]["points"] == q4(a * Decimal("0.2"))
    all_mean = got["un"]["all_mean"]
    assert got["un"]["case_type"] == "ungrouped"
    assert got["un"]["points"] == q4(Decimal("1335") / all_mean * 100)


def test_the_special_review_queue_takes_the_most_extreme_high_cases_within_the_share(rules: DrgRules) -> None:
    costs = {f"c{i:02d}": ("H3", "A", "980") for i in range(40)}
    costs |= {"x1": ("H3", "A", "5000"), "x2": ("H3", "A", "9000"), "x3": ("H3", "B", "8000")}
    got = run(rules, costs, share="0.05")  # floor(43 × 5 %) = 2
    review = sorted(k for k, v in got.items() if v["case_type"] == "review")
    assert review == ["x1", "x2"]  # cost ratios 5.10 and 9.18; x3 (4.08, B's multiple 2.5) stays high
    assert got["x3"]["case_type"] == "high"
    assert got["x2"]["points"] == q4(got["x2"]["base_points"] * got["x2"]["cost_ratio"])


def test_a_hospital_coefficient_can_blend_in_its_history_cost_ratio(rules: DrgRules) -> None:
    blend = rules.model_copy(update={"drg": rules.drg.model_copy(update={"coefficient_basis": "blend", "history_coef_share": Decimal("0.5")})})
    rows = history_rows()
    base = base_points(history_table(rows), blend, YEARS)
    coefs = {r["fixmedins_code"]: r for r in
             hospital_coefficients(institutions(), history_table(rows), base, blend).to_pyarrow().to_pylist()}
    assert coefs["H2"]["coef"] == Decimal("0.92")  # no history: the level coefficient
    ratio = coefs["H3"]["history_ratio"]
    assert coefs["H3"]["coef"] == q4(Decimal("0.5") + ratio * Decimal("0.5"))
