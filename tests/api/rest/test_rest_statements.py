"""Settlement queries and monthly statements, read from the ledger (reversals net out in their month)."""

from __future__ import annotations

import pytest
import rest_seed as seed
from rest_env import RestEnv


def _statement(env: RestEnv, month: str, role: str = "payment_analyst") -> dict[str, dict[str, object]]:
    answer = env.client.get("/api/statements", params={"month": month}, headers=env.headers[role])
    assert answer.status_code == 200, answer.text
    return {row["fixmedins_code"]: row for row in answer.json()["data"]}


def test_a_months_statement_sums_each_institutions_settlements_and_fund_pay_by_fund_type(rest: RestEnv) -> None:
    march = _statement(rest, "2021-03")
    a, b = march[seed.H_A], march[seed.H_B]
    assert (a["setl_cnt"], a["medfee_sumamt"], a["fund_pay_sumamt"], a["psn_part_amt"]) == (2, "2000.00", "1200.00", "800.00")
    assert a["fund_pay"] == {"390100": "1000.00", "610100": "200.00"}
    assert (b["setl_cnt"], b["medfee_sumamt"], b["hifp_pay"], b["maf_pay"]) == (1, "1000.00", "500.00", "100.00")


def test_a_reversal_counts_against_the_month_it_was_made_in(rest: RestEnv) -> None:
    april = _statement(rest, "2021-04")
    assert list(april) == [seed.H_A]
    assert (april[seed.H_A]["setl_cnt"], april[seed.H_A]["medfee_sumamt"]) == (-1, "-1000.00")
    assert april[seed.H_A]["fund_pay"] == {"390100": "-500.00", "610100": "-100.00"}


def test_a_month_without_settlements_has_an_empty_statement(rest: RestEnv) -> None:
    assert _statement(rest, "2020-12") == {}


@pytest.mark.parametrize("month", ["2021-13", "2021-3", "march"])
def test_a_malformed_month_is_refused_naming_the_field(rest: RestEnv, month: str) -> None:
    answer = rest.client.get("/api/statements", params={"month": month}, headers=rest.headers["admin"])
    assert answer.status_code == 422 and answer.json()["field"] == "month"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"SA1", "SA2", "SA2R", "SB1"}),
        ({"fixmedins_code": seed.H_B}, {"SB1"}),
        ({"psn_no": "PA"}, {"SA1", "SA2", "SA2R"}),
        ({"date_from": "2021-03-11", "date_to": "2021-03-31"}, {"SA2", "SB1"}),
        ({"setl_stas": "1"}, {"SA1", "SB1"}),
    ],
    ids=["all", "by institution", "by person", "by dates", "live only"],
)
def test_settlements_are_filtered_by_institution_person_and_date(rest: RestEnv, params: dict[str, str], expected: set[str]) -> None:
    answer = rest.client.get("/api/settlements", params=params, headers=rest.headers["auditor"]).json()
    assert {s["setl_id"] for s in answer["data"]} == expected
    assert answer["count"] == len(expected)


def test_a_settlement_is_shown_with_its_fund_lines(rest: RestEnv) -> None:
    shown = rest.client.get("/api/settlements/SA1", headers=rest.headers["institution"]).json()
    assert shown["medfee_sumamt"] == "1000.00"
    assert [(d["fund_pay_type"], d["fund_payamt"]) for d in shown["details"]] == [("390100", "500.00"), ("610100", "100.00")]


def test_reversed_dates_in_a_filter_are_refused(rest: RestEnv) -> None:
    answer = rest.client.get("/api/settlements", params={"date_from": "2021-04-01", "date_to": "2021-03-01"}, headers=rest.headers["admin"])
    assert answer.status_code == 422 and answer.json()["field"] == "date_to"
