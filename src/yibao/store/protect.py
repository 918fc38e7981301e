"""Protecting personal data at rest: ID numbers (certno) and passwords.

An ID number is stored three ways, none of them clear text:

- ``cipher``: a Fernet token (AES-128-CBC + HMAC-SHA256), decryptable with the key;
- ``index``: a keyed HMAC-SHA256 "blind index" of the normalised number, for exact lookup
  (``WHERE certno_index = :index``) without decrypting every row;
- ``masked``: what people see, ``330902********1234``.

Both keys are derived (HKDF-SHA256, distinct ``info``) from one secret that the caller passes in —
the store never reads settings; the service hands it ``get_settings().secret_key``. Rotating the
secret means re-encrypting and re-indexing every person.

Passwords are hashed with argon2id (argon2-cffi defaults).

>>> p = CertnoProtector("test-secret")
>>> p.mask("330902199001011234")
'330902********1234'
>>> p.decrypt(p.protect("330902199001011234").cipher)
'330902199001011234'
>>> p.blind_index("33090219900101123x") == p.blind_index("33090219900101123X")
True
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from yibao.errors import ErrorCode, InputError

_SALT = b"yibao.store.protect.v1"
_MIN_SECRET = 8


@dataclass(frozen=True, slots=True)
class ProtectedCertno:
    """The three stored forms of one ID number."""

    cipher: str
    index: str
    masked: str


def normalise_certno(certno: str) -> str:
    """Strip blanks and upper-case the check letter (``x`` → ``X``); refuse an empty number."""
    text = "".join(certno.split()).upper()
    if not text:
        raise InputError(ErrorCode.MISSING_FIELD, field="certno")
    if not text.isalnum() or len(text) > 50:
        raise InputError(ErrorCode.INVALID_VALUE, field="certno", detail="证件号码只能包含字母和数字")
    return text


def _derive(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=info).derive(secret)


class CertnoProtector:
    """Encrypts, indexes and masks ID numbers with keys derived from ``secret``."""

    def __init__(self, secret: str | bytes) -> None:
        raw = secret.encode() if isinstance(secret, str) else secret
        if len(raw) < _MIN_SECRET:
            raise InputError(ErrorCode.INVALID_VALUE, field="secret_key", detail=f"密钥至少 {_MIN_SECRET} 字节")
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(raw, b"certno-encryption")))
        self._index_key = _derive(raw, b"certno-blind-index")

    def protect(self, certno: str) -> ProtectedCertno:
        number = normalise_certno(certno)
        return ProtectedCertno(
            cipher=self._fernet.encrypt(number.encode()).decode("ascii"),
            index=self.blind_index(number),
            masked=mask_certno(number),
        )

    def blind_index(self, certno: str) -> str:
        """Keyed HMAC of the normalised number, hex; equal numbers give equal indexes."""
        number = normalise_certno(certno)
        return hmac.new(self._index_key, number.encode(), hashlib.sha256).hexdigest()

    def decrypt(self, cipher: str) -> str:
        try:
            return self._fernet.decrypt(cipher.encode("ascii")).decode()
        except InvalidToken as exc:
            raise InputError(ErrorCode.INVALID_VALUE, field="certno", detail="无法解密：密钥不符或数据损坏") from exc

    @staticmethod
    def mask(certno: str) -> str:
        return mask_certno(certno)


def mask_certno(certno: str) -> str:
    """Keep the first 6 (region) and last 4 characters, star the rest; short numbers keep less.

    >>> mask_certno("330902199001011234")
    '330902********1234'
    >>> mask_certno("E1234567")
    'E******7'
    """
    number = normalise_certno(certno)
    if len(number) >= 14:
        head, tail = 6, 4
    else:
        head, tail = 1, 1
    if len(number) <= head + tail:
        return "*" * len(number)
    return number[:head] + "*" * (len(number) - head - tail) + number[-tail:]


_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """argon2id hash of ``password`` (salted, self-describing)."""
    if not password:
        raise InputError(ErrorCode.MISSING_FIELD, field="password")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches; a malformed hash is simply no match."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's defaults."""
    return _hasher.check_needs_rehash(password_hash)


__all__ = [
    "CertnoProtector",
    "ProtectedCertno",
    "hash_password",
    "mask_certno",
    "normalise_certno",
    "password_needs_rehash",
    "verify_password",
]
