"""ID numbers are never stored in clear, are found by blind index and shown masked; passwords are hashed."""

from __future__ import annotations

import doctest

import pytest
import store_samples as s
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from yibao.errors import InputError
from yibao.store import protect
from yibao.store.protect import (
    CertnoProtector,
    hash_password,
    mask_certno,
    password_needs_rehash,
    verify_password,
)
from yibao.store.uow import SqlUnitOfWork


def test_the_module_examples_hold() -> None:
    assert doctest.testmod(protect).failed == 0


@pytest.mark.parametrize(
    ("certno", "shown"),
    [
        ("330902199001011234", "330902********1234"),
        ("33090219900101123x", "330902********123X"),
        ("330902900101123", "330902*****1123"),
        ("E1234567", "E******7"),
        ("AB", "**"),
    ],
    ids=["18-digit", "check-letter", "15-digit", "passport", "tiny"],
)
def test_an_id_number_is_shown_masked(certno: str, shown: str) -> None:
    assert mask_certno(certno) == shown


def test_the_blind_index_depends_on_the_secret_and_not_on_blanks_or_case(certno_protector: CertnoProtector) -> None:
    other = CertnoProtector("a-different-secret-key")
    assert certno_protector.blind_index(" 33090219900101123x ") == certno_protector.blind_index("33090219900101123X")
    assert certno_protector.blind_index(s.CERTNO) != other.blind_index(s.CERTNO)
    assert s.CERTNO not in certno_protector.blind_index(s.CERTNO)


def test_encryption_is_randomised_and_only_the_right_key_decrypts(certno_protector: CertnoProtector) -> None:
    first, second = certno_protector.protect(s.CERTNO), certno_protector.protect(s.CERTNO)
    assert first.cipher != second.cipher and first.index == second.index
    assert certno_protector.decrypt(first.cipher) == s.CERTNO
    with pytest.raises(InputError):
        CertnoProtector("a-different-secret-key").decrypt(first.cipher)


@pytest.mark.parametrize("secret", ["", "short"], ids=["empty", "too-short"])
def test_a_weak_secret_is_refused(secret: str) -> None:
    with pytest.raises(InputError):
        CertnoProtector(secret)


def test_the_id_number_is_nowhere_in_the_stored_row(db_factory: sessionmaker[Session], certno_protector: CertnoProtector) -> None:
    with SqlUnitOfWork(db_factory, protector=certno_protector) as uow:
        s.seed_reference(uow)
        uow.commit()
    with db_factory() as session:
        row = session.execute(text("SELECT * FROM person")).mappings().one()
    stored = " ".join(str(value) for value in row.values())
    assert s.CERTNO not in stored.upper()
    assert "199001011" not in stored  # not even the birth-date middle
    assert row["certno_mask"] == "330902********123X"


def test_a_person_is_found_by_id_number_and_the_number_recovered(
    db_factory: sessionmaker[Session], certno_protector: CertnoProtector
) -> None:
    with SqlUnitOfWork(db_factory, protector=certno_protector) as uow:
        s.seed_reference(uow)
        uow.commit()
    with SqlUnitOfWork(db_factory, protector=certno_protector, immediate=False) as uow:
        found = uow.persons.get_by_certno("33090219900101123x")
        assert found is not None and found.psn_no == s.PSN_NO
        assert uow.persons.certno_of(found) == s.CERTNO
        assert uow.persons.get_by_certno("330902199001011235") is None


def test_persons_cannot_be_written_without_the_key(db_factory: sessionmaker[Session]) -> None:
    with SqlUnitOfWork(db_factory) as uow:
        uow.regions.add(s.region())
        with pytest.raises(InputError) as caught:
            uow.persons.add(s.person(), s.CERTNO)
    assert caught.value.field == "secret_key"


def test_a_second_person_with_the_same_id_number_is_refused(
    db_factory: sessionmaker[Session], certno_protector: CertnoProtector
) -> None:
    from sqlalchemy.exc import IntegrityError

    with SqlUnitOfWork(db_factory, protector=certno_protector) as uow:
        s.seed_reference(uow)
        uow.persons.add(s.person("another-psn"), s.CERTNO.lower())
        with pytest.raises(IntegrityError):
            uow.flush()


def test_a_password_hash_verifies_only_its_password() -> None:
    hashed = hash_password("正确的密码-1")
    assert hashed.startswith("$argon2id$") and "正确的密码" not in hashed
    assert verify_password(hashed, "正确的密码-1")
    assert not verify_password(hashed, "wrong")
    assert not verify_password("not-a-hash", "正确的密码-1")
    assert not password_needs_rehash(hashed)


def test_users_hold_roles_and_authenticate(db_factory: sessionmaker[Session]) -> None:
    with SqlUnitOfWork(db_factory) as uow:
        uow.regions.add(s.region())
        uow.institutions.add(s.hospital())
        uow.users.add("li.si", "pw-123456", display_name="李四", roles=["auditor", "read_only"])
        uow.users.add("h1", "pw-654321", display_name="医院", roles=["institution"], fixmedins_code=s.HOSPITAL)
        uow.commit()
    with SqlUnitOfWork(db_factory, immediate=False) as uow:
        auditor = uow.users.authenticate("li.si", "pw-123456")
        assert auditor is not None and auditor.role_codes == {"auditor", "read_only"}
        hospital_user = uow.users.get_by_username("h1")
        assert hospital_user is not None and hospital_user.fixmedins_code == s.HOSPITAL
        assert uow.users.authenticate("li.si", "pw-wrong") is None
        assert uow.users.authenticate("nobody", "pw-123456") is None
        raw = uow.session.execute(text("SELECT password_hash FROM app_user")).scalars().all()
        assert all("pw-" not in value for value in raw)


def test_an_unknown_role_or_an_unbound_institution_user_is_refused(db_factory: sessionmaker[Session]) -> None:
    with SqlUnitOfWork(db_factory) as uow:
        with pytest.raises(InputError) as unknown:
            uow.users.add("x", "pw-123456", display_name="X", roles=["superuser"])
        with pytest.raises(InputError) as unbound:
            uow.users.add("y", "pw-123456", display_name="Y", roles=["institution"])
    assert unknown.value.field == "roles"
    assert unbound.value.field == "fixmedins_code"
