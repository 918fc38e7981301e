"""The national message envelope (报文): parsing the request, building the answer, Chinese errors.

Request body (``POST /fsi/api``, JSON, UTF-8, at most :data:`MAX_BODY_BYTES`)::

    {"infno": "2207", "msgid": "H33090200001201903011200000001", "mdtrtarea_admvs": "330902",
     "insuplc_admdvs": "330902", "recer_sys_code": "HIS", "infver": "V1.0", "opter_type": "1",
     "opter": "001", "opter_name": "收费员", "inf_time": "2019-03-01 12:00:00",
     "fixmedins_code": "H33090200001", "fixmedins_name": "某医院", "sign_no": "…", "input": {…}}

Numbers: the body is read with ``json.loads(parse_float=Decimal)``, so ``12.50`` arrives as the
exact decimal 12.50 (never a float); amounts may also be strings. Money with more than two decimals,
negative or non-numeric amounts are refused naming the field. Answers carry amounts as strings
(``"12.50"``) so no client has to trust a float either.

Answer: ``infcode`` 0 / -1, ``inf_refmsgid`` (our id of the answer), ``refmsg_time``,
``respond_time``, ``err_msg`` (Chinese, naming the field), ``warn_msg``, ``output``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated

import orjson
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from yibao.errors import ErrorCode, InputError, YibaoError

MAX_BODY_BYTES = 2 * 1024 * 1024
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

_REASONS = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不允许的字段",
    "string_type": "应为字符串",
    "string_too_short": "不能为空",
    "string_too_long": "过长",
    "string_pattern_mismatch": "格式不符",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "bool_type": "应为布尔值",
    "bool_parsing": "应为布尔值",
    "datetime_type": "应为时间 yyyy-MM-dd HH:mm:ss",
    "datetime_parsing": "应为时间 yyyy-MM-dd HH:mm:ss",
    "datetime_from_date_parsing": "应为时间 yyyy-MM-dd HH:mm:ss",
    "date_type": "应为日期 yyyy-MM-dd",
    "date_parsing": "应为日期 yyyy-MM-dd",
    "date_from_datetime_parsing": "应为日期 yyyy-MM-dd",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "list_type": "应为数组",
    "too_short": "至少需要一项",
    "too_long": "项数过多",
    "enum": "取值不在代码表中",
    "literal_error": "取值不在代码表中",
}


def _time_text(value: object) -> object:
    """Times are text (``yyyy-MM-dd HH:mm:ss``); a number is not read as seconds since 1970."""
    if not isinstance(value, (str, dt.datetime)):
        raise ValueError("应为时间文本 yyyy-MM-dd HH:mm:ss")
    return value


Time = Annotated[dt.datetime, BeforeValidator(_time_text)]


class Envelope(BaseModel):
    """入参报文."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    infno: str = Field(min_length=4, max_length=10, description="交易编号")
    msgid: str = Field(min_length=1, max_length=30, pattern=r"^[0-9A-Za-z_-]+$", description="发送方报文ID")
    mdtrtarea_admvs: str = Field(pattern=r"^\d{6}$", description="就医地医保区划")
    insuplc_admdvs: str = Field(pattern=r"^\d{6}$", description="参保地医保区划")
    recer_sys_code: str = Field(max_length=10, description="接收方系统代码")
    infver: str = Field(max_length=6, description="接口版本号")
    opter_type: str = Field(max_length=3, description="经办人类别")
    opter: str = Field(min_length=1, max_length=30, description="经办人")
    opter_name: str = Field(max_length=50, description="经办人姓名")
    inf_time: Time = Field(description="交易时间 yyyy-MM-dd HH:mm:ss；结算日期取其日期")
    fixmedins_code: str = Field(min_length=1, max_length=30, description="定点医药机构编号")
    fixmedins_name: str = Field(max_length=200, description="定点医药机构名称")
    sign_no: str = Field(default="", max_length=40, description="签到编号（9001 之外必填）")
    input: dict[str, object] = Field(description="交易输入")


class Answer(BaseModel):
    """出参报文."""

    infcode: int = Field(description="0 成功，-1 失败")
    inf_refmsgid: str
    refmsg_time: str
    respond_time: str
    err_msg: str | None
    warn_msg: str | None
    output: dict[str, object]


def _field(loc: Sequence[object]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts[-1:] = [f"{parts[-1]}[{part}]"] if parts else [f"[{part}]"]
        else:
            parts.append(str(part))
    return ".".join(parts)


def validation_error(exc: ValidationError, prefix: str = "") -> InputError:
    """The first pydantic error as an ``InputError`` naming the field path, in Chinese."""
    err = exc.errors()[0]
    loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith(("function-", "constrained-")))]
    field = ".".join(p for p in (prefix, _field(loc)) if p) or "(报文)"
    if err["type"] == "value_error":
        reason = str(err.get("ctx", {}).get("error", err["msg"]))
    else:
        reason = _REASONS.get(err["type"], err["msg"])
    code = ErrorCode.MISSING_FIELD if err["type"] == "missing" else ErrorCode.INVALID_VALUE
    if err["type"] == "value_error" and "金额" in reason:
        code = ErrorCode.INVALID_AMOUNT
    return InputError(code, field=field, detail=None if reason == code.message else reason)


def decode(raw: bytes) -> dict[str, object]:
    """The JSON object of a body: decimals exact, duplicate keys and non-objects refused."""
    if len(raw) > MAX_BODY_BYTES:
        raise InputError(ErrorCode.BODY_TOO_LARGE, field="(报文)", detail=f"超过 {MAX_BODY_BYTES // 1024 // 1024} MB")

    def _pairs(pairs: list[tuple[str, object]]) -> dict[str, object]:
        out: dict[str, object] = {}
        for key, value in pairs:
            if key in out:
                raise InputError(ErrorCode.MALFORMED_MESSAGE, field=key, detail="字段重复")
            out[key] = value
        return out

    try:
        obj = json.loads(raw.decode("utf-8"), parse_float=Decimal, object_pairs_hook=_pairs)
    except UnicodeDecodeError as exc:
        raise InputError(ErrorCode.MALFORMED_MESSAGE, field="(报文)", detail="不是 UTF-8 编码") from exc
    except (json.JSONDecodeError, RecursionError) as exc:
        raise InputError(ErrorCode.MALFORMED_MESSAGE, field="(报文)", detail="不是合法的 JSON") from exc
    if not isinstance(obj, dict):
        raise InputError(ErrorCode.MALFORMED_MESSAGE, field="(报文)", detail="应为 JSON 对象")
    return obj


def parse_envelope(obj: dict[str, object]) -> Envelope:
    try:
        return Envelope.model_validate(obj)
    except ValidationError as exc:
        raise validation_error(exc) from exc


def body_hash(obj: dict[str, object]) -> str:
    """A hash of the message's meaning (key order and spacing do not matter).

    The canonical text is ``json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    default=str)``, as stored hashes were made; orjson writes the same bytes several times faster,
    and the few values it cannot write (integers beyond 64 bits) take the slow way."""
    try:
        canonical = orjson.dumps(obj, default=str, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        canonical = json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")
    return hashlib.sha256(canonical).hexdigest()


def _json_default(value: object) -> object:
    """What orjson does not write itself the way answers want it (enums it writes as their value)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.strftime(TIME_FORMAT)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def render(
    output: dict[str, object] | None, received: dt.datetime, *, error: YibaoError | None = None, warn: str | None = None
) -> bytes:
    """The answer's bytes (stored as-is for replays): compact JSON, UTF-8."""
    now = dt.datetime.now()
    answer = {
        "infcode": 0 if error is None else -1,
        "inf_refmsgid": f"YB{now:%Y%m%d%H%M%S}{uuid.uuid4().hex[:12]}",
        "refmsg_time": received.strftime(TIME_FORMAT),
        "respond_time": now.strftime(TIME_FORMAT),
        "err_msg": None if error is None else f"[{error.code.value}] {error.message}",
        "warn_msg": warn,
        "output": output or {},
    }
    return orjson.dumps(answer, default=_json_default, option=orjson.OPT_PASSTHROUGH_DATETIME)


__all__ = [
    "MAX_BODY_BYTES",
    "TIME_FORMAT",
    "Answer",
    "Envelope",
    "Time",
    "body_hash",
    "decode",
    "parse_envelope",
    "render",
    "validation_error",
]
