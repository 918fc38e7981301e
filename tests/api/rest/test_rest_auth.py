"""Logging in, and what happens to a missing, expired, forged or withdrawn credential."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
import rest_seed as seed
from rest_env import RestEnv

from yibao.api.auth import Principal, issue_token
from yibao.config import Settings
from yibao.store.models import User


def _login(env: RestEnv, username: str, password: str) -> object:
    return env.client.post("/api/auth/token", data={"username": username, "password": password})


def test_a_user_logs_in_with_a_password_and_gets_an_expiring_bearer_token(rest: RestEnv) -> None:
    answer = _login(rest, "auditor", seed.PASSWORD)
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == rest.settings.token_minutes * 60
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == rest.settings.token_minutes * 60
    me = rest.client.get("/api/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}).json()
    assert me["roles"] == ["auditor"]


@pytest.mark.parametrize(("username", "password"), [("auditor", "wrong"), ("nobody", seed.PASSWORD)], ids=["wrong password", "unknown user"])
def test_a_wrong_password_or_unknown_user_gets_the_same_chinese_refusal(rest: RestEnv, username: str, password: str) -> None:
    answer = _login(rest, username, password)
    assert answer.status_code == 401
    assert answer.json() == {"code": "E6001", "field": "Authorization", "message": "字段「Authorization」：未登录或凭证已失效（用户名或密码错误）"}
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_a_call_without_a_token_is_refused_with_401(rest: RestEnv) -> None:
    answer = rest.client.get("/api/institutions")
    assert answer.status_code == 401
    assert answer.json()["code"] == "E6001"


def _principal(env: RestEnv, username: str) -> Principal:
    with env.uow() as uow:
        user = uow.users.get_by_username(username)
        assert user is not None
        return Principal(user.user_id, user.username, user.role_codes, user.fixmedins_code)


def test_an_expired_token_is_refused_with_its_own_code(rest: RestEnv) -> None:
    old = issue_token(_principal(rest, "admin"), rest.settings, now=datetime.now(UTC) - timedelta(minutes=10))
    answer = rest.client.get("/api/institutions", headers={"Authorization": f"Bearer {old.access_token}"})
    assert answer.status_code == 401
    assert answer.json()["code"] == "E6003"
    assert "过期" in answer.json()["message"]


def test_a_token_signed_with_another_secret_is_refused(rest: RestEnv) -> None:
    other = Settings(env="test", secret_key="some-other-secret-entirely", token_minutes=5)
    forged = issue_token(_principal(rest, "admin"), other)
    answer = rest.client.get("/api/institutions", headers={"Authorization": f"Bearer {forged.access_token}"})
    assert answer.status_code == 401
    assert answer.json()["code"] == "E6004"


def test_a_token_with_an_altered_payload_is_refused(rest: RestEnv) -> None:
    head, _, signature = rest.headers["read_only"]["Authorization"].removeprefix("Bearer ").split(".")
    admin_payload = issue_token(_principal(rest, "admin"), rest.settings).access_token.split(".")[1]
    answer = rest.client.get("/api/institutions", headers={"Authorization": f"Bearer {head}.{admin_payload}.{signature}"})
    assert answer.status_code == 401


def test_a_deactivated_user_loses_access_at_once_even_with_a_live_token(rest: RestEnv) -> None:
    with rest.uow() as uow:
        uow.users.add("leaver", seed.PASSWORD, display_name="离职", roles=["read_only"])
        uow.commit()
    token = _login(rest, "leaver", seed.PASSWORD).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert rest.client.get("/api/regions", headers=headers).status_code == 200
    with rest.uow() as uow:
        user = uow.users.get_by_username("leaver")
        assert isinstance(user, User)
        user.is_active = False
        uow.commit()
    assert rest.client.get("/api/regions", headers=headers).status_code == 401


def test_passwords_are_stored_as_argon2id_hashes(rest: RestEnv) -> None:
    with rest.uow() as uow:
        user = uow.users.get_by_username("admin")
        assert user is not None
        assert user.password_hash.startswith("$argon2id$")
        assert seed.PASSWORD not in user.password_hash
