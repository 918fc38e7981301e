"""Catalog: daily dose and generic name (``catalog_item.day_dose``, ``catalog_item.genname_codg``).

Revision ID: 0005_catalog_dose
Revises: 0004_supervision
Create Date: 2026-11-22

Both optional: the in-event review turns a drug line's count into days of supply with ``day_dose``
(超量开药, 重复开药) and groups the specifications of one drug by ``genname_codg``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from yibao.store.types import ExactDecimal

revision = "0005_catalog_dose"
down_revision = "0004_supervision"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("catalog_item", sa.Column("day_dose", ExactDecimal(10, 4), nullable=True))
    op.add_column("catalog_item", sa.Column("genname_codg", sa.String(50), nullable=True))
    op.create_index("ix_catalog_item_genname_codg", "catalog_item", ["genname_codg"])


def downgrade() -> None:
    op.drop_index("ix_catalog_item_genname_codg", table_name="catalog_item")
    # Plain ALTER TABLE … DROP COLUMN on both backends (SQLite ≥ 3.35): a batch rebuild would lose the
    # table's CHECK constraints, which SQLite does not reflect.
    op.drop_column("catalog_item", "genname_codg")
    op.drop_column("catalog_item", "day_dose")
