"""Procedure kinds for DIP: 相关手术, 治疗性操作, 诊断性操作.

The rule, in order (the first that applies decides):

1. the code is a valid operating-room procedure (``or_procedures.tsv``) → 相关手术;
2. the name says so itself: contains ``诊断性`` → 诊断性操作, else contains ``治疗性`` → 治疗性操作;
3. the 类目 (first two digits) is 87–91 (ICD-9-CM-3 诊断性放射学 87–88, 会谈、评估、检查 89,
   标本镜检 90–91) → 诊断性操作;
4. the name contains a diagnostic word (检查、造影、活检、镜检、测定、诊断、监测、扫描、显像、描记、
   测量、评估) → 诊断性操作;
5. otherwise → 治疗性操作.

Examples
--------
>>> procedure_kind("85.4100")
<ProcedureKind.SURGERY: 'surgery'>
>>> procedure_kind("88.7200").label
'诊断性操作'
"""

from __future__ import annotations

from enum import Enum
from functools import lru_cache

import pyarrow as pa

from yibao.codes.tables import SCHEME_DIR, data_dir, procedures, read_pairs
from yibao.errors import ErrorCode, InputError

DIAGNOSTIC_CHAPTERS = frozenset({"87", "88", "89", "90", "91"})
DIAGNOSTIC_WORDS = ("检查", "造影", "活检", "镜检", "测定", "诊断", "监测", "扫描", "显像", "描记", "测量", "评估")


class ProcedureKind(str, Enum):
    """手术操作类别 as DIP counts them."""

    SURGERY = "surgery"
    THERAPEUTIC = "therapeutic"
    DIAGNOSTIC = "diagnostic"

    @property
    def label(self) -> str:
        return {"surgery": "相关手术", "therapeutic": "治疗性操作", "diagnostic": "诊断性操作"}[self.value]


def classify(code: str, name: str, is_or_procedure: bool) -> ProcedureKind:
    """Apply the module's rule to one code, its name and its OR flag (pure)."""
    if is_or_procedure:
        return ProcedureKind.SURGERY
    if "诊断性" in name:
        return ProcedureKind.DIAGNOSTIC
    if "治疗性" in name:
        return ProcedureKind.THERAPEUTIC
    if code[:2] in DIAGNOSTIC_CHAPTERS:
        return ProcedureKind.DIAGNOSTIC
    if any(word in name for word in DIAGNOSTIC_WORDS):
        return ProcedureKind.DIAGNOSTIC
    return ProcedureKind.THERAPEUTIC


@lru_cache(maxsize=4)
def or_procedures(scheme: str = SCHEME_DIR) -> frozenset[str]:
    """有效手术室手术: the codes of ``or_procedures.tsv``."""
    return frozenset(read_pairs(data_dir(scheme) / "or_procedures.tsv"))


@lru_cache(maxsize=4)
def _kinds(scheme: str = SCHEME_DIR) -> dict[str, ProcedureKind]:
    table, ors = procedures(scheme), or_procedures(scheme)
    names = dict(table.names)
    for code in ors:  # an OR code missing from procedures.tsv is still a listed procedure here
        names.setdefault(code, "")
    return {code: classify(code, name, code in ors) for code, name in names.items()}


def procedure_kind(code: str, scheme: str = SCHEME_DIR) -> ProcedureKind:
    """The kind of a procedure code; a code that is neither listed nor mapped is an InputError."""
    kinds = _kinds(scheme)
    code = code.strip()
    if code not in kinds:
        code = procedures(scheme).accept(code)
    kind = kinds.get(code)
    if kind is None:
        raise InputError(ErrorCode.UNKNOWN_PROCEDURE, field="oprn_oprt_code", detail=code)
    return kind


def procedure_kind_table(scheme: str = SCHEME_DIR) -> pa.Table:
    """Every procedure code with ``code, name, kind, kind_label``: join it onto claims in a batch."""
    kinds, names = _kinds(scheme), procedures(scheme).names
    codes = sorted(kinds)
    return pa.table(
        {
            "code": codes,
            "name": [names.get(c, "") for c in codes],
            "kind": [kinds[c].value for c in codes],
            "kind_label": [kinds[c].label for c in codes],
        }
    )


__all__ = ["ProcedureKind", "classify", "or_procedures", "procedure_kind", "procedure_kind_table"]
