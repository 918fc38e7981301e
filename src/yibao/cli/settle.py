"""``yibao settle``: settle a JSON-lines file of claims in order under one policy pack.

Input shape: see :mod:`yibao.settlement.jsonl` (one claim per line with ``person`` and ``coverage``
inline; amounts as strings). Accumulators and account balances carry over from line to line. A line
with an error settles nothing; it is reported in Chinese with its line number and field, and the
exit code is 1 when any line failed.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import typer
from rich.table import Table

from yibao.catalog.model import CatalogEntry, ChargeLevel, ListType
from yibao.cli._common import console, err_console, handle_errors
from yibao.errors import ErrorCode, InputError
from yibao.money import price, ratio
from yibao.policy.loader import load_pack
from yibao.settlement.jsonl import BatchState, decode_line, settle_lines
from yibao.settlement.watch import burden_watchlist

_INPUT_HELP = """待结算费用 JSONL 文件。每行一笔结算，人员与参保信息内嵌，金额写成字符串：

{"mdtrt_id": "M1", "insutype": "390", "med_type": "21",
 "begndate": "2019-03-01", "setl_date": "2019-03-09",
 "fixmedins_code": "H001", "fixmedins_lv": "3", "grassroots": false,
 "mdtrtarea_admvs": "330902",
 "person": {"psn_no": "P1", "psn_type": "15",
            "insuplc_admdvs": "330902", "identities": ["minimum_living"],
            "acct_balc": "0.00"},
 "coverage": {"enrolled_from": "2019-01-01", "benefit_from": null,
              "suspended": []},
 "items": [{"med_list_codg": "X1", "pric": "12.50", "cnt": "2",
            "det_item_fee_sumamt": "25.00", "chrgitm_lv": "02"}]}

med_type：11 普通门诊、14 门诊慢特病（需 chronic_code，可选 prescription_days）、
21 住院 …；coverage 为 null 表示未参保；目录中没有的编码须在明细中给出 chrgitm_lv。
出错的行不结算，按行号与字段列出。"""


def _load_catalog(path: Path) -> dict[str, CatalogEntry]:
    """A catalog file: JSON lines of CatalogEntry fields (``med_list_codg, name, list_type, chrgitm_lv,
    med_chrgitm_type, selfpay_prop, pric_uplmt_amt``)."""
    entries: dict[str, CatalogEntry] = {}
    for line_no, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not text.strip():
            continue
        raw = decode_line(text)
        if not isinstance(raw, dict) or "med_list_codg" not in raw:
            raise InputError(ErrorCode.INVALID_VALUE, field=f"catalog 第 {line_no} 行", detail="缺少 med_list_codg")
        try:
            limit = raw.get("pric_uplmt_amt")
            entry = CatalogEntry(
                med_list_codg=str(raw["med_list_codg"]),
                name=str(raw.get("name", raw["med_list_codg"])),
                list_type=ListType(str(raw.get("list_type", "201"))),
                chrgitm_lv=ChargeLevel(str(raw.get("chrgitm_lv", "01"))),
                med_chrgitm_type=str(raw.get("med_chrgitm_type", "14")),
                selfpay_prop=ratio(raw.get("selfpay_prop", "0"), f"catalog 第 {line_no} 行 selfpay_prop"),
                pric_uplmt_amt=None if limit is None else price(limit, f"catalog 第 {line_no} 行 pric_uplmt_amt"),
            )
        except ValueError as exc:
            raise InputError(ErrorCode.INVALID_VALUE, field=f"catalog 第 {line_no} 行", detail=str(exc)) from exc
        entries[entry.med_list_codg] = entry
    return entries


def settle(
    policy: str = typer.Option(..., "--policy", "-p", help="政策参数包：内置包编号（如 zhoushan-2019）或 .toml 路径"),
    input_path: Path = typer.Option(..., "--input", "-i", exists=True, dir_okay=False, help=_INPUT_HELP, show_default=False),
    output_path: Path = typer.Option(..., "--output", "-o", dir_okay=False, help="结算结果 JSONL 文件"),
    catalog_path: Path | None = typer.Option(None, "--catalog", "-c", exists=True, dir_okay=False, help="医保目录 JSONL（可选）"),
) -> None:
    with handle_errors():
        pack = load_pack(policy)
        catalog = _load_catalog(catalog_path) if catalog_path else {}
    state = BatchState()
    settled = failed = alerts = 0
    totals = dict.fromkeys(("medfee_sumamt", "hifp_pay", "hifmi_pay", "hifob_pay", "maf_pay", "acct_pay", "psn_cash_pay"), Decimal(0))
    lines = input_path.read_text(encoding="utf-8").splitlines()
    output_path.parent.mkdir(parents=True, exist_ok=True)
    with output_path.open("w", encoding="utf-8") as out:
        for outcome in settle_lines(lines, pack, catalog, state):
            if outcome.error is not None:
                failed += 1
                err_console.print(f"[red]第 {outcome.line_no} 行 {outcome.error.code.value}[/red]：{outcome.error.message}")
                continue
            result = outcome.settlement
            assert result is not None
            settled += 1
            alerts += result.burden_alert
            for name in totals:
                totals[name] += getattr(result, name)
            out.write(json.dumps({"line_no": outcome.line_no, **result.to_dict()}, ensure_ascii=False) + "\n")
    _summary(pack.pack_id, settled, failed, alerts, totals)
    watch = burden_watchlist(state.accumulators.values(), pack)
    if watch:
        console.print(f"因病返贫致贫风险监测：{len(watch)} 人年度个人负担达到监测线，建议纳入医疗救助审核：" + "、".join(c.psn_no for c in watch[:20]))
    if failed:
        raise typer.Exit(code=1)


def _summary(pack_id: str, settled: int, failed: int, alerts: int, totals: dict[str, Decimal]) -> None:
    names = {
        "medfee_sumamt": "医疗费总额",
        "hifp_pay": "基本医保统筹支付",
        "hifmi_pay": "居民大病保险支付",
        "hifob_pay": "职工大额补助支付",
        "maf_pay": "医疗救助支付",
        "acct_pay": "个人账户支付",
        "psn_cash_pay": "个人现金支付",
    }
    table = Table(title=f"结算汇总（政策包 {pack_id}）")
    table.add_column("项目")
    table.add_column("金额（元）", justify="right")
    for key, label in names.items():
        table.add_row(label, f"{totals[key]:,.2f}")
    console.print(table)
    console.print(f"结算成功 {settled} 笔，出错未结算 {failed} 笔，风险监测提示 {alerts} 次")
