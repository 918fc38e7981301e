"""The smart-monitoring rule library (智能监控规则库): national batches 1–8 as data.

``load_library()`` gives the packaged :class:`RuleLibrary` (built from the workbooks by
``python -m yibao.supervision.rules.build``); ``load_params()`` the engine parameters (params.toml).
"""

from yibao.supervision.rules.library import AgeLimit, RuleParams, load_library, load_params, params_from_dict
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

__all__ = [
    "AgeLimit",
    "BehaviorType",
    "ResultType",
    "Rule",
    "RuleEntry",
    "RuleKind",
    "RuleLibrary",
    "RuleParams",
    "Severity",
    "Stage",
    "Window",
    "load_library",
    "load_params",
    "params_from_dict",
]
