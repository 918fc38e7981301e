"""The table of every REST route: how to call it and which roles may.

Each :class:`Call` knows its route template (so a test can prove the table covers the app), the
roles allowed, and how to build a request that would succeed for an allowed role — with values made
unique per role, so the same write can be tried by every role in one database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources

import rest_seed as seed

from yibao.catalog.importer import parse_rows
from yibao.catalog.service import import_rows
from yibao.policy import service as policy_service
from yibao.store.models import Person

BUREAU = frozenset({"admin", "payment_analyst", "auditor", "read_only"})
EVERYONE = BUREAU | {"institution"}
ADMIN = frozenset({"admin"})
POLICY = frozenset({"admin", "payment_analyst"})
CATALOG_CSV = "med_list_codg,name,list_type,chrgitm_lv,med_chrgitm_type,selfpay_prop,pric_uplmt_amt,begndate,enddate\n"


def heshan_text(version: str = "2021.1") -> str:
    text = resources.files("yibao.policy").joinpath("packs/heshan_2021.toml").read_text(encoding="utf-8")
    return text.replace('version = "2021.1"', f'version = "{version}"', 1)


def _n(role: str) -> int:
    return sorted(seed.ROLES).index(role) + 1


Request = dict[str, object]


@dataclass(frozen=True)
class Call:
    method: str
    route: str
    allowed: frozenset[str]
    build: Callable[[str], Request] = field(default=lambda role: {})
    path: Callable[[str], str] | None = None
    prepare: Callable[[object, str], None] | None = None

    def url(self, role: str) -> str:
        return self.path(role) if self.path else self.route


def _institution(env: object, code: str) -> None:
    with env.uow() as uow:  # type: ignore[attr-defined]
        uow.institutions.add(seed.hospital(code, f"测试机构{code}"))
        uow.commit()


def _person(env: object, psn_no: str) -> None:
    with env.uow() as uow:  # type: ignore[attr-defined]
        p = Person(psn_no=psn_no, psn_name="王五", gend="1", brdy=dt.date(1990, 1, 1), psn_type="15", insuplc_admdvs=seed.ADMDVS)
        uow.persons.add(p, seed.certno(seed.ADMDVS, dt.date(1990, 1, 1), 600 + int(psn_no[-1])))
        uow.commit()


def _pack(env: object, version: str) -> None:
    policy_service.upload(env.uow(), heshan_text(version), "fixture")  # type: ignore[attr-defined]


def seed_shared(env: object) -> None:
    """What the read routes need besides the seed: a catalog line and a stored pack."""
    rows = parse_rows([CATALOG_CSV.strip().split(","), ["X001", "阿莫西林胶囊", "101", "02", "09", "0.10", "1.5", "2021-01-01", ""]])
    import_rows(env.uow(), rows)  # type: ignore[attr-defined]
    _pack(env, "2021.shared")


CALLS: list[Call] = [
    Call("GET", "/api/auth/me", EVERYONE),
    Call("POST", "/api/regions", ADMIN, lambda r: {"json": {"admdvs": f"4499{_n(r):02d}", "admdvs_name": "测试区"}}),
    Call("GET", "/api/regions", BUREAU),
    Call(
        "POST", "/api/institutions", ADMIN,
        lambda r: {"json": {"fixmedins_code": f"NEW{_n(r)}", "fixmedins_name": "新医院", "admdvs": seed.ADMDVS, "hosp_lv": 1}},
    ),
    Call("GET", "/api/institutions", BUREAU),
    Call("GET", "/api/institutions/{fixmedins_code}", BUREAU, path=lambda r: f"/api/institutions/{seed.H_A}"),
    Call(
        "PATCH", "/api/institutions/{fixmedins_code}", ADMIN, lambda r: {"json": {"open_bed_cnt": 10}},
        path=lambda r: f"/api/institutions/{seed.H_A}",
    ),
    Call(
        "DELETE", "/api/institutions/{fixmedins_code}", ADMIN, path=lambda r: f"/api/institutions/DEL{_n(r)}",
        prepare=lambda env, r: _institution(env, f"DEL{_n(r)}"),
    ),
    Call(
        "POST", "/api/institutions/{fixmedins_code}/agreement", ADMIN,
        lambda r: {"json": {"agre_stas": "2", "reason": "违规使用医保基金，暂停拨付"}},
        path=lambda r: f"/api/institutions/AG{_n(r)}/agreement",
        prepare=lambda env, r: _institution(env, f"AG{_n(r)}"),
    ),
    Call("GET", "/api/institutions/{fixmedins_code}/agreement", BUREAU, path=lambda r: f"/api/institutions/{seed.H_A}/agreement"),
    Call(
        "POST", "/api/persons", ADMIN,
        lambda r: {
            "json": {
                "psn_name": "赵六", "certno": seed.certno(seed.ADMDVS, dt.date(2000, 1, 1), 700 + _n(r)), "gend": "1",
                "brdy": "2000-01-01", "psn_type": "15", "insuplc_admdvs": seed.ADMDVS,
            }
        },
    ),
    Call("GET", "/api/persons", BUREAU),
    Call("POST", "/api/persons/lookup", BUREAU, lambda r: {"json": {"certno": seed.CERT_A}}),
    Call("GET", "/api/persons/{psn_no}", BUREAU, path=lambda r: "/api/persons/PA"),
    Call(
        "POST", "/api/persons/{psn_no}/identities", ADMIN,
        lambda r: {"json": {"psn_idet_type": "02", "begndate": f"2021-0{_n(r)}-01"}},
        path=lambda r: "/api/persons/PA/identities",
    ),
    Call("GET", "/api/persons/{psn_no}/identities", BUREAU, path=lambda r: "/api/persons/PA/identities"),
    Call(
        "POST", "/api/persons/{psn_no}/enrolments", ADMIN,
        lambda r: {"json": {"insutype": "390", "begndate": "2021-01-01", "enddate": "2021-12-31"}},
        path=lambda r: f"/api/persons/EN{_n(r)}/enrolments",
        prepare=lambda env, r: _person(env, f"EN{_n(r)}"),
    ),
    Call("GET", "/api/persons/{psn_no}/enrolments", BUREAU, path=lambda r: "/api/persons/PA/enrolments"),
    Call(
        "POST", "/api/catalogs/import", POLICY,
        lambda r: {"files": {"file": ("catalog.csv", (CATALOG_CSV + f"Y{_n(r)},注射用水,101,01,09,0,,2021-01-01,\n").encode(), "text/csv")}},
    ),
    Call("GET", "/api/catalogs", BUREAU),
    Call("GET", "/api/catalogs/{med_list_codg}", BUREAU, path=lambda r: "/api/catalogs/X001"),
    Call("POST", "/api/policy-packs/validate", POLICY, lambda r: {"json": {"toml": heshan_text()}}),
    Call("POST", "/api/policy-packs", POLICY, lambda r: {"json": {"toml": heshan_text(f"2021.up{_n(r)}")}}),
    Call("GET", "/api/policy-packs", BUREAU),
    Call("GET", "/api/policy-packs/in-force", BUREAU, lambda r: {"params": {"admdvs": seed.ADMDVS, "on": "2021-06-01"}}),
    Call(
        "GET", "/api/policy-packs/diff", BUREAU,
        lambda r: {"params": {"a_pack": "national-2021", "a_version": _national_version(), "b_pack": "heshan-2021", "b_version": "2021.1"}},
    ),
    Call("GET", "/api/policy-packs/{pack_id}/{version}", BUREAU, path=lambda r: "/api/policy-packs/heshan-2021/2021.shared"),
    Call(
        "POST", "/api/policy-packs/{pack_id}/{version}/activate", POLICY, lambda r: {"json": {"effective_from": "2021-12-31"}},
        path=lambda r: f"/api/policy-packs/heshan-2021/2021.act{_n(r)}/activate",
        prepare=lambda env, r: _pack(env, f"2021.act{_n(r)}"),
    ),
    Call("GET", "/api/visits", EVERYONE),
    Call("GET", "/api/visits/{mdtrt_id}", EVERYONE, path=lambda r: "/api/visits/VA1"),
    Call("GET", "/api/settlements", EVERYONE),
    Call("GET", "/api/settlements/{setl_id}", EVERYONE, path=lambda r: "/api/settlements/SA1"),
    Call("GET", "/api/settlement-lists/{setl_id}", EVERYONE, path=lambda r: "/api/settlement-lists/SA1"),
    Call("GET", "/api/statements", EVERYONE, lambda r: {"params": {"month": "2021-03"}}),
]


def _national_version() -> str:
    from yibao.policy.loader import bundled_pack

    return bundled_pack("national-2021").version

