"""Every route against every role: allowed → 2xx, not allowed → 403; and no tenant sees another's data."""

from __future__ import annotations

import pytest
import rest_seed as seed
from rest_env import RestEnv
from rest_calls import CALLS, Call, seed_shared


@pytest.fixture(scope="module")
def env(rest: RestEnv) -> RestEnv:
    seed_shared(rest)
    return rest


CASES = [pytest.param(call, role, id=f"{call.method} {call.route} as {role}") for call in CALLS for role in seed.ROLES]


@pytest.mark.parametrize(("call", "role"), CASES)
def test_each_role_may_call_exactly_the_routes_its_role_allows(env: RestEnv, call: Call, role: str) -> None:
    if call.prepare is not None:
        call.prepare(env, role)
    answer = env.client.request(call.method, call.url(role), headers=env.headers[role], **call.build(role))
    if role in call.allowed:
        assert 200 <= answer.status_code < 300, answer.text
    else:
        assert answer.status_code == 403, answer.text
        assert answer.json()["code"] == "E6002"


def test_the_role_table_covers_every_route_of_the_router(env: RestEnv) -> None:
    paths = env.client.app.openapi()["paths"]  # type: ignore[attr-defined]
    routes = {(method.upper(), path) for path, operations in paths.items() for method in operations if path.startswith("/api/")}
    table = {(call.method, call.route) for call in CALLS} | {("POST", "/api/auth/token")}
    assert routes == table


@pytest.mark.parametrize(
    ("method", "url", "params", "status"),
    [
        pytest.param("GET", "/api/settlements", {"fixmedins_code": seed.H_B}, 403, id="settlements filtered to another"),
        pytest.param("GET", "/api/settlements/SB1", {}, 404, id="another's settlement"),
        pytest.param("GET", "/api/visits", {"fixmedins_code": seed.H_B}, 403, id="visits filtered to another"),
        pytest.param("GET", "/api/visits/VB1", {}, 404, id="another's visit"),
        pytest.param("GET", "/api/settlement-lists/SB1", {}, 404, id="another's settlement list"),
        pytest.param("GET", "/api/statements", {"month": "2021-03", "fixmedins_code": seed.H_B}, 403, id="another's statement"),
        pytest.param("GET", f"/api/institutions/{seed.H_B}", {}, 403, id="another institution's record"),
        pytest.param("PATCH", f"/api/institutions/{seed.H_B}", {}, 403, id="writing another institution"),
        pytest.param("POST", f"/api/institutions/{seed.H_B}/agreement", {}, 403, id="changing another's agreement"),
    ],
)
def test_an_institution_user_is_refused_every_other_institutions_data(
    env: RestEnv, method: str, url: str, params: dict[str, str], status: int
) -> None:
    body = {"json": {"open_bed_cnt": 1}} if method == "PATCH" else {"json": {"agre_stas": "2", "reason": "x"}} if method == "POST" else {}
    answer = env.client.request(method, url, params=params, headers=env.headers["institution"], **body)
    assert answer.status_code == status, answer.text
    assert seed.H_B not in answer.text or answer.json()["code"] in {"E6002", "E2001"}


def test_institution_b_cannot_read_institution_as_settlement(env: RestEnv) -> None:
    assert env.client.get("/api/settlements/SA1", headers=env.headers["institution_b"]).status_code == 404
    assert env.client.get("/api/settlement-lists/SA1", headers=env.headers["institution_b"]).status_code == 404


def test_an_institution_user_listing_without_a_filter_sees_only_its_own_rows(env: RestEnv) -> None:
    settlements = env.client.get("/api/settlements", headers=env.headers["institution"]).json()
    assert settlements["count"] == 3
    assert {s["fixmedins_code"] for s in settlements["data"]} == {seed.H_A}
    visits = env.client.get("/api/visits", headers=env.headers["institution"]).json()
    assert {v["mdtrt_id"] for v in visits["data"]} == {"VA1", "VA2"}
    statements = env.client.get("/api/statements", params={"month": "2021-03"}, headers=env.headers["institution"]).json()
    assert [s["fixmedins_code"] for s in statements["data"]] == [seed.H_A]


def test_the_bureau_sees_every_institution(env: RestEnv) -> None:
    settlements = env.client.get("/api/settlements", headers=env.headers["auditor"]).json()
    assert {s["fixmedins_code"] for s in settlements["data"]} == {seed.H_A, seed.H_B}
