"""Post-event supervision: leads, lead events, sanctions, physician points, institution credit.

Revision ID: 0004_supervision
Revises: 0003_bureau
Create Date: 2025-01-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from yibao.store.types import ExactDecimal

revision = "0004_supervision"
down_revision = "0003_bureau"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "supervision_lead",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lead_key", sa.String(200), nullable=False),
        sa.Column("scan_id", sa.String(40), nullable=False),
        sa.Column("rule_id", sa.String(60), nullable=False),
        sa.Column("pattern", sa.String(40), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("mdtrt_id", sa.String(40), nullable=True),
        sa.Column("feedetl_sn", sa.String(40), nullable=True),
        sa.Column("related_mdtrt_id", sa.String(40), nullable=True),
        sa.Column("psn_no", sa.String(40), nullable=True),
        sa.Column("fixmedins_code", sa.String(30), nullable=True),
        sa.Column("atddr_no", sa.String(30), nullable=True),
        sa.Column("amount", ExactDecimal(18, 2), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("trace", sa.Text(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("assignee", sa.String(50), nullable=True),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_supervision_lead"),
        sa.UniqueConstraint("lead_key", name="uq_supervision_lead_lead_key"),
    )
    for col in ("scan_id", "rule_id", "mdtrt_id", "fixmedins_code", "status"):
        op.create_index(f"ix_supervision_lead_{col}", "supervision_lead", [col])
    op.create_table(
        "supervision_lead_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("from_status", sa.String(10), nullable=False),
        sa.Column("to_status", sa.String(10), nullable=False),
        sa.Column("actor", sa.String(50), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["supervision_lead.id"],
                                name="fk_supervision_lead_event_lead_id_supervision_lead", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_supervision_lead_event"),
    )
    op.create_index("ix_supervision_lead_event_lead_id", "supervision_lead_event", ["lead_id"])
    op.create_table(
        "supervision_sanction",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("fixmedins_code", sa.String(30), nullable=True),
        sa.Column("atddr_no", sa.String(30), nullable=True),
        sa.Column("amount", ExactDecimal(18, 2), nullable=True),
        sa.Column("points", sa.Integer(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("actor", sa.String(50), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["supervision_lead.id"],
                                name="fk_supervision_sanction_lead_id_supervision_lead", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_supervision_sanction"),
    )
    op.create_index("ix_supervision_sanction_lead_id", "supervision_sanction", ["lead_id"])
    op.create_index("ix_supervision_sanction_fixmedins_code", "supervision_sanction", ["fixmedins_code"])
    op.create_table(
        "physician_points",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("atddr_no", sa.String(30), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("sanction_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["sanction_id"], ["supervision_sanction.id"],
                                name="fk_physician_points_sanction_id_supervision_sanction", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_physician_points"),
    )
    op.create_index("ix_physician_points_atddr_no", "physician_points", ["atddr_no"])
    op.create_table(
        "institution_credit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("fixmedins_code", sa.String(30), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(2), nullable=False),
        sa.Column("coefficient", ExactDecimal(7, 6), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_institution_credit"),
        sa.UniqueConstraint("fixmedins_code", "year", name="uq_institution_credit_fixmedins_code_year"),
    )


def downgrade() -> None:
    op.drop_table("institution_credit")
    op.drop_table("physician_points")
    op.drop_table("supervision_sanction")
    op.drop_table("supervision_lead_event")
    op.drop_table("supervision_lead")
