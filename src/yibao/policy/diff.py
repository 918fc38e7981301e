"""Flatten a pack to ``key.path → value`` and compare two packs parameter by parameter."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from yibao.policy.schema import PolicyPack

_META = {"assumptions"}


def _render(value: object) -> str:
    if isinstance(value, Decimal):
        return f"{value:f}"
    if value is None:
        return "（不设）"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _walk(node: object, path: str, out: dict[str, str]) -> None:
    if isinstance(node, dict):
        if not node and path:
            out[path] = "（空）"
        for key, value in node.items():
            _walk(value, f"{path}.{key}" if path else str(key), out)
    elif isinstance(node, list | tuple):
        if not node and path:
            out[path] = "（空）"
        elif not any(isinstance(v, dict | list | tuple) for v in node):
            out[path] = "、".join(_render(v) for v in node)
            return
        for index, value in enumerate(node):
            _walk(value, f"{path}.{index}", out)
    else:
        out[path] = _render(node)


def flatten(pack: PolicyPack) -> dict[str, str]:
    """Every parameter as ``path → text`` (``insutype.390.critical.threshold → 25000``)."""
    out: dict[str, str] = {}
    data = {k: v for k, v in pack.model_dump(mode="python").items() if k not in _META}
    _walk(data, "", out)
    return out


@dataclass(frozen=True, slots=True)
class Change:
    path: str
    old: str | None
    new: str | None

    @property
    def kind(self) -> str:
        if self.old is None:
            return "新增"
        if self.new is None:
            return "删除"
        return "修改"


def diff(a: PolicyPack, b: PolicyPack) -> list[Change]:
    """Parameters that differ between ``a`` and ``b``, sorted by path."""
    fa, fb = flatten(a), flatten(b)
    return [Change(path, fa.get(path), fb.get(path)) for path in sorted(fa.keys() | fb.keys()) if fa.get(path) != fb.get(path)]


__all__ = ["Change", "diff", "flatten"]
