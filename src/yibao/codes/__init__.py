"""Code tables: ICD-10 医保版 diagnoses, ICD-9-CM-3 医保版 procedures, procedure kinds.

Data is bundled under ``codes/data/<scheme>/`` (see its SOURCE.md) and loaded lazily, once.
"""

from yibao.codes.kinds import ProcedureKind, or_procedures, procedure_kind, procedure_kind_table
from yibao.codes.tables import Code, CodeTable, diagnoses, procedures

__all__ = [
    "Code",
    "CodeTable",
    "ProcedureKind",
    "diagnoses",
    "or_procedures",
    "procedure_kind",
    "procedure_kind_table",
    "procedures",
]
