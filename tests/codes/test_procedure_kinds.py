import pytest

from yibao.codes import ProcedureKind, or_procedures, procedure_kind, procedure_kind_table
from yibao.codes.kinds import classify
from yibao.errors import ErrorCode, InputError


@pytest.mark.parametrize(
    ("code", "name", "is_or", "kind"),
    [
        ("85.4100", "单侧单纯乳房切除术", True, ProcedureKind.SURGERY),
        ("88.7200", "心脏诊断性超声", False, ProcedureKind.DIAGNOSTIC),
        ("93.0900", "其他诊断性物理治疗操作", False, ProcedureKind.DIAGNOSTIC),
        ("99.2500", "治疗性物质注射或输注", False, ProcedureKind.THERAPEUTIC),
        ("45.2300", "结肠镜检查", False, ProcedureKind.DIAGNOSTIC),
        ("99.0400", "红细胞输注", False, ProcedureKind.THERAPEUTIC),
        ("89.5200", "心电图", False, ProcedureKind.DIAGNOSTIC),
    ],
    ids=["or-procedure", "says-diagnostic", "diagnostic-beats-therapeutic", "says-therapeutic",
         "diagnostic-word", "plain-treatment", "diagnostic-chapter"],
)
def test_the_classifier_applies_its_documented_rule_in_order(code, name, is_or, kind):
    assert classify(code, name, is_or) is kind


def test_an_or_procedure_is_a_related_surgery_whatever_its_name():
    assert classify("01.0900x006", "诊断性脑室穿刺", True) is ProcedureKind.SURGERY


def test_procedure_kind_looks_up_the_bundled_tables_and_maps_old_codes():
    assert procedure_kind("85.4100") is ProcedureKind.SURGERY
    assert procedure_kind("88.7200").label == "诊断性操作"
    assert procedure_kind("37.8300x002") is procedure_kind("00.5000x004")


def test_procedure_kind_of_an_unknown_code_is_an_input_error():
    with pytest.raises(InputError) as err:
        procedure_kind("99.9999x999")
    assert err.value.code is ErrorCode.UNKNOWN_PROCEDURE


def test_the_table_form_agrees_with_the_lookup_and_covers_every_or_procedure():
    table = procedure_kind_table().to_pylist()
    assert {r["code"] for r in table} >= or_procedures()
    kinds = {r["kind"] for r in table}
    assert kinds == {k.value for k in ProcedureKind}
    for row in table[::997]:
        assert procedure_kind(row["code"]).value == row["kind"]
