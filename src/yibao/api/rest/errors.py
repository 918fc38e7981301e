"""One error shape for the REST API: ``{code, field, message}`` in Chinese, with the right HTTP status.

``install(app)`` registers two handlers — :class:`yibao.errors.YibaoError` and FastAPI's
``RequestValidationError`` — that apply to paths under ``prefix`` (``/api`` by default). Requests
elsewhere (the national gateway, which answers in its own envelope) go to whatever handler was
registered before, or FastAPI's default; so the gateway can install its own handlers first and keep
them. :func:`validation_errors` turns pydantic errors into Chinese ``(field, reason)`` pairs for
anyone who wants the same wording.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import cast

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response

from yibao.catalog.importer import ImportRejected
from yibao.errors import (
    ConflictError,
    CoverageError,
    ErrorCode,
    InputError,
    NotFoundError,
    PermissionDenied,
    PolicyError,
    YibaoError,
)

Handler = Callable[[Request, Exception], Awaitable[Response]]

_REASONS = {
    "missing": "缺少必填字段",
    "extra_forbidden": "未知字段",
    "decimal_parsing": "不是有效数值",
    "decimal_type": "不是有效数值",
    "decimal_max_places": "小数位数过多",
    "decimal_max_digits": "数值位数过多",
    "decimal_whole_digits": "整数位数过多",
    "finite_number": "须为有限数值",
    "int_parsing": "不是整数",
    "int_type": "不是整数",
    "int_from_float": "须为整数",
    "float_parsing": "不是有效数值",
    "date_parsing": "不是有效日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "不是有效日期（YYYY-MM-DD）",
    "date_from_datetime_inexact": "不是有效日期（YYYY-MM-DD）",
    "date_type": "不是有效日期（YYYY-MM-DD）",
    "datetime_parsing": "不是有效时间",
    "datetime_from_date_parsing": "不是有效时间",
    "datetime_type": "不是有效时间",
    "string_type": "应为字符串",
    "string_too_short": "长度不足",
    "string_too_long": "长度超限",
    "string_pattern_mismatch": "格式不符",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "greater_than": "数值过小",
    "greater_than_equal": "数值过小",
    "less_than": "数值过大",
    "less_than_equal": "数值过大",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "list_type": "应为数组",
    "dict_type": "应为对象",
    "model_attributes_type": "应为对象",
    "too_short": "元素过少",
    "too_long": "元素过多",
    "json_invalid": "不是有效的 JSON",
    "value_error": "取值无效",
}
_SOURCES = {"body", "query", "path", "header", "cookie"}


def _field(loc: Sequence[object]) -> str:
    parts = [str(p) for p in loc if not (isinstance(p, str) and p in _SOURCES)] or [str(p) for p in loc]
    return ".".join(parts) or "(请求体)"


def _reason(error: dict[str, object]) -> str:
    kind = str(error.get("type", ""))
    reason = _REASONS.get(kind, "取值无效")
    ctx = error.get("ctx")
    if kind == "value_error" and isinstance(ctx, dict) and ctx.get("error") is not None:
        text = str(ctx["error"])
        if any("\u4e00" <= ch <= "\u9fff" for ch in text):  # our own validators already speak Chinese
            return text
    if kind in {"literal_error", "enum"} and isinstance(ctx, dict) and "expected" in ctx:
        return f"{reason}，可选 {ctx['expected']}"
    return reason


def validation_errors(errors: Sequence[dict[str, object]]) -> list[tuple[str, str]]:
    """``(field, Chinese reason)`` for each pydantic error, field as a dotted path without ``body``."""
    return [(_field(cast(Sequence[object], e.get("loc", ()))), _reason(e)) for e in errors]


def status_of(exc: YibaoError) -> int:
    """The HTTP status for an error type (401 for missing / expired / forged credentials)."""
    if isinstance(exc, PermissionDenied):
        auth = {ErrorCode.UNAUTHENTICATED, ErrorCode.TOKEN_EXPIRED, ErrorCode.TOKEN_INVALID}
        return 401 if exc.code in auth else 403
    if isinstance(exc, NotFoundError) or exc.code in {ErrorCode.NOT_FOUND, ErrorCode.POLICY_NOT_EFFECTIVE}:
        return 404
    if isinstance(exc, ConflictError):
        return 409
    if isinstance(exc, InputError | CoverageError | PolicyError):
        return 422
    return 400


def error_body(exc: YibaoError) -> dict[str, object]:
    body: dict[str, object] = dict(exc.to_dict())
    if isinstance(exc, ImportRejected):
        body["errors"] = [problem.to_dict() for problem in exc.problems]
    return body


def yibao_error_response(exc: YibaoError) -> JSONResponse:
    status = status_of(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(error_body(exc), status_code=status, headers=headers)


def validation_response(exc: RequestValidationError) -> JSONResponse:
    pairs = validation_errors(list(exc.errors()))
    field, reason = pairs[0] if pairs else ("(请求)", "取值无效")
    missing = any(str(e.get("type")) == "missing" for e in exc.errors())
    code = ErrorCode.MISSING_FIELD if missing and reason == _REASONS["missing"] else ErrorCode.INVALID_VALUE
    body = {
        "code": code.value,
        "field": field,
        "message": f"字段「{field}」：{reason}",
        "errors": [{"field": f, "message": f"字段「{f}」：{r}"} for f, r in pairs],
    }
    return JSONResponse(body, status_code=422)


def install(app: FastAPI, prefix: str = "/api") -> None:
    """Register the REST error handlers for paths under ``prefix``; other paths keep earlier handlers."""
    earlier_validation = cast(Handler | None, app.exception_handlers.get(RequestValidationError))
    earlier_yibao = cast(Handler | None, app.exception_handlers.get(YibaoError))
    earlier_http = cast(Handler | None, app.exception_handlers.get(HTTPException))

    def _ours(request: Request) -> bool:
        return request.url.path == prefix or request.url.path.startswith(prefix.rstrip("/") + "/")

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if _ours(request):
            return validation_response(exc)
        if earlier_validation is not None:
            return await earlier_validation(request, exc)
        return await request_validation_exception_handler(request, exc)

    async def on_yibao(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, YibaoError)
        if not _ours(request) and earlier_yibao is not None:
            return await earlier_yibao(request, exc)
        return yibao_error_response(exc)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if _ours(request) and exc.status_code >= 400:
            code, message = _HTTP_CODES.get(exc.status_code, (ErrorCode.INVALID_VALUE.value, "请求无效"))
            headers = getattr(exc, "headers", None)
            body = {"code": code, "field": None, "message": message}
            return JSONResponse(body, status_code=exc.status_code, headers=headers)
        if earlier_http is not None and earlier_http is not http_exception_handler:
            return await earlier_http(request, exc)
        return await http_exception_handler(request, exc)

    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(YibaoError, on_yibao)
    app.add_exception_handler(HTTPException, on_http)


_HTTP_CODES = {
    400: (ErrorCode.MALFORMED_MESSAGE.value, "报文格式错误，无法解析请求体"),
    404: (ErrorCode.NOT_FOUND.value, "接口不存在"),
    405: (ErrorCode.INVALID_VALUE.value, "不支持此请求方法"),
}

__all__ = [
    "error_body",
    "install",
    "status_of",
    "validation_errors",
    "validation_response",
    "yibao_error_response",
]
