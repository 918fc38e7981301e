"""Load policy packs from TOML, validate them, and find the pack in force for a region and date.

TOML conventions (see ``packs/*.toml``):

- amounts and ratios are strings (``"0.60"``) or integers; a TOML float is refused with the key path;
- any parameter may be written ``{ value = "800", assumption = "why" }`` and any table may carry
  ``assumption = "why"``: the loader records these in ``PolicyPack.assumptions`` keyed by path, so
  ``yibao policy show`` can mark every figure the seeds do not state;
- ``source = "…"`` may sit next to ``assumption`` for a figure's citation; it is kept in
  ``assumptions`` too, prefixed ``来源：``.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from yibao.errors import ErrorCode, PolicyError
from yibao.policy.schema import PolicyPack

_ANNOTATION_KEYS = {"value", "assumption", "source"}

_PYDANTIC_MESSAGES = {
    "missing": "缺少必填参数",
    "extra_forbidden": "未知参数",
    "decimal_parsing": "不是有效数值",
    "decimal_type": "不是有效数值",
    "int_parsing": "不是整数",
    "int_type": "不是整数",
    "date_from_datetime_parsing": "不是有效日期",
    "date_parsing": "不是有效日期",
    "date_type": "不是有效日期",
    "string_type": "应为字符串",
    "literal_error": "取值不在允许范围内",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "string_pattern_mismatch": "格式不符",
    "dict_type": "应为表",
    "tuple_type": "应为数组",
    "bool_type": "应为 true 或 false",
}


def _path(parts: tuple[object, ...] | list[object]) -> str:
    return ".".join(str(p) for p in parts) or "(根)"


def _normalise(node: object, path: list[str], notes: dict[str, str]) -> object:
    """Refuse floats, strip ``{value, assumption, source}`` annotations into ``notes``."""
    if isinstance(node, float):
        raise PolicyError(
            ErrorCode.POLICY_INVALID,
            field=_path(path),
            detail=f"不接受浮点数 {node!r}，请写成字符串，如 \"{node}\"",
        )
    if isinstance(node, dict):
        if "value" in node and set(node) <= _ANNOTATION_KEYS:
            _note(node, path, notes)
            return _normalise(node["value"], path, notes)
        table = dict(node)
        _note(table, path, notes)
        table.pop("assumption", None)
        table.pop("source", None)
        return {key: _normalise(value, [*path, str(key)], notes) for key, value in table.items()}
    if isinstance(node, list):
        return [_normalise(value, [*path, str(i)], notes) for i, value in enumerate(node)]
    return node


def _note(table: dict[str, object], path: list[str], notes: dict[str, str]) -> None:
    key = _path(path)
    parts = []
    if isinstance(table.get("assumption"), str):
        parts.append(f"假设：{table['assumption']}")
    if isinstance(table.get("source"), str):
        parts.append(f"来源：{table['source']}")
    if parts:
        notes[key] = "；".join(parts)


def parse_pack(text: str, origin: str = "<text>") -> PolicyPack:
    """Parse and validate a pack from TOML text; every failure is a ``PolicyError`` naming the key path."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(ErrorCode.POLICY_INVALID, field=origin, detail=f"TOML 语法错误：{exc}") from exc
    notes: dict[str, str] = {}
    data = _normalise(raw, [], notes)
    assert isinstance(data, dict)
    if "assumptions" in data:
        raise PolicyError(ErrorCode.POLICY_INVALID, field="assumptions", detail="由加载器生成，请在参数旁写 assumption")
    data["assumptions"] = notes
    try:
        return PolicyPack.model_validate(data)
    except ValidationError as exc:
        raise _policy_error(exc, origin) from exc


def _policy_error(exc: ValidationError, origin: str) -> PolicyError:
    lines = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith(("function-", "constrained-")))]
        reason = _PYDANTIC_MESSAGES.get(err["type"])
        if reason is None:
            reason = str(err.get("ctx", {}).get("error", err["msg"])) if err["type"] == "value_error" else err["msg"]
        lines.append(f"{_path(loc)}：{reason}")
    first = exc.errors()[0]["loc"] if exc.errors() else ()
    return PolicyError(ErrorCode.POLICY_INVALID, field=_path(list(first)), detail=f"{origin}：" + "；".join(lines))


def read_annotated(text: str, origin: str = "<text>") -> tuple[dict[str, object], dict[str, str]]:
    """TOML text → (plain data, notes by key path), with the pack conventions (floats refused, annotations stripped).

    Other pack kinds (payment packs) validate the data with their own models and report errors with
    :func:`policy_error`.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(ErrorCode.POLICY_INVALID, field=origin, detail=f"TOML 语法错误：{exc}") from exc
    notes: dict[str, str] = {}
    data = _normalise(raw, [], notes)
    assert isinstance(data, dict)
    return data, notes


def policy_error(exc: ValidationError, origin: str) -> PolicyError:
    """A pydantic validation failure as a ``PolicyError`` naming the key path, in Chinese."""
    return _policy_error(exc, origin)


def load_pack(path: str | Path) -> PolicyPack:
    """Load a pack from a file path, or a bundled pack by its ``pack_id``."""
    candidate = Path(path)
    if candidate.suffix == ".toml" or candidate.exists():
        try:
            text = candidate.read_text(encoding="utf-8")
        except OSError as exc:
            raise PolicyError(ErrorCode.POLICY_INVALID, field=str(path), detail=f"无法读取：{exc.strerror}") from exc
        return parse_pack(text, origin=candidate.name)
    return bundled_pack(str(path))


def _bundled_texts() -> dict[str, str]:
    folder = resources.files("yibao.policy").joinpath("packs")
    return {
        entry.name: entry.read_text(encoding="utf-8")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".toml")
    }


@cache
def bundled_packs() -> tuple[PolicyPack, ...]:
    """Every pack shipped in ``yibao/policy/packs``, parsed once per process (built whole, then cached,
    so concurrent first callers never see a half-filled set)."""
    return tuple(parse_pack(text, origin=name) for name, text in _bundled_texts().items())


def bundled_pack(pack_id: str) -> PolicyPack:
    for pack in bundled_packs():
        if pack.pack_id == pack_id:
            return pack
    known = "、".join(p.pack_id for p in bundled_packs())
    raise PolicyError(ErrorCode.NOT_FOUND, field="pack", detail=f"无政策包「{pack_id}」，内置：{known}")


def pack_in_force(admdvs: str, on: dt.date, packs: tuple[PolicyPack, ...] | None = None) -> PolicyPack:
    """The pack in force for a region on a date; the most specific region wins (city before national)."""
    candidates = [p for p in (packs if packs is not None else bundled_packs()) if p.covers_region(admdvs) and p.in_force(on)]
    if not candidates:
        raise PolicyError(ErrorCode.POLICY_NOT_EFFECTIVE, field="admdvs", detail=f"{admdvs} 于 {on.isoformat()}")
    return max(candidates, key=lambda p: (len(p.admdvs.rstrip("0")), p.valid_from, p.version))


__all__ = ["bundled_pack", "bundled_packs", "load_pack", "pack_in_force", "parse_pack", "policy_error", "read_annotated"]
