"""Users and roles (用户与角色).

Roles are rows seeded by the initial migration (:data:`ROLE_NAMES`); a user holds any number of them.
An institution user (``institution`` role) is bound to one ``fixmedins_code`` and sees only its own
data. Passwords are stored as argon2 hashes (:func:`yibao.store.protect.hash_password`).
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yibao.store.models.base import Base, now
from yibao.store.models.reference import Institution


class RoleCode(str, Enum):
    """角色代码."""

    ADMIN = "admin"  # 管理员
    PAYMENT_ANALYST = "payment_analyst"  # 支付分析员
    AUDITOR = "auditor"  # 稽核员
    READ_ONLY = "read_only"  # 只读
    INSTITUTION = "institution"  # 定点机构用户


ROLE_NAMES: dict[RoleCode, str] = {
    RoleCode.ADMIN: "管理员",
    RoleCode.PAYMENT_ANALYST: "支付分析员",
    RoleCode.AUDITOR: "稽核员",
    RoleCode.READ_ONLY: "只读",
    RoleCode.INSTITUTION: "定点机构用户",
}

user_role = Table(
    "user_role",
    Base.metadata,
    Column("user_id", ForeignKey("app_user.user_id", ondelete="CASCADE"), primary_key=True),
    Column("role_code", ForeignKey("role.role_code"), primary_key=True),
)


class Role(Base):
    """角色."""

    __tablename__ = "role"

    role_code: Mapped[str] = mapped_column(String(30), primary_key=True)
    role_name: Mapped[str] = mapped_column(String(50))


class User(Base):
    """用户. ``username`` is the login; ``fixmedins_code`` binds an institution user."""

    __tablename__ = "app_user"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    fixmedins_code: Mapped[str | None] = mapped_column(ForeignKey("institution.fixmedins_code"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now)

    institution: Mapped[Institution | None] = relationship()
    roles: Mapped[list[Role]] = relationship(secondary=user_role, order_by="Role.role_code")

    @property
    def role_codes(self) -> frozenset[str]:
        return frozenset(role.role_code for role in self.roles)


__all__ = ["ROLE_NAMES", "Role", "RoleCode", "User", "user_role"]
