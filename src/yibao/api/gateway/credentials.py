"""Institution credentials (机构接口凭证) and sign-in (9001 签到).

Every call carries two headers: ``X-Yibao-Institution`` (the institution's ``fixmedins_code``) and
``X-Yibao-Secret`` (its interface secret, stored only as an argon2 hash in
``institution_credential``). The envelope's ``fixmedins_code`` must be the header's — an
institution cannot speak for another. 9001 returns a ``sign_no``; every other call must carry a
``sign_no`` of the same institution that has not signed out.

argon2 is slow on purpose, so a verified (institution, secret) pair and a known ``sign_no`` are
remembered in this process for :data:`CACHE_SECONDS`; the cache keys hold a SHA-256 of the secret,
never the secret. Revoking a credential takes effect within that time.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from yibao.errors import ErrorCode, NotFoundError, PermissionDenied
from yibao.store.models import Institution, InstitutionCredential, SignIn
from yibao.store.models.base import now
from yibao.store.protect import hash_password, verify_password

CACHE_SECONDS = 300.0
INSTITUTION_HEADER = "X-Yibao-Institution"
SECRET_HEADER = "X-Yibao-Secret"


def issue_secret() -> str:
    """A new random interface secret (shown once to the institution)."""
    return secrets.token_urlsafe(24)


def set_secret(session: Session, fixmedins_code: str, secret: str) -> None:
    """Store (or replace) an institution's secret, hashed; the caller commits."""
    if session.get(Institution, fixmedins_code) is None:
        raise NotFoundError(ErrorCode.INSTITUTION_NOT_FOUND, field="fixmedins_code", detail=fixmedins_code)
    found = session.get(InstitutionCredential, fixmedins_code)
    if found is None:
        session.add(InstitutionCredential(fixmedins_code=fixmedins_code, secret_hash=hash_password(secret), is_active=True))
    else:
        found.secret_hash = hash_password(secret)
        found.is_active = True


class Credentials:
    """Verifies institutions and sign-ins against the store, with a short per-process cache."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory
        self._lock = threading.Lock()
        self._verified: dict[tuple[str, str], float] = {}
        self._signs: dict[str, tuple[str, float]] = {}

    def institution(self, claimed: str | None, secret: str | None) -> str:
        """The institution whose credential this is, or ``PermissionDenied`` (E6001)."""
        if not claimed or not secret:
            raise PermissionDenied(ErrorCode.UNAUTHENTICATED, field=INSTITUTION_HEADER, detail="缺少机构凭证")
        key = (claimed, hashlib.sha256(secret.encode("utf-8")).hexdigest())
        stamp = time.monotonic()
        with self._lock:
            seen = self._verified.get(key)
        if seen is not None and stamp - seen < CACHE_SECONDS:
            return claimed
        with self._factory() as session:
            row = session.get(InstitutionCredential, claimed)
            ok = row is not None and row.is_active and verify_password(row.secret_hash, secret)
        if not ok:
            raise PermissionDenied(ErrorCode.UNAUTHENTICATED, field=SECRET_HEADER, detail="机构凭证无效")
        with self._lock:
            self._verified[key] = stamp
        return claimed

    def check_sign(self, fixmedins_code: str, sign_no: str) -> None:
        """Refuse a missing, unknown, signed-out or other institution's ``sign_no``."""
        if not sign_no:
            raise PermissionDenied(ErrorCode.UNAUTHENTICATED, field="sign_no", detail="请先签到（9001）")
        stamp = time.monotonic()
        with self._lock:
            seen = self._signs.get(sign_no)
        if seen is None or stamp - seen[1] >= CACHE_SECONDS:
            with self._factory() as session:
                row = session.scalars(select(SignIn).where(SignIn.sign_no == sign_no)).one_or_none()
                owner = row.fixmedins_code if row is not None and row.signout_time is None else None
            if owner is None:
                raise PermissionDenied(ErrorCode.UNAUTHENTICATED, field="sign_no", detail="签到编号无效或已签退")
            seen = (owner, stamp)
            with self._lock:
                self._signs[sign_no] = seen
        if seen[0] != fixmedins_code:
            raise PermissionDenied(ErrorCode.FORBIDDEN, field="sign_no", detail="签到编号不属于本机构")

    def sign_in(self, session: Session, fixmedins_code: str, opter: str) -> SignIn:
        """A new sign-in row (the caller commits it with the message log)."""
        row = SignIn(sign_no=secrets.token_hex(16), fixmedins_code=fixmedins_code, opter=opter, sign_time=now())
        session.add(row)
        return row


__all__ = ["CACHE_SECONDS", "INSTITUTION_HEADER", "SECRET_HEADER", "Credentials", "issue_secret", "set_secret"]
