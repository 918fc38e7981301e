"""``POST /fsi/api``: the one national-interface endpoint (国家医保接口网关).

One message, in order: size limit (before parsing) → JSON (exact decimals) → envelope → institution
credential (headers) and ``fixmedins_code`` → ``sign_no`` (except 9001) → the transaction's
``input`` model → the handler, in ONE transaction with the ``message_log`` row and the
``audit_log`` row → commit → answer.

- A replay (same ``msgid``, same body) gets the stored answer byte for byte and changes nothing;
  the same ``msgid`` with another body is refused (E4001). The ``message_log`` primary key is the
  check: a replay's handler runs, its insert of ``message_log`` fails at the commit, the whole
  transaction (with its business effect) rolls back, and the stored answer is read and sent. A
  handler that refuses the replay first (a settled visit is settled) is answered the same way.
  Replays are rare, so the usual message pays no read of ``message_log`` up front — and two
  concurrent copies of one message take the same path.
- Any failure answers ``infcode -1`` with a Chinese ``err_msg`` naming the field; nothing of the
  business is written (the transaction rolls back), and only an ``audit_log`` row is added.
- HTTP status is 200 for every answer to a well-formed envelope, as HIS clients of the national
  platform expect — the outcome is ``infcode``. A body that is not a valid envelope at all (not JSON,
  a field of the envelope missing or malformed) is answered 400, an oversized one 413; the body is
  still the envelope answer with ``infcode -1``.
- Logs carry infno, msgid, institution, infcode and error code — never the body (personal data).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import Receive, Scope, Send

from yibao.api.gateway.credentials import INSTITUTION_HEADER, SECRET_HEADER, Credentials
from yibao.api.gateway.envelope import MAX_BODY_BYTES, Answer, Envelope, body_hash, decode, parse_envelope, render
from yibao.api.gateway.envelope import validation_error
from yibao.api.gateway.transactions import Context, handler_for
from yibao.errors import ConflictError, ErrorCode, InputError, PermissionDenied, YibaoError
from yibao.settlement.service import Caller
from yibao.store.models import AuditLog, MessageLog
from yibao.store.models.base import now
from yibao.store.protect import CertnoProtector
from yibao.store.uow import SqlUnitOfWork

log = logging.getLogger("yibao.gateway")
PATH = "/fsi/api"
_JSON = "application/json; charset=utf-8"
_JSON_BYTES = _JSON.encode()


@dataclass
class Gateway:
    """What the endpoint needs, set on ``app.state.gateway`` by ``create_app``."""

    factory: sessionmaker[Session]
    protector: CertnoProtector
    credentials: Credentials
    warehouse_dir: Path | None = None
    write_lock: threading.Lock | None = None
    """On SQLite: threads of this process take turns here rather than in SQLite's busy handler,
    whose sleeps made the slowest answers seconds long; other processes still wait in SQLite."""
    threads: ThreadPoolExecutor | None = None
    """Where messages are answered (they block on the database); ``None``: the event loop's default."""


class _Seen(Exception):
    """The message was answered before: answer the stored bytes."""

    def __init__(self, response: bytes) -> None:
        self.response = response


_REPLAY = select(MessageLog.body_hash, MessageLog.fixmedins_code, MessageLog.response).where(
    MessageLog.msgid == bindparam("msgid")
)
# inline(): no RETURNING of the generated audit id, so both can go out with the writes at COMMIT.
_INSERT_MESSAGE = insert(MessageLog.__table__).inline()
_INSERT_AUDIT = insert(AuditLog.__table__).inline()


def _replay(session: Session, msgid: str, digest: str, fixmedins_code: str) -> bytes | None:
    # Core on the session's connection: an ORM object would only be bookkeeping here.
    row = session.connection().execute(_REPLAY, {"msgid": msgid}).first()
    if row is None:
        return None
    if row.body_hash != digest or row.fixmedins_code != fixmedins_code:
        raise ConflictError(ErrorCode.DUPLICATE_MESSAGE, field="msgid", detail=msgid)
    return row.response.encode("utf-8")


def _audit_values(env: Envelope | None, authenticated: bool, infcode: int, err: YibaoError | None) -> dict[str, object]:
    return {
        "at": now(),
        "fixmedins_code": env.fixmedins_code if env else None,
        "authenticated": authenticated,
        "opter": env.opter if env else None,
        "infno": env.infno if env else None,
        "msgid": env.msgid if env else None,
        "infcode": infcode,
        "err_code": err.code.value if err else None,
    }


def process(gateway: Gateway, raw: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    """HTTP status and answer of one message (runs in a worker thread: it blocks on the database)."""
    received = now()
    try:
        obj = decode(raw)
        env = parse_envelope(obj)
    except YibaoError as err:
        _record_call(gateway, None, False, err, -1)
        log.info("gateway malformed envelope code=%s", err.code.value)
        return (413 if err.code is ErrorCode.BODY_TOO_LARGE else 400), render(None, received, error=err)
    return 200, _answer(gateway, obj, env, headers, received)


def _answer(gateway: Gateway, obj: dict[str, object], env: Envelope, headers: dict[str, str], received: dt.datetime) -> bytes:
    authenticated = False
    try:
        code = gateway.credentials.institution(headers.get(INSTITUTION_HEADER.lower()), headers.get(SECRET_HEADER.lower()))
        if env.fixmedins_code != code:
            raise PermissionDenied(ErrorCode.FORBIDDEN, field="fixmedins_code", detail="与机构凭证不符")
        authenticated = True
        model, handler = handler_for(env.infno)
        if env.infno != "9001":
            gateway.credentials.check_sign(code, env.sign_no)
        digest = body_hash(obj)
        try:
            data = model.model_validate(env.input)
        except ValidationError as exc:
            raise validation_error(exc, "input") from exc
        caller = Caller(code, env.opter, env.mdtrtarea_admvs, env.msgid, env.inf_time.replace(microsecond=0, tzinfo=None))
        return _transact(gateway, env, caller, handler, data, digest, received)
    except _Seen as seen:
        _record_call(gateway, env, True, None, 0)
        log.info("gateway replay infno=%s msgid=%s", env.infno, env.msgid)
        return seen.response
    except YibaoError as err:
        _record_call(gateway, env, authenticated, err, -1)
        log.info("gateway refused infno=%s msgid=%s code=%s", env.infno, env.msgid, err.code.value)
        return render(None, received, error=err)
    except Exception:  # a bug or an outage must still answer in the envelope, without the body in the log
        log.exception("gateway internal error infno=%s msgid=%s", env.infno, env.msgid)
        err = YibaoError(ErrorCode.INTERNAL_ERROR)
        try:
            _record_call(gateway, env, authenticated, err, -1)
        except Exception:
            log.exception("gateway could not write the audit row")
        return render(None, received, error=err)


def _transact(
    gateway: Gateway, env: Envelope, caller: Caller, handler: Callable[[Context, BaseModel], dict[str, object]],
    data: BaseModel, digest: str, received: dt.datetime,
) -> bytes:
    ctx_after: list[Callable[[], None]] = []
    turn = gateway.write_lock if gateway.write_lock is not None else contextlib.nullcontext()
    try:
        with turn, SqlUnitOfWork(gateway.factory, protector=gateway.protector) as uow:
            ctx = Context(uow, caller, gateway.credentials, gateway.warehouse_dir, ctx_after)
            output = handler(ctx, data)
            response = render(output, received)
            uow.write_at_commit(_INSERT_MESSAGE, {
                "msgid": env.msgid, "body_hash": digest, "infno": env.infno, "fixmedins_code": caller.fixmedins_code,
                "infcode": 0, "response": response.decode("utf-8"), "recv_time": received, "respond_time": now(),
            })
            uow.write_at_commit(_INSERT_AUDIT, _audit_values(env, True, 0, None))
            uow.commit()
    except YibaoError:
        # Refused — unless this is a replay of a message that succeeded (the visit it settled is settled).
        _raise_if_seen(gateway, env, digest, caller.fixmedins_code)
        raise
    except IntegrityError as exc:
        # This msgid was answered before (or a concurrent copy committed first), or a unique key clashed.
        _raise_if_seen(gateway, env, digest, caller.fixmedins_code, exc)
        log.warning("gateway integrity error infno=%s msgid=%s: %s", env.infno, env.msgid, type(exc.orig).__name__)
        raise ConflictError(ErrorCode.ALREADY_EXISTS, detail="与同时提交的报文冲突（如重复的明细流水号），请核对后重试") from exc
    for action in ctx_after:
        try:
            action()
        except OSError:
            log.exception("gateway after-commit action failed infno=%s msgid=%s", env.infno, env.msgid)
    log.info("gateway ok infno=%s msgid=%s fixmedins_code=%s", env.infno, env.msgid, caller.fixmedins_code)
    return response


def _raise_if_seen(gateway: Gateway, env: Envelope, digest: str, fixmedins_code: str, cause: Exception | None = None) -> None:
    """Raise :class:`_Seen` with the stored answer if ``msgid`` was answered before (E4001 if with another body)."""
    with gateway.factory() as session:
        stored = _replay(session, env.msgid, digest, fixmedins_code)
    if stored is not None:
        raise _Seen(stored) from cause


def _record_call(gateway: Gateway, env: Envelope | None, authenticated: bool, err: YibaoError | None, infcode: int) -> None:
    """An audit row for a call that wrote nothing else (a refusal, a replay)."""
    with gateway.factory() as session:
        session.execute(_INSERT_AUDIT, [_audit_values(env, authenticated, infcode, err)])
        session.commit()


async def answer_http(gateway: Gateway, raw_headers: Iterable[tuple[bytes, bytes]], receive: Receive) -> tuple[int, bytes]:
    """Read one message (refusing an oversized body before reading it all) and answer it on the
    gateway's threads; HTTP status and body."""
    headers = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in raw_headers}
    declared = headers.get("content-length")
    too_large = declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES
    chunks: list[bytes] = []
    size = 0
    more = not too_large
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return 400, b""
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            too_large = True
            break
        chunks.append(chunk)
        more = message.get("more_body", False)
    loop = asyncio.get_running_loop()
    if too_large:
        err = InputError(ErrorCode.BODY_TOO_LARGE, field="(报文)", detail=f"超过 {MAX_BODY_BYTES // 1024 // 1024} MB")
        await loop.run_in_executor(gateway.threads, _record_call, gateway, None, False, err, -1)
        return 413, render(None, now(), error=err)
    return await loop.run_in_executor(gateway.threads, process, gateway, b"".join(chunks), headers)


def is_message(scope: Scope) -> bool:
    """Is this request a national-interface message (``POST /fsi/api``)?"""
    return scope["type"] == "http" and scope["path"] == PATH and scope["method"] == "POST"


async def serve_message(gateway: Gateway, scope: Scope, receive: Receive, send: Send) -> None:
    """Answer ``POST /fsi/api`` as a bare ASGI call: the envelope carries its own validation, errors
    and audit, and FastAPI's per-request machinery (middleware, routing, dependency solving, the
    response class, anyio's thread hand-off) cost about a third of a settlement's CPU."""
    status, body = await answer_http(gateway, scope["headers"], receive)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", _JSON_BYTES), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


router = APIRouter(tags=["国家医保接口"])

_OPENAPI_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": Envelope.model_json_schema(ref_template="#/components/schemas/{model}")}},
    }
}


@router.post(
    PATH,
    summary="国家医保接口报文（infno 见 input）",
    response_model=Answer,
    openapi_extra=_OPENAPI_BODY,
    responses={
        200: {"description": "报文应答：infcode 0 成功，-1 失败（err_msg 说明字段与原因）"},
        400: {"model": Answer, "description": "不是合法的报文（JSON 或报文字段错误），infcode -1"},
        413: {"model": Answer, "description": "报文过大，infcode -1"},
    },
)
async def fsi_api(request: Request) -> Response:
    """Every transaction through one envelope; see the module docstring. ``create_app``'s application
    answers messages before routing (:func:`serve_message`); this route documents the endpoint and
    serves an app that mounts the router alone."""
    status, body = await answer_http(request.app.state.gateway, request.scope["headers"], request.receive)
    return Response(body, status_code=status, media_type=_JSON)


__all__ = ["PATH", "Gateway", "answer_http", "is_message", "process", "router", "serve_message"]
