"""Worked cases from every shipped pack (seed figures), settled end to end."""

from decimal import Decimal

import pytest
from settle_factory import D, claim, item, person, run

ZS, HS, NAT = "zhoushan-2019", "heshan-2021", "national-2021"


def _balanced(s) -> None:
    assert s.medfee_sumamt == s.fund_pay_sumamt + s.psn_part_amt
    assert s.psn_part_amt == s.acct_pay + s.psn_cash_pay
    assert s.fund_pay_sumamt == s.hifp_pay + s.hifmi_pay + s.hifob_pay + s.maf_pay


def test_zhoushan_non_poor_resident_with_185000_left_after_basic_gets_98000_of_critical_illness_pay():
    # 485,000 in scope at a level-3 hospital: basic pays its 300,000 cap, leaving 185,000.
    (s,), acc = run(ZS, [claim(ZS, (item("A-BED", 485000),))], person(ZS))
    assert s.hifp_pay == D("300000.00")
    assert s.inscp_scp_amt - s.hifp_pay == D("185000.00")
    assert s.hifmi_pay == D("98000.00")
    assert acc.critical_paid == D("98000.00")
    _balanced(s)


def test_zhoushan_critical_illness_brackets_are_crossed_over_two_stays_in_the_year_and_still_sum_to_98000():
    stays = [claim(ZS, (item("A-BED", 200000),), day=10), claim(ZS, (item("A-BED", 285000),), day=100)]
    (first, second), acc = run(ZS, stays, person(ZS))
    assert first.act_pay_dedc == D("1000.00")
    assert second.act_pay_dedc == D("500.00")  # later stay, lower threshold
    assert first.hifmi_pay == D("27390.00")  # (70,650 − 25,000) × 60 %
    assert second.hifp_pay == D("170650.00")  # basic cap 300,000 reached within the year
    assert first.hifmi_pay + second.hifmi_pay == D("98000.00")
    assert acc.critical_base == D("185000.00")


def test_zhoushan_poor_resident_gets_the_halved_threshold_and_five_more_points_up_to_the_100000_cap():
    who = person(ZS, identities=("minimum_living",))
    (s,), _ = run(ZS, [claim(ZS, (item("A-BED", 485000),))], who)
    # above 12,500: 120,000 × 65 % + 52,500 × 70 % = 114,750 → capped at 100,000
    assert s.hifmi_pay == D("100000.00")
    assert "倾斜支付" in s.setl_proc_info


def test_zhoushan_poor_resident_below_the_bracket_edge_pays_on_the_lower_threshold():
    who = person(ZS, identities=("low_income",))
    (s,), _ = run(ZS, [claim(ZS, (item("A-BED", 50000),))], who)
    left = s.inscp_scp_amt - s.hifp_pay  # 50,000 − 0.65 × 49,000 = 18,150
    assert left == D("18150.00")
    assert s.hifmi_pay == D("3672.50")  # (18,150 − 12,500) × (60 % + 5 points)


@pytest.mark.parametrize(
    ("grassroots", "level", "expected"),
    [pytest.param(True, "1", "600.00", id="grassroots-60%"), pytest.param(False, "2", "500.00", id="level2-50%")],
)
def test_zhoushan_chronic_outpatient_pays_60_percent_at_grassroots_and_50_percent_at_level_two(grassroots, level, expected):
    c = claim(ZS, (item("A-DRUG", 1000),), med_type="14", level=level, grassroots=grassroots, chronic_code="I10")
    (s,), _ = run(ZS, [c], person(ZS))
    assert s.hifp_pay == D(expected)


def test_zhoushan_second_admission_has_the_lower_threshold():
    stays = [claim(ZS, (item("A-BED", 5000),), day=5), claim(ZS, (item("A-BED", 5000),), day=50)]
    (a, b), acc = run(ZS, stays, person(ZS))
    assert (a.act_pay_dedc, b.act_pay_dedc) == (D("1000.00"), D("500.00"))
    assert acc.admissions == 2


def test_heshan_ordinary_outpatient_stops_at_the_240_annual_cap():
    visits = [claim(HS, (item("A-DRUG", 300),), med_type="11", level="1", grassroots=True, day=d) for d in (3, 30, 60)]
    results, acc = run(HS, visits, person(HS))
    assert [s.hifp_pay for s in results] == [D("180.00"), D("60.00"), D("0.00")]
    assert acc.outpatient_fund_paid == D("240.00")
    assert "年度最高支付限额" in results[1].setl_proc_info


def test_heshan_resident_basic_fund_stops_at_540000_and_employee_at_800000():
    (res,), _ = run(HS, [claim(HS, (item("A-BED", 2000000),))], person(HS))
    assert res.hifp_pay == D("540000.00")
    emp = person(HS, psn_type="11")
    (e,), _ = run(HS, [claim(HS, (item("A-BED", 2000000),), insutype="310")], emp)
    assert e.hifp_pay == D("800000.00")
    assert e.hifob_pay > 0 and e.hifmi_pay == 0


def test_heshan_extreme_poverty_person_has_no_critical_illness_cap_and_gets_assistance_and_second_assistance():
    who = person(HS, identities=("extreme_poverty",))
    (s,), acc = run(HS, [claim(HS, (item("A-BED", 2000000),))], who)
    assert s.hifp_pay == D("540000.00")
    # threshold 10,000 − 80 % = 2,000; ratio 60 % + 20 points = 80 %; no cap
    assert s.hifmi_pay == D("1166400.00")
    assert s.hifmi_pay > D("400000.00")
    assert acc.assistance_paid == D("80000.00")
    assert acc.second_paid == D("20000.00")
    assert s.maf_pay == D("100000.00")
    assert {line.fund_pay_type for line in s.setldetail} == {"390100", "390200", "610100", "610102"}
    _balanced(s)


def test_heshan_ordinary_resident_critical_illness_is_capped():
    (s,), _ = run(HS, [claim(HS, (item("A-BED", 2000000),))], person(HS))
    assert s.hifmi_pay == D("400000.00")
    assert s.maf_pay == 0


@pytest.mark.parametrize(
    ("identity", "threshold", "rate"),
    [
        pytest.param("minimum_living", "3000", "0.70", id="dibao-70%-cut-plus-10"),
        pytest.param("registered_poor", "3000", "0.70", id="jiandang-70%-cut-plus-10"),
        pytest.param("extreme_poverty", "2000", "0.80", id="tekun-80%-cut-plus-20"),
        pytest.param(None, "10000", "0.60", id="ordinary"),
    ],
)
def test_heshan_critical_illness_tilts_cut_the_threshold_and_raise_the_ratio(identity, threshold, rate):
    who = person(HS, identities=(identity,) if identity else ())
    (s,), _ = run(HS, [claim(HS, (item("A-BED", 100000),))], who)
    left = s.inscp_scp_amt - s.hifp_pay
    assert s.hifmi_pay == ((left - D(threshold)) * D(rate)).quantize(Decimal("0.01"))


def test_heshan_assistance_cap_of_80000_is_shared_by_outpatient_and_inpatient():
    who = person(HS, identities=("minimum_living",))
    visit = claim(HS, (item("A-DRUG", 1000),), med_type="11", level="1", grassroots=True, day=2)
    stay = claim(HS, (item("A-BED", 2000000),), day=40)
    (out, inp), acc = run(HS, [visit, stay], who)
    assert out.maf_pay == D("532.00")  # (1,000 − 240) × 70 %
    first_assist = next(line for line in inp.setldetail if line.fund_pay_type == "610100")
    assert first_assist.fund_payamt == D("79468.00")
    assert first_assist.crt_payb_lmt_amt == D("79468.00")
    assert acc.assistance_paid == D("80000.00")


def test_national_resident_inpatient_pays_70_percent_in_scope_above_the_threshold():
    (s,), _ = run(NAT, [claim(NAT, (item("A-BED", 10000),), level="2")], person(NAT))
    assert s.act_pay_dedc == D("500.00")
    assert s.hifp_pay == D("6650.00")
    assert s.pool_prop_selfpay == D("0.70")


def test_national_critical_illness_tilt_removes_the_cap_for_relapse_risk_people():
    who = person(NAT, identities=("relapse_risk",))
    (s,), _ = run(NAT, [claim(NAT, (item("A-BED", 1200000),))], who)
    assert s.hifmi_pay > D("300000.00")
