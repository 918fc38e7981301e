"""Thin repositories over one Session: add, get, and the few lookups services need.

They never commit — the unit of work does (:mod:`yibao.store.uow`). The one with a twist is
:class:`AccumulatorRepository.lock`, which returns the annual accumulator row locked for the rest
of the transaction: ``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the unit of work already holds
the database write lock (``BEGIN IMMEDIATE``), so the same statement (rendered without ``FOR
UPDATE``) is just as safe.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from functools import cache

from sqlalchemy import DateTime, Update, bindparam, case, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from yibao.errors import ErrorCode, InputError
from yibao.store import driver
from yibao.store.models import (
    AnnualAccumulator,
    CoveragePeriod,
    Institution,
    Person,
    PoolingRegion,
    Role,
    RoleCode,
    Settlement,
    SettlementList,
    User,
    Visit,
)
from yibao.store.models.base import now
from yibao.store.protect import CertnoProtector, hash_password, verify_password


@cache
def _dummy_hash() -> str:
    return hash_password("no-such-user")


class RegionRepository:
    """统筹区."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, region: PoolingRegion) -> PoolingRegion:
        self.session.add(region)
        return region

    def get(self, admdvs: str) -> PoolingRegion | None:
        return self.session.get(PoolingRegion, admdvs)


class InstitutionRepository:
    """定点医药机构."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, institution: Institution) -> Institution:
        self.session.add(institution)
        return institution

    def get(self, fixmedins_code: str) -> Institution | None:
        return self.session.get(Institution, fixmedins_code)

    def list(self, admdvs: str | None = None) -> Sequence[Institution]:
        query = select(Institution).order_by(Institution.fixmedins_code)
        if admdvs is not None:
            query = query.where(Institution.admdvs == admdvs)
        return self.session.scalars(query).all()


class PersonRepository:
    """参保人员; ``certno`` goes in and out only through the protector."""

    def __init__(self, session: Session, protector: CertnoProtector | None) -> None:
        self.session = session
        self._protector = protector

    @property
    def protector(self) -> CertnoProtector:
        if self._protector is None:
            raise InputError(ErrorCode.MISSING_FIELD, field="secret_key", detail="处理证件号码需要密钥")
        return self._protector

    def add(self, person: Person, certno: str) -> Person:
        """Store ``person`` with ``certno`` encrypted, blind-indexed and masked."""
        protected = self.protector.protect(certno)
        person.certno_cipher = protected.cipher
        person.certno_index = protected.index
        person.certno_mask = protected.masked
        self.session.add(person)
        return person

    def get(self, psn_no: str) -> Person | None:
        return self.session.get(Person, psn_no)

    def get_by_certno(self, certno: str) -> Person | None:
        index = self.protector.blind_index(certno)
        return self.session.scalars(select(Person).where(Person.certno_index == index)).one_or_none()

    def certno_of(self, person: Person) -> str:
        """The clear ID number — only for a caller entitled to see it."""
        return self.protector.decrypt(person.certno_cipher)


class CoverageRepository:
    """参保期间."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, period: CoveragePeriod) -> CoveragePeriod:
        self.session.add(period)
        return period

    def for_person(self, psn_no: str, insutype: str | None = None) -> Sequence[CoveragePeriod]:
        query = select(CoveragePeriod).where(CoveragePeriod.psn_no == psn_no)
        if insutype is not None:
            query = query.where(CoveragePeriod.insutype == insutype)
        return self.session.scalars(query.order_by(CoveragePeriod.begndate)).all()

    def covering(self, psn_no: str, insutype: str, on: date) -> CoveragePeriod | None:
        """The period of ``insutype`` that contains ``on`` (whatever its status), if any."""
        query = (
            select(CoveragePeriod)
            .where(
                CoveragePeriod.psn_no == psn_no,
                CoveragePeriod.insutype == insutype,
                CoveragePeriod.begndate <= on,
                or_(CoveragePeriod.enddate.is_(None), CoveragePeriod.enddate >= on),
            )
            .order_by(CoveragePeriod.begndate.desc())
            .limit(1)
        )
        return self.session.scalars(query).first()


class VisitRepository:
    """就诊 with diagnoses and fee details."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, visit: Visit) -> Visit:
        self.session.add(visit)
        return visit

    def get(self, mdtrt_id: str) -> Visit | None:
        return self.session.get(Visit, mdtrt_id)


class SettlementRepository:
    """结算 with per-fund lines."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, settlement: Settlement) -> Settlement:
        self.session.add(settlement)
        return settlement

    def get(self, setl_id: str) -> Settlement | None:
        return self.session.get(Settlement, setl_id)

    def get_by_msgid(self, msgid: str) -> Settlement | None:
        """The settlement an earlier message produced — for answering a replay identically."""
        return self.session.scalars(select(Settlement).where(Settlement.msgid == msgid)).one_or_none()

    def reversal_of(self, setl_id: str) -> Settlement | None:
        return self.session.scalars(select(Settlement).where(Settlement.init_setl_id == setl_id)).one_or_none()

    def for_visit(self, mdtrt_id: str) -> Sequence[Settlement]:
        query = select(Settlement).where(Settlement.mdtrt_id == mdtrt_id).order_by(Settlement.setl_time)
        return self.session.scalars(query).all()


_ACC = AnnualAccumulator.__table__
_ACC_KEY = (
    _ACC.c.psn_no == bindparam("psn_no"),  # type: ignore[attr-defined]
    _ACC.c.fund_year == bindparam("fund_year"),  # type: ignore[attr-defined]
    _ACC.c.insutype == bindparam("insutype"),  # type: ignore[attr-defined]
)
# Built once with bound parameters (the hot path pays neither construction nor cache keys).
_ACC_LOCK = select(_ACC.c.counters, _ACC.c.version).where(*_ACC_KEY).with_for_update()  # type: ignore[attr-defined]
# Text, not the dialects' insert(): theirs has no cache key, so it was compiled on every call.
# ON CONFLICT … RETURNING reads the same on PostgreSQL and SQLite (3.35+); a new row is ({}, 1).
_ACC_INSERT = text(
    "INSERT INTO annual_accumulator (psn_no, fund_year, insutype, counters, version, updated_at) "
    "VALUES (:psn_no, :fund_year, :insutype, '{}', 1, :updated_at) ON CONFLICT DO NOTHING RETURNING version"
).bindparams(bindparam("updated_at", type_=DateTime()))
_ACC_WRITE = (
    update(_ACC)
    .where(
        # Names apart from the columns: an UPDATE's parameters named like columns would join the SET.
        _ACC.c.psn_no == bindparam("k_psn_no"),  # type: ignore[attr-defined]
        _ACC.c.fund_year == bindparam("k_fund_year"),  # type: ignore[attr-defined]
        _ACC.c.insutype == bindparam("k_insutype"),  # type: ignore[attr-defined]
    )
    .values(
        counters=bindparam("counters"),
        # The version check fails loudly: it goes out with the commit, where no row count is read,
        # so a version that moved sets NULL and the NOT NULL column refuses the whole transaction.
        version=case((_ACC.c.version == bindparam("k_version"), bindparam("version"))),  # type: ignore[attr-defined]
        updated_at=bindparam("updated_at"),
    )
)


class AccumulatorRepository:
    """年度累计, locked for the settlement that reads and rewrites it."""

    def __init__(self, session: Session, at_commit: Callable[[Update, dict[str, object]], None] | None = None) -> None:
        self.session = session
        self._at_commit = at_commit

    def get(self, psn_no: str, fund_year: int, insutype: str) -> AnnualAccumulator | None:
        """Read without locking (for display)."""
        return self.session.get(AnnualAccumulator, (psn_no, fund_year, insutype))

    def lock(self, psn_no: str, fund_year: int, insutype: str) -> AnnualAccumulator:
        """The accumulator row, created empty if missing, locked until the transaction ends."""
        locked = self._select_for_update(psn_no, fund_year, insutype)
        if locked is not None:
            return locked
        self._insert_if_missing(psn_no, fund_year, insutype)
        locked = self._select_for_update(psn_no, fund_year, insutype)
        if locked is None:
            raise RuntimeError("年度累计行创建后仍不可见")
        return locked

    def lock_counters(
        self, psn_no: str, fund_year: int, insutype: str, *, seen_missing: bool = False
    ) -> tuple[dict[str, str | int], int]:
        """Like :meth:`lock`, as plain ``(counters, version)`` without an ORM object (the settle hot
        path); write back with :meth:`write_counters`. One round trip once the row exists;
        ``seen_missing``: the caller's locking read found no row, go straight to creating it."""
        conn = self.session.connection()
        key = {"psn_no": psn_no, "fund_year": fund_year, "insutype": insutype}
        rows = [] if seen_missing else driver.fetch(conn, _ACC_LOCK, key)
        if not rows:
            # Our own insert is ours until commit; if a concurrent first settlement inserted first,
            # ON CONFLICT waits for it and we read (and lock) its row instead.
            if self.session.get_bind().dialect.name in ("postgresql", "sqlite"):
                if driver.fetch(conn, _ACC_INSERT, {**key, "updated_at": now()}):
                    return {}, 1
            else:
                self._insert_if_missing(psn_no, fund_year, insutype)
            rows = driver.fetch(conn, _ACC_LOCK, key)
            if not rows:
                raise RuntimeError("年度累计行创建后仍不可见")
        counters, version = rows[0]
        return dict(counters or {}), int(version)

    def write_counters(
        self, psn_no: str, fund_year: int, insutype: str, counters: dict[str, str | int], version: int
    ) -> None:
        """Store new counters of a row locked by :meth:`lock_counters`, bumping ``version`` as the
        ORM's versioned update does; a version that moved meanwhile fails the commit, not a lost
        update. Sent with the commit when the unit of work gave this repository ``at_commit``."""
        params = {
            "k_psn_no": psn_no, "k_fund_year": fund_year, "k_insutype": insutype, "k_version": version,
            "counters": counters, "version": version + 1, "updated_at": now(),
        }
        if self._at_commit is not None:
            self._at_commit(_ACC_WRITE, params)
        else:
            self.session.connection().execute(_ACC_WRITE, params)

    def _select_for_update(self, psn_no: str, fund_year: int, insutype: str) -> AnnualAccumulator | None:
        query = (
            select(AnnualAccumulator)
            .where(
                AnnualAccumulator.psn_no == psn_no,
                AnnualAccumulator.fund_year == fund_year,
                AnnualAccumulator.insutype == insutype,
            )
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return self.session.scalars(query).one_or_none()

    def _insert_if_missing(self, psn_no: str, fund_year: int, insutype: str) -> None:
        # ON CONFLICT DO NOTHING: two first settlements of the year must not both insert.
        values = {
            "psn_no": psn_no,
            "fund_year": fund_year,
            "insutype": insutype,
            "counters": {},
            "version": 1,
            "updated_at": now(),
        }
        dialect = self.session.get_bind().dialect.name
        table = AnnualAccumulator.__table__
        if dialect == "postgresql":
            statement = postgresql.insert(table).values(values).on_conflict_do_nothing()
        elif dialect == "sqlite":
            statement = sqlite.insert(table).values(values).on_conflict_do_nothing()
        else:
            if self.get(psn_no, fund_year, insutype) is not None:
                return
            statement = table.insert().values(values)  # type: ignore[attr-defined]
        self.session.execute(statement)


class SettlementListRepository:
    """结算清单; a re-upload for the same settlement replaces the earlier list."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def put(self, setl_list: SettlementList) -> SettlementList:
        existing = self.get(setl_list.setl_id)
        if existing is not None:
            self.session.delete(existing)
            self.session.flush()
        self.session.add(setl_list)
        return setl_list

    def get(self, setl_id: str) -> SettlementList | None:
        return self.session.get(SettlementList, setl_id)


class UserRepository:
    """用户与角色; passwords are hashed here, never stored in clear."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        username: str,
        password: str,
        *,
        display_name: str,
        roles: Sequence[str],
        fixmedins_code: str | None = None,
    ) -> User:
        found = self.session.scalars(select(Role).where(Role.role_code.in_(roles))).all()
        unknown = set(roles) - {role.role_code for role in found}
        if unknown:
            raise InputError(ErrorCode.UNKNOWN_CODE, field="roles", detail="、".join(sorted(unknown)))
        if RoleCode.INSTITUTION.value in roles and fixmedins_code is None:
            raise InputError(ErrorCode.MISSING_FIELD, field="fixmedins_code", detail="定点机构用户须绑定机构")
        user = User(
            username=username,
            display_name=display_name,
            password_hash=hash_password(password),
            fixmedins_code=fixmedins_code,
            roles=list(found),
        )
        self.session.add(user)
        return user

    def get_by_username(self, username: str) -> User | None:
        return self.session.scalars(select(User).where(User.username == username)).one_or_none()

    def authenticate(self, username: str, password: str) -> User | None:
        """The active user with that password, else ``None`` (no hint which part was wrong)."""
        user = self.get_by_username(username)
        # Hash even for an unknown name, so the answer time does not tell which names exist.
        matched = verify_password(user.password_hash if user else _dummy_hash(), password)
        if user is None or not user.is_active or not matched:
            return None
        return user

    def roles(self) -> Sequence[Role]:
        return self.session.scalars(select(Role).order_by(Role.role_code)).all()


__all__ = [
    "AccumulatorRepository",
    "CoverageRepository",
    "InstitutionRepository",
    "PersonRepository",
    "RegionRepository",
    "SettlementListRepository",
    "SettlementRepository",
    "UserRepository",
    "VisitRepository",
]
