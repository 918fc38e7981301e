"""The rule language of a grouping scheme (``gate``, ``rule``), parsed once into a small AST.

Grammar (``and`` binds tighter than ``or``; parentheses as written)::

    expr  := conj ("or" conj)*
    conj  := unit ("and" unit)*
    unit  := "(" expr ")" | term

Terms (see SOURCE.md of the scheme):

============================================  ==========================================
``principal_dx in dx`` / ``in mdc_dx``        :class:`Member` ("principal_dx", list)
``any_dx in dx``                              :class:`Member` ("any_dx", list)
``main_proc in proc``                         :class:`Member` ("main_proc", list)
``any_proc in proc`` / ``in proc1``           :class:`Member` ("any_proc", list)
``main_proc is_or_procedure``                 :class:`Member` ("main_proc", "or_procedures")
``proc_tag_N_present``                        :class:`Member` ("any_proc", "proc_tag_N")
``no_or_procedure``                           :class:`NoOrProcedure`
``age_days <= 28``, ``age_years == 0``,
``birth_weight_g < 1500``                     :class:`Compare` (false when the value is unknown)
``has_birth_weight``                          :class:`HasBirthWeight`
``sex == male`` / ``sex == female``           :class:`Sex` (1 / 2)
``count(distinct trauma_region(any_dx)) >= 2``  :class:`RegionCount`
``always``                                    :class:`Always`
============================================  ==========================================

The numbers live in the rule strings (data), never here. :func:`dnf` turns a tree into a
disjunction of conjunctions of terms, the form the batch grouper evaluates relationally.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import product

from yibao.errors import ErrorCode, PolicyError

SUBJECTS = ("principal_dx", "any_dx", "main_proc", "any_proc")
OPS = ("<=", ">=", "==", "<", ">")
FIELDS = ("age_days", "age_years", "birth_weight_g")


@dataclass(frozen=True, slots=True)
class Member:
    """``subject in list``; ``list_key`` is resolved to a scheme-wide key by :func:`bind`."""

    subject: str
    list_key: str


@dataclass(frozen=True, slots=True)
class Compare:
    field: str
    op: str
    value: int


@dataclass(frozen=True, slots=True)
class Sex:
    value: int  # 1 male, 2 female


@dataclass(frozen=True, slots=True)
class HasBirthWeight:
    pass


@dataclass(frozen=True, slots=True)
class NoOrProcedure:
    pass


@dataclass(frozen=True, slots=True)
class RegionCount:
    op: str
    value: int


@dataclass(frozen=True, slots=True)
class Always:
    pass


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Node, ...]


Term = Member | Compare | Sex | HasBirthWeight | NoOrProcedure | RegionCount | Always
Node = Term | And | Or

_TOKEN = re.compile(r"count\(distinct\s+trauma_region\(any_dx\)\)|\(|\)|[^\s()]+")
_MEMBER = re.compile(r"^(principal_dx|any_dx|main_proc|any_proc) in (\w+)$")
_COMPARE = re.compile(r"^(age_days|age_years|birth_weight_g) (<=|>=|==|<|>) (\d+)$")
_REGION = re.compile(r"^count\(distinct\s+trauma_region\(any_dx\)\) (<=|>=|==|<|>) (\d+)$")
_TAG = re.compile(r"^proc_tag_(\d+)_present$")


def _term(words: list[str], source: str) -> Term:
    text = " ".join(words)
    if m := _MEMBER.match(text):
        return Member(m.group(1), m.group(2))
    if m := _COMPARE.match(text):
        return Compare(m.group(1), m.group(2), int(m.group(3)))
    if m := _REGION.match(text):
        return RegionCount(m.group(1), int(m.group(2)))
    if m := _TAG.match(text):
        return Member("any_proc", f"proc_tag_{m.group(1)}")
    simple: dict[str, Term] = {
        "main_proc is_or_procedure": Member("main_proc", "or_procedures"),
        "no_or_procedure": NoOrProcedure(),
        "has_birth_weight": HasBirthWeight(),
        "sex == male": Sex(1),
        "sex == female": Sex(2),
        "always": Always(),
    }
    if text in simple:
        return simple[text]
    raise PolicyError(ErrorCode.POLICY_INVALID, field="rule", detail=f"无法识别的分组条件「{text}」（{source}）")


def parse(source: str) -> Node:
    """Parse one ``gate`` / ``rule`` string; an unknown term is a :class:`PolicyError`."""
    tokens = _TOKEN.findall(source)
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def expr() -> Node:
        nonlocal pos
        items = [conj()]
        while peek() == "or":
            pos += 1
            items.append(conj())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def conj() -> Node:
        nonlocal pos
        items = [unit()]
        while peek() == "and":
            pos += 1
            items.append(unit())
        return items[0] if len(items) == 1 else And(tuple(items))

    def unit() -> Node:
        nonlocal pos
        if peek() == "(":
            pos += 1
            node = expr()
            if peek() != ")":
                raise PolicyError(ErrorCode.POLICY_INVALID, field="rule", detail=f"括号不匹配（{source}）")
            pos += 1
            return node
        words: list[str] = []
        while peek() not in (None, "and", "or", "(", ")"):
            words.append(tokens[pos])
            pos += 1
        if not words:
            raise PolicyError(ErrorCode.POLICY_INVALID, field="rule", detail=f"条件为空（{source}）")
        return _term(words, source)

    node = expr()
    if pos != len(tokens):
        raise PolicyError(ErrorCode.POLICY_INVALID, field="rule", detail=f"多余的内容（{source}）")
    return node


def bind(node: Node, keys: dict[str, str]) -> Node:
    """Replace each local list name (``dx``, ``proc`` …) by its scheme-wide key."""
    if isinstance(node, And):
        return And(tuple(bind(i, keys) for i in node.items))
    if isinstance(node, Or):
        return Or(tuple(bind(i, keys) for i in node.items))
    if isinstance(node, Member):
        if node.list_key not in keys:
            raise PolicyError(ErrorCode.POLICY_INVALID, field="rule", detail=f"未定义的编码表「{node.list_key}」")
        return Member(node.subject, keys[node.list_key])
    return node


def dnf(node: Node) -> tuple[frozenset[Term], ...]:
    """The node as a disjunction of conjunctions (each a set of terms); ``Always`` drops out."""
    if isinstance(node, Or):
        return tuple(c for item in node.items for c in dnf(item))
    if isinstance(node, And):
        return tuple(frozenset().union(*parts) for parts in product(*(dnf(i) for i in node.items)))
    if isinstance(node, Always):
        return (frozenset(),)
    return (frozenset({node}),)


def compare(value: float | None, op: str, bound: int) -> bool:
    """``value op bound``; an unknown value never satisfies a comparison."""
    if value is None:
        return False
    if op == "<=":
        return value <= bound
    if op == ">=":
        return value >= bound
    if op == "==":
        return value == bound
    if op == "<":
        return value < bound
    return value > bound


def describe(node: Node) -> str:
    """A Chinese rendering of a node, for traces."""
    if isinstance(node, And):
        return " 且 ".join(_paren(i) for i in node.items)
    if isinstance(node, Or):
        return " 或 ".join(_paren(i) for i in node.items)
    return _describe_term(node)


def _paren(node: Node) -> str:
    return f"（{describe(node)}）" if isinstance(node, (And, Or)) else describe(node)


def _describe_term(term: Term) -> str:
    names = {"principal_dx": "主要诊断", "any_dx": "任一诊断", "main_proc": "主要手术", "any_proc": "任一手术"}
    fields = {"age_days": "年龄（天）", "age_years": "年龄（岁）", "birth_weight_g": "出生体重（克）"}
    if isinstance(term, Member):
        if term.list_key == "or_procedures":
            return f"{names[term.subject]}为有效手术室手术"
        return f"{names[term.subject]}属于 {term.list_key}"
    if isinstance(term, Compare):
        return f"{fields[term.field]} {term.op} {term.value}"
    if isinstance(term, Sex):
        return "性别为男" if term.value == 1 else "性别为女"
    if isinstance(term, HasBirthWeight):
        return "有出生体重"
    if isinstance(term, NoOrProcedure):
        return "无有效手术室手术"
    if isinstance(term, RegionCount):
        return f"创伤部位数 {term.op} {term.value}"
    return "无条件"


__all__ = [
    "Always",
    "And",
    "Compare",
    "HasBirthWeight",
    "Member",
    "Node",
    "NoOrProcedure",
    "Or",
    "RegionCount",
    "Sex",
    "Term",
    "bind",
    "compare",
    "describe",
    "dnf",
    "parse",
]
