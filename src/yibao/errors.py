"""Error types: one base, a stable code per outcome, a Chinese message for people.

Hierarchy::

    YibaoError                 base; carries ``code`` (ErrorCode), ``field`` and ``detail``
    ├── InputError             bad input: missing, malformed, negative, unknown code …
    ├── NotFoundError          a referenced thing does not exist
    ├── CoverageError          the person has no benefit on that date (not enrolled, waiting, suspended)
    ├── ConflictError          replayed or conflicting request, unbalanced ledger
    ├── PolicyError            a policy pack that does not load or validate
    └── PermissionDenied       the caller may not do this

Expected outcomes (a refusal, a partial payment, an ungroupable case) are *returned* by engines as
results; these exceptions are for input and state that make the operation impossible. One handler at
each edge (CLI, HTTP, national envelope) maps them to exit codes, HTTP status or ``infcode -1``.
"""

from __future__ import annotations

from enum import Enum


class ErrorCode(str, Enum):
    """Stable codes for programs; the value is the code, ``.message`` the Chinese text."""

    def __new__(cls, code: str, message: str) -> "ErrorCode":
        obj = str.__new__(cls, code)
        obj._value_ = code
        obj.message = message  # type: ignore[attr-defined]
        return obj

    # input
    MISSING_FIELD = ("E1001", "缺少必填字段")
    INVALID_VALUE = ("E1002", "字段取值无效")
    INVALID_AMOUNT = ("E1003", "金额格式无效")
    NEGATIVE_AMOUNT = ("E1004", "金额不能为负数")
    FLOAT_AMOUNT = ("E1005", "金额不能使用浮点数，请使用字符串或整数")
    INVALID_DATE = ("E1006", "日期格式无效")
    UNKNOWN_DIAGNOSIS = ("E1101", "诊断编码不在医保版疾病分类与代码中")
    UNKNOWN_PROCEDURE = ("E1102", "手术操作编码不在医保版手术操作分类与代码中")
    UNKNOWN_CODE = ("E1103", "编码不存在")
    BODY_TOO_LARGE = ("E1201", "报文过大")
    MALFORMED_MESSAGE = ("E1202", "报文格式错误")
    # reference
    NOT_FOUND = ("E2001", "记录不存在")
    PERSON_NOT_FOUND = ("E2002", "人员不存在")
    INSTITUTION_NOT_FOUND = ("E2003", "定点医药机构不存在")
    # coverage
    NOT_ENROLLED = ("E3001", "该日期未参保")
    IN_WAITING_PERIOD = ("E3002", "处于待遇等待期")
    SUSPENDED = ("E3003", "参保待遇暂停")
    # state
    DUPLICATE_MESSAGE = ("E4001", "报文ID重复且内容不同")
    ALREADY_EXISTS = ("E4002", "记录已存在")
    UNBALANCED = ("E4003", "结算不平衡")
    INVALID_STATE = ("E4004", "当前状态不允许此操作")
    # policy
    POLICY_INVALID = ("E5001", "政策参数包校验不通过")
    POLICY_NOT_EFFECTIVE = ("E5002", "该日期无生效的政策参数包")
    # permission
    UNAUTHENTICATED = ("E6001", "未登录或凭证已失效")
    FORBIDDEN = ("E6002", "无权执行此操作")
    TOKEN_EXPIRED = ("E6003", "登录凭证已过期，请重新登录")
    TOKEN_INVALID = ("E6004", "登录凭证无效")
    # import
    IMPORT_REJECTED = ("E1301", "导入文件有错误，未导入任何记录")
    # system
    INTERNAL_ERROR = ("E9001", "系统内部错误，请稍后重试")

    message: str


class YibaoError(Exception):
    """Base of every error the system raises on purpose."""

    default_code: ErrorCode = ErrorCode.INVALID_VALUE

    def __init__(self, code: ErrorCode | None = None, *, field: str | None = None, detail: str | None = None):
        self.code = code or self.default_code
        self.field = field
        self.detail = detail
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The Chinese message for people: 字段「psn_no」：缺少必填字段（…）."""
        text = self.code.message
        if self.field:
            text = f"字段「{self.field}」：{text}"
        if self.detail:
            text = f"{text}（{self.detail}）"
        return text

    def to_dict(self) -> dict[str, str | None]:
        return {"code": self.code.value, "field": self.field, "message": self.message}


class InputError(YibaoError):
    default_code = ErrorCode.INVALID_VALUE


class NotFoundError(YibaoError):
    default_code = ErrorCode.NOT_FOUND


class CoverageError(YibaoError):
    default_code = ErrorCode.NOT_ENROLLED


class ConflictError(YibaoError):
    default_code = ErrorCode.ALREADY_EXISTS


class PolicyError(YibaoError):
    default_code = ErrorCode.POLICY_INVALID


class PermissionDenied(YibaoError):
    default_code = ErrorCode.FORBIDDEN


__all__ = [
    "ConflictError",
    "CoverageError",
    "ErrorCode",
    "InputError",
    "NotFoundError",
    "PermissionDenied",
    "PolicyError",
    "YibaoError",
]
