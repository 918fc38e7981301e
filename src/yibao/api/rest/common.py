"""Shapes shared by the REST routes: ``{data, count}`` lists, paging, and code patterns."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Query
import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from yibao.money import to_str

ADMDVS = r"^\d{6}$"
CODE = r"^[A-Za-z0-9_-]{1,30}$"


T = TypeVar("T")


class ListOf(BaseModel, Generic[T]):
    """A page of ``data`` and the ``count`` of everything that matched."""

    data: list[T]
    count: int


class ErrorBody(BaseModel):
    """Every refusal: a stable ``code``, the ``field`` at fault and a Chinese ``message``."""

    code: str
    field: str | None
    message: str
    errors: list[dict[str, object]] | None = None


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorBody, "description": "未登录或凭证失效"},
    403: {"model": ErrorBody, "description": "无权执行此操作"},
    404: {"model": ErrorBody, "description": "记录不存在"},
    409: {"model": ErrorBody, "description": "冲突（已存在或状态不允许）"},
    422: {"model": ErrorBody, "description": "输入有误（字段与原因）"},
}


class Input(BaseModel):
    """Request bodies refuse unknown fields, so a typo is an error and not silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


MoneyOut = Annotated[Decimal, PlainSerializer(to_str, return_type=str)]
"""An amount answered as the national interface writes it: a string with two decimals (``"320.00"``)."""

LocalTime = Annotated[
    dt.datetime,
    PlainSerializer(lambda value: value.strftime("%Y-%m-%d %H:%M:%S"), return_type=str),
    Field(description="本地时间 yyyy-MM-dd HH:mm:ss（国家接口格式，无时区）"),
]

Offset = Annotated[int, Query(ge=0, le=10_000_000, description="跳过条数")]
Limit = Annotated[int, Query(ge=1, le=1000, description="每页条数")]
AdmdvsField = Annotated[str, Field(pattern=ADMDVS, description="6 位行政区划代码")]
CodeField = Annotated[str, Field(pattern=CODE)]

__all__ = [
    "ADMDVS",
    "CODE",
    "ERROR_RESPONSES",
    "AdmdvsField",
    "CodeField",
    "ErrorBody",
    "Input",
    "Limit",
    "ListOf",
    "LocalTime",
    "MoneyOut",
    "Offset",
    "Output",
]
