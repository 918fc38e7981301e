import pytest

from yibao.errors import PolicyError
from yibao.payment.drg.rules import (
    Always,
    And,
    Compare,
    HasBirthWeight,
    Member,
    NoOrProcedure,
    Or,
    RegionCount,
    Sex,
    bind,
    dnf,
    parse,
)
from yibao.payment.drg.scheme import default_scheme


def test_and_binds_tighter_than_or_and_parentheses_group():
    node = parse("principal_dx in dx and (proc_tag_1_present or proc_tag_2_present and proc_tag_3_present)")
    assert node == And(
        (
            Member("principal_dx", "dx"),
            Or(
                (
                    Member("any_proc", "proc_tag_1"),
                    And((Member("any_proc", "proc_tag_2"), Member("any_proc", "proc_tag_3"))),
                )
            ),
        )
    )


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("main_proc is_or_procedure", Member("main_proc", "or_procedures")),
        ("any_proc in proc1", Member("any_proc", "proc1")),
        ("no_or_procedure", NoOrProcedure()),
        ("age_days <= 28", Compare("age_days", "<=", 28)),
        ("birth_weight_g >= 1500", Compare("birth_weight_g", ">=", 1500)),
        ("has_birth_weight", HasBirthWeight()),
        ("sex == female", Sex(2)),
        ("count(distinct trauma_region(any_dx)) >= 2", RegionCount(">=", 2)),
        ("always", Always()),
    ],
)
def test_each_term_of_the_vocabulary_parses_to_its_node(text, term):
    assert parse(text) == term


@pytest.mark.parametrize("text", ["principal_dx in", "sex == unknown", "(always", "always always", "age_days ~ 3"])
def test_an_unknown_or_malformed_rule_is_a_policy_error(text):
    with pytest.raises(PolicyError):
        parse(text)


def test_dnf_distributes_and_over_or_and_drops_always():
    node = parse("principal_dx in dx and (proc_tag_1_present or proc_tag_2_present and proc_tag_3_present)")
    conj = {frozenset(t.list_key for t in c) for c in dnf(node)}
    assert conj == {frozenset({"dx", "proc_tag_1"}), frozenset({"dx", "proc_tag_2", "proc_tag_3"})}
    assert dnf(parse("always")) == (frozenset(),)


def test_bind_gives_local_list_names_their_scheme_wide_key():
    node = bind(parse("principal_dx in dx and main_proc in proc"), {"dx": "BR1.dx", "proc": "BR1.proc"})
    assert node == And((Member("principal_dx", "BR1.dx"), Member("main_proc", "BR1.proc")))
    with pytest.raises(PolicyError):
        bind(parse("any_proc in proc1"), {"dx": "X.dx"})


def test_every_gate_and_rule_of_chs_drg_1_1_parses():
    scheme = default_scheme()
    assert len(scheme.mdcs) == 26
    assert len(scheme.adrgs) == 376
    assert sum(len(a.drgs) for a in scheme.adrgs.values()) == 628
    assert {m.code: m.sex for m in scheme.mdcs if m.sex} == {"MDCM": 1, "MDCN": 2}
