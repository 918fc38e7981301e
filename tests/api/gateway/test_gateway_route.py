"""The service answers messages before FastAPI's routing; the router alone answers them the same way."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from gateway_world import SECRET_KEY, His

from yibao.api.app import ServiceApp, create_app
from yibao.api.gateway import router
from yibao.api.gateway.envelope import MAX_BODY_BYTES
from yibao.config import Settings


def test_the_router_alone_answers_as_the_service_does(store_url: str) -> None:
    service = create_app(Settings(database_url=store_url, secret_key=SECRET_KEY, env="test"))
    assert isinstance(service, ServiceApp)
    plain = FastAPI()
    plain.include_router(router)
    plain.state.gateway = service.state.gateway
    answers = []
    for app in (service, plain):
        with TestClient(app) as http:
            his = His(http, "H1")
            his.sign_in()
            person = his.call("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "330902198001000003"}})
            too_big = http.post("/fsi/api", content=b"x" * (MAX_BODY_BYTES + 1),
                                headers={"X-Yibao-Institution": "H1", "X-Yibao-Secret": his.secret})
            answers.append((person["infcode"], person["output"]["baseinfo"]["certno"], too_big.status_code,  # type: ignore[index]
                            too_big.json()["infcode"]))
    assert answers[0] == answers[1] == (0, "330902********0003", 413, -1)
    assert "/fsi/api" in service.openapi()["paths"]


def test_a_started_worker_keeps_what_start_up_built_out_of_the_collectors_way(store_url: str) -> None:
    """Full collections walked the ~250,000 objects of modules, policy packs and the rule library and
    paused a worker for 0.2–0.5 s under load; once started, the worker has frozen them."""
    import gc

    settings = Settings(database_url=store_url, secret_key=SECRET_KEY, env="test")
    gc.unfreeze()
    try:
        with TestClient(create_app(settings)):
            assert gc.get_freeze_count() == 0  # an app built in a test process freezes nothing
        with TestClient(create_app(settings, freeze_at_start=True)):  # as worker_app() does
            assert gc.get_freeze_count() > 100_000
    finally:
        gc.unfreeze()
