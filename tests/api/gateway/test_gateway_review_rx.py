"""3101 / 3102 through the envelope with the store catalog's daily doses: 超量开药 on the visit, and
重复开药 against the person's earlier prescriptions (any specification of the generic name)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from gateway_world import SECRET_KEY, His, psn_no

from yibao.api.app import create_app
from yibao.api.gateway import review
from yibao.config import Settings
from yibao.store import db
from yibao.store.models import CatalogItem
from yibao.store.uow import SqlUnitOfWork
from yibao.supervision.local.params import load_local_params

# code, name, daily dose (billing units), generic name, unit price
DRUGS = [("RX-TEN", "十日一盒片", "0.1", None), ("RX-PLAIN", "普通片", "1", "GEN-X"), ("RX-SR", "缓释片", "2", "GEN-X")]
NATIONAL_SHAPE = {"rule_id", "rule_name", "vola_cont", "vola_amt", "sev_deg", "vola_evid", "vola_bhvr_type"}


def _add_drugs(url: str) -> None:
    engine = db.make_engine(url)
    try:
        with SqlUnitOfWork(db.session_factory(engine)) as uow:
            for code, name, dose, genname in DRUGS:
                uow.session.add(CatalogItem(
                    med_list_codg=code, name=name, list_type="101", chrgitm_lv="01", med_chrgitm_type="09",
                    selfpay_prop=Decimal(0), admdvs="000000", begndate=dt.date(2019, 1, 1), day_dose=Decimal(dose),
                    genname_codg=genname))
            uow.commit()
    finally:
        engine.dispose()


@pytest.fixture(scope="module", autouse=True)
def _drug_catalog(store_url: str) -> None:
    _add_drugs(store_url)


def _his(client: TestClient, code: str, day: str) -> His:
    his = His(client, code, when=f"{day} 10:00:00")
    his.sign_in()
    return his


def _by_rule(out: dict[str, object]) -> dict[str, dict[str, object]]:
    return {r["rule_id"]: r for r in out["result"]}  # type: ignore[attr-defined, index]


@pytest.mark.parametrize("infno", ["3101", "3102"])
def test_a_prescription_beyond_the_days_allowed_is_found_through_the_envelope(client: TestClient, infno: str) -> None:
    h1 = _his(client, "H1", "2019-03-01")
    n = 9 if infno == "3101" else 10
    mdtrt_id = h1.register(n)
    h1.upload(n, mdtrt_id, [("RX-TEN", "20", "3"), ("A-DRUG", "10", "1")])  # 30 days at an ordinary visit: 7 allowed
    record = _by_rule(h1.ok(infno, {"data": {"psn_no": psn_no(n), "mdtrt_id": mdtrt_id}}))["LOCAL-OVERRX"]
    assert NATIONAL_SHAPE <= set(record)
    assert record["vola_amt"] == "40.00"  # one unit (the smallest pack) allowed, two beyond it
    assert "折合带药30.0天" in str(record["vola_cont"]) and "每日用量0.1000" in str(record["vola_evid"])
    assert record["judge_result_detail_dtos"][0]["rx_id"] == "1"  # type: ignore[index]


def test_lines_given_in_the_call_are_judged_with_their_doses_too(client: TestClient) -> None:
    h1 = _his(client, "H1", "2019-03-01")
    mdtrt_id = h1.register(11)
    line = {"feedetl_sn": "9", "med_list_codg": "RX-SR", "pric": "5", "cnt": "30", "det_item_fee_sumamt": "150.00",
            "fee_ocur_time": "2019-03-01 10:00:00"}  # 15 days of the slow-release tablet
    out = h1.ok("3101", {"data": {"psn_no": psn_no(11), "mdtrt_id": mdtrt_id, "feedetail": [line]}})
    assert _by_rule(out)["LOCAL-OVERRX"]["vola_amt"] == "80.00"  # 14 units allowed, 16 beyond at 5.00


def _earlier_and_later(client: TestClient, n: int, code: str, cnt: str,
                       more: tuple[tuple[str, str, str], ...] = ()) -> tuple[His, str, str]:
    """28 days of the plain tablet at a 门诊慢特病 visit on 1 March, then ``cnt`` of ``code`` elsewhere on the 4th."""
    first = _his(client, "H1", "2019-03-01")
    earlier = first.register(n, med_type="14")  # within its 12 weeks: no 超量开药
    first.upload(n, earlier, [("RX-PLAIN", "2", "28")])
    assert first.ok("3102", {"data": {"psn_no": psn_no(n), "mdtrt_id": earlier}}) == {"result": []}
    later = _his(client, "H2", "2019-03-04")
    mdtrt_id = later.register(n)
    later.upload(n, mdtrt_id, [(code, "2" if code == "RX-PLAIN" else "5", cnt), *more])
    return later, earlier, mdtrt_id


def test_the_same_drug_again_elsewhere_while_the_supply_lasts_is_a_repeat_prescription(client: TestClient) -> None:
    later, earlier, mdtrt_id = _earlier_and_later(client, 12, "RX-PLAIN", "5")
    record = _by_rule(later.ok("3102", {"data": {"psn_no": psn_no(12), "mdtrt_id": mdtrt_id}}))["LOCAL-REPEATRX"]
    assert NATIONAL_SHAPE <= set(record)
    assert record["vola_amt"] == "10.00" and record["vola_amt_stas"] == "2"  # the whole prescription, 可疑
    assert f"{earlier}（H1，2019-03-01，RX-PLAIN）28.0天，尚余25.0天" in str(record["vola_evid"])
    assert "此前3天内" in str(record["vola_cont"])
    # 3101 is 事前 review: the person's history is 事中 work (3102), as for the national rules.
    assert "LOCAL-REPEATRX" not in _by_rule(later.ok("3101", {"data": {"psn_no": psn_no(12), "mdtrt_id": mdtrt_id}}))


def test_another_specification_of_the_generic_name_counts_where_the_parameters_say_so(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    later, earlier, mdtrt_id = _earlier_and_later(client, 14, "RX-SR", "10")
    ask = {"data": {"psn_no": psn_no(14), "mdtrt_id": mdtrt_id}}
    assert later.ok("3102", ask) == {"result": []}  # the packaged parameters: two drugs
    local = load_local_params()
    on = dataclasses.replace(local, repeat_prescription=dataclasses.replace(local.repeat_prescription,
                                                                            same_generic_name=True))
    monkeypatch.setattr(review, "load_local_params", lambda: on)
    record = _by_rule(later.ok("3102", ask))["LOCAL-REPEATRX"]
    assert f"{earlier}（H1，2019-03-01，RX-PLAIN）28.0天" in str(record["vola_evid"])


def test_a_cancelled_earlier_visit_holds_no_supply(client: TestClient) -> None:
    first = _his(client, "H1", "2019-03-01")
    earlier = first.register(13, med_type="14")
    first.upload(13, earlier, [("RX-PLAIN", "2", "28")])
    first.ok("2202", {"data": {"mdtrt_id": earlier, "psn_no": psn_no(13)}})  # its lines stay in the store
    later = _his(client, "H2", "2019-03-04")
    mdtrt_id = later.register(13)
    later.upload(13, mdtrt_id, [("RX-PLAIN", "2", "5")])
    assert later.ok("3102", {"data": {"psn_no": psn_no(13), "mdtrt_id": mdtrt_id}}) == {"result": []}


def test_rule_ids_choose_the_rules_that_answer_and_the_task_id_is_echoed(client: TestClient) -> None:
    h1 = _his(client, "H1", "2019-03-01")
    mdtrt_id = h1.register(15)
    h1.upload(15, mdtrt_id, [("RX-TEN", "20", "3")])
    ask = {"psn_no": psn_no(15), "mdtrt_id": mdtrt_id, "task_id": "T-20190301-1"}
    [record] = h1.ok("3101", {"data": {**ask, "rule_ids": ["LOCAL-OVERRX"]}})["result"]  # type: ignore[misc]
    assert record["rule_id"] == "LOCAL-OVERRX" and record["task_id"] == "T-20190301-1"
    assert h1.ok("3101", {"data": {**ask, "rule_ids": ["NHSA-B1-DRUG-SEX"]}}) == {"result": []}
    refused = h1.call("3101", {"data": {**ask, "rule_ids": ["NO-SUCH-RULE"]}})
    assert refused["infcode"] == -1 and "rule_ids" in str(refused["err_msg"]) and "NO-SUCH-RULE" in str(refused["err_msg"])


@pytest.fixture(scope="module")
def pg_client(pg_url: str, warehouse: Path) -> Iterator[TestClient]:
    _add_drugs(pg_url)
    app = create_app(Settings(database_url=pg_url, secret_key=SECRET_KEY, env="test"), warehouse_dir=warehouse)
    with TestClient(app) as http:
        yield http


@pytest.mark.pg
def test_on_postgresql_the_doses_and_the_earlier_prescriptions_are_read_the_same_way(pg_client: TestClient) -> None:
    later, earlier, mdtrt_id = _earlier_and_later(pg_client, 12, "RX-PLAIN", "5", (("RX-TEN", "20", "3"),))
    found = _by_rule(later.ok("3102", {"data": {"psn_no": psn_no(12), "mdtrt_id": mdtrt_id}}))
    assert found["LOCAL-REPEATRX"]["vola_amt"] == "10.00" and found["LOCAL-OVERRX"]["vola_amt"] == "40.00"
    assert f"{earlier}（H1，2019-03-01，RX-PLAIN）28.0天，尚余25.0天" in str(found["LOCAL-REPEATRX"]["vola_evid"])


def _national(n: int, mdtrt_id: str, orders: list[dict[str, object]], **patient: object) -> dict[str, object]:
    """The national 3101 input: one patient, one encounter, its order lines (fields a HIS also sends,
    not read here, included)."""
    encounter = {"mdtrt_id": mdtrt_id, "medins_id": "H1", "med_type": "11", "insutype": "390", "fsi_diagnose_dtos": [],
                 "fsi_order_dtos": orders}
    return {"data": {"rule_ids": [], "trig_scen": "1", "syscode": "HIS", "patient_dtos": [
        {"patn_id": psn_no(n), "gend": "1", "brdy": "1960-01-01", "poolarea": "330902", "curr_mdtrt_id": mdtrt_id,
         "fsi_encounter_dtos": [encounter], **patient}]}}


def _order(rx_id: str, code: str, pric: str, cnt: str) -> dict[str, object]:
    return {"rx_id": rx_id, "rxno": f"RX{rx_id}", "hilist_code": code, "hilist_name": code, "pric": pric, "cnt": cnt,
            "sumamt": str(Decimal(pric) * Decimal(cnt)), "drord_begn_date": "2019-03-01 10:00:00", "long_drord_flag": 0}


def test_the_national_patient_dtos_input_is_judged_as_the_flat_one(client: TestClient) -> None:
    h1 = _his(client, "H1", "2019-03-01")
    mdtrt_id = h1.register(13)
    flat_line = {"feedetl_sn": "7", "med_list_codg": "RX-SR", "pric": "5", "cnt": "30", "det_item_fee_sumamt": "150.00",
                 "fee_ocur_time": "2019-03-01 10:00:00"}
    flat = h1.ok("3101", {"data": {"psn_no": psn_no(13), "mdtrt_id": mdtrt_id, "feedetail": [flat_line]}})
    national = h1.ok("3101", _national(13, mdtrt_id, [_order("7", "RX-SR", "5", "30")]))
    assert national == flat and _by_rule(national)["LOCAL-OVERRX"]["vola_amt"] == "80.00"
    assert _by_rule(national)["LOCAL-OVERRX"]["patn_id"] == psn_no(13)


@pytest.mark.parametrize(("patient", "data", "reason"), [
    ({"curr_mdtrt_id": "NOPE"}, {}, "curr_mdtrt_id NOPE 不在 fsi_encounter_dtos 中"),
    ({}, {"psn_no": "X"}, "只能二选一"),
    ({"fsi_encounter_dtos": []}, {}, "fsi_encounter_dtos"),
])
def test_a_national_input_that_names_no_single_visit_is_refused(client: TestClient, patient: dict[str, object],
                                                                  data: dict[str, object], reason: str) -> None:
    h1 = _his(client, "H1", "2019-03-01")
    mdtrt_id = h1.register(14)
    message = _national(14, mdtrt_id, [_order("1", "RX-SR", "5", "3")], **patient)
    message["data"].update(data)  # type: ignore[attr-defined]
    out = h1.call("3101", message)
    assert out["infcode"] == -1 and reason in str(out["err_msg"]), out
