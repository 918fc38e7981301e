import pytest

from yibao.config import Settings
from yibao.errors import ErrorCode, InputError, YibaoError


def test_every_error_code_is_unique_and_has_a_chinese_message():
    values = [c.value for c in ErrorCode]
    assert len(values) == len(set(values))
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in c.message) for c in ErrorCode)


def test_an_error_names_its_field_and_keeps_a_stable_code():
    err = InputError(ErrorCode.MISSING_FIELD, field="psn_no")
    assert isinstance(err, YibaoError)
    assert err.to_dict() == {"code": "E1001", "field": "psn_no", "message": "字段「psn_no」：缺少必填字段"}


def test_database_defaults_to_sqlite_in_the_home(tmp_path, monkeypatch):
    monkeypatch.delenv("YIBAO_DATABASE_URL", raising=False)
    monkeypatch.setenv("YIBAO_HOME", str(tmp_path))
    s = Settings()
    assert s.db_url == f"sqlite:///{(tmp_path / 'yibao.sqlite3').resolve()}"
    assert s.warehouse_dir == tmp_path / "warehouse"


def test_production_refuses_the_default_secret(monkeypatch):
    monkeypatch.setenv("YIBAO_ENV", "production")
    monkeypatch.delenv("YIBAO_SECRET_KEY", raising=False)
    with pytest.raises(ValueError):
        Settings()
