"""Claims as JSON lines (the ``yibao settle`` file format), parsed to engine inputs and settled in order.

One line = one claim with its person and coverage inline::

    {"mdtrt_id": "M1", "insutype": "390", "med_type": "21",
     "begndate": "2019-03-01", "setl_date": "2019-03-09",
     "fixmedins_code": "H001", "fixmedins_lv": "3", "grassroots": false,
     "mdtrtarea_admvs": "330902",
     "chronic_code": null, "prescription_days": null, "use_acct": true,
     "person": {"psn_no": "P1", "psn_type": "15", "insuplc_admdvs": "330902",
                "identities": ["minimum_living"], "acct_balc": "0.00"},
     "coverage": {"enrolled_from": "2019-01-01", "enrolled_to": null, "benefit_from": null,
                  "suspended": [["2019-06-01", "2019-06-30"]]},
     "items": [{"med_list_codg": "X1", "pric": "12.50", "cnt": "2", "det_item_fee_sumamt": "25.00",
                "chrgitm_lv": "02", "med_chrgitm_type": "09", "selfpay_prop": "0.10",
                "pric_uplmt_amt": "10.00"}]}

Amounts are strings (or integers), never JSON floats. ``coverage: null`` means not enrolled. Items
whose code is in the catalog given to :func:`settle_lines` take the catalog's class (their inline
``chrgitm_lv`` / ``selfpay_prop`` then override it for that line); codes not in it must carry
``chrgitm_lv`` inline, which defines the entry (with ``med_chrgitm_type``, ``pric_uplmt_amt``).

:func:`settle_lines` carries accumulators (per psn_no, fund year, insutype) and account balances over
the lines; a line with an error settles nothing and is reported with its number and field.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from yibao.catalog.model import CatalogEntry, ChargeLevel, ListType
from yibao.enrollment.rules import Coverage
from yibao.errors import ErrorCode, InputError, YibaoError
from yibao.money import price, ratio, yuan
from yibao.policy.schema import IDENTITIES, PolicyPack
from yibao.settlement.accumulators import Accumulators
from yibao.settlement.engine import settle
from yibao.settlement.model import Claim, ClaimItem, Person, Settlement

_LEVELS = {"1", "2", "3"}


def _req(obj: Mapping[str, object], key: str, where: str) -> object:
    if key not in obj or obj[key] is None or obj[key] == "":
        raise InputError(ErrorCode.MISSING_FIELD, field=f"{where}{key}")
    return obj[key]


def _text(obj: Mapping[str, object], key: str, where: str = "") -> str:
    value = _req(obj, key, where)
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise InputError(ErrorCode.INVALID_VALUE, field=f"{where}{key}", detail="应为字符串")
    return str(value)


def _date(value: object, name: str) -> dt.date:
    if not isinstance(value, str):
        raise InputError(ErrorCode.INVALID_DATE, field=name, detail=repr(value))
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError as exc:
        raise InputError(ErrorCode.INVALID_DATE, field=name, detail=value) from exc


def _opt_date(obj: Mapping[str, object], key: str, where: str) -> dt.date | None:
    value = obj.get(key)
    return None if value is None else _date(value, f"{where}{key}")


def _bool(obj: Mapping[str, object], key: str, default: bool, where: str = "") -> bool:
    value = obj.get(key, default)
    if not isinstance(value, bool):
        raise InputError(ErrorCode.INVALID_VALUE, field=f"{where}{key}", detail="应为 true 或 false")
    return value


def _level(value: object, name: str) -> ChargeLevel:
    try:
        return ChargeLevel(str(value))
    except ValueError as exc:
        raise InputError(ErrorCode.INVALID_VALUE, field=name, detail="应为 01 甲类、02 乙类或 03 丙类") from exc


def _item(raw: object, index: int, catalog: Mapping[str, CatalogEntry], local: dict[str, CatalogEntry]) -> ClaimItem:
    where = f"items[{index}]."
    if not isinstance(raw, dict):
        raise InputError(ErrorCode.INVALID_VALUE, field=f"items[{index}]", detail="应为对象")
    code = _text(raw, "med_list_codg", where)
    pric = price(_req(raw, "pric", where), f"{where}pric")  # type: ignore[arg-type]
    cnt = price(_req(raw, "cnt", where), f"{where}cnt")  # type: ignore[arg-type]
    total = yuan(_req(raw, "det_item_fee_sumamt", where), f"{where}det_item_fee_sumamt")  # type: ignore[arg-type]
    level = None if raw.get("chrgitm_lv") is None else _level(raw["chrgitm_lv"], f"{where}chrgitm_lv")
    share = None if raw.get("selfpay_prop") is None else ratio(raw["selfpay_prop"], f"{where}selfpay_prop")  # type: ignore[arg-type]
    if code not in catalog:
        if level is None:
            raise InputError(ErrorCode.UNKNOWN_CODE, field=f"{where}med_list_codg", detail=f"医保目录无「{code}」且未给出 chrgitm_lv")
        limit = raw.get("pric_uplmt_amt")
        local[code] = CatalogEntry(
            med_list_codg=code,
            name=str(raw.get("med_list_name", code)),
            list_type=ListType.SERVICE_ITEM,
            chrgitm_lv=level,
            med_chrgitm_type=str(raw.get("med_chrgitm_type", "14")),
            selfpay_prop=share or Decimal(0),
            pric_uplmt_amt=None if limit is None else price(limit, f"{where}pric_uplmt_amt"),  # type: ignore[arg-type]
        )
    return ClaimItem(code, pric, cnt, total, level, share)


@dataclass(frozen=True, slots=True)
class ParsedLine:
    claim: Claim
    person: Person
    coverage: Coverage | None
    catalog: Mapping[str, CatalogEntry]


def parse_claim(obj: object, catalog: Mapping[str, CatalogEntry]) -> ParsedLine:
    """One decoded JSON object → engine inputs; raises ``InputError`` naming the field."""
    if not isinstance(obj, dict):
        raise InputError(ErrorCode.MALFORMED_MESSAGE, detail="每行应为一个 JSON 对象")
    person_raw = _req(obj, "person", "")
    if not isinstance(person_raw, dict):
        raise InputError(ErrorCode.INVALID_VALUE, field="person", detail="应为对象")
    identities = person_raw.get("identities") or []
    if not isinstance(identities, list) or any(i not in IDENTITIES for i in identities):
        raise InputError(ErrorCode.INVALID_VALUE, field="person.identities", detail=f"可选：{'、'.join(IDENTITIES)}")
    person = Person(
        psn_no=_text(person_raw, "psn_no", "person."),
        psn_type=_text(person_raw, "psn_type", "person."),
        insuplc_admdvs=_text(person_raw, "insuplc_admdvs", "person."),
        identities=frozenset(identities),
        acct_balc=yuan(person_raw.get("acct_balc", 0), "person.acct_balc"),  # type: ignore[arg-type]
    )
    insutype = _text(obj, "insutype")
    cov_raw = obj.get("coverage")
    coverage = None
    if cov_raw is not None:
        if not isinstance(cov_raw, dict):
            raise InputError(ErrorCode.INVALID_VALUE, field="coverage", detail="应为对象或 null")
        suspended = []
        for k, pair in enumerate(cov_raw.get("suspended") or []):
            if not isinstance(pair, list) or len(pair) != 2:
                raise InputError(ErrorCode.INVALID_VALUE, field=f"coverage.suspended[{k}]", detail="应为 [起, 止]")
            suspended.append((_date(pair[0], f"coverage.suspended[{k}]"), _date(pair[1], f"coverage.suspended[{k}]")))
        coverage = Coverage(
            insutype=str(cov_raw.get("insutype", insutype)),
            enrolled_from=_date(_req(cov_raw, "enrolled_from", "coverage."), "coverage.enrolled_from"),
            enrolled_to=_opt_date(cov_raw, "enrolled_to", "coverage."),
            benefit_from=_opt_date(cov_raw, "benefit_from", "coverage."),
            suspended=tuple(suspended),
        )
    items_raw = _req(obj, "items", "")
    if not isinstance(items_raw, list) or not items_raw:
        raise InputError(ErrorCode.INVALID_VALUE, field="items", detail="应为非空数组")
    local: dict[str, CatalogEntry] = {}
    items = tuple(_item(raw, i, catalog, local) for i, raw in enumerate(items_raw))
    level = _text(obj, "fixmedins_lv")
    if level not in _LEVELS:
        raise InputError(ErrorCode.INVALID_VALUE, field="fixmedins_lv", detail="应为 1、2 或 3")
    days = obj.get("prescription_days")
    if days is not None and (not isinstance(days, int) or isinstance(days, bool) or days < 0):
        raise InputError(ErrorCode.INVALID_VALUE, field="prescription_days", detail="应为非负整数")
    claim = Claim(
        mdtrt_id=_text(obj, "mdtrt_id"),
        psn_no=person.psn_no,
        insutype=insutype,
        med_type=_text(obj, "med_type"),
        begndate=_date(_req(obj, "begndate", ""), "begndate"),
        setl_date=_date(_req(obj, "setl_date", ""), "setl_date"),
        fixmedins_code=_text(obj, "fixmedins_code"),
        fixmedins_lv=level,
        items=items,
        mdtrtarea_admvs=str(obj.get("mdtrtarea_admvs") or person.insuplc_admdvs),
        grassroots=_bool(obj, "grassroots", False),
        chronic_code=None if obj.get("chronic_code") is None else str(obj["chronic_code"]),
        prescription_days=days,
        use_acct=_bool(obj, "use_acct", True),
    )
    merged: Mapping[str, CatalogEntry] = {**catalog, **local} if local else catalog
    return ParsedLine(claim, person, coverage, merged)


def _reject_float(text: str) -> Decimal:
    raise InputError(ErrorCode.FLOAT_AMOUNT, detail=f"JSON 数值 {text} 请写成字符串")


def decode_line(text: str) -> object:
    """Decode one JSON line; a JSON float is refused (money must be a string)."""
    try:
        return json.loads(text, parse_float=_reject_float)
    except json.JSONDecodeError as exc:
        raise InputError(ErrorCode.MALFORMED_MESSAGE, detail=f"JSON 格式错误：{exc.msg}（第 {exc.colno} 列）") from exc


@dataclass(slots=True)
class Outcome:
    """One line's result: a settlement, or the error that made it settle nothing."""

    line_no: int
    settlement: Settlement | None = None
    error: YibaoError | None = None


@dataclass(slots=True)
class BatchState:
    """What carries over between lines: accumulators and personal account balances."""

    accumulators: dict[tuple[str, int, str], Accumulators] = field(default_factory=dict)
    balances: dict[str, Decimal] = field(default_factory=dict)


def settle_lines(
    lines: Iterable[str], policy: PolicyPack, catalog: Mapping[str, CatalogEntry], state: BatchState | None = None
) -> Iterator[Outcome]:
    """Settle JSON lines in order. Blank lines are skipped. The person's ``acct_balc`` is used the first
    time the person is seen; afterwards the balance left by the previous settlement carries over."""
    state = state if state is not None else BatchState()
    for line_no, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            parsed = parse_claim(decode_line(text), catalog)
            person = parsed.person
            if person.psn_no in state.balances:
                person = Person(person.psn_no, person.psn_type, person.insuplc_admdvs, person.identities, state.balances[person.psn_no])
            claim = parsed.claim
            key = (claim.psn_no, claim.setl_date.year, claim.insutype)
            acc = state.accumulators.get(key) or Accumulators.empty(*key)
            settlement, new_acc = settle(claim, person, parsed.coverage, policy, acc, catalog=parsed.catalog)
        except YibaoError as exc:
            yield Outcome(line_no, error=exc)
            continue
        state.accumulators[key] = new_acc
        if settlement.acct_pay or person.acct_balc:
            state.balances[person.psn_no] = settlement.balc
        yield Outcome(line_no, settlement=settlement)


__all__ = ["BatchState", "Outcome", "ParsedLine", "decode_line", "parse_claim", "settle_lines"]
