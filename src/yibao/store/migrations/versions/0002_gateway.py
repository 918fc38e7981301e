"""Gateway and catalog: catalog_item, institution_credential, sign_in, message_log, audit_log, setl_delta,
mdtrt_ext.

Revision ID: 0002_gateway
Revises: 0001_initial
Create Date: 2025-01-02

``audit_log`` is append-only: a trigger refuses UPDATE and DELETE on PostgreSQL and on SQLite.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from yibao.store.types import ExactDecimal

revision = "0002_gateway"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

_PG_FUNCTION = """
CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '审计日志只允许追加，不允许修改或删除';
END;
$$ LANGUAGE plpgsql
"""
_PG_TRIGGER = """
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
"""
_SQLITE_TRIGGERS = [
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, '审计日志只允许追加，不允许修改或删除'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, '审计日志只允许追加，不允许修改或删除'); END""",
]


def _code(name: str, length: int, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "catalog_item",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _code("med_list_codg", 50),
        sa.Column("name", sa.String(200), nullable=False),
        _code("list_type", 3),
        _code("chrgitm_lv", 2),
        _code("med_chrgitm_type", 6),
        sa.Column("selfpay_prop", ExactDecimal(7, 6), nullable=False),
        sa.Column("pric_uplmt_amt", ExactDecimal(18, 6), nullable=True),
        _code("admdvs", 6),
        sa.Column("begndate", sa.Date(), nullable=False),
        sa.Column("enddate", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("chrgitm_lv IN ('01', '02', '03')", name="ck_catalog_item_chrgitm_lv"),
        sa.CheckConstraint("list_type IN ('101', '102', '201', '301')", name="ck_catalog_item_list_type"),
        sa.CheckConstraint("enddate IS NULL OR enddate >= begndate", name="ck_catalog_item_period"),
        sa.PrimaryKeyConstraint("id", name="pk_catalog_item"),
        sa.UniqueConstraint(
            "med_list_codg", "admdvs", "begndate", name="uq_catalog_item_med_list_codg_admdvs_begndate"
        ),
    )
    op.create_index("ix_catalog_item_med_list_codg", "catalog_item", ["med_list_codg"])
    op.create_table(
        "institution_credential",
        _code("fixmedins_code", 30),
        sa.Column("secret_hash", sa.String(200), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fixmedins_code"],
            ["institution.fixmedins_code"],
            name="fk_institution_credential_fixmedins_code_institution",
        ),
        sa.PrimaryKeyConstraint("fixmedins_code", name="pk_institution_credential"),
    )
    op.create_table(
        "sign_in",
        _code("sign_no", 40),
        _code("fixmedins_code", 30),
        _code("opter", 30),
        sa.Column("sign_time", sa.DateTime(), nullable=False),
        sa.Column("signout_time", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["fixmedins_code"], ["institution.fixmedins_code"], name="fk_sign_in_fixmedins_code_institution"
        ),
        sa.PrimaryKeyConstraint("sign_no", name="pk_sign_in"),
    )
    op.create_index("ix_sign_in_fixmedins_code", "sign_in", ["fixmedins_code"])
    op.create_table(
        "message_log",
        _code("msgid", 40),
        _code("body_hash", 64),
        _code("infno", 10),
        _code("fixmedins_code", 30),
        sa.Column("infcode", sa.Integer(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("recv_time", sa.DateTime(), nullable=False),
        sa.Column("respond_time", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("msgid", name="pk_message_log"),
    )
    op.create_index("ix_message_log_fixmedins_code", "message_log", ["fixmedins_code"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        _code("fixmedins_code", 30, nullable=True),
        sa.Column("authenticated", sa.Boolean(), nullable=False),
        _code("opter", 30, nullable=True),
        _code("infno", 10, nullable=True),
        _code("msgid", 40, nullable=True),
        sa.Column("infcode", sa.Integer(), nullable=False),
        _code("err_code", 10, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_fixmedins_code", "audit_log", ["fixmedins_code"])
    op.create_index("ix_audit_log_msgid", "audit_log", ["msgid"])
    op.create_table(
        "setl_delta",
        _code("setl_id", 30),
        sa.Column("counters", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["setl_id"], ["setl.setl_id"], name="fk_setl_delta_setl_id_setl", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("setl_id", name="pk_setl_delta"),
    )
    op.create_table(
        "mdtrt_ext",
        _code("mdtrt_id", 30),
        _code("ipt_otp_no", 30, nullable=True),
        _code("mdtrtarea_admvs", 6),
        _code("dise_codg", 30, nullable=True),
        _code("dr_name", 50, nullable=True),
        _code("caty", 30, nullable=True),
        sa.ForeignKeyConstraint(
            ["mdtrt_id"], ["mdtrt.mdtrt_id"], name="fk_mdtrt_ext_mdtrt_id_mdtrt", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("mdtrt_id", name="pk_mdtrt_ext"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)
    elif op.get_bind().dialect.name == "sqlite":
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    for table in ("mdtrt_ext", "setl_delta", "audit_log", "message_log", "sign_in", "institution_credential", "catalog_item"):
        op.drop_table(table)
