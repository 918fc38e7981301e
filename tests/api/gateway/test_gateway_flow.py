"""A hospital's day through the envelope: sign in, look up, register, upload, pre-settle, settle, reverse."""

from __future__ import annotations

from decimal import Decimal

from gateway_world import His, certno, psn_no


def test_a_person_lookup_shows_coverage_hardship_and_a_masked_id_number(h1: His) -> None:
    out = h1.ok("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": certno(3), "psn_cert_type": "01"}})
    base = out["baseinfo"]
    assert base["psn_no"] == psn_no(3)
    assert base["certno"] == "330902********0003"
    assert [i["insutype"] for i in out["insuinfo"]] == ["390"]
    assert [i["psn_idet_type"] for i in out["idetinfo"]] == ["02"]


def test_an_outpatient_visit_settles_and_reverses_through_the_envelope(h1: His) -> None:
    mdtrt_id = h1.register(5)
    lines = h1.upload(5, mdtrt_id, [("A-DRUG", "12.50", "2"), ("B-DRUG", "100", "1"), ("C-ITEM", "30", "1")])["result"]
    assert [(x["chrgitm_lv"], x["fulamt_ownpay_amt"], x["preselfpay_amt"], x["inscp_scp_amt"]) for x in lines] == [
        ("01", "0.00", "0.00", "25.00"),
        ("02", "0.00", "10.00", "90.00"),
        ("03", "30.00", "0.00", "0.00"),
    ]
    pre = h1.ok("2206", h1.settle_data(5, mdtrt_id, "155.00"))
    done = h1.ok("2207", h1.settle_data(5, mdtrt_id, "155.00"))
    info = done["setlinfo"]
    assert info["setl_id"] and pre["setlinfo"]["setl_id"] is None
    assert info["hifp_pay"] == pre["setlinfo"]["hifp_pay"] == "34.50"  # (25 + 90) × 30% at a 三级 hospital
    assert Decimal(info["medfee_sumamt"]) == Decimal(info["fund_pay_sumamt"]) + Decimal(info["psn_part_amt"])
    assert [d["fund_pay_type"] for d in done["setldetail"]][0] == "390100"
    back = h1.ok("2208", {"data": {"setl_id": info["setl_id"], "psn_no": psn_no(5), "mdtrt_id": mdtrt_id}})
    assert back["setlinfo"]["hifp_pay"] == "-34.50" and back["setlinfo"]["init_setl_id"] == info["setl_id"]
    again = h1.ok("2207", h1.settle_data(5, mdtrt_id, "155.00"))  # reversed, so the visit may be settled again
    assert again["setlinfo"]["hifp_pay"] == "34.50"


def test_an_inpatient_stay_settles_with_a_settlement_list(h1: His, warehouse: object) -> None:
    mdtrt_id = h1.admit(6)
    h1.upload(6, mdtrt_id, [("A-BED", "50", "10"), ("A-STENT", "800", "1"), ("B-DRUG", "200", "5")], infno="2301")
    h1.ok("2402", {"dscginfo": {"mdtrt_id": mdtrt_id, "psn_no": psn_no(6), "endtime": "2019-03-11 10:00:00"}})
    total = "2300.00"
    pre = h1.ok("2303", h1.settle_data(6, mdtrt_id, total, med_type="21"))
    done = h1.ok("2304", h1.settle_data(6, mdtrt_id, total, med_type="21"))
    info = done["setlinfo"]
    assert info["overlmt_selfpay"] == "100.00" and info["act_pay_dedc"] == pre["setlinfo"]["act_pay_dedc"] == "1000.00"
    listing = {
        "setlinfo": {
            "setl_id": info["setl_id"], "mdtrt_id": mdtrt_id, "psn_no": psn_no(6), "gend": "2", "age": 39,
            "adm_time": "2019-03-01 10:00:00", "dscg_time": "2019-03-11 10:00:00", "act_ipt_days": 10, "dscg_way": "1",
            "medfee_sumamt": total,
        },
        "diseinfo": [{"diag_code": "J18.900", "diag_name": "肺炎", "maindiag_flag": "1"}],
        "iteminfo": [{"med_chrgitm": "01", "amt": "500.00"}, {"med_chrgitm": "08", "amt": "800.00"}, {"med_chrgitm": "09", "amt": "1000.00"}],
        "icuinfo": [{"scs_cutd_inpool_time": "2019-03-02 08:00:00", "scs_cutd_exit_time": "2019-03-03 20:00:00"}],
    }
    assert h1.ok("4101A", listing) == {"setl_list_id": info["setl_id"]}
    import pyarrow.parquet as pq
    from pathlib import Path

    case = pq.read_table(Path(str(warehouse)) / "cases" / f"part-{info['setl_id']}.parquet").to_pylist()[0]
    assert case["diag_codes"] == "J18.900" and case["fee_08"] == Decimal("800.00")
    assert case["icu_days"] == 2 and case["tumor_stage"] is None  # 36 hours in ICU: a started day counts whole
    back = h1.ok("2305", {"data": {"setl_id": info["setl_id"], "psn_no": psn_no(6), "mdtrt_id": mdtrt_id}})
    assert back["setlinfo"]["act_pay_dedc"] == "-1000.00" and back["setlinfo"]["setl_stas"] == "2"
    again = h1.ok("2304", h1.settle_data(6, mdtrt_id, total, med_type="21"))
    assert again["setlinfo"]["act_pay_dedc"] == "1000.00"  # the threshold paid was given back by the reversal


def test_pre_and_in_event_review_answers_with_the_rules_that_fire(h1: His) -> None:
    mdtrt_id = h1.register(7)
    h1.upload(7, mdtrt_id, [("A-DRUG", "10", "1")])
    out = h1.ok("3101", {"data": {"psn_no": psn_no(7), "mdtrt_id": mdtrt_id}})
    assert out == {"result": []}  # no rule of the national library concerns our test codes


def test_details_can_be_withdrawn_and_a_visit_cancelled_before_settlement(h1: His) -> None:
    mdtrt_id = h1.register(15)
    h1.upload(15, mdtrt_id, [("A-DRUG", "10", "1"), ("B-DRUG", "20", "1")])
    assert h1.ok("2205", {"data": {"mdtrt_id": mdtrt_id, "psn_no": psn_no(15), "feedetl_sn": "2"}}) == {"data": {"removed": 1}}
    refused = h1.call("2207", h1.settle_data(15, mdtrt_id, "30.00"))
    assert refused["infcode"] == -1 and "medfee_sumamt" in str(refused["err_msg"])  # only 10.00 remains
    h1.ok("2203", {"mdtrtinfo": {"mdtrt_id": mdtrt_id, "psn_no": psn_no(15), "med_type": "11"},
                   "diseinfo": [{"diag_code": "J06.900", "maindiag_flag": "1"}]})
    h1.ok("2202", {"data": {"mdtrt_id": mdtrt_id, "psn_no": psn_no(15)}})
    gone = h1.call("2204", {"feedetail": [{"feedetl_sn": "3", "mdtrt_id": mdtrt_id, "psn_no": psn_no(15), "med_list_codg": "A-DRUG",
                                           "pric": "1", "cnt": "1", "det_item_fee_sumamt": "1.00", "fee_ocur_time": h1.when}]})
    assert gone["infcode"] == -1 and "E4004" in str(gone["err_msg"])


def test_an_outpatient_transaction_refuses_an_inpatient_visit(h1: His) -> None:
    mdtrt_id = h1.admit(16)
    h1.upload(16, mdtrt_id, [("A-BED", "50", "2")], infno="2301")
    answer = h1.call("2207", h1.settle_data(16, mdtrt_id, "100.00", med_type="21"))
    assert answer["infcode"] == -1 and "「med_type」" in str(answer["err_msg"])
