"""Policy packs in the store (政策参数包管理): upload, validate, activate for a date, list, diff.

An uploaded pack is kept as its TOML text, versioned by ``(pack_id, version)``; uploading the same
text again is a no-op, a different text under the same version is refused (make a new version).
Activation (启用) sets ``effective_from``: from that day the pack takes part in
:func:`yibao.policy.loader.pack_in_force`, with ``valid_from`` moved to the activation date, so a
later activation of a newer version wins from its date on and the older one still answers for
earlier dates. :func:`packs_for` gives the bundled packs plus the activated ones for any caller
(the settlement service included) that wants the store's view.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from yibao.bureau import detached
from yibao.errors import ConflictError, ErrorCode, InputError, NotFoundError
from yibao.policy.diff import Change, diff
from yibao.policy.loader import bundled_packs, pack_in_force, parse_pack
from yibao.policy.schema import PolicyPack
from yibao.store.models import PolicyPackVersion
from yibao.store.models.base import now
from yibao.store.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

MAX_TOML_CHARS = 500_000


@dataclass(frozen=True, slots=True)
class StoredPack:
    """A version row and its parsed pack."""

    row: PolicyPackVersion
    pack: PolicyPack


def validate_text(text: str) -> PolicyPack:
    """Parse and validate; a ``PolicyError`` names the key path of the first problem."""
    if not text.strip():
        raise InputError(ErrorCode.MISSING_FIELD, field="toml")
    if len(text) > MAX_TOML_CHARS:
        raise InputError(ErrorCode.BODY_TOO_LARGE, field="toml", detail=f"超过 {MAX_TOML_CHARS} 字符")
    return parse_pack(text, origin="toml")


def upload(uow: SqlUnitOfWork, text: str, uploaded_by: str) -> StoredPack:
    pack = validate_text(text)
    digest = hashlib.sha256(text.encode()).hexdigest()
    with uow:
        existing = _row(uow.session, pack.pack_id, pack.version)
        if existing is not None:
            if existing.sha256 != digest:
                raise ConflictError(
                    ErrorCode.ALREADY_EXISTS, field="version", detail=f"{pack.pack_id} {pack.version} 已存在且内容不同，请提高版本号"
                )
            return detached(uow, StoredPack(existing, pack))
        row = PolicyPackVersion(
            pack_id=pack.pack_id,
            version=pack.version,
            title=pack.title,
            admdvs=pack.admdvs,
            year=pack.year,
            valid_from=pack.valid_from,
            valid_to=pack.valid_to,
            toml_text=text,
            sha256=digest,
            uploaded_by=uploaded_by,
        )
        uow.session.add(row)
        uow.commit()
        log.info("政策包已上传 pack_id=%s version=%s", pack.pack_id, pack.version)
        return StoredPack(row, pack)


def _row(session: Session, pack_id: str, version: str) -> PolicyPackVersion | None:
    query = select(PolicyPackVersion).where(PolicyPackVersion.pack_id == pack_id, PolicyPackVersion.version == version)
    return session.scalars(query).one_or_none()


def _found(session: Session, pack_id: str, version: str) -> PolicyPackVersion:
    row = _row(session, pack_id, version)
    if row is None:
        raise NotFoundError(ErrorCode.NOT_FOUND, field="version", detail=f"政策包 {pack_id} {version}")
    return row


def activate(uow: SqlUnitOfWork, pack_id: str, version: str, effective_from: dt.date, activated_by: str) -> StoredPack:
    """启用 from ``effective_from``, which must lie inside the pack's validity."""
    with uow:
        row = _found(uow.session, pack_id, version)
        if not row.valid_from <= effective_from <= row.valid_to:
            raise InputError(
                ErrorCode.INVALID_DATE,
                field="effective_from",
                detail=f"须在政策包有效期 {row.valid_from.isoformat()} 至 {row.valid_to.isoformat()} 内",
            )
        row.effective_from = effective_from
        row.activated_by = activated_by
        row.activated_at = now()
        uow.commit()
        from yibao.settlement.service import invalidate_reference_data  # the settlement service's cache

        invalidate_reference_data()
        log.info("政策包已启用 pack_id=%s version=%s effective_from=%s", pack_id, version, effective_from)
        return StoredPack(row, parse_pack(row.toml_text, origin=f"{pack_id}@{version}"))


def list_versions(uow: SqlUnitOfWork) -> list[PolicyPackVersion]:
    with uow:
        query = select(PolicyPackVersion).order_by(PolicyPackVersion.pack_id, PolicyPackVersion.uploaded_at, PolicyPackVersion.id)
        return detached(uow, list(uow.session.scalars(query)))


def get_version(uow: SqlUnitOfWork, pack_id: str, version: str) -> StoredPack:
    with uow:
        row = _found(uow.session, pack_id, version)
        return detached(uow, StoredPack(row, parse_pack(row.toml_text, origin=f"{pack_id}@{version}")))


def show(uow: SqlUnitOfWork, pack_id: str, version: str) -> tuple[PolicyPack, PolicyPackVersion | None]:
    """A stored version with its row, or a bundled pack (row ``None``)."""
    with uow:
        row = _row(uow.session, pack_id, version)
        if row is not None:
            return detached(uow, (parse_pack(row.toml_text, origin=f"{pack_id}@{version}"), row))
        return _any_pack(uow.session, pack_id, version), None


def _any_pack(session: Session, pack_id: str, version: str) -> PolicyPack:
    row = _row(session, pack_id, version)
    if row is not None:
        return parse_pack(row.toml_text, origin=f"{pack_id}@{version}")
    for pack in bundled_packs():
        if pack.pack_id == pack_id and pack.version == version:
            return pack
    raise NotFoundError(ErrorCode.NOT_FOUND, field="version", detail=f"政策包 {pack_id} {version}")


def diff_versions(uow: SqlUnitOfWork, a: tuple[str, str], b: tuple[str, str]) -> list[Change]:
    """Parameter-by-parameter differences between two packs (stored or bundled)."""
    with uow:
        return diff(_any_pack(uow.session, *a), _any_pack(uow.session, *b))


_parsed: dict[str, PolicyPack] = {}
"""Parsed packs by the SHA-256 of their text: parsing and validating a pack costs milliseconds, and
the settlement service asks for the activated packs again every ``REFERENCE_TTL_SECONDS``."""


def packs_for(session: Session) -> tuple[PolicyPack, ...]:
    """Bundled packs plus every activated stored pack (its ``valid_from`` = the activation date)."""
    v = PolicyPackVersion
    rows = session.execute(select(v.sha256, v.pack_id, v.version, v.effective_from).where(v.effective_from.is_not(None))).all()
    stored = []
    for sha256, pack_id, version, effective_from in rows:
        pack = _parsed.get(sha256)
        if pack is None:
            text = session.scalars(select(v.toml_text).where(v.pack_id == pack_id, v.version == version)).one()
            pack = _parsed[sha256] = parse_pack(text, origin=f"{pack_id}@{version}")
        stored.append(pack.model_copy(update={"valid_from": effective_from}))
    return (*bundled_packs(), *stored)


def in_force(uow: SqlUnitOfWork, admdvs: str, on: dt.date) -> PolicyPack:
    """The pack in force for a region on a date, activated stored packs included."""
    if not (len(admdvs) == 6 and admdvs.isdigit()):
        raise InputError(ErrorCode.INVALID_VALUE, field="admdvs", detail="应为 6 位行政区划代码")
    with uow:
        packs = packs_for(uow.session)
    return pack_in_force(admdvs, on, packs)


__all__ = [
    "StoredPack",
    "activate",
    "diff_versions",
    "get_version",
    "in_force",
    "list_versions",
    "packs_for",
    "show",
    "upload",
    "validate_text",
]
