"""Replays and clashes on PostgreSQL, where a message's writes go out pipelined with the COMMIT.

The message log's primary key is the replay check: these tests refute it on the backend whose
errors arrive only when the pipeline is read (at the commit), not statement by statement.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from gateway_world import SECRET_KEY, His
from sqlalchemy import Engine, func, select

from yibao.api.app import create_app
from yibao.config import Settings
from yibao.store import db
from yibao.store.models import AnnualAccumulator, AuditLog, FeeDetail, MessageLog, Settlement, SettlementDetail, Visit

pytestmark = [pytest.mark.pg]
WRITTEN = (Visit, FeeDetail, Settlement, SettlementDetail, AnnualAccumulator, MessageLog)


@pytest.fixture(scope="module")
def client(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(database_url=pg_url, secret_key=SECRET_KEY, env="test")
    app = create_app(settings, warehouse_dir=tmp_path_factory.mktemp("warehouse"))
    with TestClient(app) as http:
        yield http
    app.state.engine.dispose()


@pytest.fixture(scope="module")
def engine(pg_url: str) -> Iterator[Engine]:
    made = db.make_engine(pg_url)
    yield made
    made.dispose()


@pytest.fixture()
def h1(client: TestClient) -> His:
    his = His(client, "H1")
    his.sign_in()
    return his


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {m.__tablename__: conn.scalar(select(func.count()).select_from(m)) or 0 for m in WRITTEN}


def _post(his: His, body: bytes) -> bytes:
    response = his.http.post("/fsi/api", content=body, headers={"X-Yibao-Institution": his.code, "X-Yibao-Secret": his.secret})  # type: ignore[attr-defined]
    assert response.status_code == 200  # type: ignore[attr-defined]
    return response.content  # type: ignore[attr-defined, no-any-return]


def test_a_replayed_inpatient_settlement_answers_the_stored_bytes_and_writes_nothing(h1: His, engine: Engine) -> None:
    mdtrt_id = h1.admit(5)
    h1.upload(5, mdtrt_id, [("A-BED", "50", "3"), ("B-DRUG", "100", "2")], infno="2301")
    body = json.dumps(h1.envelope("2304", h1.settle_data(5, mdtrt_id, "350.00", med_type="21")), ensure_ascii=False).encode()
    first = _post(h1, body)
    assert json.loads(first)["infcode"] == 0
    before = counts(engine)
    assert _post(h1, body) == first
    assert counts(engine) == before
    with engine.connect() as conn:
        lines = conn.scalar(select(func.count()).select_from(SettlementDetail).join(
            Settlement, Settlement.setl_id == SettlementDetail.setl_id).where(Settlement.mdtrt_id == mdtrt_id))
    assert lines == len(json.loads(first)["output"]["setldetail"]) > 1


def test_a_replayed_registration_opens_one_visit(h1: His, engine: Engine) -> None:
    body = json.dumps(h1.envelope("2201", {"data": {
        "psn_no": "P00006", "insutype": "390", "begntime": h1.when, "mdtrt_cert_type": "02",
        "mdtrt_cert_no": "330902198001000006", "ipt_otp_no": "R6"}}), ensure_ascii=False).encode()
    first = _post(h1, body)
    before = counts(engine)
    assert _post(h1, body) == first
    assert counts(engine) == before


def test_the_same_msgid_with_another_body_is_refused_and_changes_nothing(h1: His, engine: Engine) -> None:
    mdtrt_id = h1.register(7)
    h1.upload(7, mdtrt_id, [("A-DRUG", "10", "1")])
    msgid = h1.msgid()
    assert h1.call("2206", h1.settle_data(7, mdtrt_id, "10.00"), msgid=msgid)["infcode"] == 0
    before = counts(engine)
    other = h1.call("2207", h1.settle_data(7, mdtrt_id, "10.00"), msgid=msgid)
    assert other["infcode"] == -1 and "E4001" in str(other["err_msg"])
    assert counts(engine) == before
    with engine.connect() as conn:
        audited = conn.scalars(select(AuditLog.err_code).where(AuditLog.msgid == msgid).order_by(AuditLog.id)).all()
    assert audited == [None, "E4001"]


def test_concurrent_copies_of_one_settlement_settle_once_and_get_one_answer(h1: His, engine: Engine) -> None:
    mdtrt_id = h1.register(8)
    h1.upload(8, mdtrt_id, [("B-DRUG", "40", "1")])
    body = json.dumps(h1.envelope("2207", h1.settle_data(8, mdtrt_id, "40.00")), ensure_ascii=False).encode()
    answers: list[bytes] = []
    start = threading.Barrier(6)

    def send() -> None:
        start.wait()
        answers.append(_post(h1, body))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(answers)) == 1 and json.loads(answers[0])["infcode"] == 0
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Settlement).where(Settlement.mdtrt_id == mdtrt_id)) == 1


def test_a_clashing_fee_line_is_refused_and_the_message_is_not_logged(h1: His, engine: Engine) -> None:
    mdtrt_id = h1.register(9)
    h1.upload(9, mdtrt_id, [("A-DRUG", "10", "1")])
    msgid = h1.msgid()
    again = h1.call("2204", {"feedetail": [{
        "feedetl_sn": "1", "mdtrt_id": mdtrt_id, "psn_no": "P00009", "med_list_codg": "A-DRUG", "pric": "10",
        "cnt": "1", "det_item_fee_sumamt": "10.00", "fee_ocur_time": h1.when}]}, msgid=msgid)
    assert again["infcode"] == -1 and str(again["err_msg"]).startswith("[E4002]") and "feedetl_sn" in str(again["err_msg"])
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(MessageLog).where(MessageLog.msgid == msgid)) == 0
        assert conn.scalar(select(func.count()).select_from(FeeDetail).where(FeeDetail.mdtrt_id == mdtrt_id)) == 1
