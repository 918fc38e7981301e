"""``yibao monitor``: post-event scans, evaluation against labels, anomaly ranking, leads and sanctions."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import typer
from rich.table import Table
from sqlalchemy.orm import Session

from yibao.cli._common import console, handle_errors
from yibao.config import get_settings
from yibao.errors import ErrorCode, InputError
from yibao.store import db
from yibao.store.warehouse import Warehouse
from yibao.supervision.anomaly.run import rank_entities
from yibao.supervision.anomaly.score import Scored, auc
from yibao.supervision.leads import service
from yibao.supervision.leads.export import export_leads
from yibao.supervision.leads.workflow import SANCTION_KINDS, status_of
from yibao.supervision.scan.evaluate import evaluate
from yibao.supervision.scan.model import PATTERN_NAMES
from yibao.supervision.scan.run import scan_warehouse

app = typer.Typer(no_args_is_help=True, add_completion=False)
leads_app = typer.Typer(no_args_is_help=True, help="线索：列表、详情、流转、处理、导出")
app.add_typer(leads_app, name="leads")

FromOpt = typer.Option(..., "--from", help="期间开始日期 YYYY-MM-DD")
ToOpt = typer.Option(..., "--to", help="期间结束日期 YYYY-MM-DD")
WarehouseOpt = typer.Option(None, "--warehouse", help="数据仓库目录（默认 YIBAO_HOME/warehouse）")
BackendOpt = typer.Option(None, "--backend", help="duckdb 或 pyspark（默认取配置）")


def _date(text: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise InputError(ErrorCode.INVALID_DATE, field=field, detail=text) from exc


def _period(start: str, end: str) -> tuple[dt.date, dt.date]:
    a, b = _date(start, "--from"), _date(end, "--to")
    if a > b:
        raise InputError(ErrorCode.INVALID_VALUE, field="--to", detail="结束日期早于开始日期")
    return a, b


def _warehouse(path: Path | None, backend: str | None) -> Warehouse:
    settings = get_settings()
    return Warehouse(path or settings.warehouse_dir, backend or settings.warehouse_backend)  # type: ignore[arg-type]


@contextmanager
def _session() -> Iterator[Session]:
    url = get_settings().db_url
    db.upgrade(url)
    engine = db.make_engine(url)
    try:
        with db.session_factory(engine)() as session:
            yield session
            session.commit()
    finally:
        engine.dispose()


def _summary(leads: pa.Table) -> Table:
    counts: dict[str, list[object]] = defaultdict(lambda: [0, Decimal("0"), ""])
    for rule, pattern, amount in zip(*(leads.column(c).to_pylist() for c in ("rule_id", "pattern", "amount"))):
        row = counts[rule]
        row[0] = int(row[0]) + 1  # type: ignore[call-overload]
        row[1] = row[1] + (amount or 0)  # type: ignore[operator]
        row[2] = PATTERN_NAMES.get(pattern, pattern)
    table = Table(title="事后扫描结果")
    for col in ("规则", "违规类型", "线索数", "涉及金额（元）"):
        table.add_column(col)
    for rule, (n, amount, name) in sorted(counts.items()):
        table.add_row(rule, str(name), str(n), f"{amount:,.2f}")
    return table


@app.command("scan", help="事后批量扫描一个期间的就诊、病例与明细，线索写入线索库")
def scan(date_from: str = FromOpt, date_to: str = ToOpt, warehouse: Path | None = WarehouseOpt,
         backend: str | None = BackendOpt) -> None:
    with handle_errors():
        period = _period(date_from, date_to)
        with console.status("扫描中…"):
            leads = scan_warehouse(_warehouse(warehouse, backend), *period)
        scan_id = f"S{dt.datetime.now():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"
        with _session() as session:
            added = service.save_leads(session, leads, scan_id, period)
        console.print(_summary(leads))
        console.print(f"扫描批次 {scan_id}：线索 {leads.num_rows} 条，新增入库 {added} 条")


def _rank_table(title: str, scored: list[Scored], top: int) -> Table:
    table = Table(title=title)
    for col in ("排名", "编码", "病例数", "异常分", "主要因素（本值 / 同行中位数）"):
        table.add_column(col)
    for s in scored[:top]:
        why = "；".join(f"{d.label} {d.value:.3f}/{d.median:.3f}" for d in s.drivers)
        table.add_row(str(s.rank), s.key, str(s.cases), f"{s.score:.3f}", why)
    return table


@app.command("rank", help="机构或医师异常评分排名（附主要因素）")
def rank(date_from: str = FromOpt, date_to: str = ToOpt, level: str = typer.Option("institution", help="institution 或 doctor"),
         top: int = typer.Option(20, help="显示前 N 名"), warehouse: Path | None = WarehouseOpt,
         backend: str | None = BackendOpt) -> None:
    with handle_errors():
        if level not in ("institution", "doctor"):
            raise InputError(ErrorCode.INVALID_VALUE, field="--level", detail=level)
        period = _period(date_from, date_to)
        wh = _warehouse(warehouse, backend)
        leads = scan_warehouse(wh, *period)
        console.print(_rank_table("机构异常排名" if level == "institution" else "医师异常排名",
                                  rank_entities(wh, leads, *period, level), top))


@app.command("evaluate", help="与模拟统筹区的真值标签比较：各违规类型的精确率、召回率，异常评分的 ROC/PR AUC")
def evaluate_cmd(date_from: str = FromOpt, date_to: str = ToOpt, warehouse: Path | None = WarehouseOpt,
                 backend: str | None = BackendOpt) -> None:
    with handle_errors():
        period = _period(date_from, date_to)
        wh = _warehouse(warehouse, backend)
        leads = scan_warehouse(wh, *period)
        labels = wh.table("labels").to_pyarrow()
        table = Table(title="规则检出评估（对照注入标签）")
        for col in ("违规类型", "线索数", "正确线索", "标签数", "检出", "精确率", "召回率"):
            table.add_column(col)
        for s in evaluate(leads, labels):
            table.add_row(PATTERN_NAMES.get(s.pattern, s.pattern), str(s.leads), str(s.true_leads), str(s.labels),
                          str(s.found), f"{s.precision:.3f}", f"{s.recall:.3f}")
        console.print(table)
        rows = labels.to_pylist()
        for level, kind, key in (("institution", "abusive_institution", "fixmedins_code"), ("doctor", "abusive_doctor", "atddr_no")):
            scored = rank_entities(wh, leads, *period, level)
            roc, pr, n = auc(scored, {r[key] for r in rows if r["kind"] == kind})
            console.print(f"{'机构' if level == 'institution' else '医师'}异常评分：评分对象 {len(scored)} 个，"
                          f"其中注入违规 {n} 个；ROC AUC {roc:.3f}，PR AUC {pr:.3f}")


@leads_app.command("list", help="列出线索（按金额降序）")
def leads_list(status: str | None = typer.Option(None, help="状态：待核查/核查中/确认/排除/处理"),
               rule: str | None = typer.Option(None, help="规则编码"), institution: str | None = typer.Option(None, help="机构编码"),
               limit: int = typer.Option(50, help="最多显示条数")) -> None:
    with handle_errors(), _session() as session:
        if status:
            status_of(status)
        table = Table(title="监管线索")
        for col in ("编号", "状态", "规则", "违规类型", "机构", "就诊ID", "金额（元）"):
            table.add_column(col)
        for lead in service.list_leads(session, status=status, rule_id=rule, fixmedins_code=institution, limit=limit):
            table.add_row(str(lead.id), lead.status, lead.rule_id, PATTERN_NAMES.get(lead.pattern, lead.pattern),
                          lead.fixmedins_code or "", lead.mdtrt_id or "", f"{lead.amount:,.2f}")
        console.print(table)


@leads_app.command("show", help="线索详情：证据、规则轨迹、处理记录")
def leads_show(lead_id: int) -> None:
    with handle_errors(), _session() as session:
        lead = service.get_lead(session, lead_id)
        console.print(f"[bold]线索 {lead.id}[/bold]  状态：{lead.status}  核查人：{lead.assignee or '-'}")
        console.print(f"规则 {lead.rule_id}（{PATTERN_NAMES.get(lead.pattern, lead.pattern)}），层级 {lead.level}")
        console.print(f"机构 {lead.fixmedins_code}  医师 {lead.atddr_no}  人员 {lead.psn_no}  就诊 {lead.mdtrt_id}  "
                      f"明细 {lead.feedetl_sn or '-'}  关联就诊 {lead.related_mdtrt_id or '-'}")
        console.print(f"涉及金额：{lead.amount:,.2f} 元")
        console.print(f"证据：{lead.evidence}")
        console.print(f"规则轨迹：{lead.trace}")
        for e in service.events_of(session, lead.id):
            console.print(f"  {e.at:%Y-%m-%d %H:%M:%S} {e.actor}：{e.from_status} → {e.to_status} {e.note}")
        for s in service.sanctions_of(session, lead.id):
            console.print(f"  处理：{SANCTION_KINDS.get(s.kind, s.kind)} 金额 {s.amount or '-'} 分值 {s.points or '-'} {s.note}")


@leads_app.command("move", help="线索流转：待核查 → 核查中 → 确认/排除")
def leads_move(lead_id: int, status: str, actor: str = typer.Option(..., help="操作人"),
               note: str = typer.Option("", help="说明"), assignee: str | None = typer.Option(None, help="核查人")) -> None:
    with handle_errors(), _session() as session:
        lead = service.move_lead(session, lead_id, status_of(status), actor, note, assignee)
        console.print(f"线索 {lead.id} 状态已变为“{lead.status}”")


@leads_app.command("sanction", help="对已确认线索作出处理：recovery 追回 / suspend_payment 暂停拨付 / suspend_agreement / "
                   "terminate_agreement / physician_points 医师记分 / referral 移送")
def leads_sanction(lead_id: int, kind: str, actor: str = typer.Option(..., help="操作人"),
                   amount: str | None = typer.Option(None, help="金额（元）"), points: int | None = typer.Option(None, help="记分"),
                   start: str | None = typer.Option(None, help="开始日期"), end: str | None = typer.Option(None, help="结束日期"),
                   note: str = typer.Option("", help="说明")) -> None:
    with handle_errors(), _session() as session:
        money = None
        if amount is not None:
            try:
                money = Decimal(amount)
            except ArithmeticError as exc:
                raise InputError(ErrorCode.INVALID_AMOUNT, field="--amount", detail=amount) from exc
        s = service.sanction_lead(session, lead_id, kind, actor, amount=money, points=points,
                                  start=_date(start, "--start") if start else None,
                                  end=_date(end, "--end") if end else None, note=note)
        console.print(f"线索 {lead_id} 已处理：{SANCTION_KINDS[s.kind]}")
        if s.kind == "physician_points" and s.atddr_no:
            left = service.physician_points_left(session, s.atddr_no, (s.start_date or dt.date.today()).year)
            console.print(f"医师 {s.atddr_no} 本年度剩余积分 {left}" + ("（已扣完，暂停医保支付资格）" if left <= 0 else ""))


@leads_app.command("export", help="导出线索为 Excel（供检查组使用）")
def leads_export(path: Path, status: str | None = typer.Option(None, help="只导出该状态"),
                 institution: str | None = typer.Option(None, help="只导出该机构")) -> None:
    with handle_errors(), _session() as session:
        if status:
            status_of(status)
        leads = service.list_leads(session, status=status, fixmedins_code=institution, limit=None)
        export_leads(leads, path)
        console.print(f"已导出 {len(leads)} 条线索：{path}")


@app.command("credit", help="按确认线索与处理计算定点机构年度信用评分及预付系数")
def credit(year: int = typer.Option(..., help="年度")) -> None:
    with handle_errors(), _session() as session:
        table = Table(title=f"{year} 年度定点机构信用评分")
        for col in ("机构", "信用分", "等级", "DIP/DRG 预付系数", "依据"):
            table.add_column(col)
        for c in service.score_credit(session, year):
            table.add_row(c.fixmedins_code, str(c.score), c.grade, str(c.coefficient), c.basis)
        console.print(table)
