"""``yibao settle`` on a JSON-lines file: results in order, accumulators carried over, per-line errors."""

import json
import re

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
    text = re.sub(r"\s", "", result.output)  # the console wraps at its own width
    assert "第2行" in text and "浮点数" in text
    assert "第3行" in text and "items[0].med_list_codg" in text
    assert "第5行" in text and "未参保" in text
    assert "结算成功2笔" in text


def test_settle_with_an_unknown_pack_exits_with_code_2(tmp_path):
    src = tmp_path / "claims.jsonl"
    src.write_text(_line("M1", "100.00", "03-01") + "\n", encoding="utf-8")
    result = runner.invoke(app, ["settle", "-p", "nowhere-1999", "-i", str(src), "-o", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 2


def test_settle_reads_a_catalog_file_and_carries_the_personal_account_balance_over(tmp_path):
    catalog = tmp_path / "catalog.jsonl"
    catalog.write_text(json.dumps({"med_list_codg": "BED", "name": "床位费", "chrgitm_lv": "01", "med_chrgitm_type": "01"}) + "\n", encoding="utf-8")
    emp = {"psn_no": "E1", "psn_type": "11", "insuplc_admdvs": "440784", "acct_balc": "1000.00"}

    def stay(mdtrt_id, day):
        return json.dumps({
            "mdtrt_id": mdtrt_id, "insutype": "310", "med_type": "21", "begndate": f"2021-{day}", "setl_date": f"2021-{day}",
            "fixmedins_code": "H1", "fixmedins_lv": "3", "person": emp, "coverage": {"enrolled_from": "2010-01-01"},
            "items": [{"med_list_codg": "BED", "pric": "5000", "cnt": "1", "det_item_fee_sumamt": "5000"}],
        })

    src = tmp_path / "claims.jsonl"
    src.write_text(stay("E-1", "02-01") + "\n\n" + stay("E-2", "05-01") + "\n", encoding="utf-8")
    out = tmp_path / "results.jsonl"
    result = runner.invoke(app, ["settle", "-p", "heshan-2021", "-i", str(src), "-o", str(out), "-c", str(catalog)])
    assert result.exit_code == 0, result.output
    first, second = (json.loads(x) for x in out.read_text(encoding="utf-8").splitlines())
    assert first["acct_pay"] == "1000.00" and first["balc"] == "0.00"
    assert second["acct_pay"] == "0.00"
    assert second["act_pay_dedc"] == "500.00"


def test_settle_help_documents_the_input_shape():
    result = runner.invoke(app, ["settle", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "person" in result.output and "coverage" in result.output and "chronic_code" in result.output
