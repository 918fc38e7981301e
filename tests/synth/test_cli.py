"""``yibao synth`` writes a region into the warehouse of the data directory it is given."""

from __future__ import annotations

from typer.testing import CliRunner

from yibao.cli import app
from yibao.store.warehouse import connect


def test_the_synth_command_writes_every_region_table_and_reports_in_chinese(tmp_path):
    result = CliRunner().invoke(app, ["synth", "--persons", "2000", "--seed", "3", "--home", str(tmp_path), "--chunk", "1000"])
    assert result.exit_code == 0, result.output
    assert "参保人员" in result.output
    wh = connect("duckdb", tmp_path / "warehouse")
    assert wh.table("persons").count().execute() == 2000
    assert {"cases", "claim_items", "labels", "visits", "settlements"} <= set(wh.tables())


def test_a_nonpositive_population_is_refused():
    result = CliRunner().invoke(app, ["synth", "--persons", "0"])
    assert result.exit_code != 0


def test_the_synth_command_can_also_fill_the_operational_store(tmp_path):
    from sqlalchemy import create_engine, text

    result = CliRunner().invoke(app, ["synth", "--persons", "1500", "--home", str(tmp_path), "--no-warehouse", "--store"])
    assert result.exit_code == 0, result.output
    engine = create_engine(f"sqlite:///{tmp_path / 'yibao.sqlite3'}")
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from person")).scalar() == 1500
    engine.dispose()
    assert not (tmp_path / "warehouse").exists()
