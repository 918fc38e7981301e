"""A synthetic region loads into the operational store with protected, obviously fake ID numbers."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.store.conftest import BACKENDS, TEST_SECRET, temporary_database
from yibao.store import db
from yibao.store.models import CoveragePeriod, Institution, Person, PersonIdentity
from yibao.store.protect import CertnoProtector
from yibao.synth import SynthConfig, generate_region
from yibao.synth.operational import fake_certno, load_operational


@pytest.fixture(params=BACKENDS)
def factory(request, tmp_path):
    with temporary_database(request.param, tmp_path) as url:
        db.upgrade(url)
        engine = db.make_engine(url)
        yield db.session_factory(engine)
        engine.dispose()


def test_fake_id_numbers_use_the_nonexistent_region_999999_and_a_valid_check_digit():
    from datetime import date

    number = fake_certno(date(1990, 1, 1), 123)
    assert number.startswith("99999919900101123") and len(number) == 18
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    assert "10X98765432"[sum(int(c) * w for c, w in zip(number[:17], weights)) % 11] == number[17]


def test_people_institutions_identities_and_coverage_are_bulk_loaded(factory):
    region = generate_region(SynthConfig(persons=1_500, chunk_persons=1_000, seed=5))
    counts = load_operational(region, factory, CertnoProtector(TEST_SECRET))
    persons = region.collect()["persons"]
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 1_500 == counts["person"]
        assert session.scalar(select(func.count()).select_from(Institution)) == len(region.institutions.code)
        assert session.scalar(select(func.count()).select_from(CoveragePeriod)) == 1_500
        holders = sum(1 for x in persons["psn_idet_type"].to_pylist() if x != "00")
        assert session.scalar(select(func.count()).select_from(PersonIdentity)) == holders
        waiting = session.scalar(select(func.count()).select_from(CoveragePeriod).where(CoveragePeriod.wait_enddate.is_not(None)))
        assert waiting == len(persons) - persons["wait_end_date"].null_count
        person = session.scalars(select(Person).limit(1)).one()
        assert person.certno_mask.startswith("999999")
        assert CertnoProtector(TEST_SECRET).decrypt(person.certno_cipher).startswith("999999")
