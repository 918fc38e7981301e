"""Who may do what, replays, bad input, the audit trail and personal data — each property refuted if broken."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from gateway_world import His, certno, psn_no
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError

from yibao.store import db
from yibao.store.models import AnnualAccumulator, AuditLog, FeeDetail, MessageLog, Settlement, SettlementList, Visit

WRITTEN = (Visit, FeeDetail, Settlement, AnnualAccumulator, MessageLog, SettlementList)


@pytest.fixture(scope="module")
def engine(store_url: str) -> Iterator[Engine]:
    made = db.make_engine(store_url)
    yield made
    made.dispose()


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {m.__tablename__: conn.scalar(select(func.count()).select_from(m)) or 0 for m in WRITTEN}


def settled_visit(his: His, n: int) -> tuple[str, str]:
    mdtrt_id = his.register(n)
    his.upload(n, mdtrt_id, [("A-DRUG", "20", "1")])
    out = his.ok("2207", his.settle_data(n, mdtrt_id, "20.00"))
    return mdtrt_id, str(out["setlinfo"]["setl_id"])


# -- who may do what ----------------------------------------------------------------------------


def test_every_cross_tenant_read_and_write_is_refused_and_writes_nothing(h1: His, h2: His, engine: Engine) -> None:
    mdtrt_id, setl_id = settled_visit(h1, 8)
    open_visit = h1.register(8)
    h1.upload(8, open_visit, [("A-DRUG", "5", "1")])
    before = counts(engine)
    attempts = {
        "2202": {"data": {"mdtrt_id": open_visit, "psn_no": psn_no(8)}},
        "2203": {"mdtrtinfo": {"mdtrt_id": open_visit, "psn_no": psn_no(8), "med_type": "11"}},
        "2204": {"feedetail": [{"feedetl_sn": "9", "mdtrt_id": open_visit, "psn_no": psn_no(8), "med_list_codg": "A-DRUG",
                                "pric": "1", "cnt": "1", "det_item_fee_sumamt": "1.00", "fee_ocur_time": h2.when}]},
        "2205": {"data": {"mdtrt_id": open_visit, "psn_no": psn_no(8)}},
        "2206": h2.settle_data(8, open_visit, "5.00"),
        "2207": h2.settle_data(8, open_visit, "5.00"),
        "2208": {"data": {"setl_id": setl_id, "psn_no": psn_no(8), "mdtrt_id": mdtrt_id}},
        "3101": {"data": {"psn_no": psn_no(8), "mdtrt_id": open_visit}},
        "3102": {"data": {"psn_no": psn_no(8), "mdtrt_id": open_visit}},
        "4101A": {"setlinfo": {"setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": psn_no(8), "gend": "1", "age": 39,
                               "adm_time": h2.when, "dscg_time": h2.when, "act_ipt_days": 0, "dscg_way": "1",
                               "medfee_sumamt": "20.00"},
                  "diseinfo": [{"diag_code": "J18.900", "maindiag_flag": "1"}]},
    }
    for infno, data in attempts.items():
        answer = h2.call(infno, data)
        assert answer["infcode"] == -1, infno
        assert "E6002" in str(answer["err_msg"]) and "不属于本机构" in str(answer["err_msg"]), (infno, answer["err_msg"])
    assert counts(engine) == before


def test_an_institution_cannot_speak_for_another_or_use_its_sign_in(client: TestClient, h1: His, h2: His) -> None:
    as_h1 = h2.call("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": certno(1)}}, fixmedins_code="H1")
    assert as_h1["infcode"] == -1 and "fixmedins_code" in str(as_h1["err_msg"])
    borrowed = h2.call("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": certno(1)}}, sign_no=h1.sign_no)
    assert borrowed["infcode"] == -1 and "sign_no" in str(borrowed["err_msg"])
    wrong_secret = His(client, "H1", secret="guess")
    assert wrong_secret.call("9001", {"signIn": {"opter_no": "1"}})["infcode"] == -1
    unsigned = His(client, "H1")
    answer = unsigned.call("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": certno(1)}})
    assert answer["infcode"] == -1 and "9001" in str(answer["err_msg"])


# -- idempotency --------------------------------------------------------------------------------


def test_a_replayed_settlement_returns_the_original_answer_and_settles_once(h1: His, engine: Engine) -> None:
    mdtrt_id = h1.register(9)
    h1.upload(9, mdtrt_id, [("B-DRUG", "40", "1")])
    body = json.dumps(h1.envelope("2207", h1.settle_data(9, mdtrt_id, "40.00")), ensure_ascii=False).encode()
    first = h1.http.post("/fsi/api", content=body, headers={"X-Yibao-Institution": "H1", "X-Yibao-Secret": "h1-interface-secret"})
    again = h1.http.post("/fsi/api", content=body, headers={"X-Yibao-Institution": "H1", "X-Yibao-Secret": "h1-interface-secret"})
    assert json.loads(first.content)["infcode"] == 0
    assert again.content == first.content
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Settlement).where(Settlement.mdtrt_id == mdtrt_id)) == 1


def test_a_replayed_registration_opens_one_visit(h1: His, engine: Engine) -> None:
    env = h1.envelope("2201", {"data": {"psn_no": psn_no(10), "insutype": "390", "begntime": h1.when,
                                        "mdtrt_cert_type": "02", "mdtrt_cert_no": certno(10), "ipt_otp_no": "X"}})
    before = counts(engine)["mdtrt"]
    answers = [h1.post_raw(json.dumps(env).encode()) for _ in range(3)]
    assert len({a["output"]["data"]["mdtrt_id"] for a in answers}) == 1  # type: ignore[index]
    assert counts(engine)["mdtrt"] == before + 1


def test_the_same_msgid_with_another_body_is_refused(h1: His, engine: Engine) -> None:
    mdtrt_id = h1.register(11)
    h1.upload(11, mdtrt_id, [("A-DRUG", "10", "1")])
    msgid = h1.msgid()
    assert h1.call("2206", h1.settle_data(11, mdtrt_id, "10.00"), msgid=msgid)["infcode"] == 0
    before = counts(engine)
    other = h1.call("2207", h1.settle_data(11, mdtrt_id, "10.00"), msgid=msgid)
    assert other["infcode"] == -1 and "E4001" in str(other["err_msg"]) and "msgid" in str(other["err_msg"])
    assert counts(engine) == before


# -- bad input ----------------------------------------------------------------------------------

FEE = {"feedetl_sn": "1", "psn_no": psn_no(12), "med_list_codg": "A-DRUG", "pric": "10", "cnt": "1",
       "det_item_fee_sumamt": "10.00", "fee_ocur_time": "2019-03-01 10:00:00"}


def _fee(**over: object) -> dict[str, object]:
    return {"feedetail": [{**FEE, **over}]}


BAD_INPUTS = {
    "negative price": ("2204", _fee(pric="-10", det_item_fee_sumamt="-10.00"), "feedetail[0].pric"),
    "non-numeric amount": ("2204", _fee(det_item_fee_sumamt="十元"), "feedetail[0].det_item_fee_sumamt"),
    "money with three decimals": ("2204", _fee(det_item_fee_sumamt="10.001"), "feedetail[0].det_item_fee_sumamt"),
    "missing field": ("2204", {"feedetail": [{k: v for k, v in FEE.items() if k != "med_list_codg"}]}, "feedetail[0].med_list_codg"),
    "unknown catalog code": ("2204", _fee(med_list_codg="NO-SUCH"), "feedetail[0].med_list_codg"),
    "line total not price × count": ("2204", _fee(det_item_fee_sumamt="11.00"), "feedetail[0].det_item_fee_sumamt"),
    "unknown insutype": ("2201", {"data": {"psn_no": psn_no(12), "insutype": "999", "begntime": "2019-03-01 10:00:00",
                                           "mdtrt_cert_type": "02", "mdtrt_cert_no": "x", "ipt_otp_no": "1"}}, "data.insutype"),
    "unknown med_type": ("2201", {"data": {"psn_no": psn_no(12), "insutype": "390", "begntime": "2019-03-01 10:00:00",
                                           "mdtrt_cert_type": "02", "mdtrt_cert_no": "x", "ipt_otp_no": "1", "med_type": "99"}}, "med_type"),
    "bad time": ("2201", {"data": {"psn_no": psn_no(12), "insutype": "390", "begntime": "yesterday",
                                   "mdtrt_cert_type": "02", "mdtrt_cert_no": "x", "ipt_otp_no": "1"}}, "data.begntime"),
    "unknown person": ("2201", {"data": {"psn_no": "NOBODY", "insutype": "390", "begntime": "2019-03-01 10:00:00",
                                         "mdtrt_cert_type": "02", "mdtrt_cert_no": "x", "ipt_otp_no": "1"}}, "psn_no"),
    "in the waiting period": ("2201", {"data": {"psn_no": psn_no(4), "insutype": "390", "begntime": "2019-03-01 10:00:00",
                                                "mdtrt_cert_type": "02", "mdtrt_cert_no": "x", "ipt_otp_no": "1"}}, "begndate"),
}


@pytest.mark.parametrize("infno, data, field", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(
    h1: His, engine: Engine, infno: str, data: dict[str, object], field: str
) -> None:
    mdtrt_id = h1.register(12)
    if infno == "2204":
        data = {"feedetail": [{**data["feedetail"][0], "mdtrt_id": mdtrt_id}]}  # type: ignore[index]
    before = counts(engine)
    answer = h1.call(infno, data)
    assert answer["infcode"] == -1
    assert f"「{field}" in str(answer["err_msg"]) or f"{field}」" in str(answer["err_msg"]), answer["err_msg"]
    assert answer["output"] == {}
    assert counts(engine) == before


def test_a_total_that_differs_from_the_uploaded_details_is_refused(h1: His, engine: Engine) -> None:
    mdtrt_id = h1.register(13)
    h1.upload(13, mdtrt_id, [("A-DRUG", "10", "1")])
    before = counts(engine)
    answer = h1.call("2207", h1.settle_data(13, mdtrt_id, "10.01"))
    assert answer["infcode"] == -1 and "「medfee_sumamt」" in str(answer["err_msg"])
    assert counts(engine) == before


ENVELOPE_FAULTS = {
    "not json": (b"{infno: 2207", "(报文)"),
    "not an object": (b"[1, 2]", "(报文)"),
    "duplicate key": (b'{"infno": "1101", "infno": "2207"}', "infno"),
    "missing msgid": (None, "msgid"),
    "unknown infno": (None, "infno"),
}


@pytest.mark.parametrize("body, field", ENVELOPE_FAULTS.values(), ids=ENVELOPE_FAULTS.keys())
def test_a_malformed_envelope_is_refused_naming_the_field(h1: His, engine: Engine, body: bytes | None, field: str) -> None:
    if body is None:
        env = h1.envelope("9999" if field == "infno" else "1101", {})
        if field == "msgid":
            del env["msgid"]
        body = json.dumps(env).encode()
    before = counts(engine)
    answer = h1.post_raw(body)
    assert answer["infcode"] == -1 and f"「{field}」" in str(answer["err_msg"]), answer["err_msg"]
    assert counts(engine) == before


def test_an_oversized_body_is_refused_before_parsing(h1: His) -> None:
    answer = h1.post_raw(b"{" + b" " * (3 * 1024 * 1024) + b"}")
    assert answer["infcode"] == -1 and "E1201" in str(answer["err_msg"])


def test_a_json_number_amount_is_read_exactly(h1: His) -> None:
    mdtrt_id = h1.register(14)
    body = json.dumps(h1.envelope("2204", _fee(mdtrt_id=mdtrt_id, psn_no=psn_no(14))))
    body = body.replace('"pric": "10"', '"pric": 10.10').replace('"det_item_fee_sumamt": "10.00"', '"det_item_fee_sumamt": 10.10')
    answer = h1.post_raw(body.encode())
    assert answer["infcode"] == 0, answer["err_msg"]
    assert answer["output"]["result"][0]["inscp_scp_amt"] == "10.10"  # type: ignore[index]


# -- audit trail and personal data --------------------------------------------------------------


def test_every_call_is_audited_including_refusals(h1: His, h2: His, engine: Engine) -> None:
    ok = h1.msgid()
    bad = h2.msgid()
    h1.call("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": certno(1)}}, msgid=ok)
    h2.call("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": certno(1)}}, msgid=bad, fixmedins_code="H1")
    with engine.connect() as conn:
        rows = {r.msgid: r for r in conn.execute(select(AuditLog).where(AuditLog.msgid.in_([ok, bad])))}
    assert (rows[ok].infcode, rows[ok].fixmedins_code, rows[ok].infno, rows[ok].authenticated) == (0, "H1", "1101", True)
    assert (rows[bad].infcode, rows[bad].err_code, rows[bad].authenticated) == (-1, "E6002", False)


def test_the_audit_trail_cannot_be_changed_or_deleted(h1: His, engine: Engine) -> None:
    h1.call("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": certno(1)}})
    for statement in ("UPDATE audit_log SET infcode = 5", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="审计日志只允许追加"), engine.begin() as conn:
            conn.execute(text(statement))
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(AuditLog)) > 0


def test_no_id_number_or_name_reaches_the_logs(h1: His, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        h1.ok("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": certno(2)}})
        h1.call("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "110101199001011234"}})
    text_logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "gateway" in text_logged  # the gateway did log the calls …
    assert certno(2) not in text_logged and "110101199001011234" not in text_logged and "参保人2" not in text_logged
