"""The ICD-10 医保版 2.0 diagnosis and ICD-9-CM-3 医保版 2.0 procedure tables, loaded once.

A :class:`CodeTable` answers lookups by code (O(1)), by prefix (类目 ``I21`` / 亚目 ``I21.0``, in
O(log n + k) over the sorted codes), by name fragment, and translates a submitted code into the
code the grouper accepts (``accept``): as it is when listed, else through ``*_map.tsv``, else an
:class:`~yibao.errors.InputError` naming the code.

Examples
--------
>>> from yibao.codes import diagnoses
>>> diagnoses().name("I21.000")
'前壁急性透壁性心肌梗死'
>>> diagnoses().accept("A01.000x002")
'A01.003'
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from yibao.errors import ErrorCode, InputError

SCHEME_DIR = "chs_drg_1_1"


@dataclass(frozen=True, slots=True)
class Code:
    """One code with its Chinese name."""

    code: str
    name: str


def data_dir(scheme: str = SCHEME_DIR) -> Path:
    """The bundled folder of a scheme's tables (package data, never ../shared)."""
    return Path(str(resources.files("yibao.codes") / "data" / scheme))


def read_tsv(path: Path) -> list[tuple[str, ...]]:
    """Rows of a headed, tab-separated file, cells stripped, header and blank lines dropped."""
    with path.open(encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    return [tuple(cell.strip() for cell in line.split("\t")) for line in lines[1:] if line.strip()]


def read_pairs(path: Path) -> dict[str, str]:
    """A two-column TSV as a dict; the first occurrence of a key wins."""
    out: dict[str, str] = {}
    for row in read_tsv(path):
        out.setdefault(row[0], row[1] if len(row) > 1 else "")
    return out


@dataclass(frozen=True)
class CodeTable:
    """A code table: names by code, the accepted-code map, and a sorted index for prefixes."""

    kind: str  # "diagnosis" | "procedure"
    names: Mapping[str, str]
    mapping: Mapping[str, str] = field(default_factory=dict)
    _sorted: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_sorted", tuple(sorted(self.names)))

    def __contains__(self, code: object) -> bool:
        return code in self.names

    def __len__(self) -> int:
        return len(self.names)

    def __iter__(self) -> Iterator[Code]:
        return (Code(c, self.names[c]) for c in self._sorted)

    @property
    def _error(self) -> ErrorCode:
        return ErrorCode.UNKNOWN_DIAGNOSIS if self.kind == "diagnosis" else ErrorCode.UNKNOWN_PROCEDURE

    @property
    def _field(self) -> str:
        return "diag_code" if self.kind == "diagnosis" else "oprn_oprt_code"

    def get(self, code: str) -> Code | None:
        """The code and its name, or ``None`` when the table does not list it."""
        name = self.names.get(code)
        return None if name is None else Code(code, name)

    def name(self, code: str) -> str:
        """The Chinese name of a listed code; an unknown code is an :class:`InputError`."""
        name = self.names.get(code)
        if name is None:
            raise InputError(self._error, field=self._field, detail=code)
        return name

    def by_prefix(self, prefix: str) -> list[Code]:
        """Codes under a 类目 (``"I21"``), 亚目 (``"I21.0"``) or any leading part, in code order."""
        lo = bisect.bisect_left(self._sorted, prefix)
        hi = bisect.bisect_left(self._sorted, prefix + "\U0010ffff", lo)
        return [Code(c, self.names[c]) for c in self._sorted[lo:hi]]

    def search(self, text: str, limit: int | None = None) -> list[Code]:
        """Codes whose name contains ``text`` (e.g. ``"心肌梗死"``), in code order."""
        text = text.strip()
        if not text:
            return []
        hits = [Code(c, self.names[c]) for c in self._sorted if text in self.names[c]]
        return hits if limit is None else hits[:limit]

    def accept(self, code: str) -> str:
        """The code the grouper works with: as is when listed, else mapped, else an error.

        Raises ``InputError(UNKNOWN_DIAGNOSIS / UNKNOWN_PROCEDURE)`` with the code as detail.
        """
        code = code.strip()
        if code in self.names:
            return code
        mapped = self.mapping.get(code)
        if mapped is None:
            raise InputError(self._error, field=self._field, detail=code or "（空）")
        return mapped

    def try_accept(self, code: str) -> str | None:
        """Like :meth:`accept` but ``None`` for a code that neither is listed nor maps."""
        code = code.strip()
        return code if code in self.names else self.mapping.get(code)


@lru_cache(maxsize=4)
def diagnoses(scheme: str = SCHEME_DIR) -> CodeTable:
    """ICD-10 医保版 2.0 疾病诊断代码表 (cached: loaded once per process)."""
    root = data_dir(scheme)
    return CodeTable("diagnosis", read_pairs(root / "diagnoses.tsv"), read_pairs(root / "diagnosis_map.tsv"))


@lru_cache(maxsize=4)
def procedures(scheme: str = SCHEME_DIR) -> CodeTable:
    """ICD-9-CM-3 医保版 2.0 手术操作代码表 (cached: loaded once per process)."""
    root = data_dir(scheme)
    return CodeTable("procedure", read_pairs(root / "procedures.tsv"), read_pairs(root / "procedure_map.tsv"))


__all__ = ["Code", "CodeTable", "data_dir", "diagnoses", "procedures", "read_pairs", "read_tsv"]
