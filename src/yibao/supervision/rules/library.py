"""Load the packaged rule library and the rule parameters, fast and without openpyxl.

The library lives in ``supervision/data/rules/nhsa_rules.json.gz`` (built from the national
workbooks by :mod:`yibao.supervision.rules.build`); the parameters the batches do not state live in
``supervision/data/rules/params.toml``. Both are read once and cached.
"""

from __future__ import annotations

import gzip
import json
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from yibao.errors import ErrorCode, PolicyError
from yibao.supervision.rules.model import (
    BehaviorType,
    ResultType,
    Rule,
    RuleEntry,
    RuleKind,
    RuleLibrary,
    Severity,
    Stage,
    Window,
)

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
RULES_DIR = DATA_DIR / "rules"
LIBRARY_FILE = RULES_DIR / "nhsa_rules.json.gz"
PARAMS_FILE = RULES_DIR / "params.toml"
DEFINITIONS_FILE = RULES_DIR / "rules.toml"

# Entry fields stored in the data file, in order; absent keys take the dataclass default.
_ENTRY_FIELDS = tuple(RuleEntry.__dataclass_fields__)
_TUPLE_FIELDS = ("insutypes", "settings")


@dataclass(frozen=True)
class AgeLimit:
    """An age object fires when the age in ``unit`` (completed) is at least ``below``."""

    unit: Literal["year", "day"]
    below: int


@dataclass(frozen=True)
class RuleParams:
    """Parameters of the rule engines that the national batches do not give (all assumptions)."""

    age_objects: dict[str, AgeLimit] = field(default_factory=dict)
    working_age: dict[str, int] = field(default_factory=dict)  # gend → legal working age limit
    secondary_ratio: Decimal = Decimal("1")  # 第二及以后手术计收比例


def rule_from_dict(data: dict[str, object]) -> Rule:
    """A rule from its definition (rules.toml table or data-file record)."""
    try:
        return Rule(
            rule_id=str(data["rule_id"]),
            rule_name=str(data["rule_name"]),
            kind=RuleKind(data["kind"]),
            result_type=ResultType(data["result_type"]),
            windows=tuple(Window(w) for w in data["windows"]),  # type: ignore[attr-defined]
            stages=tuple(Stage(s) for s in data["stages"]),  # type: ignore[attr-defined]
            severity=Severity(data["severity"]),
            vola_bhvr_type=BehaviorType(data["vola_bhvr_type"]),
            batch=int(data["batch"]),  # type: ignore[call-overload]
            source=str(data["source"]),
            description=str(data.get("description", "")),
        )
    except (KeyError, ValueError) as exc:
        raise PolicyError(ErrorCode.POLICY_INVALID, field="rule", detail=f"{data.get('rule_id')}: {exc}") from exc


def rule_to_dict(rule: Rule) -> dict[str, object]:
    return {
        "rule_id": rule.rule_id,
        "rule_name": rule.rule_name,
        "kind": rule.kind.value,
        "result_type": rule.result_type.value,
        "windows": [w.value for w in rule.windows],
        "stages": [s.value for s in rule.stages],
        "severity": rule.severity.value,
        "vola_bhvr_type": rule.vola_bhvr_type.value,
        "batch": rule.batch,
        "source": rule.source,
        "description": rule.description,
    }


def _entries_to_json(entries: tuple[RuleEntry, ...]) -> dict[str, object]:
    """Entries as positional rows under one header; the long descriptions (``note``, shared by all
    codes of a drug) are stored once in ``notes`` and referenced by position."""
    notes: dict[str, int] = {}
    rows = []
    for entry in entries:
        row: list[object] = []
        for name in _ENTRY_FIELDS:
            value = getattr(entry, name)
            if name == "note":
                value = notes.setdefault(value, len(notes))
            elif name in _TUPLE_FIELDS:
                value = list(value)
            elif isinstance(value, Window):
                value = value.value
            row.append(value)
        rows.append(row)
    return {"fields": list(_ENTRY_FIELDS), "notes": list(notes), "rows": rows}


def _entries_from_json(data: dict[str, object]) -> tuple[RuleEntry, ...]:
    if data["fields"] != list(_ENTRY_FIELDS):
        raise PolicyError(ErrorCode.POLICY_INVALID, field="nhsa_rules.json.gz", detail="字段与程序不一致，请重新构建")
    notes: list[str] = data["notes"]  # type: ignore[assignment]
    at = {name: i for i, name in enumerate(_ENTRY_FIELDS)}
    note, window, tuples = at["note"], at["window"], [at[name] for name in _TUPLE_FIELDS]
    entries = []
    for row in data["rows"]:  # type: ignore[attr-defined]
        row[note] = notes[row[note]]
        if row[window] is not None:
            row[window] = Window(row[window])
        for i in tuples:
            row[i] = tuple(row[i])
        entries.append(RuleEntry(*row))
    return tuple(entries)


def library_to_json(library: RuleLibrary) -> dict[str, object]:
    return {
        "version": library.version,
        "rules": [rule_to_dict(rule) for rule in library.rules],
        "entries": _entries_to_json(library.entries),
    }


def library_from_json(data: dict[str, object]) -> RuleLibrary:
    return RuleLibrary(
        version=str(data["version"]),
        rules=tuple(rule_from_dict(r) for r in data["rules"]),  # type: ignore[attr-defined]
        entries=_entries_from_json(data["entries"]),  # type: ignore[arg-type]
    )


def entry_records(library: RuleLibrary) -> list[dict[str, object]]:
    """Every entry as a flat record with its rule's kind, result type, severity and behaviour class,
    all columns present (``None`` where unused): ready for ``ibis.memtable`` in post-event scans."""
    records = []
    for entry in library.entries:
        rule = library.rule(entry.rule_id)
        record: dict[str, object] = {name: getattr(entry, name) for name in _ENTRY_FIELDS}
        record["insutypes"] = ",".join(entry.insutypes)
        record["settings"] = ",".join(entry.settings)
        record["window"] = entry.window.value if entry.window else None
        record.update(
            kind=rule.kind.value,
            result_type=rule.result_type.value,
            sev_deg=rule.severity.value,
            vola_bhvr_type=rule.vola_bhvr_type.value,
            rule_name=rule.rule_name,
        )
        records.append(record)
    return records


def write_library(library: RuleLibrary, path: Path = LIBRARY_FILE) -> Path:
    """Write the library as gzipped JSON; the same library always gives the same bytes (mtime 0)."""
    text = json.dumps(library_to_json(library), ensure_ascii=False, separators=(",", ":"))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(text.encode("utf-8"))
    return path


def read_library(path: Path) -> RuleLibrary:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return library_from_json(json.load(handle))


@lru_cache(maxsize=1)
def load_library() -> RuleLibrary:
    """The packaged national rule library (batches 1–8), read once."""
    return read_library(LIBRARY_FILE)


def params_from_dict(data: dict[str, object]) -> RuleParams:
    """Rule parameters from a TOML table (params.toml, or a policy pack's [supervision] table)."""
    try:
        ages = {
            name: AgeLimit(unit=spec["unit"], below=int(spec["below"]))  # type: ignore[index]
            for name, spec in data.get("age_objects", {}).items()  # type: ignore[attr-defined]
        }
        for name, limit in ages.items():
            if limit.unit not in ("year", "day") or limit.below <= 0:
                raise ValueError(f"age_objects.{name}")
        working = {str(g): int(a) for g, a in data.get("working_age", {}).items()}  # type: ignore[attr-defined]
        operation = data.get("operation", {})
        ratio_text = operation.get("secondary_ratio", "1")  # type: ignore[attr-defined]
        if not isinstance(ratio_text, str):
            raise ValueError("operation.secondary_ratio must be a string")
        ratio = Decimal(ratio_text)
        if not Decimal(0) <= ratio <= Decimal(1):
            raise ValueError("operation.secondary_ratio")
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise PolicyError(ErrorCode.POLICY_INVALID, field="supervision.params", detail=str(exc)) from exc
    return RuleParams(age_objects=ages, working_age=working, secondary_ratio=ratio)


@lru_cache(maxsize=1)
def load_params() -> RuleParams:
    """The packaged default rule parameters (params.toml)."""
    with PARAMS_FILE.open("rb") as handle:
        return params_from_dict(tomllib.load(handle))


def load_definitions(path: Path = DEFINITIONS_FILE) -> list[dict[str, object]]:
    """The [[rule]] tables of rules.toml (what each workbook's rule is)."""
    with path.open("rb") as handle:
        return list(tomllib.load(handle)["rule"])


__all__ = [
    "AgeLimit",
    "LIBRARY_FILE",
    "entry_records",
    "RuleParams",
    "load_definitions",
    "load_library",
    "load_params",
    "params_from_dict",
    "read_library",
    "write_library",
]
