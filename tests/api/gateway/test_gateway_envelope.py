"""The envelope's JSON: the body hash keeps its canonical text; answers are compact UTF-8 JSON."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from yibao.api.gateway.envelope import body_hash, decode, render
from yibao.errors import ErrorCode, InputError

_SCALARS = st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.text() | st.decimals(
    allow_nan=False, allow_infinity=False
)
_JSON = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4), max_leaves=12)


def _as_stored(obj: object) -> str:
    """The canonical text the stored hashes were made from."""
    canonical = json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@given(st.dictionaries(st.text(), _JSON, max_size=6))
def test_the_body_hash_is_the_one_stored_hashes_were_made_with(obj: dict[str, object]) -> None:
    """A replay after an upgrade must still match its stored hash (big integers, decimals, any text)."""
    assert body_hash(obj) == _as_stored(obj)


def test_the_body_hash_ignores_key_order_and_spacing() -> None:
    one = decode('{"b": 1, "a": {"y": 12.50, "x": "费"}}'.encode())
    other = decode('{"a":{"x":"费","y":12.50},"b":1}'.encode())
    assert body_hash(one) == body_hash(other)
    assert body_hash(one) != body_hash(decode(b'{"b": 1, "a": {"y": 12.5, "x": "\\u8d39"}}'))  # 12.5 is not 12.50


def test_an_answer_is_compact_utf8_json_with_times_and_amounts_as_text() -> None:
    received = dt.datetime(2019, 3, 1, 10, 0, 0)
    answer = render({"setlinfo": {"medfee_sumamt": Decimal("58.30"), "setl_time": received, "begndate": dt.date(2019, 3, 1),
                                  "name": "门诊"}}, received)
    assert answer.startswith(b'{"infcode":0,')
    assert "门诊".encode() in answer
    parsed = json.loads(answer)
    assert parsed["refmsg_time"] == "2019-03-01 10:00:00"
    assert parsed["output"] == {"setlinfo": {"medfee_sumamt": "58.30", "setl_time": "2019-03-01 10:00:00",
                                             "begndate": "2019-03-01", "name": "门诊"}}
    refused = json.loads(render(None, received, error=InputError(ErrorCode.MISSING_FIELD, field="input.data.psn_no")))
    assert refused["infcode"] == -1 and "input.data.psn_no" in refused["err_msg"] and refused["output"] == {}
