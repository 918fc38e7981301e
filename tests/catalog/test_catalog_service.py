"""Catalog imports into a real store: lines added, corrected lines replaced, searches by date and text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from yibao.catalog.importer import CatalogRow, parse_rows
from yibao.catalog.service import CatalogQuery, import_rows, lines_of, search
from yibao.store import db
from yibao.store.uow import SqlUnitOfWork

HEADER = ["med_list_codg", "name", "list_type", "chrgitm_lv", "med_chrgitm_type", "begndate", "enddate"]


@pytest.fixture()
def uow(tmp_path: Path) -> Iterator[Callable[[], SqlUnitOfWork]]:
    url = f"sqlite:///{tmp_path / 'catalog.sqlite3'}"
    db.upgrade(url)
    engine = db.make_engine(url)
    factory = db.session_factory(engine)
    yield lambda: SqlUnitOfWork(factory)
    engine.dispose()


def _rows(n: int, name: str, begndate: str = "2021-01-01", enddate: str = "") -> list[CatalogRow]:
    return parse_rows([HEADER, *([f"C{i:05d}", f"{name}{i}", "101", "01", "09", begndate, enddate] for i in range(n))])


@pytest.mark.parametrize("n", [3, 700], ids=["few codes", "more codes than one IN list"])
def test_reimporting_corrected_lines_replaces_them_and_adds_nothing(uow: Callable[[], SqlUnitOfWork], n: int) -> None:
    first = import_rows(uow(), _rows(n, "旧"))
    again = import_rows(uow(), _rows(n, "新"))
    assert (first.created, first.updated) == (n, 0)
    assert (again.created, again.updated) == (0, n)
    assert search(uow(), CatalogQuery(q="旧")).count == 0
    assert search(uow(), CatalogQuery(q="新")).count == n


def test_a_new_period_of_a_code_is_a_new_line_and_the_date_picks_it(uow: Callable[[], SqlUnitOfWork]) -> None:
    import_rows(uow(), _rows(1, "上半年", "2021-01-01", "2021-06-30"))
    import_rows(uow(), _rows(1, "下半年", "2021-07-01"))
    assert [line.name for line in lines_of(uow(), "C00000")] == ["上半年0", "下半年0"]
    on = search(uow(), CatalogQuery(on=dt.date(2021, 8, 1))).data
    assert [item.name for item in on] == ["下半年0"]  # type: ignore[attr-defined]
