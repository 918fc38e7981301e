"""Worked cases per rule kind: which line is hit, for how much, and why."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from review_builders import DAY, hits_of, line, person, visit

from yibao.supervision.review import check_visit
from yibao.supervision.rules import ResultType, Stage

MALE_ONLY_DRUG = "XL02BBA326A001010102180"  # 阿帕他胺片, 限男
CHILD_DRUG = "ZA04CAE0023010100166"  # 儿童清肺口服液, 限儿童
NEWBORN_CARE = "001201000070000"  # 新生儿护理, 限新生儿; also at most 1 a day
INFANT_CHECKUP = "001301000010000"  # 婴幼儿健康体检, 限婴幼儿
WORK_INJURY_DRUG = "ZH01AAB0066010100716"  # 疤痕止痒软化膏, 限工伤
MATERNITY_DRUG = "XG02ADD082D003010179504"  # 地诺前列酮栓, 限生育
ANGONG = "ZA07AAA0061010100166"  # 安宫牛黄丸, 限急诊或住院
LEVEL2_DRUG = "ZC01AAA0042010105549"  # 艾迪注射液, 限二级及以上
LEVEL3_DRUG = "XS01LXD085J005010178976"  # 地塞米松玻璃体内植入剂, 限三级
ER_MONITORING, ER_CONSULT = "001103000010000", "001102000030000"  # 急诊监护费 含 急诊诊查费 (单日)
DELIVERY, RECTAL_EXAM = "003314000020000", "003109040040000"  # 单胎顺产接生 含 肛门指检 (6小时)
COLD_PRESSOR, AMBULATORY_BP = "003102070040000", "003107010210000"  # 冷加压试验 含 动态血压监测 (同一小时)
HEMATOMA_CLEARANCE, HEMATOMA_DRAIN = "003302010140000", "003302010040000"  # 单次就诊
WARD_BED = "001109000010000"  # 普通病房床位费, 1 a day
VENTILATOR = "003106030010000"  # 呼吸机辅助呼吸, 24 hours a day
HBA1C = "002503020030000"  # 糖化血红蛋白测定, once in 15 days
HAND_ASSESSMENT = "003402000050000"  # 手功能评定: course 90 days, interval ≥ 14 days; period 1/14 days
OZAGREL, OZAGREL_OTHER_MAKER = "XB01AXA223B002010100156", "XB01AXA223B002010101157"  # 14 days
VOCATIONAL_TRAINING = "003402000320000"  # 职业功能训练: not past working age
OESOPHAGECTOMY, ANASTOMOSIS = "003310010140000", "003310010160000"  # 胃肠手术组


def test_a_male_only_drug_for_a_woman_is_a_clear_violation_of_the_whole_line():
    hits = check_visit(visit(line("1", MALE_ONLY_DRUG, pric="55.50", cnt="2"), who=person(gend="2")))
    [hit] = hits_of(hits, "NHSA-B1-DRUG-SEX", "1")
    assert hit.vola_amt == Decimal("111.00")
    assert hit.result_type is ResultType.CLEAR
    assert "限男性使用" in hit.vola_cont and "女" in hit.vola_cont
    assert MALE_ONLY_DRUG in hit.vola_evid and "batch1-drug-sex.xlsx" in hit.vola_evid


def test_a_person_of_unknown_sex_is_not_judged_by_sex_rules():
    assert check_visit(visit(line("1", MALE_ONLY_DRUG), who=person(gend="9"))) == []


@pytest.mark.parametrize(
    ("code", "who", "fires"),
    [
        (CHILD_DRUG, person(age_years=17), False),
        (CHILD_DRUG, person(age_years=18), True),
        (NEWBORN_CARE, person(age_days=28), False),
        (NEWBORN_CARE, person(age_days=29), True),
        (INFANT_CHECKUP, person(age_years=2), False),
        (INFANT_CHECKUP, person(age_years=3), True),
    ],
    ids=["child-17", "child-18", "newborn-28d", "newborn-29d", "infant-2", "infant-3"],
)
def test_an_age_limited_drug_or_item_fires_from_the_age_its_object_ends(code, who, fires):
    hits = check_visit(visit(line("1", code), who=who))
    assert bool([h for h in hits if h.rule_id.endswith("-AGE")]) is fires


def test_age_is_counted_on_the_day_of_the_charge_not_the_day_of_admission():
    who = person(age_years=17)
    birthday = DAY.replace(year=DAY.year + 1)  # the 18th birthday, a year into a long stay
    assert check_visit(visit(line("1", CHILD_DRUG, when=birthday - dt.timedelta(days=1)), who=who)) == []
    assert hits_of(check_visit(visit(line("1", CHILD_DRUG, when=birthday), who=who)), "NHSA-B1-DRUG-AGE")


@pytest.mark.parametrize(
    ("code", "insutype", "fires"),
    [(WORK_INJURY_DRUG, "310", True), (WORK_INJURY_DRUG, "410", False),
     (MATERNITY_DRUG, "390", True), (MATERNITY_DRUG, "510", False)],
    ids=["injury-by-employee-fund", "injury-by-injury-fund", "maternity-by-resident-fund", "maternity-by-maternity"],
)
def test_a_work_injury_or_maternity_drug_is_payable_only_by_that_insurance(code, insutype, fires):
    hits = check_visit(visit(line("1", code), insutype=insutype))
    assert bool(hits_of(hits, "NHSA-B3-DRUG-INSUTYPE")) is fires


@pytest.mark.parametrize(
    ("med_type", "fires"),
    [("11", True), ("41", True), ("13", False), ("21", False), ("24", False)],
    ids=["outpatient", "pharmacy", "emergency", "inpatient", "emergency-to-inpatient"],
)
def test_angong_niuhuang_is_payable_for_emergency_and_inpatients_only(med_type, fires):
    hits = check_visit(visit(line("1", ANGONG), med_type=med_type))
    assert bool(hits_of(hits, "NHSA-B4-DRUG-SETTING")) is fires


@pytest.mark.parametrize(
    ("code", "hosp_lv", "fires"),
    [(LEVEL2_DRUG, "grassroots", True), (LEVEL2_DRUG, "1", True), (LEVEL2_DRUG, "2", False),
     (LEVEL3_DRUG, "2", True), (LEVEL3_DRUG, "3", False)],
    ids=["l2-at-grassroots", "l2-at-level1", "l2-at-level2", "l3-at-level2", "l3-at-level3"],
)
def test_a_level_limited_drug_fires_below_its_institution_level(code, hosp_lv, fires):
    hits = check_visit(visit(line("1", code), hosp_lv=hosp_lv))
    assert bool(hits_of(hits, "NHSA-B5-DRUG-LEVEL")) is fires


def test_a_secondary_item_charged_the_same_day_as_its_primary_is_the_duplicate():
    hits = check_visit(visit(line("1", ER_MONITORING, pric="80.00"), line("2", ER_CONSULT, pric="12.00", when=DAY.replace(hour=22))))
    [hit] = hits_of(hits, "NHSA-B7-ITEM-DUPLICATE")
    assert (hit.feedetl_sn, hit.vola_amt, hit.related_sn) == ("2", Decimal("12.00"), ("1",))
    assert "急诊监护费已包含急诊诊查费" in hit.vola_cont


def test_a_same_day_duplicate_counts_the_primary_from_another_visit_that_day():
    earlier = line("h1", ER_MONITORING, when=DAY.replace(hour=1), mdtrt_id="M000")
    assert hits_of(check_visit(visit(line("2", ER_CONSULT)), [earlier]), "NHSA-B7-ITEM-DUPLICATE")
    yesterday = line("h1", ER_MONITORING, when=DAY - dt.timedelta(days=1), mdtrt_id="M000")
    assert not hits_of(check_visit(visit(line("2", ER_CONSULT)), [yesterday]), "NHSA-B7-ITEM-DUPLICATE")


@pytest.mark.parametrize(
    ("primary", "secondary", "gap_minutes", "fires"),
    [(DELIVERY, RECTAL_EXAM, 360, True), (DELIVERY, RECTAL_EXAM, 361, False),
     (COLD_PRESSOR, AMBULATORY_BP, 60, True), (COLD_PRESSOR, AMBULATORY_BP, 61, False)],
    ids=["6h-inside", "6h-outside", "1h-inside", "1h-outside"],
)
def test_an_hour_window_counts_the_primary_within_that_many_hours(primary, secondary, gap_minutes, fires):
    v = visit(line("1", primary), line("2", secondary, when=DAY + dt.timedelta(minutes=gap_minutes)))
    assert bool(hits_of(check_visit(v), "NHSA-B7-ITEM-DUPLICATE", "2")) is fires


def test_a_visit_window_duplicate_spans_days_of_one_stay_but_not_two_stays():
    later = DAY + dt.timedelta(days=3)
    same_stay = visit(line("1", HEMATOMA_CLEARANCE), line("2", HEMATOMA_DRAIN, when=later))
    assert hits_of(check_visit(same_stay), "NHSA-B7-ITEM-DUPLICATE", "2")
    other_stay = line("h1", HEMATOMA_CLEARANCE, when=later, mdtrt_id="M000")
    assert not hits_of(check_visit(visit(line("2", HEMATOMA_DRAIN, when=later)), [other_stay]), "NHSA-B7-ITEM-DUPLICATE")


def test_a_bed_charged_twice_in_a_day_puts_the_excess_at_risk():
    hits = check_visit(visit(line("1", WARD_BED, pric="45.00", cnt="3")))
    [hit] = hits_of(hits, "NHSA-B8-ITEM-FREQUENCY")
    assert hit.vola_amt == Decimal("90.00")


def test_the_line_that_crosses_the_daily_limit_carries_the_excess():
    first, second = line("1", WARD_BED, pric="45.00"), line("2", WARD_BED, pric="45.00", when=DAY.replace(hour=18))
    hits = hits_of(check_visit(visit(first, second)), "NHSA-B8-ITEM-FREQUENCY")
    assert [(h.feedetl_sn, h.vola_amt, h.related_sn) for h in hits] == [("2", Decimal("45.00"), ("1",))]
    uploaded = line("h1", WARD_BED, pric="45.00", when=DAY.replace(hour=0), mdtrt_id="M001")
    assert [h.feedetl_sn for h in hits_of(check_visit(visit(first), [uploaded]), "NHSA-B8-ITEM-FREQUENCY")] == ["1"]


def test_hourly_items_allow_24_hours_a_day():
    assert not check_visit(visit(line("1", VENTILATOR, cnt="24")))
    [hit] = hits_of(check_visit(visit(line("1", VENTILATOR, pric="20.00", cnt="26"))), "NHSA-B8-ITEM-FREQUENCY")
    assert hit.vola_amt == Decimal("40.00")


@pytest.mark.parametrize(("days_ago", "fires"), [(14, True), (15, False)], ids=["14-days", "15-days"])
def test_hba1c_is_payable_once_in_15_days(days_ago, fires):
    past = line("h1", HBA1C, when=DAY - dt.timedelta(days=days_ago), mdtrt_id="M000")
    hits = hits_of(check_visit(visit(line("1", HBA1C, pric="60.00")), [past]), "NHSA-B8-ITEM-PERIOD")
    assert [h.vola_amt for h in hits] == ([Decimal("60.00")] if fires else [])


def test_a_drug_course_counts_every_code_of_the_drug_and_fires_after_its_days():
    past = tuple(
        line(f"h{d}", OZAGREL_OTHER_MAKER if d % 2 else OZAGREL, when=DAY - dt.timedelta(days=d), mdtrt_id="M001")
        for d in range(1, 14)
    )  # days 1–13 of the course, alternating makers
    assert not hits_of(check_visit(visit(line("1", OZAGREL)), past), "NHSA-B6-DRUG-COURSE")  # day 14
    later = visit(line("1", OZAGREL, when=DAY + dt.timedelta(days=1)))  # day 15
    [hit] = hits_of(check_visit(later, (*past, line("h0", OZAGREL, mdtrt_id="M001"))), "NHSA-B6-DRUG-COURSE")
    assert "疗程第15天" in hit.vola_cont


def test_a_gap_longer_than_the_course_starts_a_new_course():
    old = line("h1", OZAGREL, when=DAY - dt.timedelta(days=40), mdtrt_id="M000")
    assert not hits_of(check_visit(visit(line("1", OZAGREL)), [old]), "NHSA-B6-DRUG-COURSE")


def test_a_hand_assessment_ten_days_after_the_last_breaks_the_interval_and_the_period():
    past = line("h1", HAND_ASSESSMENT, when=DAY - dt.timedelta(days=10), mdtrt_id="M000")
    hits = check_visit(visit(line("1", HAND_ASSESSMENT)), [past])
    [course] = hits_of(hits, "NHSA-B8-ITEM-COURSE")
    assert "距上次收费10天，短于14天" in course.vola_cont
    assert hits_of(hits, "NHSA-B8-ITEM-PERIOD")


@pytest.mark.parametrize(
    ("who", "fires"),
    [(person("1", 59), False), (person("1", 60), True), (person("2", 54), False), (person("2", 55), True),
     (person("2", 40, flag=True), True), (person("1", 70, flag=False), False)],
    ids=["man-59", "man-60", "woman-54", "woman-55", "flagged-40", "unflagged-70"],
)
def test_vocational_training_is_not_payable_past_working_age(who, fires):
    hits = check_visit(visit(line("1", VOCATIONAL_TRAINING), who=who))
    assert bool(hits_of(hits, "NHSA-B8-ITEM-WORKING-AGE")) is fires


def test_a_second_operation_at_full_list_price_is_overcharged_by_the_undiscounted_part():
    main = line("1", OESOPHAGECTOMY, pric="3000.00", hilist_pric="3000.00")
    second = line("2", ANASTOMOSIS, pric="1200.00", hilist_pric="1200.00")
    [hit] = hits_of(check_visit(visit(main, second)), "NHSA-B2-ITEM-OPERATION")
    assert (hit.feedetl_sn, hit.vola_amt, hit.result_type) == ("2", Decimal("600.00"), ResultType.CLEAR)
    assert hit.related_sn == ("1",)


def test_a_second_operation_charged_at_the_discount_is_compliant():
    main = line("1", OESOPHAGECTOMY, pric="3000.00", hilist_pric="3000.00")
    second = line("2", ANASTOMOSIS, pric="600.00", hilist_pric="1200.00")
    assert not check_visit(visit(main, second))


def test_a_second_operation_without_a_list_price_is_only_suspicious():
    hits = check_visit(visit(line("1", OESOPHAGECTOMY, pric="3000.00"), line("2", ANASTOMOSIS, pric="1200.00")))
    [hit] = hits_of(hits, "NHSA-B2-ITEM-OPERATION")
    assert (hit.vola_amt, hit.result_type) == (Decimal("600.00"), ResultType.SUSPECT)


def test_operations_on_different_days_are_different_incisions():
    second = line("2", ANASTOMOSIS, pric="1200.00", when=DAY + dt.timedelta(days=2))
    assert not check_visit(visit(line("1", OESOPHAGECTOMY, pric="3000.00"), second))


def test_before_the_event_only_rules_that_need_no_history_run():
    past = line("h1", HBA1C, when=DAY - dt.timedelta(days=3), mdtrt_id="M000")
    v = visit(line("1", HBA1C), line("2", MALE_ONLY_DRUG), who=person(gend="2"))
    assert {h.rule_id for h in check_visit(v, [past], stage=Stage.PRE)} == {"NHSA-B1-DRUG-SEX"}
    assert {h.rule_id for h in check_visit(v, [past], stage=Stage.IN)} == {"NHSA-B1-DRUG-SEX", "NHSA-B8-ITEM-PERIOD"}


def test_the_history_a_review_needs_follows_the_rules_of_its_codes():
    from yibao.supervision.review import history_days
    from yibao.supervision.rules import load_library

    library = load_library()
    assert history_days(library, [MALE_ONLY_DRUG, "0000000000000"]) == 0
    assert history_days(library, [WARD_BED]) == 1
    assert history_days(library, [HBA1C]) == 15
    assert history_days(library, [OZAGREL, HBA1C]) == 29
    assert history_days(library, [HAND_ASSESSMENT]) == 181


def test_a_course_that_began_before_the_history_window_is_still_seen():
    # daily charges for 40 days; the service passes only history_days (29) of them
    past = tuple(
        line(f"h{d}", OZAGREL, when=DAY - dt.timedelta(days=d), mdtrt_id="M001") for d in range(1, 30)
    )
    assert hits_of(check_visit(visit(line("1", OZAGREL)), past), "NHSA-B6-DRUG-COURSE")
