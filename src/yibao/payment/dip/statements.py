"""DIP statements (DIP 结算单) per institution: the monthly or annual summary, every case's points
and amount, and each adjustment with its reason — assembled from the warehouse, exported to Excel."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from yibao.errors import ErrorCode, NotFoundError
from yibao.payment.dip.points import OUTLIER_LABELS
from yibao.payment.runs import optional_table
from yibao.payment.excel import MONEY_FORMAT, POINTS_FORMAT, Sheet, write_workbook
from yibao.store.warehouse import Warehouse

FUND_LABELS = {"310": "职工医保", "390": "居民医保"}
TYPE_LABELS = {"core": "核心病种", "comprehensive": "综合病种", "fallback": "综合病种（全目录）",
               "day_surgery": "日间手术病种", "bed_day": "床日病种"}
CASE_HEADERS = ("病例号", "险种", "出院日期", "病种编码", "病种类型", "病种分值", "机构系数", "亚型", "亚型系数",
                "基础分值", "医疗总费用", "同级别标准费用", "费用倍率", "倍率类型", "病例分值", "点值", "支付金额",
                "省内异地", "特例单议理由", "监管标记", "统筹基金支付", "基金支付来源")
_CASE_FORMATS = {"病种分值": POINTS_FORMAT, "基础分值": POINTS_FORMAT, "病例分值": POINTS_FORMAT,
                 "医疗总费用": MONEY_FORMAT, "同级别标准费用": MONEY_FORMAT, "支付金额": MONEY_FORMAT,
                 "统筹基金支付": MONEY_FORMAT}
_MARKS = {"readmit_15d": "15日内再入院", "low_standard": "疑似低标入院", "long_stay": "超长住院",
          "low_risk_death": "低风险病种死亡"}
FUND_SOURCES = {"settlement": "结算记录", "ratio": "无结算记录，按医疗总费用×参数包基金支付比例推算"}


def _case_rows(rows: list[dict[str, object]]) -> list[list[object]]:
    out = []
    for r in sorted(rows, key=lambda r: (str(r["dscg_date"]), str(r["case_id"]))):
        marks = "、".join(label for key, label in _MARKS.items() if r.get(key))
        out.append([r["case_id"], FUND_LABELS.get(str(r["insutype"]), r["insutype"]), str(r["dscg_date"])[:10],
                    r["group_code"], TYPE_LABELS.get(str(r["group_type"]), r["group_type"]), r["score"], r["inst_coef"],
                    r["subtype"] or "", r["subtype_coef"], r["base_points"], r["cost"], r["std_cost"], r["cost_ratio"],
                    OUTLIER_LABELS.get(str(r["outlier"]), r["outlier"]), r["points"], r["point_value"], r["amount"],
                    "是" if r["cross_region"] else "", r["review_reason"] or "", marks, r["fund_pay"],
                    FUND_SOURCES.get(str(r["fund_source"]), r["fund_source"])])
    return out


def monthly_statement(wh: Warehouse, year: int, month: int, code: str) -> list[Sheet]:
    monthly = optional_table(wh, "dip_monthly")
    if monthly is None:
        raise NotFoundError(ErrorCode.NOT_FOUND, field="dip_monthly", detail="请先运行 yibao dip settle")
    m = monthly.filter((monthly.year == year) & (monthly.month == month) & (monthly.fixmedins_code == code))
    summary = m.to_pyarrow().to_pylist()
    if not summary:
        raise NotFoundError(ErrorCode.INSTITUTION_NOT_FOUND, field="fixmedins_code", detail=f"{code} {year}-{month:02d}")
    cases = wh.table("dip_case_points")
    lines = cases.filter((cases.fixmedins_code == code) & (cases.setl_month == month)
                         & (cases.dscg_date.year() == year)).to_pyarrow().to_pylist()
    heads = ("险种", "月度预算", "本机构分值", "点值", "核定结算额", "预留", "本月拨付", "尾差调整", "省内异地分值", "省内异地金额",
             "基金支付比例", "本机构统筹基金支付", "按比例推算病例数", "点值说明")
    rows = [[FUND_LABELS.get(r["insutype"], r["insutype"]), r["budget"], r["points"], r["point_value"], r["amount"],
             r["withheld"], r["paid"], r["rounding"], r["cross_points"], r["cross_amount"], r["fund_pay_ratio"],
             r["actual_fund"], r["ratio_cases"], _pv_reason(r)] for r in summary]
    adjustments = [[FUND_LABELS.get(r["insutype"], r["insutype"]), "预留", -r["withheld"],
                    "按月度结算预留比例预留，年度清算时结算"] for r in summary]
    adjustments += [[FUND_LABELS.get(r["insutype"], r["insutype"]), "尾差调整", r["rounding"],
                     "病例金额逐例四舍五入到分，与按最大余额法分配到分的机构结算额之差"] for r in summary if r["rounding"]]
    money = {h: MONEY_FORMAT for h in ("月度预算", "核定结算额", "预留", "本月拨付", "尾差调整", "省内异地金额",
                                       "本机构统筹基金支付", "金额")}
    return [Sheet("结算汇总", heads, rows, money),
            Sheet("病例明细", CASE_HEADERS, _case_rows(lines), _CASE_FORMATS),
            Sheet("调整明细", ("险种", "项目", "金额", "说明"), adjustments, money)]


def annual_statement(wh: Warehouse, year: int, code: str) -> list[Sheet]:
    clearing = optional_table(wh, "dip_clearing")
    if clearing is None:
        raise NotFoundError(ErrorCode.NOT_FOUND, field="dip_clearing", detail="请先运行 yibao dip clear")
    c = clearing.filter((clearing.year == year) & (clearing.fixmedins_code == code)).to_pyarrow().to_pylist()
    if not c:
        raise NotFoundError(ErrorCode.INSTITUTION_NOT_FOUND, field="fixmedins_code", detail=f"{code} {year}")
    adj = wh.table("dip_adjustments")
    a = adj.filter((adj.year == year) & (adj.fixmedins_code == code)).to_pyarrow().to_pylist()
    pts = wh.table("dip_year_points")
    lines = pts.filter((pts.fixmedins_code == code) & (pts.dscg_date.year() == year)).to_pyarrow().to_pylist()
    heads = ("险种", "年度分值", "点值", "DIP核定额", "实际基金记账", "留用/分担后", "应拨(+)/应收回(−)", "省内异地分值",
             "省内异地金额", "基金支付比例", "按比例推算病例数", "点值说明")
    rows = [[FUND_LABELS.get(r["insutype"], r["insutype"]), r["points"], r["point_value"], r["dip_amount"],
             r["actual_fund"], r["cleared"], r["balance"], r["cross_points"], r["cross_amount"], r["fund_pay_ratio"],
             r["ratio_cases"], _pv_reason(r)] for r in c]
    adjustments = [[FUND_LABELS.get(r["insutype"], r["insutype"]), r["kind"], r["amount"], r["reason"]] for r in a]
    money = {h: MONEY_FORMAT for h in heads[3:7] + ("省内异地金额", "金额")}
    return [Sheet("清算汇总", heads, rows, money),
            Sheet("病例明细", CASE_HEADERS, _case_rows(lines), _CASE_FORMATS),
            Sheet("调整明细", ("险种", "项目", "金额", "说明"), adjustments, money)]


def _pv_reason(r: dict[str, object]) -> str:
    """Why the point value is what it is (the fund payment ratio's basis included)."""
    basis = "全部病例取自结算记录" if not r["fund_ratio_cases"] else (
        f"其中 {r['fund_ratio_cases']} 例无结算记录，按参数包基金支付比例推算")
    return (f"结算点值 = DIP 预算 ÷ 基金支付比例 {r['fund_pay_ratio']} ÷ 总分值；基金支付比例 = 统筹基金支付 ÷ 医疗总费用"
            f"（本统筹区本期本地病例，{basis}）")


def export_statement(wh: Warehouse, path: Path, year: int, code: str, month: int | None = None) -> Path:
    """Write one institution's monthly (``month``) or annual statement to ``path``."""
    sheets = monthly_statement(wh, year, month, code) if month else annual_statement(wh, year, code)
    title = f"{code} {year}年{f'{month}月' if month else '度'} DIP 结算单"
    return write_workbook(path, title, sheets)


def balance_check(wh: Warehouse, year: int) -> dict[str, tuple[Decimal, Decimal]]:
    """Σ institutions' DIP amounts vs the budget per fund (they agree to the fen in floating mode)."""
    c = wh.table("dip_clearing")
    c = c.filter(c.year == year)
    sums = {r["insutype"]: r["s"] for r in c.group_by("insutype").agg(s=c.dip_amount.sum()).to_pyarrow().to_pylist()}
    budgets = {r["insutype"]: Decimal(r["budget"]) for r in wh.table("dip_parameters").to_pyarrow().to_pylist()
               if int(r["year"]) == year}
    return {k: (Decimal(str(sums.get(k, 0))), v) for k, v in budgets.items()}


__all__ = ["annual_statement", "balance_check", "export_statement", "monthly_statement"]
