"""Routes: policy packs — upload TOML, validate, store versioned, activate for a date, list, show, diff."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import Field

from yibao.api.auth import BureauReader, PolicyWriter, UowDep
from yibao.api.rest.common import Input, ListOf, LocalTime, Output
from yibao.policy import service
from yibao.policy.diff import flatten
from yibao.policy.loader import bundled_packs
from yibao.policy.schema import PolicyPack

router = APIRouter(tags=["政策参数包"])

PackId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")]
Version = Annotated[str, Path(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9_.-]+$")]


class PackText(Input):
    toml: str = Field(min_length=1, max_length=service.MAX_TOML_CHARS, description="政策参数包 TOML 全文")


class Activation(Input):
    effective_from: dt.date = Field(description="启用日期（在政策包有效期内）")


class PackSummary(Output):
    pack_id: str
    version: str
    title: str
    admdvs: str
    region_name: str
    year: int
    valid_from: dt.date
    valid_to: dt.date
    insutypes: list[str]
    assumptions: int = Field(description="标注为假设的参数个数")


class PackVersionPublic(Output):
    pack_id: str
    version: str
    title: str
    admdvs: str
    year: int
    valid_from: dt.date
    valid_to: dt.date
    source: str = Field(default="stored", description="stored 上传 · bundled 内置")
    sha256: str | None = None
    uploaded_by: str | None = None
    uploaded_at: LocalTime | None = None
    effective_from: dt.date | None = Field(default=None, description="启用日期；空为未启用")
    activated_by: str | None = None


class PackDetail(Output):
    version: PackVersionPublic
    parameters: dict[str, str]
    assumptions: dict[str, str]
    toml: str | None


class ChangePublic(Output):
    path: str
    kind: str
    old: str | None
    new: str | None


def _summary(pack: PolicyPack) -> PackSummary:
    return PackSummary(
        pack_id=pack.pack_id,
        version=pack.version,
        title=pack.title,
        admdvs=pack.admdvs,
        region_name=pack.region_name,
        year=pack.year,
        valid_from=pack.valid_from,
        valid_to=pack.valid_to,
        insutypes=sorted(pack.insutype),
        assumptions=len(pack.assumptions),
    )


def _bundled(pack: PolicyPack) -> PackVersionPublic:
    return PackVersionPublic(
        pack_id=pack.pack_id,
        version=pack.version,
        title=pack.title,
        admdvs=pack.admdvs,
        year=pack.year,
        valid_from=pack.valid_from,
        valid_to=pack.valid_to,
        source="bundled",
        effective_from=pack.valid_from,
    )


def _stored(row: object) -> PackVersionPublic:
    return PackVersionPublic.model_validate(row)


@router.post("/policy-packs/validate", summary="校验政策参数包（不保存）")
def validate_pack(body: PackText, user: PolicyWriter) -> PackSummary:
    return _summary(service.validate_text(body.toml))


@router.post("/policy-packs", status_code=201, summary="上传政策参数包（校验后按版本保存，未启用）")
def upload_pack(body: PackText, user: PolicyWriter, uow: UowDep) -> PackVersionPublic:
    return _stored(service.upload(uow(), body.toml, user.username).row)


@router.get("/policy-packs", summary="政策参数包列表（内置与上传）")
def list_packs(user: BureauReader, uow: UowDep) -> ListOf[PackVersionPublic]:
    rows = [_bundled(p) for p in bundled_packs()] + [_stored(r) for r in service.list_versions(uow())]
    return ListOf[PackVersionPublic](data=rows, count=len(rows))


@router.get("/policy-packs/in-force", summary="某统筹区某日生效的政策参数包")
def pack_in_force(
    user: BureauReader,
    uow: UowDep,
    admdvs: Annotated[str, Query(pattern=r"^\d{6}$")],
    on: Annotated[dt.date, Query(description="日期")],
) -> PackSummary:
    return _summary(service.in_force(uow(), admdvs, on))


@router.get("/policy-packs/diff", summary="比较两个政策参数包")
def diff_packs(
    user: BureauReader,
    uow: UowDep,
    a_pack: Annotated[str, Query(min_length=1, max_length=100)],
    a_version: Annotated[str, Query(min_length=1, max_length=50)],
    b_pack: Annotated[str, Query(min_length=1, max_length=100)],
    b_version: Annotated[str, Query(min_length=1, max_length=50)],
) -> ListOf[ChangePublic]:
    changes = service.diff_versions(uow(), (a_pack, a_version), (b_pack, b_version))
    rows = [ChangePublic(path=c.path, kind=c.kind, old=c.old, new=c.new) for c in changes]
    return ListOf[ChangePublic](data=rows, count=len(rows))


@router.get("/policy-packs/{pack_id}/{version}", summary="政策参数包详情（上传或内置）")
def show_pack(pack_id: PackId, version: Version, user: BureauReader, uow: UowDep) -> PackDetail:
    pack, row = service.show(uow(), pack_id, version)
    return PackDetail(
        version=_stored(row) if row is not None else _bundled(pack),
        parameters=flatten(pack),
        assumptions=dict(pack.assumptions),
        toml=row.toml_text if row is not None else None,
    )


@router.post("/policy-packs/{pack_id}/{version}/activate", summary="启用政策参数包（自某日起生效）")
def activate_pack(
    pack_id: PackId, version: Version, body: Activation, user: PolicyWriter, uow: UowDep
) -> PackVersionPublic:
    return _stored(service.activate(uow(), pack_id, version, body.effective_from, user.username).row)
