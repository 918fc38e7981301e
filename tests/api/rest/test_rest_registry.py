"""Institutions, agreements, persons and enrolment over HTTP: what is written, what is refused, what is shown."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import rest_seed as seed
from rest_env import RestEnv
from sqlalchemy import func, select

from yibao.store.models import AgreementEvent, Institution, Person


def _count(env: RestEnv, model: type) -> int:
    with env.factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_an_institution_is_created_read_updated_and_listed(rest: RestEnv) -> None:
    admin = rest.headers["admin"]
    body = {"fixmedins_code": "H1", "fixmedins_name": "第一医院", "admdvs": seed.ADMDVS, "hosp_lv": 3}
    assert rest.client.post("/api/institutions", json=body, headers=admin).status_code == 201
    assert rest.client.patch("/api/institutions/H1", json={"open_bed_cnt": 300}, headers=admin).json()["open_bed_cnt"] == 300
    shown = rest.client.get("/api/institutions/H1", headers=rest.headers["read_only"]).json()
    assert (shown["hosp_lv"], shown["agre_stas"], shown["open_bed_cnt"]) == (3, "1", 300)
    listed = rest.client.get("/api/institutions", params={"agre_stas": "1", "limit": 1}, headers=admin).json()
    assert listed["count"] >= 3 and len(listed["data"]) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"fixmedins_name": "缺编码", "admdvs": seed.ADMDVS}, "fixmedins_code"),
        ({"fixmedins_code": "H2", "fixmedins_name": "x", "admdvs": "44"}, "admdvs"),
        ({"fixmedins_code": "H2", "fixmedins_name": "x", "admdvs": seed.ADMDVS, "hosp_lv": 4}, "hosp_lv"),
        ({"fixmedins_code": "H2", "fixmedins_name": "x", "admdvs": seed.ADMDVS, "aprv_bed_cnt": -1}, "aprv_bed_cnt"),
        ({"fixmedins_code": "H2", "fixmedins_name": "x", "admdvs": "999999"}, "admdvs"),
        ({"fixmedins_code": seed.H_A, "fixmedins_name": "重复", "admdvs": seed.ADMDVS}, "fixmedins_code"),
        ({"fixmedins_code": "H2", "fixmedins_name": "x", "admdvs": seed.ADMDVS, "agre_stas": "3"}, "agre_stas"),
    ],
    ids=["missing code", "short region", "unknown level", "negative beds", "unknown region", "duplicate", "status by hand"],
)
def test_a_bad_institution_is_refused_naming_the_field_in_chinese_and_nothing_is_written(
    rest: RestEnv, body: dict[str, object], field: str
) -> None:
    before = _count(rest, Institution)
    answer = rest.client.post("/api/institutions", json=body, headers=rest.headers["admin"])
    assert answer.status_code in (409, 422)
    error = answer.json()
    assert error["field"] == field
    assert f"「{field}」" in error["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])
    assert _count(rest, Institution) == before


def _change(env: RestEnv, code: str, stas: str, reason: str = "年度考核不合格") -> object:
    return env.client.post(f"/api/institutions/{code}/agreement", json={"agre_stas": stas, "reason": reason}, headers=env.headers["admin"])


def test_an_agreement_is_suspended_restored_and_terminated_with_reasons_kept(rest: RestEnv) -> None:
    code = "AGR1"
    rest.client.post("/api/institutions", json={"fixmedins_code": code, "fixmedins_name": "协议医院", "admdvs": seed.ADMDVS}, headers=rest.headers["admin"])
    assert _change(rest, code, "2", "查实串换药品，暂停拨付").status_code == 200
    assert _change(rest, code, "1", "整改到位，恢复拨付").status_code == 200
    assert _change(rest, code, "3", "骗取医保基金，解除协议").status_code == 200
    events = rest.client.get(f"/api/institutions/{code}/agreement", headers=rest.headers["auditor"]).json()["data"]
    assert [(e["old_stas"], e["new_stas"]) for e in events] == [("1", "2"), ("2", "1"), ("1", "3")]
    assert events[0]["reason"] == "查实串换药品，暂停拨付" and events[0]["changed_by"] == "admin"
    shown = rest.client.get(f"/api/institutions/{code}", headers=rest.headers["admin"]).json()
    assert shown["agre_stas"] == "3" and shown["agre_enddate"] == dt.date.today().isoformat()


def test_a_terminated_agreement_cannot_be_restored_and_nothing_is_recorded(rest: RestEnv) -> None:
    code = "AGR2"
    rest.client.post("/api/institutions", json={"fixmedins_code": code, "fixmedins_name": "解除医院", "admdvs": seed.ADMDVS}, headers=rest.headers["admin"])
    _change(rest, code, "3")
    before = _count(rest, AgreementEvent)
    answer = _change(rest, code, "1")
    assert answer.status_code == 409
    assert answer.json()["field"] == "agre_stas" and "解除协议" in answer.json()["message"]
    assert _count(rest, AgreementEvent) == before


def test_an_agreement_change_without_a_reason_is_refused(rest: RestEnv) -> None:
    answer = _change(rest, seed.H_B, "2", reason="")
    assert answer.status_code == 422
    assert answer.json()["field"] == "reason"


def test_an_institution_with_settlements_cannot_be_deleted(rest: RestEnv) -> None:
    answer = rest.client.delete(f"/api/institutions/{seed.H_A}", headers=rest.headers["admin"])
    assert answer.status_code == 409
    assert rest.client.get(f"/api/institutions/{seed.H_A}", headers=rest.headers["admin"]).status_code == 200


NEW_CERT = seed.certno(seed.ADMDVS, dt.date(1985, 7, 9), 321)


def _person_body(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "psn_no": "PNEW", "psn_name": "陈七", "certno": NEW_CERT, "gend": "2", "brdy": "1985-07-09",
        "psn_type": "15", "insuplc_admdvs": seed.ADMDVS,
    }
    body.update(changes)
    return body


def test_a_person_is_registered_with_the_id_number_only_shown_masked(rest: RestEnv, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        created = rest.client.post("/api/persons", json=_person_body(), headers=rest.headers["admin"])
        looked_up = rest.client.post("/api/persons/lookup", json={"certno": NEW_CERT.lower()}, headers=rest.headers["auditor"])
        listed = rest.client.get("/api/persons", headers=rest.headers["auditor"])
    assert created.status_code == 201
    assert created.json()["certno_mask"] == NEW_CERT[:6] + "********" + NEW_CERT[-4:]
    assert looked_up.json()["psn_no"] == "PNEW"
    for answer in (created, looked_up, listed):
        assert NEW_CERT not in answer.text
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "PNEW" in logged  # the service did log …
    assert NEW_CERT not in logged and "陈七" not in logged  # … but no personal data
    with rest.factory() as session:
        stored = session.get(Person, "PNEW")
        assert stored is not None and NEW_CERT not in (stored.certno_cipher + stored.certno_index)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"certno": NEW_CERT[:-1] + ("0" if NEW_CERT[-1] != "0" else "1")}, "certno"),
        ({"certno": "12345"}, "certno"),
        ({"brdy": "2999-01-01"}, "brdy"),
        ({"gend": "3"}, "gend"),
        ({"psn_type": "99"}, "psn_type"),
        ({"insuplc_admdvs": "123456"}, "insuplc_admdvs"),
        ({"psn_name": ""}, "psn_name"),
        ({"certno": seed.CERT_A}, "certno"),
    ],
    ids=["check digit", "too short", "future birth", "gender", "person type", "unknown region", "empty name", "known id"],
)
def test_a_bad_person_is_refused_naming_the_field_and_nothing_is_written(
    rest: RestEnv, changes: dict[str, object], field: str, caplog: pytest.LogCaptureFixture
) -> None:
    before = _count(rest, Person)
    with caplog.at_level(logging.DEBUG):
        answer = rest.client.post("/api/persons", json=_person_body(psn_no="PBAD", **changes), headers=rest.headers["admin"])
    assert answer.status_code in (409, 422), answer.text
    assert answer.json()["field"] == field
    assert _count(rest, Person) == before
    assert str(changes.get("certno", NEW_CERT)) not in "\n".join(r.getMessage() for r in caplog.records)


def _new_person(env: RestEnv, psn_no: str, seq: int, brdy: str = "1970-01-01") -> None:
    body = _person_body(psn_no=psn_no, certno=seed.certno(seed.ADMDVS, dt.date.fromisoformat(brdy), seq), brdy=brdy)
    assert env.client.post("/api/persons", json=body, headers=env.headers["admin"]).status_code == 201


def _enrol(env: RestEnv, psn_no: str, **body: object) -> dict[str, object]:
    answer = env.client.post(f"/api/persons/{psn_no}/enrolments", json=body, headers=env.headers["admin"])
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def test_a_resident_enrolling_outside_the_window_pays_in_full_and_waits(rest: RestEnv) -> None:
    _new_person(rest, "PW1", 801)
    done = _enrol(rest, "PW1", insutype="390", begndate="2021-03-01", enddate="2021-12-31")
    assert done["pack_id"] == "heshan-2021"
    assert done["contribution"]["individual_due"] == "320.00"
    assert done["coverage"]["psn_clct_amt"] == "320.00" and done["coverage"]["subs_flag"] is False
    assert done["waiting_days"] == 90 and done["benefit_from"] == "2021-05-30"
    assert done["coverage"]["wait_enddate"] == "2021-05-29"


def test_a_subsistence_allowance_resident_is_subsidised_and_exempt_from_waiting(rest: RestEnv) -> None:
    _new_person(rest, "PW2", 802)
    ok = rest.client.post("/api/persons/PW2/identities", json={"psn_idet_type": "02", "begndate": "2021-01-01"}, headers=rest.headers["admin"])
    assert ok.status_code == 201
    done = _enrol(rest, "PW2", insutype="390", begndate="2021-03-01")
    coverage = done["coverage"]
    assert (coverage["psn_clct_amt"], coverage["subs_clct_amt"], coverage["subs_flag"]) == ("0.00", "320.00", True)
    assert coverage["subs_src"] == "医疗救助基金"
    assert done["waiting_days"] == 0 and coverage["wait_enddate"] is None


def test_a_resident_enrolling_in_the_central_window_has_no_waiting_period(rest: RestEnv) -> None:
    _new_person(rest, "PW3", 803)
    done = _enrol(rest, "PW3", insutype="390", begndate="2021-01-01", psn_insu_date="2021-10-15")
    assert done["waiting_days"] == 0 and "集中参保期" in str(done["waiting_reason"])


def test_an_overlapping_enrolment_is_refused_and_the_first_stays(rest: RestEnv) -> None:
    _new_person(rest, "PW4", 804)
    _enrol(rest, "PW4", insutype="390", begndate="2021-01-01", enddate="2021-12-31")
    answer = rest.client.post("/api/persons/PW4/enrolments", json={"insutype": "390", "begndate": "2021-06-01"}, headers=rest.headers["admin"])
    assert answer.status_code == 409 and answer.json()["field"] == "begndate"
    periods = rest.client.get("/api/persons/PW4/enrolments", headers=rest.headers["read_only"]).json()
    assert periods["count"] == 1


def test_an_enrolment_on_a_date_without_a_policy_pack_is_refused(rest: RestEnv) -> None:
    _new_person(rest, "PW5", 805)
    answer = rest.client.post("/api/persons/PW5/enrolments", json={"insutype": "390", "begndate": "2030-01-01"}, headers=rest.headers["admin"])
    assert answer.status_code == 404 and answer.json()["code"] == "E5002"
    assert rest.client.get("/api/persons/PW5/enrolments", headers=rest.headers["admin"]).json()["count"] == 0


def test_an_unknown_person_is_a_404_naming_psn_no(rest: RestEnv) -> None:
    answer = rest.client.get("/api/persons/NOPE", headers=rest.headers["admin"])
    assert answer.status_code == 404 and answer.json()["field"] == "psn_no"
