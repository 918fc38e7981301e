"""The rule library model (规则库): rules are data, a small set of kinds are the engines.

A :class:`Rule` is one national rule (e.g. 限定性别对象 of batch 1 drugs): its stable ``rule_id``, name,
:class:`RuleKind` (which engine evaluates it), :class:`ResultType` (明确违规 / 可疑), the windows it
looks at, the :class:`Stage` s it runs at (事前 / 事中 / 事后), a :class:`Severity`, the behaviour class
(违规行为分类) and its source batch. Its parameters are a table of :class:`RuleEntry` rows keyed by
national code (国家医保药品编码 / 医疗服务项目编码). The same model serves the single-visit review and
the later post-event scans.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class RuleKind(str, Enum):
    """The engines. Each kind reads a few fields of :class:`RuleEntry`."""

    SEX = "sex"  # 限定性别: entry.sex
    AGE = "age"  # 限定年龄对象: entry.age_object
    INSUTYPE = "insutype"  # 限定保险类型: entry.insutypes
    SETTING = "setting"  # 限定就医方式: entry.settings
    LEVEL = "level"  # 限定机构等级: entry.min_level
    OPERATION = "operation"  # 限定主次操作: entry.group (同一切口手术组)
    DUPLICATE = "duplicate"  # 重复收费: entry.pair_code (主项) + entry.window
    FREQUENCY = "frequency"  # 限定频次: entry.max_per_day
    WORKING_AGE = "working_age"  # 限就业年龄
    COURSE = "course"  # 限定(支付)疗程: entry.max_days, entry.min_interval_days
    PERIOD = "period"  # 周期超频次: entry.period_n per entry.period_days
    SUPPLY = "supply"  # 带药天数 (local rule): a drug line's count ÷ its daily dose against a limit by med_type


class ResultType(str, Enum):
    """结果类型: a clear violation or a suspicion a reviewer must look at."""

    CLEAR = "1"  # 明确违规
    SUSPECT = "2"  # 可疑

    @property
    def label(self) -> str:
        return {"1": "明确违规", "2": "可疑"}[self.value]


class Stage(str, Enum):
    """审核环节."""

    PRE = "事前"  # at order time (3101)
    IN = "事中"  # at settlement (3102)
    POST = "事后"  # after payment (batch scans)


class Window(str, Enum):
    """统计窗口: what lines are looked at together."""

    VISIT = "当次就诊"
    DAY = "单日"
    HOURS = "小时"  # within entry.window_hours of each other (6小时, 同一小时)
    MONTH = "自然月"
    YEAR = "自然年"
    PERIOD = "周期"  # a rolling number of days (entry.period_days)
    COURSE = "疗程"  # a course of treatment (entry.max_days)


class Severity(str, Enum):
    """严重程度 (sev_deg). Project dictionary: the national code table is not in the reference."""

    HIGH = "1"  # 严重
    MEDIUM = "2"  # 一般
    LOW = "3"  # 轻微


class BehaviorType(str, Enum):
    """违规行为分类 (vola_bhvr_type). Project dictionary (assumption, see SOURCE.md)."""

    OUT_OF_SCOPE = "01"  # 超医保限定支付范围
    DUPLICATE = "02"  # 重复收费
    OVERCHARGE = "03"  # 超标准收费
    OVER_FREQUENCY = "04"  # 超频次 / 超数量
    OVER_COURSE = "05"  # 超疗程 / 超周期

    @property
    def label(self) -> str:
        return {
            "01": "超医保限定支付范围",
            "02": "重复收费",
            "03": "超标准收费",
            "04": "超频次收费",
            "05": "超疗程/周期收费",
        }[self.value]


@dataclass(frozen=True, slots=True)
class Rule:
    """One monitoring rule (一条规则); its parameters are the entries with its ``rule_id``."""

    rule_id: str
    rule_name: str
    kind: RuleKind
    result_type: ResultType
    windows: tuple[Window, ...]
    stages: tuple[Stage, ...]
    severity: Severity
    vola_bhvr_type: BehaviorType
    batch: int
    source: str  # workbook file name
    description: str = ""


@dataclass(frozen=True, slots=True)
class RuleEntry:
    """One parameter row of a rule (规则知识点): a national code and what limits it.

    ``code`` is the line's ``med_list_codg`` that the rule judges; for a duplicate-charge pair it is the
    secondary item (从项, the line that is the violation) and ``pair_code`` the primary (主项).
    ``group`` is what counts together: the drug's generic name (all its codes share a course), the
    operation group (same incision), or the item code. ``source_text`` keeps the workbook's limiting
    value verbatim and ``note`` its description, as evidence.
    """

    rule_id: str
    code: str
    name: str
    group: str
    row: int
    source_text: str
    note: str = ""
    sex: str | None = None  # gend allowed: "1" 男 / "2" 女
    age_object: str | None = None  # 儿童 / 婴幼儿 / 新生儿, resolved by RuleParams.age_objects
    insutypes: tuple[str, ...] = ()  # insutype codes allowed to pay
    settings: tuple[str, ...] = ()  # care settings allowed: inpatient / emergency
    min_level: int | None = None  # lowest institution level allowed (2 二级, 3 三级)
    max_days: int | None = None  # 疗程: payable for at most this many days
    min_interval_days: int | None = None  # 疗程: days between two charges at least
    period_n: int | None = None  # 周期: at most period_n …
    period_days: int | None = None  # … within this many days
    max_per_day: int | None = None  # 频次: at most this quantity per calendar day
    pair_code: str | None = None  # 重复收费: the primary item (主项)
    pair_name: str | None = None
    window: Window | None = None  # 重复收费 window
    window_hours: int | None = None  # for Window.HOURS


@dataclass(frozen=True)
class RuleLibrary:
    """All rules and their entries, in the order of the batches."""

    version: str
    rules: tuple[Rule, ...]
    entries: tuple[RuleEntry, ...]
    _by_id: dict[str, Rule] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({rule.rule_id: rule for rule in self.rules})

    def rule(self, rule_id: str) -> Rule:
        return self._by_id[rule_id]

    def entries_of(self, rule_id: str) -> tuple[RuleEntry, ...]:
        return tuple(entry for entry in self.entries if entry.rule_id == rule_id)

    def counts(self) -> dict[str, int]:
        """Entries per rule_id."""
        out = {rule.rule_id: 0 for rule in self.rules}
        for entry in self.entries:
            out[entry.rule_id] += 1
        return out


__all__ = [
    "BehaviorType",
    "ResultType",
    "Rule",
    "RuleEntry",
    "RuleKind",
    "RuleLibrary",
    "Severity",
    "Stage",
    "Window",
]
