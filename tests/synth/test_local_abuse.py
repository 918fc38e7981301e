"""Days of supply in the synthetic region and the local kinds injected into it (超量开药、重复开药、
三假): ordinary prescriptions stay within their setting's usual supply, and each labelled record shows
the behaviour it is named after."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest

from tests.synth.conftest import SMALL


@pytest.fixture(scope="module")
def rows(tables: dict[str, pa.Table]) -> dict[str, object]:
    visits = {r["mdtrt_id"]: r for r in tables["visits"].to_pylist()}
    items = tables["claim_items"].to_pylist()
    dose = {r["med_list_codg"]: r["day_dose"] for r in tables["catalog"].to_pylist()}
    labels = defaultdict(list)
    for r in tables["labels"].to_pylist():
        labels[r["kind"]].append(r)
    return {"visits": visits, "items": items, "dose": dose, "labels": labels,
            "persons": {r["psn_no"]: r for r in tables["persons"].to_pylist()}}


def test_every_drug_has_a_daily_dose_and_nothing_else_does(tables: dict[str, pa.Table]) -> None:
    for r in tables["catalog"].to_pylist():
        assert (r["day_dose"] is not None) == (r["list_type"] in ("101", "102")), r["med_list_codg"]


def test_ordinary_prescriptions_stay_within_their_settings_usual_supply(rows: dict[str, object]) -> None:
    # A prescription is ordinary when none of its lines is labelled (an over-limit-price line may be a
    # drug the visit already had).
    labelled = {r["feedetl_sn"] for kind in rows["labels"].values() for r in kind if r["level"] == "item"}
    supply: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    injected = set()
    for line in rows["items"]:
        med_type = rows["visits"][line["mdtrt_id"]]["med_type"]
        d = rows["dose"][line["med_list_codg"]]
        if d and med_type in SMALL.supply_days:
            supply[(line["mdtrt_id"], line["med_list_codg"])] += line["cnt"] / d
            if line["feedetl_sn"] in labelled:
                injected.add((line["mdtrt_id"], line["med_list_codg"]))
    supply = {k: v for k, v in supply.items() if k not in injected}
    assert supply
    for (mdtrt_id, code), days in supply.items():
        longest = SMALL.supply_days[rows["visits"][mdtrt_id]["med_type"]][1]
        # One unit may last longer; the visits turned into 门诊慢特病 (fake conditions) kept their 7 days.
        assert days <= max(longest, 1 / rows["dose"][code]), (mdtrt_id, code, days)


@pytest.mark.parametrize("kind", ["over_prescription", "fake_patient", "fake_condition", "fake_receipt"])
def test_local_kinds_are_injected(rows: dict[str, object], kind: str) -> None:
    assert len(rows["labels"][kind]) >= 10


def test_over_prescriptions_give_more_than_three_times_the_usual_supply(rows: dict[str, object]) -> None:
    items = {r["feedetl_sn"]: r for r in rows["items"]}
    for label in rows["labels"]["over_prescription"]:
        line = items[label["feedetl_sn"]]
        longest = SMALL.supply_days[rows["visits"][line["mdtrt_id"]]["med_type"]][1]
        assert line["cnt"] / rows["dose"][line["med_list_codg"]] > 3 * longest


def test_repeat_prescriptions_follow_a_supply_of_the_same_drug_elsewhere(rows: dict[str, object]) -> None:
    items = {r["feedetl_sn"]: r for r in rows["items"]}
    by_person = defaultdict(list)
    for r in rows["items"]:
        by_person[r["psn_no"]].append(r)
    assert rows["labels"]["repeat_prescription"]
    for label in rows["labels"]["repeat_prescription"]:
        line = items[label["feedetl_sn"]]
        earlier = [r for r in by_person[line["psn_no"]] if r["med_list_codg"] == line["med_list_codg"]
                   and r["fixmedins_code"] != line["fixmedins_code"]
                   and dt.timedelta(0) < line["fee_ocur_time"] - r["fee_ocur_time"] < dt.timedelta(days=8)]
        assert earlier


def test_fakes_show_their_behaviour(rows: dict[str, object], tables: dict[str, pa.Table]) -> None:
    visits, persons = rows["visits"], rows["persons"]
    places = defaultdict(set)
    for v in visits.values():
        if v["med_type"] != "21":
            places[(v["psn_no"], v["begntime"].date())].add(v["fixmedins_code"])
    for label in rows["labels"]["fake_patient"]:
        v = visits[label["mdtrt_id"]]
        assert len(places[(v["psn_no"], v["begntime"].date())]) >= 4
    for label in rows["labels"]["fake_condition"]:
        v = visits[label["mdtrt_id"]]
        assert v["med_type"] == "14" and persons[v["psn_no"]]["chronic_dise_codg"] is None
    lines = defaultdict(list)
    for r in rows["items"]:
        lines[r["mdtrt_id"]].append(r)
    for label in rows["labels"]["fake_receipt"]:
        v, mine = visits[label["mdtrt_id"]], lines[label["mdtrt_id"]]
        if label["detail"] == "total_mismatch":
            assert v["medfee_sumamt"] > sum(r["det_item_fee_sumamt"] for r in mine)
        else:
            assert any(r["fee_ocur_time"].date() > v["endtime"].date() for r in mine)
    # Visits not labelled as fake receipts add up.
    fake = {r["mdtrt_id"] for r in rows["labels"]["fake_receipt"]}
    totals = np.array([(v["medfee_sumamt"] == sum(r["det_item_fee_sumamt"] for r in lines[m])) for m, v in visits.items()
                       if m not in fake and v["med_type"] != "21"])
    assert totals.all()


def test_substituted_lines_bill_their_familys_dearest_specification_at_an_abusive_institution(
        rows: dict[str, object], tables: dict[str, pa.Table]) -> None:
    catalog = tables["catalog"].to_pylist()
    dearest: dict[str, tuple[Decimal, str]] = {}
    for r in catalog:
        if r["genname_codg"]:
            dearest[r["genname_codg"]] = max(dearest.get(r["genname_codg"], (Decimal(0), "")),
                                             (r["pric"] * r["day_dose"], r["med_list_codg"]))
    genname = {r["med_list_codg"]: r["genname_codg"] for r in catalog}
    abusive = {r["fixmedins_code"] for r in rows["labels"]["abusive_institution"]}
    items = {r["feedetl_sn"]: r for r in rows["items"]}
    assert rows["labels"]["item_substitution"]
    for label in rows["labels"]["item_substitution"]:
        line = items[label["feedetl_sn"]]
        assert line["fixmedins_code"] in abusive
        assert dearest[genname[line["med_list_codg"]]][1] == line["med_list_codg"]
