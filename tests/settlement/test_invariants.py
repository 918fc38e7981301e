"""Hypothesis invariants: balanced to the fen, no tier negative, no fund past its cap, monotone in
cost, reversal restores."""

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from settle_factory import CATALOG, ClaimItem, claim, coverage, empty, person

from yibao.policy.loader import bundled_pack
from yibao.settlement import reverse, settle

PACKS = ["zhoushan-2019", "heshan-2021", "national-2021"]
IDENTITY_SETS = [(), ("minimum_living",), ("extreme_poverty",), ("low_income",), ("registered_poor",), ("relapse_risk",)]
CODES = sorted(CATALOG)
CHRONIC = {"zhoushan-2019": "I10", "heshan-2021": "E11", "national-2021": "E11"}

amounts = st.integers(min_value=0, max_value=60_000_000).map(lambda fen: Decimal(fen).scaleb(-2))
items = st.lists(st.tuples(st.sampled_from(CODES), amounts, st.integers(1, 5)), min_size=1, max_size=6)
visits = st.tuples(st.sampled_from(["11", "14", "21", "41"]), st.sampled_from(["1", "2", "3"]), st.booleans(), items)

MONEY = ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt", "act_pay_dedc", "hifp_pay",
         "hifmi_pay", "hifob_pay", "maf_pay", "fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay")


def _claim(pack_id, visit, day):
    med_type, level, grassroots, lines = visit
    built = tuple(ClaimItem(code, (amount / cnt).quantize(Decimal("0.000001")), Decimal(cnt), amount) for code, amount, cnt in lines)
    return claim(pack_id, built, med_type=med_type, level=level, grassroots=grassroots, day=day,
                 chronic_code=CHRONIC[pack_id] if med_type == "14" else None, mdtrt_id=f"M{day}")


def _settle_all(pack_id, identities, sequence):
    pack = bundled_pack(pack_id)
    who = person(pack_id, identities=identities)
    acc = empty(pack_id)
    history = [acc]
    results = []
    for day, visit in enumerate(sequence, start=1):
        s, acc = settle(_claim(pack_id, visit, day), who, coverage(), pack, acc, catalog=CATALOG)
        results.append(s)
        history.append(acc)
    return pack, results, history


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PACKS), st.sampled_from(IDENTITY_SETS), st.lists(visits, min_size=1, max_size=8))
def test_every_settlement_balances_to_the_fen_and_no_tier_is_negative_or_past_its_cap(pack_id, identities, sequence):
    pack, results, history = _settle_all(pack_id, identities, sequence)
    for s in results:
        assert s.medfee_sumamt == s.fund_pay_sumamt + s.psn_part_amt
        assert s.psn_part_amt == s.acct_pay + s.psn_cash_pay
        assert s.medfee_sumamt == s.fulamt_ownpay_amt + s.overlmt_selfpay + s.preselfpay_amt + s.inscp_scp_amt
        assert s.hifp_pay + s.hifmi_pay + s.maf_pay <= s.inscp_scp_amt
        for name in MONEY:
            value = getattr(s, name)
            assert value >= 0, name
            assert value == value.quantize(Decimal("0.01")), name
    rules = pack.rules("390")
    final = history[-1]
    if rules.outpatient.annual_cap is not None:
        assert final.outpatient_fund_paid <= rules.outpatient.annual_cap
    assert final.inpatient_fund_paid + final.chronic_fund_paid <= rules.inpatient.annual_cap
    assert final.chronic_fund_paid <= rules.chronic.annual_cap
    tilted_uncapped = any(t.no_cap and set(identities) & set(t.identities) for t in rules.critical.tilts)
    if not tilted_uncapped:
        assert final.critical_paid <= rules.critical.annual_cap
    if rules.assistance.annual_cap is not None:
        assert final.assistance_paid <= rules.assistance.annual_cap


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(PACKS), st.sampled_from(IDENTITY_SETS), st.lists(visits, min_size=0, max_size=4), visits,
       st.sampled_from(["A-BED", "B-DRUG", "C-ITEM", "A-STENT"]), amounts)
def test_adding_cost_never_lowers_what_the_funds_or_the_person_pay(pack_id, identities, before, visit, code, extra):
    pack, _, history = _settle_all(pack_id, identities, before)
    who = person(pack_id, identities=identities)
    base = _claim(pack_id, visit, 200)
    more = _claim(pack_id, (visit[0], visit[1], visit[2], [*visit[3], (code, extra, 1)]), 200)
    s1, _ = settle(base, who, coverage(), pack, history[-1], catalog=CATALOG)
    s2, _ = settle(more, who, coverage(), pack, history[-1], catalog=CATALOG)
    assert s2.fund_pay_sumamt >= s1.fund_pay_sumamt
    assert s2.psn_part_amt >= s1.psn_part_amt


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(PACKS), st.sampled_from(IDENTITY_SETS), st.lists(visits, min_size=1, max_size=6), st.data())
def test_reversing_the_last_settlement_restores_exactly_and_an_earlier_one_removes_only_its_own_part(pack_id, identities, sequence, data):
    _, results, history = _settle_all(pack_id, identities, sequence)
    assert reverse(results[-1], history[-1]) == history[-2]
    k = data.draw(st.integers(0, len(results) - 1))
    others = empty(pack_id)
    for i, s in enumerate(results):
        if i != k:
            others = others.plus(s.deltas)
    assert reverse(results[k], history[-1]) == others
