"""The REST error shape, and that installing it leaves other paths' handlers (the gateway's) alone."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from yibao.api.rest.errors import install, status_of
from yibao.errors import ConflictError, ErrorCode, InputError, NotFoundError, PermissionDenied, YibaoError


def _app() -> FastAPI:
    app = FastAPI()

    async def envelope(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"infcode": -1, "err_msg": "报文错误"}, status_code=200)

    app.add_exception_handler(RequestValidationError, envelope)
    app.add_exception_handler(YibaoError, envelope)

    @app.get("/api/thing")
    def thing(count: int) -> dict[str, int]:
        if count < 0:
            raise InputError(ErrorCode.NEGATIVE_AMOUNT, field="count")
        return {"count": count}

    @app.get("/fsi/thing")
    def other(count: int) -> dict[str, int]:
        raise InputError(ErrorCode.NEGATIVE_AMOUNT, field="count")

    install(app)
    return app


def test_a_validation_error_under_api_names_the_field_in_chinese() -> None:
    answer = TestClient(_app()).get("/api/thing", params={"count": "many"})
    assert answer.status_code == 422
    assert answer.json()["field"] == "count"
    assert answer.json()["message"] == "字段「count」：不是整数"


def test_a_missing_parameter_gets_the_missing_field_code() -> None:
    answer = TestClient(_app()).get("/api/thing")
    assert (answer.json()["code"], answer.json()["field"]) == ("E1001", "count")


def test_paths_outside_api_keep_the_handlers_registered_before() -> None:
    client = TestClient(_app())
    assert client.get("/fsi/thing", params={"count": "x"}).json() == {"infcode": -1, "err_msg": "报文错误"}
    assert client.get("/fsi/thing", params={"count": "1"}).json() == {"infcode": -1, "err_msg": "报文错误"}
    assert client.get("/api/thing", params={"count": "-1"}).json()["code"] == "E1004"


def test_an_unknown_api_path_answers_in_the_same_shape() -> None:
    answer = TestClient(_app()).get("/api/nothing-here")
    assert answer.status_code == 404 and answer.json()["code"] == "E2001"


def test_each_error_type_has_its_http_status() -> None:
    assert status_of(PermissionDenied(ErrorCode.TOKEN_EXPIRED)) == 401
    assert status_of(PermissionDenied(ErrorCode.FORBIDDEN)) == 403
    assert status_of(NotFoundError()) == 404
    assert status_of(ConflictError()) == 409
    assert status_of(InputError()) == 422
