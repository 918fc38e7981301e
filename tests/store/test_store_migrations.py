"""The bundled Alembic migration: up, down, up again, and no drift from the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, MetaData, String, inspect, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from yibao.cli.db import app as db_app
from yibao.store import db
from yibao.store.models import ROLE_NAMES, Base, Role


def _diff(url: str, metadata: MetaData) -> list[object]:
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = db.make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_leaves_every_table_in_place(fresh_db_url: str) -> None:
    assert db.current(fresh_db_url) is None
    db.upgrade(fresh_db_url)
    assert db.current(fresh_db_url) == db.head()
    assert _tables(fresh_db_url) == set(Base.metadata.tables)

    db.downgrade(fresh_db_url, "base")
    assert db.current(fresh_db_url) is None
    assert _tables(fresh_db_url) == set()

    db.upgrade(fresh_db_url)
    assert _tables(fresh_db_url) == set(Base.metadata.tables)


def test_the_migration_matches_the_models_exactly(migrated_url: str) -> None:
    assert _diff(migrated_url, Base.metadata) == []


def test_the_drift_check_would_see_a_model_the_migration_lacks(migrated_url: str) -> None:
    metadata = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(metadata)
    metadata.tables["person"].append_column(Column("nickname", String(20)))
    diff = _diff(migrated_url, metadata)
    assert [entry[0] for entry in diff] == ["add_column"]  # type: ignore[index]


def test_the_migration_seeds_the_five_roles(db_factory: sessionmaker[Session]) -> None:
    with db_factory() as session:
        roles = {role.role_code: role.role_name for role in session.scalars(select(Role))}
    assert roles == {code.value: name for code, name in ROLE_NAMES.items()}


def test_the_db_commands_migrate_and_report_the_revision(fresh_db_url: str) -> None:
    runner = CliRunner()
    result = runner.invoke(db_app, ["current", "--url", fresh_db_url])
    assert result.exit_code == 0, result.output
    assert "未初始化" in result.output

    result = runner.invoke(db_app, ["upgrade", "--url", fresh_db_url])
    assert result.exit_code == 0, result.output
    assert db.head() in result.output
    assert db.current(fresh_db_url) == db.head()

    result = runner.invoke(db_app, ["downgrade", "base", "--url", fresh_db_url, "--yes"])
    assert result.exit_code == 0, result.output
    assert db.current(fresh_db_url) is None


def test_an_unknown_revision_is_a_clear_error_not_a_traceback(fresh_db_url: str) -> None:
    result = CliRunner().invoke(db_app, ["upgrade", "no-such-revision", "--url", fresh_db_url])
    assert result.exit_code == 2
    assert "迁移失败" in result.output
