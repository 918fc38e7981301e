"""Policy packs: loading, validation errors with key paths, the registry, diff and the CLI."""

import datetime as dt
import re
from decimal import Decimal
from importlib import resources

import pytest
from typer.testing import CliRunner

from yibao.cli.policy import app
from yibao.errors import ErrorCode, PolicyError
from yibao.policy.diff import diff, flatten
from yibao.policy.loader import bundled_pack, bundled_packs, load_pack, pack_in_force, parse_pack

ZS_TEXT = resources.files("yibao.policy").joinpath("packs/zhoushan_2019.toml").read_text(encoding="utf-8")


def test_every_bundled_pack_loads_and_marks_its_assumptions():
    packs = {p.pack_id: p for p in bundled_packs()}
    assert set(packs) == {"zhoushan-2019", "heshan-2021", "national-2021"}
    for pack in packs.values():
        assert any(note.startswith("假设") for note in pack.assumptions.values())


@pytest.mark.parametrize(
    ("pack_id", "path", "expected"),
    [
        pytest.param("zhoushan-2019", ("390", "critical", "threshold"), "25000", id="zs-critical-threshold"),
        pytest.param("zhoushan-2019", ("390", "critical", "annual_cap"), "100000", id="zs-critical-cap"),
        pytest.param("heshan-2021", ("390", "outpatient", "annual_cap"), "240", id="hs-outpatient-cap"),
        pytest.param("heshan-2021", ("390", "inpatient", "annual_cap"), "540000", id="hs-resident-cap"),
        pytest.param("heshan-2021", ("310", "inpatient", "annual_cap"), "800000", id="hs-employee-cap"),
        pytest.param("heshan-2021", ("390", "critical", "threshold"), "10000", id="hs-critical-threshold"),
        pytest.param("heshan-2021", ("390", "assistance", "annual_cap"), "80000", id="hs-assistance-cap"),
    ],
)
def test_seed_figures_are_in_the_packs(pack_id, path, expected):
    insutype, section, name = path
    assert getattr(getattr(bundled_pack(pack_id).insutype[insutype], section), name) == Decimal(expected)


def test_seed_enrolment_figures_are_in_the_national_and_heshan_packs():
    nat = bundled_pack("national-2021").enrollment
    assert (nat.fiscal_subsidy, nat.individual) == (Decimal("580"), Decimal("320"))
    assert nat.central_share["west"] == Decimal("0.80") and nat.central_share["central"] == Decimal("0.60")
    assert bundled_pack("heshan-2021").enrollment.fiscal_subsidy == Decimal("580")


def test_a_toml_float_is_refused_naming_its_key_path():
    bad = ZS_TEXT.replace('threshold_cut = { value = "0.50"', "threshold_cut = { value = 0.50")
    with pytest.raises(PolicyError) as err:
        parse_pack(bad)
    assert err.value.field == "insutype.390.critical.tilts.0.threshold_cut"
    assert "浮点数" in err.value.message


@pytest.mark.parametrize(
    ("old", "new", "path", "reason"),
    [
        pytest.param('annual_cap = { value = "240"', 'annual_cap = { value = "-1"', "insutype.390.outpatient.annual_cap", "负数", id="negative"),
        pytest.param('class_b_selfpay_default = "0.10"', 'class_b_selfpay_default = "1.5"', "insutype.390.catalog.class_b_selfpay_default", "比例", id="ratio>1"),
        pytest.param('class_b_selfpay_default = "0.10"', 'class_b_selfpay_default = "0.10"\nbogus = "1"', "insutype.390.catalog.bogus", "未知参数", id="unknown-key"),
        pytest.param('valid_to = "2021-12-31"', 'valid_to = "2020-12-31"', "", "valid_from 晚于 valid_to", id="dates"),
    ],
)
def test_validation_errors_name_the_key_path_in_chinese(old, new, path, reason):
    text = resources.files("yibao.policy").joinpath("packs/heshan_2021.toml").read_text(encoding="utf-8")
    assert old in text
    with pytest.raises(PolicyError) as err:
        parse_pack(text.replace(old, new, 1), origin="heshan.toml")
    assert err.value.code is ErrorCode.POLICY_INVALID
    assert path in err.value.message and reason in err.value.message


def test_brackets_must_ascend_and_only_the_last_may_be_open():
    bad = ZS_TEXT.replace("brackets = [\n", 'brackets = [\n  { ratio = "0.50" },\n', 1)
    assert bad != ZS_TEXT
    with pytest.raises(PolicyError, match="brackets"):
        parse_pack(bad)


def test_the_registry_picks_the_most_specific_pack_in_force():
    assert pack_in_force("440784", dt.date(2021, 6, 1)).pack_id == "heshan-2021"
    assert pack_in_force("510104", dt.date(2021, 6, 1)).pack_id == "national-2021"
    assert pack_in_force("330902", dt.date(2019, 6, 1)).pack_id == "zhoushan-2019"
    with pytest.raises(PolicyError) as err:
        pack_in_force("330902", dt.date(2023, 1, 1))
    assert err.value.code is ErrorCode.POLICY_NOT_EFFECTIVE


def test_diff_lists_changed_parameters_only():
    a = bundled_pack("heshan-2021")
    b = parse_pack(resources.files("yibao.policy").joinpath("packs/heshan_2021.toml").read_text(encoding="utf-8").replace('annual_cap = { value = "240"', 'annual_cap = { value = "300"'))
    changes = diff(a, b)
    assert [(c.path, c.old, c.new, c.kind) for c in changes] == [("insutype.390.outpatient.annual_cap", "240", "300", "修改")]
    assert flatten(a)["insutype.390.critical.tilts.0.identities"] == "extreme_poverty"


def test_load_pack_reads_a_file_path(tmp_path):
    path = tmp_path / "zs.toml"
    path.write_text(ZS_TEXT, encoding="utf-8")
    assert load_pack(path).pack_id == "zhoushan-2019"
    with pytest.raises(PolicyError):
        load_pack("no-such-pack")


runner = CliRunner()


def _flat(text: str) -> str:
    """Table cells wrap with the console width; compare without spaces and borders."""
    return re.sub(r"[\s│┃|]", "", text)


def test_cli_validate_show_and_diff(tmp_path):
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0 and "zhoushan-2019" in result.output and "校验通过" in _flat(result.output)
    shown = runner.invoke(app, ["show", "zhoushan-2019", "--grep", "critical.threshold"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0 and "25000" in shown.output and "种子003" in _flat(shown.output)
    changed = tmp_path / "hs.toml"
    changed.write_text(resources.files("yibao.policy").joinpath("packs/heshan_2021.toml").read_text(encoding="utf-8").replace('"80000"', '"90000"'), encoding="utf-8")
    diffed = runner.invoke(app, ["diff", "heshan-2021", str(changed)], env={"COLUMNS": "200"})
    assert diffed.exit_code == 0 and "90000" in diffed.output and "1项参数变化" in _flat(diffed.output)


def test_cli_validate_reports_a_broken_pack_with_exit_code_2(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text(ZS_TEXT.replace('"25000"', "25000.0", 1), encoding="utf-8")
    result = runner.invoke(app, ["validate", str(broken)])
    assert result.exit_code == 2


def test_descending_bracket_bounds_are_refused():
    bad = ZS_TEXT.replace("brackets = [\n", 'brackets = [\n  { upto = "200000", ratio = "0.50" },\n', 1)
    with pytest.raises(PolicyError, match="严格递增"):
        parse_pack(bad)
