"""The command that issues an institution's interface secret, and the secret at work."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from gateway_world import SECRET_KEY, His, database, seed
from typer.testing import CliRunner

from yibao.api.app import create_app
from yibao.cli.serve import institution_secret
from yibao.config import Settings, get_settings


def test_an_issued_secret_signs_in_and_the_old_one_stops_working(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with database("sqlite", tmp_path) as url:
        seed(url, people=2)
        monkeypatch.setenv("YIBAO_DATABASE_URL", url)
        get_settings.cache_clear()
        app = typer.Typer()
        app.command()(institution_secret)
        app.command("noop")(lambda: None)
        try:
            result = CliRunner().invoke(app, ["institution-secret", "H2"])
            missing = CliRunner().invoke(app, ["institution-secret", "NO-SUCH"])
        finally:
            get_settings.cache_clear()
        assert result.exit_code == 0, result.output
        assert missing.exit_code == 2 and "E2003" in missing.output
        secret = re.search(r"X-Yibao-Secret）：(\S+)", result.output).group(1)  # type: ignore[union-attr]
        with TestClient(create_app(Settings(database_url=url, secret_key=SECRET_KEY, env="test"))) as client:
            assert His(client, "H2", secret=secret).sign_in()
            assert His(client, "H2").call("9001", {"signIn": {"opter_no": "1"}})["infcode"] == -1
