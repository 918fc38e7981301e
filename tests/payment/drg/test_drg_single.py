"""Worked cases through the CHS-DRG 1.1 scheme, one MDC path at a time."""

import pytest

from yibao.payment.drg import Case, GroupStatus, default_scheme, group_case
from yibao.payment.drg.model import split_codes


def case(*dx: str, oprn: tuple[str, ...] = (), gend: int | None = 1, age: float | None = 50, **kw) -> Case:
    return Case(gend=gend, age=age, diag_codes=dx, oprn_codes=oprn, **kw)


def test_a_stent_for_a_heart_attack_is_the_surgical_drg_of_mdcf():
    r = group_case(case("I21.001", "E11.900", oprn=("36.0700",)))
    assert (r.mdc, r.adrg, r.drg, r.status) == ("MDCF", "FM1", "FM19", GroupStatus.GROUPED)
    assert r.drg_name
    assert any("ADRG FM1" in step for step in r.trace)


def test_a_heart_attack_without_a_procedure_is_the_medical_adrg():
    r = group_case(case("I21.001"))
    assert (r.mdc, r.adrg, r.drg) == ("MDCF", "FR1", "FR19")


@pytest.mark.parametrize(
    ("secondary", "drg"),
    [((), "YR15"), (("A01.100",), "YR11"), (("A00.100",), "YR13"), (("A00.100", "A01.100"), "YR11")],
    ids=["none", "mcc", "cc", "cc-and-mcc"],
)
def test_a_secondary_mcc_or_cc_splits_the_adrg(secondary, drg):
    r = group_case(case("B20.000x001", *secondary))
    assert (r.adrg, r.drg) == ("YR1", drg)


def test_an_mcc_in_the_principal_diagnosis_exclusion_table_is_cancelled():
    scheme = default_scheme()
    assert scheme.mcc["B20.000"] == scheme.principal_table["B20.000x001"]
    r = group_case(case("B20.000x001", "B20.000"))
    assert r.drg == "YR15"
    assert any("被排除" in step for step in r.trace)


def test_a_surgical_adrg_splits_on_mcc():
    plain = group_case(case("C18.000", oprn=("40.5902",)))
    assert plain.adrg == "GB1" and plain.drg == "GB15"
    assert group_case(case("C18.000", "A01.100", oprn=("40.5902",))).drg == "GB11"


@pytest.mark.parametrize(
    ("weight", "adrg"), [(1200, "PS1"), (1700, "PS2"), (2200, "PS3"), (3000, "PS4")], ids=["<1500", "<2000", "<2500", ">=2500"]
)
def test_a_newborn_goes_to_mdcp_by_birth_weight(weight, adrg):
    r = group_case(case("P07.200", gend=2, age=0, age_days=2, nwb_bir_wt=weight))
    assert (r.mdc, r.adrg) == ("MDCP", adrg)


def test_a_newborn_without_a_birth_weight_fails_the_check():
    r = group_case(case("P07.200", gend=2, age=0, age_days=2))
    assert (r.drg, r.status) == ("0000", GroupStatus.INVALID_BIRTH_WEIGHT)
    assert r.status.message.startswith("信息校验不通过")


def test_injuries_in_two_body_regions_are_multiple_trauma_in_mdcz():
    head, spine = "S01.800x011", "S12.000"
    scheme = default_scheme()
    assert scheme.trauma_region[head] != scheme.trauma_region[spine]
    assert group_case(case(head, spine)).drg == "ZZ15"
    assert group_case(case(head, spine, oprn=("01.0900x006",))).drg == "ZB19"


def test_injuries_in_one_region_are_not_multiple_trauma():
    r = group_case(case("S01.800x011", "S01.800x011"))
    assert r.mdc != "MDCZ"
    assert any("MDCZ" in step and "未进入" in step for step in r.trace)


def test_an_organ_transplant_enters_mdca_before_the_organ_mdc():
    r = group_case(case("I25.101", oprn=("37.5100",)))
    assert (r.mdc, r.drg) == ("MDCA", "AA19")
    assert r.trace[0] == "诊断 I25.101 按对照表转换为 I25.100x003"


def test_a_female_only_principal_diagnosis_in_a_man_is_a_sex_mismatch():
    r = group_case(case("N70.000", gend=1))
    assert (r.drg, r.status) == ("0000", GroupStatus.SEX_MISMATCH)
    assert group_case(case("N70.000", gend=2)).mdc == "MDCN"


def test_an_accepted_old_code_is_translated_before_grouping():
    r = group_case(case("A01.000x002"))
    assert r.diag_codes == ("A01.003",)
    assert r.status is GroupStatus.GROUPED


def test_a_listed_code_the_scheme_never_uses_cannot_be_grouped():
    r = group_case(case("I21.000"))
    assert (r.drg, r.status, r.mdc) == ("0000", GroupStatus.UNGROUPABLE, None)


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        (dict(dx=("X99.999x999",)), GroupStatus.BAD_DIAGNOSIS),
        (dict(dx=("I21.001", "X99.999x999")), GroupStatus.BAD_DIAGNOSIS),
        (dict(dx=("I21.001",), oprn=("99.9999x999",)), GroupStatus.BAD_PROCEDURE),
        (dict(dx=("I21.001",), oprn=("", "36.0700")), GroupStatus.BAD_PROCEDURE),
        (dict(dx=("I21.001",), gend=3), GroupStatus.INVALID_SEX),
        (dict(dx=("I21.001",), gend=None), GroupStatus.INVALID_SEX),
        (dict(dx=("I21.001",), age=None), GroupStatus.INVALID_AGE),
        (dict(dx=("I21.001",), age=-1), GroupStatus.INVALID_AGE),
        (dict(dx=("P07.200",), age=0), GroupStatus.INVALID_AGE_DAYS),
        (dict(dx=()), GroupStatus.NO_DIAGNOSIS),
        (dict(dx=("", "I21.001")), GroupStatus.NO_DIAGNOSIS),
    ],
    ids=["unknown-principal", "unknown-secondary", "unknown-procedure", "empty-main-procedure", "sex-3",
         "no-sex", "no-age", "negative-age", "infant-without-days", "no-diagnosis", "empty-principal"],
)
def test_a_case_that_cannot_be_grouped_gets_0000_and_its_reason(kwargs, status):
    dx = kwargs.pop("dx")
    r = group_case(case(*dx, **kwargs))
    assert (r.drg, r.status, r.mdc, r.adrg) == ("0000", status, None, None)
    assert r.trace


def test_codes_from_a_row_are_split_trimmed_and_keep_an_empty_principal_slot():
    assert split_codes(" I21.001 | E11.900||") == ("I21.001", "E11.900")
    assert split_codes("|I21.001") == ("", "I21.001")
    assert split_codes(None) == () == split_codes("") == split_codes(" | ")
    row = {"case_id": 7, "gend": "1", "age": "60", "diag_codes": "I21.001", "oprn_codes": float("nan")}
    c = Case.from_row(row)
    assert (c.case_id, c.gend, c.age, c.oprn_codes) == ("7", 1, 60.0, ())
