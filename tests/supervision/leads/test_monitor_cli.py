"""``yibao monitor`` end to end on a tiny region: scan into the lead store, work a lead to a
sanction, export to Excel, score credit, evaluate against the labels."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from yibao.cli.monitor import app
from yibao.config import get_settings
from yibao.store import db
from yibao.store.warehouse import Warehouse
from yibao.supervision.leads import service
from yibao.synth import SynthConfig, generate_region
from yibao.synth.write import write_warehouse

runner = CliRunner()
YEAR = ["--from", "2025-01-01", "--to", "2025-12-31"]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("monitor_home")
    write_warehouse(generate_region(SynthConfig(persons=3_000, chunk_persons=3_000, seed=99)), Warehouse(root / "warehouse"))
    mp = pytest.MonkeyPatch()
    mp.setenv("YIBAO_HOME", str(root))
    mp.delenv("YIBAO_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield root
    mp.undo()
    get_settings.cache_clear()


def _first_lead(**where: str) -> str:
    engine = db.make_engine(get_settings().db_url)
    try:
        with db.session_factory(engine)() as session:
            return str(service.list_leads(session, limit=1, **where)[0].id)
    finally:
        engine.dispose()


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def first_scan(home: Path) -> str:
    return _ok(["scan", *YEAR])


def test_a_scan_is_stored_once_and_a_lead_is_worked_to_a_sanction(home: Path, first_scan: str) -> None:
    assert "事后扫描结果" in first_scan and "新增入库" in first_scan
    assert "新增入库 0 条" in _ok(["scan", *YEAR])
    assert "监管线索" in _ok(["leads", "list", "--limit", "3"])
    lead_id = _first_lead(rule_id="LOCAL-PRICE")
    refused = runner.invoke(app, ["leads", "sanction", lead_id, "recovery", "--actor", "a", "--amount", "10"])
    assert refused.exit_code == 2
    _ok(["leads", "move", lead_id, "核查中", "--actor", "auditor"])
    _ok(["leads", "move", lead_id, "确认", "--actor", "auditor", "--note", "单价高于支付标准"])
    assert "追回" in _ok(["leads", "sanction", lead_id, "recovery", "--actor", "chief", "--amount", "10.00"])
    shown = _ok(["leads", "show", lead_id])
    assert "状态：处理" in shown and "核查中 → 确认" in shown and "规则轨迹：LOCAL-PRICE" in shown
    assert "信用分" in _ok(["credit", "--year", "2025"])
    out = home / "线索.xlsx"
    _ok(["leads", "export", str(out), "--status", "处理"])
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][0] == "线索编号" and len(rows) == 2 and str(rows[1][0]) == lead_id


def test_an_illegal_step_is_refused_with_a_chinese_message(first_scan: str) -> None:
    lead_id = _first_lead(status="待核查")
    result = runner.invoke(app, ["leads", "move", lead_id, "处理", "--actor", "a"])
    assert result.exit_code == 2
    assert "线索状态不能从" in result.output


def test_evaluate_prints_precision_recall_and_auc(home: Path) -> None:
    out = _ok(["evaluate", *YEAR])
    assert "精确率" in out and "召回率" in out and "ROC AUC" in out
