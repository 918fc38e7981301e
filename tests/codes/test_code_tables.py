import pytest

from yibao.codes import diagnoses, procedures
from yibao.codes.tables import data_dir, read_pairs
from yibao.errors import ErrorCode, InputError


def test_the_bundled_tables_hold_every_listed_code_with_its_name():
    root = data_dir()
    assert len(diagnoses()) == len(read_pairs(root / "diagnoses.tsv")) > 30_000
    assert len(procedures()) == len(read_pairs(root / "procedures.tsv")) > 13_000
    assert diagnoses().name("I21.000") == "前壁急性透壁性心肌梗死"
    assert procedures().name("36.0700") == "药物洗脱冠状动脉支架置入"


def test_get_returns_none_for_a_code_that_is_not_listed():
    assert diagnoses().get("I21.001").name == "急性前壁心肌梗死"
    assert diagnoses().get("X99.999") is None


def test_name_of_an_unknown_code_is_an_input_error_naming_the_code():
    with pytest.raises(InputError) as err:
        diagnoses().name("X99.999")
    assert err.value.code is ErrorCode.UNKNOWN_DIAGNOSIS
    assert "X99.999" in err.value.message


def test_by_prefix_lists_a_category_and_a_subcategory_in_code_order():
    category = diagnoses().by_prefix("I21")
    sub = diagnoses().by_prefix("I21.0")
    assert category and all(c.code.startswith("I21") for c in category)
    assert sub and set(c.code for c in sub) < set(c.code for c in category)
    assert [c.code for c in category] == sorted(c.code for c in category)
    assert diagnoses().by_prefix("I21.9") != sub
    assert procedures().by_prefix("36.07")[0].code == "36.0700"


def test_search_finds_codes_by_a_fragment_of_the_chinese_name():
    hits = diagnoses().search("心肌梗死")
    assert len(hits) > 10 and all("心肌梗死" in c.name for c in hits)
    assert len(diagnoses().search("心肌梗死", limit=3)) == 3
    assert diagnoses().search("  ") == []


def test_accept_keeps_a_listed_code_and_maps_an_accepted_old_code():
    assert diagnoses().accept("I21.001") == "I21.001"
    assert diagnoses().accept(" A01.000x002 ") == "A01.003"
    assert procedures().accept("37.8300x002") == "00.5000x004"


@pytest.mark.parametrize(
    ("table", "code", "error"),
    [(diagnoses, "X99.999", ErrorCode.UNKNOWN_DIAGNOSIS), (procedures, "99.9999x999", ErrorCode.UNKNOWN_PROCEDURE)],
    ids=["diagnosis", "procedure"],
)
def test_accept_rejects_a_code_that_neither_is_listed_nor_maps(table, code, error):
    with pytest.raises(InputError) as err:
        table().accept(code)
    assert err.value.code is error
    assert err.value.detail == code
    assert table().try_accept(code) is None


def test_the_tables_are_loaded_once_and_cached():
    assert diagnoses() is diagnoses()
    assert procedures() is procedures()
