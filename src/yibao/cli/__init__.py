"""The ``yibao`` command: parses, calls one service, renders. Sub-commands live in sibling modules."""

from __future__ import annotations

import typer

from yibao.cli import db, demo, dip, drg, monitor, policy, serve, settle, synth

app = typer.Typer(help="yibao 医保基金平台命令行", no_args_is_help=True, add_completion=False)
app.add_typer(db.app, name="db", help="数据库迁移与初始化")
app.add_typer(policy.app, name="policy", help="政策参数包：校验、查看、比较")
app.add_typer(drg.app, name="drg", help="CHS-DRG 分组与 DRG 点数付费")
app.add_typer(dip.app, name="dip", help="DIP 目录库、分值、月度结算与年度清算")
app.add_typer(monitor.app, name="monitor", help="基金监管：事后扫描、异常评分、线索与处理")
app.command("synth", help="生成模拟统筹区（人员、机构、就诊、病例、违规标签）")(synth.synth)
app.command("settle", help="按政策参数包逐笔结算 JSONL 文件中的费用")(settle.settle)
app.command("serve", help="启动结算服务（国家接口报文网关与医保局 REST 接口）")(serve.serve)
app.command("institution-secret", help="为定点医药机构签发接口密钥（只显示一次）")(serve.institution_secret)
app.command("demo", help="生成约 5 万人的模拟统筹区，运行全部引擎，输出中文摘要与 HTML 报告")(demo.demo)


def main() -> None:
    app()
