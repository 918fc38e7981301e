"""A policy pack the bureau activates in the store is the one the gateway settles with, from its date."""

from __future__ import annotations

import datetime as dt
from importlib import resources

from fastapi.testclient import TestClient
from gateway_world import SECRET_KEY, His
from sqlalchemy import select

from yibao.policy import service as policies
from yibao.store import db
from yibao.store.models import Settlement
from yibao.store.protect import CertnoProtector
from yibao.store.uow import SqlUnitOfWork

LINES = [("A-DRUG", "12.50", "2"), ("B-DRUG", "100", "1"), ("C-ITEM", "30", "1")]  # 115.00 in scope, 30.00 own pay


def _settle(client: TestClient, n: int, when: str) -> tuple[str, str]:
    his = His(client, "H1", when=when)
    his.sign_in()
    mdtrt_id = his.register(n)
    his.upload(n, mdtrt_id, LINES)
    out = his.ok("2207", his.settle_data(n, mdtrt_id, "155.00"))
    return str(out["setlinfo"]["setl_id"]), str(out["setlinfo"]["hifp_pay"])


def test_an_activated_pack_settles_from_its_date_and_the_bundled_one_before(client: TestClient, store_url: str) -> None:
    text = resources.files("yibao.policy").joinpath("packs/zhoushan_2019.toml").read_text(encoding="utf-8")
    text = text.replace('version = "2019.1"', 'version = "2019.2"', 1)
    text = text.replace('ratio = { grassroots = "0.50", "1" = "0.50", "2" = "0.40", "3" = "0.30" }',
                        'ratio = { grassroots = "0.50", "1" = "0.50", "2" = "0.40", "3" = "0.45" }', 1)
    engine = db.make_engine(store_url)
    factory = db.session_factory(engine)

    def uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(factory, protector=CertnoProtector(SECRET_KEY))

    try:
        before_upload = _settle(client, 6, "2019-04-02 10:00:00")
        policies.upload(uow(), text, "payment_analyst")
        uploaded_only = _settle(client, 7, "2019-04-02 10:00:00")
        policies.activate(uow(), "zhoushan-2019", "2019.2", dt.date(2019, 4, 1), "payment_analyst")
        earlier = _settle(client, 8, "2019-03-31 10:00:00")
        activated = _settle(client, 9, "2019-04-02 10:00:00")
        with factory() as session:
            versions = dict(session.execute(select(Settlement.setl_id, Settlement.policy_pack_version)).all())
    finally:
        engine.dispose()
    # (25 + 90) × 30 % at a 三级 hospital until the new version is in force, × 45 % from its date.
    assert [hifp for _, hifp in (before_upload, uploaded_only, earlier, activated)] == ["34.50", "34.50", "34.50", "51.75"]
    assert [versions[setl_id] for setl_id, _ in (before_upload, uploaded_only, earlier, activated)] == [
        "2019.1", "2019.1", "2019.1", "2019.2"]
