"""The demo (演示): a small synthetic region, every engine the project has, one HTML report.

A service: it owns the IO of the run (a fresh ``home``, the operational store, the warehouse, the
report file) and calls the engines' services in order. Each stage returns a report ``Section``; the
CLI renders the same figures in the terminal.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import ibis

from yibao.money import fen
from yibao.payment.dip import service as dip_service
from yibao.payment.dip.settlement import clear_year, settle_month
from yibao.payment.drg import GroupStatus, default_scheme
from yibao.payment.drg import pay_service as drg_pay
from yibao.payment.policy import load_payment_pack
from yibao.policy.loader import bundled_pack
from yibao.policy.schema import PolicyPack
from yibao.reports.html import BarChart, Report, Section, Table, render
from yibao.settlement.batch import settle_period
from yibao.store import db
from yibao.store.protect import CertnoProtector
from yibao.store.warehouse import Warehouse, connect
from yibao.supervision.review.batch import review_period
from yibao.synth import SynthConfig, generate_region, write_warehouse
from yibao.synth.config import LABEL_NAMES
from yibao.synth.operational import load_operational

# A stage reports progress as (description, total) once, then advances by n.
StartTask = Callable[[str, int], Callable[[int], None]]

INSUTYPE_NAMES = {"310": "职工医保", "390": "居民医保"}
SUBTYPE_NAMES = {"severity": "严重程度", "age": "年龄", "icu": "重症监护", "tumor": "肿瘤分期"}
MED_TYPE_NAMES = {"11": "普通门诊", "13": "急诊", "14": "门诊慢特病", "21": "普通住院", "41": "定点药店购药"}


@dataclass(frozen=True)
class DemoOptions:
    home: Path
    persons: int = 50_000
    seed: int = 20_210
    pack_id: str = "heshan-2021"
    dip_pack_id: str = "zibo-dip-2025"
    drg_pack_id: str = "zhoushan-drg-2019"
    secret: str = "demo-only-secret"


@dataclass
class DemoRun:
    options: DemoOptions
    policy: PolicyPack
    sections: list[Section] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    report_path: Path | None = None

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.timings[stage] = time.perf_counter() - start


def _yuan(amount: Decimal) -> str:
    return f"{fen(amount):,} 元"


def _wan(amount: Decimal) -> Decimal:
    return fen(amount / 10_000)


def run_demo(options: DemoOptions, start_task: StartTask) -> DemoRun:
    """Build a fresh region in ``options.home`` and run every engine over it."""
    if options.home.exists():
        shutil.rmtree(options.home)
    options.home.mkdir(parents=True)
    policy = bundled_pack(options.pack_id)
    run = DemoRun(options, policy)
    url = f"sqlite:///{(options.home / 'yibao.sqlite3').resolve()}"
    warehouse = connect("duckdb", options.home / "warehouse")

    with run.timed("业务库迁移"):
        db.upgrade(url)
    with run.timed("生成模拟统筹区"):
        run.sections.append(_synth(options, policy, warehouse, url, start_task))
    with run.timed("CHS-DRG 分组与 DRG 点数付费"):
        run.sections.append(_drg(options, policy, warehouse, start_task))
    # settlement before DIP: DIP pays on the cases' actual fund payment (统筹基金支付) from the settlements
    with run.timed("一站式结算"):
        run.sections.append(_settle(policy, warehouse, start_task))
    with run.timed("DIP 目录库、月度结算与年度清算"):
        run.sections.append(_dip(options, policy, warehouse, start_task))
    with run.timed("事中审核（两库规则）"):
        run.sections.append(_review(warehouse, start_task))

    run.sections.append(Section("运行耗时", tables=(Table("各环节耗时", ("环节", "秒"), tuple((k, f"{v:.1f}") for k, v in run.timings.items())),)))
    report = Report(
        f"yibao 演示报告：{policy.region_name} {policy.year} 年模拟统筹区",
        f"政策参数包 {policy.pack_id}（版本 {policy.version}）；{options.persons:,} 名模拟参保人；随机种子 {options.seed}。数据均为模拟，不含真实个人信息。",
        tuple(run.sections),
    )
    run.report_path = options.home / "reports" / "demo.html"
    run.report_path.parent.mkdir(parents=True, exist_ok=True)
    run.report_path.write_text(render(report), encoding="utf-8")
    return run


def _synth(options: DemoOptions, policy: PolicyPack, warehouse: Warehouse, url: str, start_task: StartTask) -> Section:
    config = SynthConfig(persons=options.persons, seed=options.seed, year=policy.year, admdvs=policy.admdvs, history_years=3)
    region = generate_region(config)
    advance = start_task("生成模拟统筹区", region.n_chunks)
    counts = write_warehouse(region, warehouse, on_chunk=lambda _i, _c: advance(1))
    engine = db.make_engine(url)
    try:
        load_operational(region, db.session_factory(engine), CertnoProtector(options.secret))
    finally:
        engine.dispose()
    persons = warehouse.table("persons")
    by_insutype = persons.group_by("insutype").aggregate(n=persons.count()).to_pyarrow().to_pylist()
    labels = warehouse.table("labels")
    by_kind = labels.group_by("kind").aggregate(n=labels.count()).order_by("kind").to_pyarrow().to_pylist()
    names = {"persons": "参保人", "institutions": "定点医药机构", "doctors": "医保医师", "catalog": "目录条目",
             "visits": "就诊（门诊、购药、住院）", "cases": "住院病例", "claim_items": "费用明细", "labels": "注入违规标签"}
    return Section(
        "模拟统筹区",
        figures=tuple((names.get(k, k), f"{v:,}") for k, v in counts.items()),
        tables=(
            Table("参保险种", ("险种", "人数"), tuple((INSUTYPE_NAMES.get(r["insutype"], r["insutype"]), r["n"]) for r in by_insutype)),
            Table("注入的违规行为（真值标签）", ("类型", "条数"), tuple((LABEL_NAMES.get(r["kind"], r["kind"]), r["n"]) for r in by_kind)),
        ),
        note="人口按老龄化城市年龄性别结构生成；住院病例沿 CHS-DRG 1.1 路径抽样诊断与手术，费用按组对数正态分布。",
    )


def _drg(options: DemoOptions, policy: PolicyPack, warehouse: Warehouse, start_task: StartTask) -> Section:
    """CHS-DRG grouping of every case, base points from the history years, 12 months paid, the year cleared."""
    pack = load_payment_pack(options.drg_pack_id)
    year = policy.year
    advance = start_task("DRG 分组与点数付费", 14)
    base = drg_pay.build_base_points(warehouse, pack, year)
    advance(1)
    for month in range(1, 13):
        drg_pay.settle_month(warehouse, pack, year, month)
        advance(1)
    funds = drg_pay.clear_year(warehouse, pack, year)
    advance(1)
    grouped = warehouse.table("drg_cases")
    grouped = grouped.filter(grouped.setl_year == year)
    by_status = grouped.group_by("status").aggregate(n=grouped.count()).order_by("status").to_pyarrow().to_pylist()
    ok = grouped.filter(grouped.status == GroupStatus.GROUPED.value)
    top = (
        ok.group_by("drg").aggregate(n=ok.count(), cost=ok.cost.mean())
        .order_by([ibis.desc("n"), "drg"]).limit(10).to_pyarrow().to_pylist()
    )
    total = sum(r["n"] for r in by_status)
    n_ok = sum(r["n"] for r in by_status if r["status"] == GroupStatus.GROUPED.value)
    names = default_scheme().drg_names
    return Section(
        "CHS-DRG 1.1 分组与 DRG 点数付费",
        figures=(
            ("本年住院病例", f"{total:,}"),
            ("入组率", f"{n_ok / total:.1%}" if total else "-"),
            ("覆盖 DRG 组数", f"{ok.drg.nunique().to_pyarrow().as_py():,}"),
            ("基准点数测算年份（1:2:7）", "、".join(str(y) for y in base.history_years)),
            ("有基准点数的病组 / 例数不足 / 不稳定", f"{base.groups:,} / {base.small:,} / {base.unstable:,}"),
        ),
        tables=(
            Table("分组状态", ("状态", "病例数"), tuple((GroupStatus(r["status"]).message, r["n"]) for r in by_status)),
            Table("按基金年度清算", ("险种", "DRG 预算", "结算点值", "总点数", "清算总额", "医院数"),
                  tuple((INSUTYPE_NAMES.get(f.insutype, f.insutype), f.budget, f.point_value, f.points, f.paid_total,
                         f.institutions) for f in funds)),
            Table("病例数最多的 DRG", ("DRG", "名称", "病例数", "例均费用"),
                  tuple((r["drg"], names.get(r["drg"], ""), r["n"], fen(Decimal(str(r["cost"])))) for r in top)),
        ),
        note=(f"分组器按国家 CHS-DRG 1.1 方案数据逐步判断（MDC → ADRG → DRG，含 MCC/CC 排除表）；付费参数包 {pack.pack_id}，"
              "各医院 DRG 金额之和与预算到分相等。同一区域同时演示 DIP 与 DRG 两种付费方式，实际统筹区择一执行。"),
    )


def _dip(options: DemoOptions, policy: PolicyPack, warehouse: Warehouse, start_task: StartTask) -> Section:
    """The DIP cycle on the region's own three years: catalog, 12 monthly settlements, the annual clearing."""
    pack = load_payment_pack(options.dip_pack_id)
    year = policy.year
    advance = start_task("DIP 月度结算与年度清算", 14)
    summary = dip_service.build_catalog(warehouse, pack, year)
    advance(1)
    for month in range(1, 13):
        settle_month(warehouse, pack, year, month)
        advance(1)
    funds = clear_year(warehouse, pack, year)
    advance(1)
    clearing = warehouse.table("dip_clearing")
    clearing = clearing.filter(clearing.year == year)
    top = (
        clearing.group_by("fixmedins_code")
        .aggregate(points=clearing.points.sum(), amount=clearing.dip_amount.sum(), balance=clearing.balance.sum())
        .order_by(ibis.desc("amount")).limit(10).to_pyarrow().to_pylist()
    )
    return Section(
        "DIP 按病种分值付费（区域总额预算下的点数法）",
        figures=(
            ("目录年份（1:2:7 加权）", "、".join(str(y) for y in summary.years)),
            ("病种组数 / 核心病种", f"{summary.groups:,} / {summary.core_groups:,}"),
            ("核心病种病例覆盖率", f"{summary.core_coverage:.1%}"),
            ("变异系数降低度 RIV", f"{summary.riv:.3f}"),
            ("费用变异系数 CV（全部病例 / 病种内加权）", f"{summary.all_cv:.3f} / {summary.group_cv:.3f}"),
            ("辅助目录亚型（保留该维度的病种数）",
             "、".join(f"{SUBTYPE_NAMES.get(d, d)} {n}" for d, n in summary.subtype_groups.items()) or "无"),
        ),
        tables=(
            Table("按基金清算", ("险种", "DIP 预算", "基金支付比例", "结算点值", "总分值", "清算总额", "机构数"),
                  tuple((INSUTYPE_NAMES.get(f.insutype, f.insutype), f.budget, f.fund_pay_ratio, f.point_value,
                         f.points, f.paid_total, f.institutions) for f in funds)),
            Table("清算金额最多的机构", ("机构", "分值", "DIP 金额", "清算结余(+)/超支(-)"),
                  tuple((r["fixmedins_code"], r["points"], r["amount"], r["balance"]) for r in top)),
        ),
        note=(f"付费参数包 {pack.pack_id}（淄博 2025 DIP 意见）；各机构 DIP 金额之和与基金预算到分相等。"
              "点值 = DIP 预算 ÷ 基金支付比例 ÷ 总分值，基金支付比例取本年病例一站式结算的统筹基金支付 ÷ 医疗总费用。"),
    )


def _settle(policy: PolicyPack, warehouse: Warehouse, start_task: StartTask) -> Section:
    visits = warehouse.table("visits").count().to_pyarrow().as_py()
    advance = start_task("一站式结算", visits)
    result = settle_period(warehouse, policy, progress=advance)
    t = result.totals
    ratio = t["hifp_pay"] / t["inscp_scp_amt"] if t["inscp_scp_amt"] else Decimal(0)
    funds = (("基本医保统筹", t["hifp_pay"]), ("大病保险", t["hifmi_pay"]), ("职工大额补助", t["hifob_pay"]), ("医疗救助", t["maf_pay"]))
    settled = warehouse.table("settlements")
    by_type = (
        settled.group_by("med_type")
        .aggregate(n=settled.count(), medfee=settled.medfee_sumamt.sum(), fund=settled.fund_pay_sumamt.sum())
        .order_by("med_type").to_pyarrow().to_pylist()
    )
    return Section(
        "一站式结算（基本医保 → 大病保险 → 医疗救助）",
        figures=(
            ("结算笔数", f"{result.settled:,}"),
            ("拒付笔数", f"{sum(result.refused.values()):,}"),
            ("医疗费总额", _yuan(t["medfee_sumamt"])),
            ("基金支付总额", _yuan(t["fund_pay_sumamt"])),
            ("个人负担总额", _yuan(t["psn_part_amt"])),
            ("统筹基金支付占政策范围内费用", f"{ratio:.1%}"),
            ("因病致贫返贫风险监测人数", f"{len(result.watchlist):,}"),
        ),
        charts=(BarChart("各项基金支出（万元）", tuple(n for n, _ in funds), tuple(_wan(v) for _, v in funds), " 万元"),),
        tables=(
            Table("按医疗类别", ("医疗类别", "笔数", "医疗费总额", "基金支付"),
                  tuple((MED_TYPE_NAMES.get(r["med_type"], r["med_type"]), r["n"], r["medfee"], r["fund"]) for r in by_type)),
            Table("拒付原因", ("代码", "笔数", "示例"),
                  tuple((code, n, result.refusal_examples[code]) for code, n in result.refused.most_common())),
        ),
        note=f"每笔结算均满足 医疗费总额 = 基金支付 + 个人负担（到分），并附结算过程说明；政策包 {policy.pack_id}。",
    )


def _review(warehouse: Warehouse, start_task: StartTask) -> Section:
    visits = warehouse.table("visits").count().to_pyarrow().as_py()
    advance = start_task("事中审核", visits)
    result = review_period(warehouse, progress=advance)
    rows = tuple(
        (rule_id, result.rule_names[rule_id], n, result.amount_by_rule[rule_id])
        for rule_id, n in result.hits_by_rule.most_common()
    )
    return Section(
        "事中审核：国家“两库”规则第 1–8 批",
        figures=(("审核就诊", f"{result.visits:,}"), ("有提示的就诊", f"{result.visits_hit:,}")),
        charts=(BarChart("各规则提示次数", tuple(r[1] for r in rows), tuple(r[2] for r in rows), " 次"),) if rows else (),
        tables=(Table("规则提示", ("规则", "名称", "次数", "涉及金额"), rows),),
    )


__all__ = ["DemoOptions", "DemoRun", "run_demo"]
