"""Against a real uvicorn server and a real store: concurrency (PostgreSQL) and a crash mid-load (both).

The crash test runs on SQLite too: the service runs SQLite in WAL mode with ``synchronous=NORMAL``,
which must still keep every acknowledged settlement when the process is killed."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from gateway_world import His, Server, database, psn_no, seed
from sqlalchemy import func, select

from yibao.store import db
from yibao.store.models import AnnualAccumulator, MessageLog, Settlement, SettlementDelta, SettlementDetail

pytestmark = [pytest.mark.slow]


def _his(server: Server) -> His:
    his = His(httpx.Client(base_url=server.base_url, timeout=30.0), "H1")
    his.sign_in()
    return his


@pytest.fixture(params=[pytest.param("postgresql", marks=pytest.mark.pg), "sqlite"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "postgresql":
        yield request.getfixturevalue("pg_url")
        return
    with database("sqlite", tmp_path) as url:
        seed(url, people=20)
        yield url


@pytest.mark.pg
def test_concurrent_settlements_of_one_person_never_use_the_cap_twice(pg_url: str, tmp_path: Path) -> None:
    server = Server(pg_url, tmp_path, workers=2).start()
    try:
        his = _his(server)
        n = 15
        visits = []
        for _ in range(12):
            mdtrt_id = his.register(n)
            his.upload(n, mdtrt_id, [("A-DRUG", "1000", "1")])
            visits.append(mdtrt_id)
        answers: list[dict[str, object]] = []
        barrier = threading.Barrier(len(visits))

        def settle(mdtrt_id: str) -> None:
            client = His(httpx.Client(base_url=server.base_url, timeout=30.0), "H1")
            client.sign_no = his.sign_no
            barrier.wait()
            answers.append(client.call("2207", his.settle_data(n, mdtrt_id, "1000.00")))

        threads = [threading.Thread(target=settle, args=(v,)) for v in visits]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.stop()
    assert [a["infcode"] for a in answers] == [0] * len(visits), [a["err_msg"] for a in answers if a["infcode"]]
    paid = sum(Decimal(str(a["output"]["setlinfo"]["hifp_pay"])) for a in answers)  # type: ignore[index]
    assert paid == Decimal("1000.00")  # 三级 30% of 1000 per visit until the 1000-yuan outpatient cap
    engine = db.make_engine(pg_url)
    try:
        with engine.connect() as conn:
            ledger = conn.scalar(select(func.sum(Settlement.hifp_pay)).where(Settlement.psn_no == psn_no(n)))
            counters = conn.scalar(select(AnnualAccumulator.counters).where(AnnualAccumulator.psn_no == psn_no(n)))
    finally:
        engine.dispose()
    assert ledger == paid == Decimal(counters["outpatient_fund_paid"])


def test_a_server_killed_mid_load_loses_no_acknowledged_settlement_and_half_writes_nothing(store_url: str, tmp_path: Path) -> None:
    pg_url = store_url  # either backend; the name keeps the body as it was
    server = Server(pg_url, tmp_path, workers=1).start()
    acknowledged: set[str] = set()
    bodies: dict[str, bytes] = {}
    try:
        his = _his(server)
        for n in range(1, 21):
            if n == 4:
                continue  # waiting period
            for _ in range(4):
                mdtrt_id = his.register(n)
                his.upload(n, mdtrt_id, [("A-DRUG", "120", "1"), ("B-DRUG", "35.50", "2")])
                env = his.envelope("2207", his.settle_data(n, mdtrt_id, "191.00"))
                bodies[str(env["msgid"])] = json.dumps(env).encode()
        queue = list(bodies)
        lock = threading.Lock()

        def worker() -> None:
            client = His(httpx.Client(base_url=server.base_url, timeout=10.0), "H1")
            while True:
                with lock:
                    if not queue:
                        return
                    msgid = queue.pop()
                try:
                    answer = client.post_raw(bodies[msgid])
                except (httpx.HTTPError, AssertionError):
                    continue  # the server died under us: not acknowledged
                if answer["infcode"] == 0:
                    with lock:
                        acknowledged.add(msgid)

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 120
        while len(acknowledged) < 20 and time.monotonic() < deadline and any(t.is_alive() for t in threads):
            time.sleep(0.005)
        server.kill()
        for t in threads:
            t.join()
    finally:
        server.stop()
    assert 20 <= len(acknowledged) < len(bodies)  # the crash came mid-load
    _check_ledger(pg_url, acknowledged)

    # After a restart, the HIS resends what it did not get an answer for: each visit ends settled once.
    server = Server(pg_url, tmp_path, workers=1).start()
    try:
        client = His(httpx.Client(base_url=server.base_url, timeout=30.0), "H1")
        for msgid, body in bodies.items():
            answer = client.post_raw(body)
            assert answer["infcode"] == 0, answer["err_msg"]
    finally:
        server.stop()
    _check_ledger(pg_url, set(bodies))


def _check_ledger(url: str, acknowledged: set[str]) -> None:
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            by_msgid = dict(conn.execute(select(Settlement.msgid, func.count()).group_by(Settlement.msgid)).all())
            logged = set(conn.scalars(select(MessageLog.msgid).where(MessageLog.infno == "2207")))
            settled = set(conn.scalars(select(Settlement.setl_id)))
            with_delta = set(conn.scalars(select(SettlementDelta.setl_id)))
            with_lines = set(conn.scalars(select(SettlementDetail.setl_id)))
            per_person = dict(conn.execute(select(Settlement.psn_no, func.sum(Settlement.hifp_pay)).group_by(Settlement.psn_no)).all())
            counters = dict(conn.execute(select(AnnualAccumulator.psn_no, AnnualAccumulator.counters)).all())
    finally:
        engine.dispose()
    for msgid in acknowledged:
        assert by_msgid.get(msgid) == 1, msgid  # in the ledger exactly once
    assert set(by_msgid) == logged  # a settlement exists iff its message was logged: nothing half-written
    assert settled == with_delta == with_lines  # no settlement without its lines or its accumulator delta
    for psn, total in per_person.items():
        assert Decimal(str(counters[psn].get("outpatient_fund_paid", "0"))) == total, psn
