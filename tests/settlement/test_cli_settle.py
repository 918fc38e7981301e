"""``yibao settle`` on a JSON-lines file: results in order, accumulators carried over, per-line errors."""

import json

from typer.testing import CliRunner

from yibao.cli import app

runner = CliRunner()


def _line(mdtrt_id, amount, day, **extra):
    base = {
        "mdtrt_id": mdtrt_id,
        "insutype": "390",
        "med_type": "21",
        "begndate": f"2019-{day}",
        "setl_date": f"2019-{day}",
        "fixmedins_code": "H001",
        "fixmedins_lv": "3",
        "mdtrtarea_admvs": "330902",
        "person": {"psn_no": "P1", "psn_type": "15", "insuplc_admdvs": "330902", "identities": []},
        "coverage": {"enrolled_from": "2018-01-01"},
        "items": [{"med_list_codg": "BED", "pric": amount, "cnt": "1", "det_item_fee_sumamt": amount, "chrgitm_lv": "01"}],
    }
    base.update(extra)
    return json.dumps(base, ensure_ascii=False)


def test_settle_writes_one_result_per_good_line_carries_accumulators_and_reports_bad_lines(tmp_path):
    src = tmp_path / "claims.jsonl"
    bad_code = json.loads(_line("M3", "100.00", "04-01"))
    bad_code["items"][0] = {"med_list_codg": "X", "pric": "1", "cnt": "1", "det_item_fee_sumamt": "1"}
    lines = [
        _line("M1", "200000.00", "03-01"),
        '{"mdtrt_id": "M2", "items": [{"pric": 1.5}]}',
        json.dumps(bad_code),
        _line("M4", "285000.00", "06-01"),
        _line("M5", "100.00", "07-01", coverage=None),
    ]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out" / "results.jsonl"
    result = runner.invoke(app, ["settle", "--policy", "zhoushan-2019", "--input", str(src), "--output", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 1, result.output
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["mdtrt_id"] for r in rows] == ["M1", "M4"]
    assert [r["line_no"] for r in rows] == [1, 4]
    assert rows[1]["act_pay_dedc"] == "500.00"  # second stay of the year
    assert sum(float(r["hifmi_pay"]) for r in rows) == 98000.0
    assert "第 2 行" in result.output and "浮点数" in result.output
    assert "第 3 行" in result.output and "items[0].med_list_codg" in result.output
    assert "第 5 行" in result.output and "未参保" in result.output
    assert "结算成功 2 笔" in result.output


def test_settle_with_an_unknown_pack_exits_with_code_2(tmp_path):
    src = tmp_path / "claims.jsonl"
    src.write_text(_line("M1", "100.00", "03-01") + "\n", encoding="utf-8")
    result = runner.invoke(app, ["settle", "-p", "nowhere-1999", "-i", str(src), "-o", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 2
