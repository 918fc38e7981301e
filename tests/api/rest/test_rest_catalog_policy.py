"""Catalog import and search, and policy packs: upload, validate, activate for a date, diff — over HTTP."""

from __future__ import annotations

import io

import rest_seed as seed
from rest_env import RestEnv
from openpyxl import Workbook
from rest_calls import heshan_text
from sqlalchemy import func, select

from yibao.store.models import CatalogItem, PolicyPackVersion

CHINESE = ["医疗目录编码", "名称", "目录类别", "收费项目等级", "医疗收费项目类别", "先行自付比例", "支付标准", "开始日期", "结束日期"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _items(env: RestEnv) -> int:
    with env.factory() as session:
        return session.scalar(select(func.count()).select_from(CatalogItem)) or 0


def _import(env: RestEnv, name: str, data: bytes, role: str = "payment_analyst", **form: str) -> object:
    files = {"file": (name, data, XLSX if name.endswith("xlsx") else "text/csv")}
    return env.client.post("/api/catalogs/import", files=files, data=form, headers=env.headers[role])


def test_an_excel_catalog_is_imported_and_found_by_name_and_date(rest: RestEnv) -> None:
    data = workbook([CHINESE, ["K001", "头孢克肟片", "西药中成药", "乙类", "09", "0.05", 3.2, "2021-01-01", "2021-06-30"],
                     ["K002", "血常规", "医疗服务项目", "甲类", "04", 0, 20, "2021-01-01", None]])
    answer = _import(rest, "目录.xlsx", data, admdvs=seed.ADMDVS)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"rows": 2, "created": 2, "updated": 0, "admdvs": seed.ADMDVS}
    found = rest.client.get("/api/catalogs", params={"q": "头孢", "on": "2021-03-01"}, headers=rest.headers["read_only"]).json()
    assert [i["med_list_codg"] for i in found["data"]] == ["K001"]
    assert found["data"][0]["chrgitm_lv"] == "02"
    later = rest.client.get("/api/catalogs", params={"q": "头孢", "on": "2021-07-01"}, headers=rest.headers["read_only"]).json()
    assert later["count"] == 0


def test_importing_a_corrected_line_updates_it(rest: RestEnv) -> None:
    first = "med_list_codg,name,list_type,chrgitm_lv,med_chrgitm_type,begndate\nU001,旧名,101,01,09,2021-01-01\n"
    _import(rest, "a.csv", first.encode())
    again = _import(rest, "a.csv", first.replace("旧名", "新名").encode())
    assert again.json()["updated"] == 1
    lines = rest.client.get("/api/catalogs/U001", headers=rest.headers["auditor"]).json()["data"]
    assert [line["name"] for line in lines] == ["新名"]


def test_a_file_with_bad_rows_is_refused_row_by_row_and_nothing_is_imported(rest: RestEnv) -> None:
    before = _items(rest)
    data = workbook([CHINESE, ["G1", "好行", "101", "01", "09", 0, None, "2021-01-01", None],
                     ["G2", "坏行", "101", "甲乙", "09", 0, None, "2021-01-01", None],
                     ["G3", "", "101", "01", "09", 0, -1, "2021-01-01", None]])
    answer = _import(rest, "bad.xlsx", data)
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "E1301"
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(3, "chrgitm_lv"), (4, "name"), (4, "pric_uplmt_amt")]
    assert "未导入任何记录" in body["message"]
    assert _items(rest) == before


def test_a_file_of_another_type_is_refused_naming_the_file_field(rest: RestEnv) -> None:
    answer = _import(rest, "catalog.txt", b"hello")
    assert answer.status_code == 422 and answer.json()["field"] == "file"


def test_a_policy_pack_is_validated_without_being_stored(rest: RestEnv) -> None:
    answer = rest.client.post("/api/policy-packs/validate", json={"toml": heshan_text("2021.v")}, headers=rest.headers["admin"])
    assert answer.status_code == 200 and answer.json()["insutypes"] == ["310", "390"]
    with rest.factory() as session:
        assert session.scalar(select(func.count()).select_from(PolicyPackVersion).where(PolicyPackVersion.version == "2021.v")) == 0


def test_an_invalid_pack_is_refused_naming_the_parameter_path(rest: RestEnv) -> None:
    broken = heshan_text("2021.bad").replace('individual = { value = "320"', 'individual = { value = "-320"', 1)
    answer = rest.client.post("/api/policy-packs", json={"toml": broken}, headers=rest.headers["admin"])
    assert answer.status_code == 422
    assert answer.json()["code"] == "E5001" and answer.json()["field"] == "enrollment.individual"
    float_pack = heshan_text("2021.bad").replace('"0.10"', "0.10", 1)
    assert rest.client.post("/api/policy-packs", json={"toml": float_pack}, headers=rest.headers["admin"]).status_code == 422


def test_a_version_cannot_be_uploaded_twice_with_different_content(rest: RestEnv) -> None:
    text = heshan_text("2021.twice")
    assert rest.client.post("/api/policy-packs", json={"toml": text}, headers=rest.headers["admin"]).status_code == 201
    assert rest.client.post("/api/policy-packs", json={"toml": text}, headers=rest.headers["admin"]).status_code == 201
    changed = text.replace('individual = { value = "320"', 'individual = { value = "350"', 1)
    answer = rest.client.post("/api/policy-packs", json={"toml": changed}, headers=rest.headers["admin"])
    assert answer.status_code == 409 and answer.json()["field"] == "version"


def test_an_activated_pack_is_in_force_from_its_date_and_the_old_one_before(rest: RestEnv) -> None:
    text = heshan_text("2021.2").replace('individual = { value = "320"', 'individual = { value = "350"', 1)
    headers = rest.headers["payment_analyst"]
    assert rest.client.post("/api/policy-packs", json={"toml": text}, headers=headers).status_code == 201

    def in_force(on: str) -> str:
        answer = rest.client.get("/api/policy-packs/in-force", params={"admdvs": seed.ADMDVS, "on": on}, headers=headers)
        return str(answer.json()["version"])

    assert in_force("2021-08-01") == "2021.1"  # uploaded is not yet in force
    activated = rest.client.post("/api/policy-packs/heshan-2021/2021.2/activate", json={"effective_from": "2021-07-01"}, headers=headers)
    assert activated.status_code == 200 and activated.json()["effective_from"] == "2021-07-01"
    assert (in_force("2021-06-30"), in_force("2021-07-01")) == ("2021.1", "2021.2")
    changes = rest.client.get(
        "/api/policy-packs/diff",
        params={"a_pack": "heshan-2021", "a_version": "2021.1", "b_pack": "heshan-2021", "b_version": "2021.2"},
        headers=headers,
    ).json()["data"]
    assert {(c["path"], c["old"], c["new"]) for c in changes} == {("version", "2021.1", "2021.2"), ("enrollment.individual", "320", "350")}
    shown = rest.client.get("/api/policy-packs/heshan-2021/2021.2", headers=rest.headers["auditor"]).json()
    assert shown["parameters"]["enrollment.individual"] == "350" and shown["version"]["activated_by"] == "payment_analyst"


def test_activation_outside_the_packs_validity_is_refused(rest: RestEnv) -> None:
    rest.client.post("/api/policy-packs", json={"toml": heshan_text("2021.3")}, headers=rest.headers["admin"])
    answer = rest.client.post("/api/policy-packs/heshan-2021/2021.3/activate", json={"effective_from": "2022-01-01"}, headers=rest.headers["admin"])
    assert answer.status_code == 422 and answer.json()["field"] == "effective_from"
    listed = rest.client.get("/api/policy-packs", headers=rest.headers["admin"]).json()["data"]
    assert next(p for p in listed if p["version"] == "2021.3")["effective_from"] is None


def test_a_bundled_pack_is_shown_with_its_assumptions_marked(rest: RestEnv) -> None:
    shown = rest.client.get("/api/policy-packs/heshan-2021/2021.1", headers=rest.headers["read_only"]).json()
    assert shown["version"]["source"] == "bundled" and shown["toml"] is None
    assert shown["parameters"]["enrollment.individual"] == "320"
    assert shown["assumptions"]["enrollment.individual"].startswith("假设")
