"""The same API on PostgreSQL: exact money sums, all-or-nothing imports, tenancy and enrolment."""

from __future__ import annotations

import io

import pytest
import rest_seed as seed
from rest_env import RestEnv
from openpyxl import Workbook
from sqlalchemy import func, select

from yibao.store.models import CatalogItem

pytestmark = pytest.mark.pg


def test_statements_sum_to_the_fen_on_postgresql(rest_pg: RestEnv) -> None:
    rows = rest_pg.client.get("/api/statements", params={"month": "2021-03"}, headers=rest_pg.headers["auditor"]).json()["data"]
    a = next(r for r in rows if r["fixmedins_code"] == seed.H_A)
    assert (a["setl_cnt"], a["medfee_sumamt"], a["fund_pay"]) == (2, "2000.00", {"390100": "1000.00", "610100": "200.00"})


def test_an_institution_user_is_refused_another_institutions_data_on_postgresql(rest_pg: RestEnv) -> None:
    headers = rest_pg.headers["institution"]
    assert rest_pg.client.get("/api/settlements/SB1", headers=headers).status_code == 404
    assert rest_pg.client.get("/api/settlements", params={"fixmedins_code": seed.H_B}, headers=headers).status_code == 403
    assert rest_pg.client.post("/api/persons/lookup", json={"certno": seed.CERT_A}, headers=headers).status_code == 403


def test_a_bad_excel_row_leaves_the_postgresql_catalog_untouched(rest_pg: RestEnv) -> None:
    book = Workbook()
    for row in (["med_list_codg", "name", "list_type", "chrgitm_lv", "med_chrgitm_type", "begndate"],
                ["P1", "好", "101", "01", "09", "2021-01-01"], ["P2", "坏", "101", "01", "99", "2021-01-01"]):
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)
    files = {"file": ("c.xlsx", data.getvalue(), "application/octet-stream")}
    answer = rest_pg.client.post("/api/catalogs/import", files=files, headers=rest_pg.headers["admin"])
    assert answer.status_code == 422 and answer.json()["errors"][0]["row"] == 3
    with rest_pg.factory() as session:
        assert session.scalar(select(func.count()).select_from(CatalogItem)) == 0


def test_a_subsidised_enrolment_is_stored_exactly_on_postgresql(rest_pg: RestEnv) -> None:
    admin = rest_pg.headers["admin"]
    rest_pg.client.post("/api/persons/PA/identities", json={"psn_idet_type": "01", "begndate": "2020-01-01"}, headers=admin)
    answer = rest_pg.client.post("/api/persons/PA/enrolments", json={"insutype": "390", "begndate": "2021-02-01"}, headers=admin)
    assert answer.status_code == 201, answer.text
    listed = rest_pg.client.get("/api/persons/PA/enrolments", headers=rest_pg.headers["read_only"]).json()["data"]
    assert [(c["psn_clct_amt"], c["subs_clct_amt"], c["wait_enddate"]) for c in listed] == [("0.00", "320.00", None)]
