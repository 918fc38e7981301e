"""Bureau users: log in, tokens, and who may do what (用户认证与权限).

``POST /api/auth/token`` takes the OAuth2 password form and answers a JWT (HS256, signed with a key
derived from ``Settings.secret_key``, expiring after ``Settings.token_minutes``). Every other route
depends on :data:`CurrentUser` or :func:`require_roles`; an absent, forged or expired token is a 401
with a Chinese message and a stable code (E6001 / E6003 / E6004). The user row is read on each call,
so a deactivated user or a withdrawn role takes effect at once.

App state set by ``create_app`` (or :func:`bind`): ``app.state.session_factory`` (a SQLAlchemy
``sessionmaker``) and ``app.state.settings`` (:class:`yibao.config.Settings`).

Role matrix (角色权限)::

    what                                   admin  payment_analyst  auditor  read_only  institution
    read institutions, persons, enrolment,   ✓          ✓             ✓         ✓           ✗
      catalogs, policy packs
    write institutions, agreements,          ✓          ✗             ✗         ✗           ✗
      persons, identities, enrolment
    write catalogs and policy packs          ✓          ✓             ✗         ✗           ✗
      (payment)
    read visits, settlements, settlement     ✓          ✓             ✓         ✓      own fixmedins_code only
      lists and monthly statements
    who am I (/api/auth/me)                  ✓          ✓             ✓         ✓           ✓

An institution user asking for another institution's data is refused with 403 (a filter naming
another code) or 404 (a single record of another institution — its existence is not revealed).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Annotated

import jwt
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from yibao.config import Settings, get_settings
from yibao.errors import ErrorCode, PermissionDenied
from yibao.store.models import ROLE_NAMES, RoleCode
from yibao.store.protect import CertnoProtector
from yibao.store.uow import SqlUnitOfWork

ALGORITHM = "HS256"
TOKEN_PATH = "/api/auth/token"

BUREAU_READERS = frozenset({RoleCode.ADMIN, RoleCode.PAYMENT_ANALYST, RoleCode.AUDITOR, RoleCode.READ_ONLY})
REGISTRY_WRITERS = frozenset({RoleCode.ADMIN})
POLICY_WRITERS = frozenset({RoleCode.ADMIN, RoleCode.PAYMENT_ANALYST})
TENANT_READERS = BUREAU_READERS | {RoleCode.INSTITUTION}


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller: a bureau user or an institution user bound to ``fixmedins_code``."""

    user_id: int
    username: str
    roles: frozenset[str]
    fixmedins_code: str | None = None

    @property
    def is_bureau(self) -> bool:
        return bool(self.roles & {r.value for r in BUREAU_READERS})

    def has_any(self, roles: frozenset[RoleCode]) -> bool:
        return bool(self.roles & {r.value for r in roles})

    def tenant_filter(self, requested: str | None, field: str = "fixmedins_code") -> str | None:
        """The institution a query must be limited to: the requested one for the bureau, the caller's own
        for an institution user (asking for another one is refused)."""
        if self.is_bureau:
            return requested
        if requested is not None and requested != self.fixmedins_code:
            raise PermissionDenied(ErrorCode.FORBIDDEN, field=field, detail="只能查看本机构数据")
        return self.fixmedins_code

    def may_see(self, fixmedins_code: str) -> bool:
        return self.is_bureau or fixmedins_code == self.fixmedins_code


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class Me(BaseModel):
    username: str
    display_name: str
    roles: list[str]
    fixmedins_code: str | None


def bind(app: FastAPI, *, factory: sessionmaker[Session], settings: Settings) -> None:
    """Put what the dependencies need on ``app.state``."""
    app.state.session_factory = factory
    app.state.settings = settings


def _settings(request: Request) -> Settings:
    found = getattr(request.app.state, "settings", None)
    return found if isinstance(found, Settings) else get_settings()


def _factory(request: Request) -> sessionmaker[Session]:
    found = getattr(request.app.state, "session_factory", None)
    if not isinstance(found, sessionmaker):
        raise RuntimeError("app.state.session_factory 未设置：请用 create_app() 或 yibao.api.auth.bind()")
    return found


SettingsDep = Annotated[Settings, Depends(_settings)]
FactoryDep = Annotated[sessionmaker[Session], Depends(_factory)]
UnitOfWorkFactory = Callable[[], SqlUnitOfWork]


def _session(factory: FactoryDep) -> Iterator[Session]:
    with factory() as session:
        yield session


@lru_cache(maxsize=4)
def _protector(secret_key: str) -> CertnoProtector:
    return CertnoProtector(secret_key)  # key derivation once per secret, not per request


def _uow(factory: FactoryDep, settings: SettingsDep) -> UnitOfWorkFactory:
    protector = _protector(settings.secret_key)
    return lambda: SqlUnitOfWork(factory, protector=protector)


SessionDep = Annotated[Session, Depends(_session)]
UowDep = Annotated[UnitOfWorkFactory, Depends(_uow)]
"""A factory of fresh units of work (with the certno protector): services open and commit them."""


def _signing_key(settings: Settings) -> bytes:
    # A key of its own, so a token never reuses the certno keys' material.
    return hmac.new(settings.secret_key.encode(), b"yibao.api.auth.jwt", hashlib.sha256).digest()


def issue_token(principal: Principal, settings: Settings, *, now: datetime | None = None) -> Token:
    """A signed token for ``principal`` valid for ``settings.token_minutes``."""
    issued = now or datetime.now(UTC)
    lifetime = timedelta(minutes=settings.token_minutes)
    claims = {
        "sub": principal.username,
        "uid": principal.user_id,
        "iat": int(issued.timestamp()),
        "exp": int((issued + lifetime).timestamp()),
    }
    token = jwt.encode(claims, _signing_key(settings), algorithm=ALGORITHM)
    return Token(access_token=token, expires_in=int(lifetime.total_seconds()))


def _unauthenticated(code: ErrorCode, detail: str | None = None) -> PermissionDenied:
    return PermissionDenied(code, field="Authorization", detail=detail)


def decode_token(token: str, settings: Settings) -> tuple[str, int]:
    """``(username, user_id)`` of a valid token; an expired or forged one raises 401-mapped errors."""
    try:
        claims = jwt.decode(token, _signing_key(settings), algorithms=[ALGORITHM], options={"require": ["exp", "sub"]})
    except jwt.ExpiredSignatureError as exc:
        raise _unauthenticated(ErrorCode.TOKEN_EXPIRED) from exc
    except jwt.PyJWTError as exc:
        raise _unauthenticated(ErrorCode.TOKEN_INVALID) from exc
    username, user_id = claims.get("sub"), claims.get("uid")
    if not isinstance(username, str) or not isinstance(user_id, int):
        raise _unauthenticated(ErrorCode.TOKEN_INVALID)
    return username, user_id


_bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_PATH, auto_error=False)


def current_principal(
    token: Annotated[str | None, Depends(_bearer)], factory: FactoryDep, settings: SettingsDep
) -> Principal:
    if not token:
        raise _unauthenticated(ErrorCode.UNAUTHENTICATED, "请先登录")
    username, user_id = decode_token(token, settings)
    with SqlUnitOfWork(factory, immediate=False) as uow:
        user = uow.users.get_by_username(username)
        if user is None or user.user_id != user_id or not user.is_active:
            raise _unauthenticated(ErrorCode.UNAUTHENTICATED, "用户不存在或已停用")
        return Principal(user.user_id, user.username, user.role_codes, user.fixmedins_code)


CurrentUser = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: RoleCode) -> Callable[[Principal], Principal]:
    """A dependency admitting only callers holding one of ``roles``."""
    wanted = frozenset(roles)

    def _check(principal: CurrentUser) -> Principal:
        if not principal.has_any(wanted):
            allowed = "、".join(ROLE_NAMES[r] for r in sorted(wanted, key=lambda r: r.value))
            raise PermissionDenied(ErrorCode.FORBIDDEN, detail=f"仅限{allowed}")
        return principal

    return _check


BureauReader = Annotated[Principal, Depends(require_roles(*BUREAU_READERS))]
RegistryWriter = Annotated[Principal, Depends(require_roles(*REGISTRY_WRITERS))]
PolicyWriter = Annotated[Principal, Depends(require_roles(*POLICY_WRITERS))]
TenantReader = Annotated[Principal, Depends(require_roles(*TENANT_READERS))]

router = APIRouter(prefix="/api/auth", tags=["认证"])


@router.post("/token", summary="登录，取得访问令牌")
def login(form: Annotated[OAuth2PasswordRequestForm, Depends()], factory: FactoryDep, settings: SettingsDep) -> Token:
    with SqlUnitOfWork(factory, immediate=False) as uow:
        user = uow.users.authenticate(form.username, form.password)
        if user is None:
            raise _unauthenticated(ErrorCode.UNAUTHENTICATED, "用户名或密码错误")
        principal = Principal(user.user_id, user.username, user.role_codes, user.fixmedins_code)
    return issue_token(principal, settings)


@router.get("/me", summary="当前用户")
def me(principal: CurrentUser, factory: FactoryDep) -> Me:
    with SqlUnitOfWork(factory, immediate=False) as uow:
        user = uow.users.get_by_username(principal.username)
        display = user.display_name if user is not None else principal.username
    return Me(
        username=principal.username,
        display_name=display,
        roles=sorted(principal.roles),
        fixmedins_code=principal.fixmedins_code,
    )


__all__ = [
    "BUREAU_READERS",
    "POLICY_WRITERS",
    "REGISTRY_WRITERS",
    "TENANT_READERS",
    "BureauReader",
    "CurrentUser",
    "Me",
    "PolicyWriter",
    "Principal",
    "RegistryWriter",
    "SessionDep",
    "SettingsDep",
    "TenantReader",
    "Token",
    "UnitOfWorkFactory",
    "UowDep",
    "bind",
    "current_principal",
    "decode_token",
    "issue_token",
    "require_roles",
    "router",
]
