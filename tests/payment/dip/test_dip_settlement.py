"""DIP settlement on a tiny hand-made region, checked against a pure-Python reference to the fen."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from dip_cases import institutions, make_cases, persons

from yibao.errors import InputError, NotFoundError
from yibao.money import fen
from yibao.payment import clearing
from yibao.payment.dip import service, settlement
from yibao.payment.dip.statements import export_statement
from yibao.payment.excel import read_sheet
from yibao.payment.policy import PaymentPack
from yibao.store.warehouse import Warehouse, connect

D = Decimal
P4 = Decimal("0.0001")


def _pack(zibo: PaymentPack) -> PaymentPack:
    """Zibo with the mean-cost method and a queue cap large enough for ten cases."""
    dip = zibo.require_dip()
    dip = dip.model_copy(update={
        "catalog": dip.catalog.model_copy(update={"score_method": "mean_cost"}),
        "outliers": dip.outliers.model_copy(update={"special_review_cap": D("0.2")}),
    })
    return zibo.model_copy(update={"dip": dip})


HISTORY = (
    [{"diag_codes": "J18.900", "medfee_sumamt": c, "fixmedins_code": "H1"} for c in ("9000", "11000") * 10]
    + [{"diag_codes": "I21.000", "oprn_codes": "36.0601", "medfee_sumamt": "30000", "fixmedins_code": "H2"}] * 20
)
# (group score, institution, cost)
YEAR = [("J18.9", "H1", "10000"), ("J18.9", "H1", "4000"), ("J18.9", "H2", "30000"), ("I21.0", "H2", "29000"),
        ("I21.0", "H1", "12000"), ("I21.0", "H2", "180000"), ("J18.9", "H2", "9100.55")]


def _year_rows() -> list[dict[str, object]]:
    rows = []
    for i, (diag, inst, cost) in enumerate(YEAR):
        row = {"diag_codes": "J18.900" if diag == "J18.9" else "I21.000", "fixmedins_code": inst,
               "medfee_sumamt": cost, "setl_year": 2025, "psn_no": f"Q{i}",
               "adm_date": dt.date(2025, 2, 1), "dscg_date": dt.date(2025, 2, 9)}
        if diag == "I21.0":
            row["oprn_codes"] = "36.0601"
        rows.append(row)
    return rows


@pytest.fixture(scope="module")
def tiny_root(tmp_path_factory: pytest.TempPathFactory, zibo: PaymentPack) -> Path:
    """The tiny region with its catalog built once; each test works on a copy."""
    root = tmp_path_factory.mktemp("dip_tiny")
    wh = connect("duckdb", root)
    wh.write("cases", make_cases(list(HISTORY) + _year_rows()))
    wh.write("institutions", institutions({"H1": "3", "H2": "2"}))
    service.build_catalog(wh, _pack(zibo), 2025)
    return root


@pytest.fixture()
def tiny(tiny_root: Path, tmp_path: Path, zibo: PaymentPack) -> tuple[Warehouse, PaymentPack]:
    shutil.copytree(tiny_root, tmp_path / "wh")
    return connect("duckdb", tmp_path / "wh"), _pack(zibo)


def _reference(pack: PaymentPack) -> dict[int, Decimal]:
    """Pure-Python case points: score × coefficient, then the low / high rules."""
    out = pack.require_dip().outliers
    scores = {"J18.9": D(500), "I21.0": D(1500)}  # all-case mean 20,000: 10,000 → 500, 30,000 → 1,500
    level = {"H1": D("1.00"), "H2": D("0.92")}
    pv = (D(800000) / (20 * D(500) + 20 * D(1500) * level["H2"])).quantize(D("0.000001"))
    points = {}
    for i, (group, inst, cost) in enumerate(YEAR):
        coef = D(1) if group == "J18.9" else level[inst]  # J18.9 is a 基层病种: the same score everywhere
        base = (scores[group] * coef).quantize(P4, ROUND_HALF_UP)
        std = fen(base * pv)
        ratio = Decimal(str(round(float(D(cost)) / float(std), 6)))
        if i == 5:  # 180,000: queued for special review, pending → the high-cost formula
            assert ratio >= out.special_review_ratio
        if ratio < out.low_ratio:
            points[i] = (base * ratio).quantize(P4, ROUND_HALF_UP)
        elif ratio > out.high_ratio:
            extra = ((ratio - out.high_ratio) * out.high_extra_factor).quantize(P4, ROUND_HALF_UP) + 1
            points[i] = (base * extra).quantize(P4, ROUND_HALF_UP)
        else:
            points[i] = base
    return points


def test_case_points_match_the_pure_python_reference(tiny: tuple[Warehouse, PaymentPack]) -> None:
    wh, pack = tiny
    got = service.year_points(wh, pack, 2025).execute().set_index("case_id")
    ref = _reference(pack)
    for i in range(len(YEAR)):
        assert got.loc[f"C{len(HISTORY) + i:06d}", "points"] == ref[i], YEAR[i]
    assert set(got["outlier"]) >= {"normal", "low", "high"}


def test_monthly_amounts_balance_to_the_monthly_budget_and_match_the_reference(
        tiny: tuple[Warehouse, PaymentPack]) -> None:
    wh, pack = tiny
    (fund,) = [r for r in settlement.settle_month(wh, pack, 2025, 2) if r.insutype == "310"]
    budget = fen(D(800000) * D("0.75") * D("1.05"))
    monthly_budget = clearing.allocate(budget, {f"{m:02d}": D(1) for m in range(1, 13)})["02"]
    assert fund.budget == monthly_budget and fund.paid_total == monthly_budget
    ref = _reference(pack)
    by_inst: dict[str, Decimal] = {}
    for i, (_, inst, _) in enumerate(YEAR):
        by_inst[inst] = by_inst.get(inst, D(0)) + ref[i]
    expected = clearing.allocate(monthly_budget, by_inst)
    rows = wh.table("dip_monthly").execute().set_index("fixmedins_code")
    for inst, amount in expected.items():
        assert rows.loc[inst, "amount"] == amount
        assert rows.loc[inst, "paid"] == amount - fen(amount * D("0.05"))


def test_special_review_queues_the_extreme_case_and_the_clearing_takes_the_reviewed_points(
        tiny: tuple[Warehouse, PaymentPack]) -> None:
    wh, pack = tiny
    settlement.settle_month(wh, pack, 2025, 2)
    queue = wh.table("dip_review_queue").execute()
    extreme = f"C{len(HISTORY) + 5:06d}"  # 180,000 for a 1,380-point group
    assert queue["case_id"].tolist()[0] == extreme
    service.record_review(wh, extreme, D("9000"), "多学科联合诊疗，专家评议", "评审组")
    settlement.clear_year(wh, pack, 2025)
    lines = wh.table("dip_year_points").execute().set_index("case_id")
    assert lines.loc[extreme, "points"] == D("9000.0000")
    assert lines.loc[extreme, "outlier"] == "review"
    assert lines.loc[extreme, "review_reason"] == "多学科联合诊疗，专家评议"


def test_a_review_without_a_reason_or_outside_the_queue_is_refused(tiny: tuple[Warehouse, PaymentPack]) -> None:
    wh, pack = tiny
    settlement.settle_month(wh, pack, 2025, 2)
    with pytest.raises(InputError):
        service.record_review(wh, f"C{len(HISTORY) + 5:06d}", D("1"), " ", "评审组")
    with pytest.raises(NotFoundError):
        service.record_review(wh, "C000000", D("1"), "理由", "评审组")


def test_the_annual_statement_exports_to_excel_and_reads_back(tiny: tuple[Warehouse, PaymentPack],
                                                              tmp_path: Path) -> None:
    wh, pack = tiny
    settlement.settle_month(wh, pack, 2025, 2)
    settlement.clear_year(wh, pack, 2025)
    path = export_statement(wh, tmp_path / "H2.xlsx", 2025, "H2")
    summary = read_sheet(path, "清算汇总")
    row = wh.table("dip_clearing").execute().set_index("fixmedins_code").loc["H2"]
    assert summary[0][0] == "职工医保"
    assert D(str(summary[0][3])) == row["dip_amount"]
    cases = read_sheet(path, "病例明细")
    assert len(cases) == sum(1 for _, inst, _ in YEAR if inst == "H2")
    adjustments = read_sheet(path, "调整明细")
    assert {r[1] for r in adjustments} >= {"monthly_paid"}
    assert all(r[3] for r in adjustments)



def test_a_cross_region_case_is_paid_at_the_local_point_value_outside_the_local_budget(
        tiny: tuple[Warehouse, PaymentPack]) -> None:
    wh, pack = tiny
    wh.write("persons", persons({"Q0": "370402"}))  # insured in another city of the province, treated in 370302
    (fund,) = [r for r in settlement.settle_month(wh, pack, 2025, 2) if r.insutype == "310"]
    lines = wh.table("dip_case_points").execute().set_index("case_id")
    cross = lines.loc[f"C{len(HISTORY):06d}"]
    assert bool(cross["cross_region"]) and not lines.drop(cross.name)["cross_region"].any()
    assert fund.cross_amount == fen(cross["points"] * fund.point_value * D("0.75"))
    assert fund.points == sum(lines[~lines["cross_region"]]["points"])
    assert fund.paid_total == fund.budget
