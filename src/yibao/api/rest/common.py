"""Shapes shared by the REST routes: ``{data, count}`` lists, paging, and code patterns."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

ADMDVS = r"^\d{6}$"
CODE = r"^[A-Za-z0-9_-]{1,30}$"


T = TypeVar("T")


class ListOf(BaseModel, Generic[T]):
    """A page of ``data`` and the ``count`` of everything that matched."""

    data: list[T]
    count: int


class Input(BaseModel):
    """Request bodies refuse unknown fields, so a typo is an error and not silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


Offset = Annotated[int, Query(ge=0, le=10_000_000, description="跳过条数")]
Limit = Annotated[int, Query(ge=1, le=1000, description="每页条数")]
AdmdvsField = Annotated[str, Field(pattern=ADMDVS, description="6 位行政区划代码")]
CodeField = Annotated[str, Field(pattern=CODE)]

__all__ = ["ADMDVS", "CODE", "AdmdvsField", "CodeField", "Input", "Limit", "ListOf", "Offset", "Output"]
