"""Alembic migration scripts of the operational store; run them with :func:`yibao.store.db.upgrade`."""
