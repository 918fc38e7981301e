"""Bureau records: policy_pack_version (uploaded, activated packs) and agreement_event (协议状态变更).

Revision ID: 0003_bureau
Revises: 0002_gateway
Create Date: 2025-01-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_bureau"
down_revision = "0002_gateway"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy_pack_version",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("pack_id", sa.String(100), nullable=False),
        sa.Column("version", sa.String(50), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("admdvs", sa.String(6), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("toml_text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_by", sa.String(50), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("activated_by", sa.String(50), nullable=True),
        sa.Column("activated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_policy_pack_version"),
        sa.UniqueConstraint("pack_id", "version", name="uq_policy_pack_version_pack_id_version"),
    )
    op.create_index("ix_policy_pack_version_pack_id", "policy_pack_version", ["pack_id"])
    op.create_table(
        "agreement_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("fixmedins_code", sa.String(30), nullable=False),
        sa.Column("old_stas", sa.String(1), nullable=False),
        sa.Column("new_stas", sa.String(1), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("changed_by", sa.String(50), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fixmedins_code"],
            ["institution.fixmedins_code"],
            name="fk_agreement_event_fixmedins_code_institution",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_agreement_event"),
    )
    op.create_index("ix_agreement_event_fixmedins_code", "agreement_event", ["fixmedins_code"])


def downgrade() -> None:
    op.drop_table("agreement_event")
    op.drop_table("policy_pack_version")
