import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from drg_cases import rows_table
from test_drg_batch import WORKED
from typer.testing import CliRunner

from yibao.cli import app
from yibao.payment.drg.service import group_file

runner = CliRunner()


def test_group_reads_csv_writes_parquet_and_keeps_the_other_columns_as_written(tmp_path):
    source, target = tmp_path / "cases.csv", tmp_path / "grouped.parquet"
    source.write_text(
        "case_id,gend,age,age_days,nwb_bir_wt,diag_codes,oprn_codes,fixmedins_code\n"
        "007,1,60,,,I21.001|E11.900,00.6600x004|36.0700,H0001\n"
        "008,2,0,2,1200,P07.200,,H0002\n"
        "009,1,30,,,X99.999x999,,H0001\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["drg", "group", str(source), "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert "共 3 例" in result.output and "正常入组 2 例" in result.output
    rows = pq.read_table(target).to_pylist()
    assert [r["case_id"] for r in rows] == ["007", "008", "009"]
    assert [r["drg"] for r in rows] == ["FM29", "PS15", "0000"]
    assert rows[2]["status"] == "bad_diagnosis"
    assert rows[0]["fixmedins_code"] == "H0001" and rows[0]["age"] == "60"
    assert pq.read_schema(target).names[-4:] == ["mdc", "adrg", "drg", "status"]


def test_group_reads_parquet_writes_csv_in_chunks_in_input_order(tmp_path):
    source, target = tmp_path / "cases.parquet", tmp_path / "out" / "grouped.csv"
    pq.write_table(rows_table(WORKED), source)
    seen = []
    summary = group_file(source, target, chunk_size=8, on_progress=lambda done, total: seen.append((done, total)))
    out = pacsv.read_csv(target).to_pylist()
    assert [r["case_id"] for r in out] == [w["case_id"] for w in WORKED]
    assert summary.cases == len(WORKED) and seen[-1] == (len(WORKED), len(WORKED)) and len(seen) > 1
    assert summary.by_status["grouped"] == sum(1 for r in out if r["status"] == "grouped")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("case_id,gend\n1,1\n", "缺少必填字段"),
        ("case_id,gend,age,age_days,nwb_bir_wt,diag_codes,oprn_codes\n1,1,3,,,I21.001,\n1,1,3,,,I21.001,\n", "case_id"),
    ],
    ids=["missing-columns", "duplicate-case-id"],
)
def test_group_refuses_a_file_it_cannot_group_with_a_chinese_error(tmp_path, content, message):
    source = tmp_path / "cases.csv"
    source.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["drg", "group", str(source), "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "o.csv").exists()


def test_group_refuses_an_unknown_file_type(tmp_path):
    result = runner.invoke(app, ["drg", "group", str(tmp_path / "a.xlsx"), "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 2 and ".parquet" in result.output


def test_explain_prints_the_trace_of_one_case():
    result = runner.invoke(
        app, ["drg", "explain", "--gend", "1", "--age", "60", "--diag", "B20.000x001|A01.100"]
    )
    assert result.exit_code == 0, result.output
    assert "进入 MDCY" in result.output and "MCC" in result.output and "YR11" in result.output


def test_explain_exits_non_zero_when_the_case_is_not_grouped():
    result = runner.invoke(app, ["drg", "explain", "--gend", "1", "--age", "30", "--diag", "N70.000"])
    assert result.exit_code == 1
    assert "主要诊断与性别不符" in result.output
