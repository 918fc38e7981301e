"""Engine behaviour: catalog split, refusals, cross-region care, pre-settlement, the personal
account, accumulators and the catastrophic-burden watch."""

import datetime as dt
from decimal import Decimal

import pytest
from settle_factory import CATALOG, D, claim, coverage, empty, item, person, run

from yibao.catalog.model import ChargeLevel
from yibao.enrollment.rules import Coverage
from yibao.errors import ConflictError, CoverageError, ErrorCode, InputError
from yibao.policy.loader import bundled_pack
from yibao.settlement import Accumulators, ClaimItem, burden_watchlist, presettle, reverse, settle

ZS, HS = "zhoushan-2019", "heshan-2021"


def test_the_catalog_split_puts_class_c_out_of_scope_the_price_above_the_cap_in_overlmt_and_class_b_share_in_preselfpay():
    stent = ClaimItem("A-STENT", D("1000"), D("2"), D("2000.00"))  # cap 700 per unit → 600 over
    c = claim(ZS, (item("C-ITEM", 300), stent, item("B-DRUG", 1000), item("B-DRUG-20", 500), item("A-BED", 200)))
    (s,), _ = run(ZS, [c], person(ZS))
    assert s.medfee_sumamt == D("4000.00")
    assert s.fulamt_ownpay_amt == D("300.00")
    assert s.overlmt_selfpay == D("600.00")
    assert s.preselfpay_amt == D("200.00")  # pack default 10 % of 1,000 + the entry's own 20 % of 500
    assert s.inscp_scp_amt == D("2900.00")


def test_a_line_override_settles_a_restricted_drug_as_class_c():
    restricted = ClaimItem("B-DRUG", D("100"), D("1"), D("100.00"), chrgitm_lv=ChargeLevel.CLASS_C)
    (s,), _ = run(ZS, [claim(ZS, (restricted,))], person(ZS))
    assert s.fulamt_ownpay_amt == D("100.00")


def test_an_unknown_catalog_code_is_refused_naming_the_line_and_changes_nothing():
    pack = bundled_pack(ZS)
    acc = empty(ZS)
    c = claim(ZS, (item("A-BED", 100), item("NOPE", 5)))
    with pytest.raises(InputError) as err:
        settle(c, person(ZS), coverage(), pack, acc, catalog=CATALOG)
    assert err.value.code is ErrorCode.UNKNOWN_CODE
    assert err.value.field == "items[1].med_list_codg"
    assert acc == empty(ZS)


@pytest.mark.parametrize(
    ("cov", "code"),
    [
        pytest.param(None, ErrorCode.NOT_ENROLLED, id="not-enrolled"),
        pytest.param(Coverage("390", dt.date(2019, 6, 1)), ErrorCode.NOT_ENROLLED, id="enrolled-later"),
        pytest.param(Coverage("390", dt.date(2018, 12, 1), benefit_from=dt.date(2019, 3, 1)), ErrorCode.IN_WAITING_PERIOD, id="waiting"),
        pytest.param(Coverage("390", dt.date(2018, 1, 1), suspended=((dt.date(2019, 1, 1), dt.date(2019, 2, 1)),)), ErrorCode.SUSPENDED, id="suspended"),
        pytest.param(Coverage("310", dt.date(2018, 1, 1)), ErrorCode.NOT_ENROLLED, id="other-insutype"),
    ],
)
def test_a_person_without_benefits_on_the_day_is_refused_clearly(cov, code):
    with pytest.raises(CoverageError) as err:
        settle(claim(ZS, (item("A-BED", 100),), day=20), person(ZS), cov, bundled_pack(ZS), empty(ZS), catalog=CATALOG)
    assert err.value.code is code
    assert err.value.message  # Chinese text for the counter


def test_a_chronic_claim_for_a_disease_off_the_list_or_a_prescription_over_12_weeks_is_refused():
    pack = bundled_pack(ZS)
    off_list = claim(ZS, (item("A-DRUG", 100),), med_type="14", chronic_code="Z99")
    with pytest.raises(InputError, match="chronic_code"):
        settle(off_list, person(ZS), coverage(), pack, empty(ZS), catalog=CATALOG)
    from dataclasses import replace

    long_rx = replace(claim(ZS, (item("A-DRUG", 100),), med_type="14", chronic_code="E11"), prescription_days=85)
    with pytest.raises(InputError, match="prescription_days"):
        settle(long_rx, person(ZS), coverage(), pack, empty(ZS), catalog=CATALOG)
    ok = replace(long_rx, prescription_days=84)
    s, _ = settle(ok, person(ZS), coverage(), pack, empty(ZS), catalog=CATALOG)
    assert s.hifp_pay > 0


def test_cross_region_care_uses_the_treating_catalog_and_the_home_policy():
    c = claim(ZS, (item("A-BED", 10000),), treated_in="310101")  # a Zhoushan resident treated in Shanghai
    (s,), _ = run(ZS, [c], person(ZS))
    assert s.cross_region is True
    assert s.pack_id == ZS
    assert "异地就医" in s.setl_proc_info
    assert s.hifp_pay == D("5850.00")  # Zhoushan level-3: (10,000 − 1,000) × 65 %


def test_a_person_from_another_region_is_not_settled_under_this_pack():
    outsider = person(ZS)
    from dataclasses import replace

    with pytest.raises(InputError, match="insuplc_admdvs"):
        settle(claim(ZS, (item("A-BED", 100),)), replace(outsider, insuplc_admdvs="440784"), coverage(), bundled_pack(ZS), empty(ZS), catalog=CATALOG)


def test_pre_settlement_commits_nothing_and_matches_the_settlement():
    pack = bundled_pack(ZS)
    acc = empty(ZS)
    c = claim(ZS, (item("A-BED", 80000),))
    pre = presettle(c, person(ZS), coverage(), pack, acc, catalog=CATALOG)
    real, new_acc = settle(c, person(ZS), coverage(), pack, acc, catalog=CATALOG)
    assert pre == real
    assert acc == empty(ZS)
    assert new_acc != acc


def test_accumulators_of_another_year_are_refused():
    with pytest.raises(InputError, match="accumulators"):
        settle(claim(ZS, (item("A-BED", 100),)), person(ZS), coverage(), bundled_pack(ZS), Accumulators.empty("P1", 2018, "390"), catalog=CATALOG)


def test_reversing_a_settlement_that_is_not_in_the_accumulators_is_refused():
    (s,), _ = run(ZS, [claim(ZS, (item("A-BED", 5000),))], person(ZS))
    with pytest.raises(ConflictError):
        reverse(s, empty(ZS))


def test_accumulators_round_trip_through_json_with_decimals_as_strings():
    _, acc = run(ZS, [claim(ZS, (item("A-BED", 48000),))], person(ZS, identities=("minimum_living",)))
    data = acc.to_dict()
    assert isinstance(data["critical_base"], str)
    assert Accumulators.from_dict(data) == acc
    with pytest.raises(InputError):
        Accumulators.from_dict({**data, "bogus": "1"})


def test_the_employee_personal_account_pays_the_personal_part_up_to_its_balance():
    pack = bundled_pack(HS)
    emp = person(HS, psn_type="11", acct="500")
    s, acc = settle(claim(HS, (item("A-BED", 5000),), insutype="310"), emp, coverage("310"), pack, empty(HS, insutype="310"), catalog=CATALOG)
    assert s.acct_pay == D("500.00")
    assert s.balc == D("0.00")
    assert s.psn_cash_pay == s.psn_part_amt - D("500.00")
    assert "310200" in {line.fund_pay_type for line in s.setldetail}
    assert acc.acct_paid == D("500.00")


def test_a_person_whose_yearly_burden_passes_the_watch_line_is_flagged_once_and_listed():
    stays = [claim(ZS, (item("C-ITEM", 15000),), day=5), claim(ZS, (item("C-ITEM", 15000),), day=50), claim(ZS, (item("C-ITEM", 100),), day=90)]
    results, acc = run(ZS, stays, person(ZS))
    assert [s.burden_alert for s in results] == [False, True, False]
    listed = burden_watchlist([acc, empty(ZS, psn_no="P2")], bundled_pack(ZS))
    assert [c.psn_no for c in listed] == ["P1"]
    assert listed[0].psn_burden == D("30100.00")


def test_the_trace_explains_every_tier_in_chinese_and_each_fund_line_carries_its_own_part():
    (s,), _ = run(HS, [claim(HS, (item("A-BED", 300000),))], person(HS, identities=("minimum_living",)))
    text = s.setl_proc_info
    for word in ("目录划分", "住院起付线", "统筹支付比例", "大病保险", "医疗救助"):
        assert word in text
    crit = next(line for line in s.setldetail if line.fund_pay_type == "390200")
    assert crit.fund_pay_type_name == "城乡居民大病医疗保险"
    assert "大病保险" in crit.setl_proc_info and "医疗救助" not in crit.setl_proc_info
    assert s.to_dict()["hifmi_pay"] == str(s.hifmi_pay)


def test_a_pharmacy_purchase_has_no_pooling_benefit():
    (s,), _ = run(ZS, [claim(ZS, (item("A-DRUG", 100),), med_type="41")], person(ZS))
    assert s.hifp_pay == Decimal("0.00") and s.psn_part_amt == D("100.00")


def _critical(basis):
    from yibao.policy.schema import Critical

    return Critical.model_validate(
        {"fund_pay_type": "330100", "threshold": "25000", "basis": basis, "annual_cap": None,
         "brackets": [{"upto": "120000", "ratio": "0.60"}, {"ratio": "0.65"}]}
    )


@pytest.mark.parametrize(
    ("basis", "expected"),
    [
        pytest.param("above_threshold", "98000.00", id="brackets-on-the-amount-above-the-threshold"),
        pytest.param("cumulative", "99250.00", id="brackets-on-the-cumulative-amount"),
    ],
)
def test_critical_brackets_can_be_measured_above_the_threshold_or_on_the_cumulative_amount(basis, expected):
    from yibao.settlement.steps import critical_tier

    tier = critical_tier(person(HS), _critical(basis), empty(HS), D("185000.00"))
    assert tier.pay == D(expected)


def test_critical_pay_over_many_small_claims_telescopes_to_the_same_total_to_the_fen():
    from yibao.settlement.steps import critical_tier

    section = _critical("above_threshold")
    acc = empty(HS)
    total = D("0")
    for _ in range(37):
        tier = critical_tier(person(HS), section, acc, D("5000.03"))
        total += tier.pay
        acc = acc._replace(critical_base=acc.critical_base + tier.base, critical_paid=acc.critical_paid + tier.pay)
    one_go = critical_tier(person(HS), section, empty(HS), acc.critical_base).pay
    assert total == one_go
