"""Plain-SQL reads of the settlement hot path (结算热路径): visit, person, fees, coverage.

Why not the ORM here: per settlement, identity-map and unit-of-work bookkeeping cost more CPU than
the engine itself, and one statement per object meant ~18 round trips. These Core statements take
the same row lock (``FOR UPDATE OF mdtrt``) and return plain rows in fewer round trips; they run on
the driver's cursor (:mod:`yibao.store.driver`), compiled once.

The "already settled?" check rides on the fee query, which runs *after* the visit lock: under READ
COMMITTED a statement issued after the lock sees a settlement another transaction committed while
we waited; a subquery inside the locking statement would still see its older snapshot.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, and_, bindparam, exists, literal_column, select, true

from yibao.enrollment.rules import Coverage
from yibao.store import driver
from yibao.store.models import (
    AnnualAccumulator,
    CoveragePeriod,
    FeeDetail,
    Person,
    PersonIdentity,
    Settlement,
    SettlementStatus,
    Visit,
    VisitExtra,
)


# Built once with bound parameters: building and cache-keying a statement per call cost more CPU
# than running it. Coverage periods ride along (a person has one or a few per insutype).
_VISIT = (
    select(
        Visit.mdtrt_id, Visit.psn_no, Visit.fixmedins_code, Visit.insutype, Visit.med_type, Visit.begntime,
        Visit.mdtrt_stas, VisitExtra.mdtrt_id.label("extra_id"), VisitExtra.mdtrtarea_admvs, VisitExtra.dise_codg,
        Person.psn_type, Person.insuplc_admdvs,
        PersonIdentity.psn_idet_type, PersonIdentity.begndate, PersonIdentity.enddate,
        CoveragePeriod.id.label("cov_id"), CoveragePeriod.insutype.label("cov_insutype"),
        CoveragePeriod.begndate.label("cov_begndate"), CoveragePeriod.enddate.label("cov_enddate"),
        CoveragePeriod.wait_enddate, CoveragePeriod.psn_insu_stas,
    )
    .join(Person, Person.psn_no == Visit.psn_no)
    .outerjoin(VisitExtra, VisitExtra.mdtrt_id == Visit.mdtrt_id)
    .outerjoin(PersonIdentity, PersonIdentity.psn_no == Visit.psn_no)
    .outerjoin(CoveragePeriod, and_(CoveragePeriod.psn_no == Visit.psn_no, CoveragePeriod.insutype == Visit.insutype))
    .where(Visit.mdtrt_id == bindparam("mdtrt_id"))
)
_VISIT_LOCKED = _VISIT.with_for_update(of=Visit.__table__)  # type: ignore[arg-type]

_LIVE = exists().where(
    Settlement.mdtrt_id == bindparam("mdtrt_id"), Settlement.setl_stas == SettlementStatus.NORMAL.value
)
_FEES = (
    select(FeeDetail.med_list_codg, FeeDetail.pric, FeeDetail.cnt, FeeDetail.det_item_fee_sumamt, _LIVE.label("settled"))
    .where(FeeDetail.mdtrt_id == bindparam("mdtrt_id"))
    .order_by(FeeDetail.feedetl_sn)
)
_SETTLED = select(_LIVE)

# A settlement's second statement: the fees, the settled flag AND the accumulator lock. It runs once
# the visit is locked and checked, so the lock order stays visit → accumulator, a refused visit locks
# nothing more, and its snapshot is taken after the visit lock (the fees and the flag are current).
# Waiting here for the accumulator cannot make them stale: settling this visit or changing its fees
# needs the visit lock, which we hold; the accumulator row itself comes back in its latest committed
# version (READ COMMITTED re-reads a row it waited for). The one-row ``seed`` keeps a row in the
# answer when there are no fees or no accumulator row yet.
_ACC = AnnualAccumulator.__table__
_ACC_LOCKED = (
    select(_ACC.c.counters, _ACC.c.version)  # type: ignore[attr-defined]
    .where(
        _ACC.c.psn_no == bindparam("psn_no"),  # type: ignore[attr-defined]
        _ACC.c.fund_year == bindparam("fund_year"),  # type: ignore[attr-defined]
        _ACC.c.insutype == bindparam("insutype"),  # type: ignore[attr-defined]
    )
    .with_for_update()
    .subquery("acc")
)
_SEED = select(literal_column("1").label("one")).subquery("seed")
_FEES_AND_ACC = (
    select(
        FeeDetail.med_list_codg, FeeDetail.pric, FeeDetail.cnt, FeeDetail.det_item_fee_sumamt, _LIVE.label("settled"),
        _ACC_LOCKED.c.counters, _ACC_LOCKED.c.version,
    )
    .select_from(
        _SEED.outerjoin(_ACC_LOCKED, true()).outerjoin(FeeDetail, FeeDetail.mdtrt_id == bindparam("mdtrt_id"))
    )
    .order_by(FeeDetail.feedetl_sn)
)

Period = tuple[str, dt.date, dt.date | None, dt.date | None, str]
"""(insutype, begndate, enddate, wait_enddate, psn_insu_stas) of a coverage period."""


@dataclass(frozen=True, slots=True)
class VisitRow:
    """A visit with its extra fields, its person and the person's periods of the visit's insutype."""

    mdtrt_id: str
    psn_no: str
    fixmedins_code: str
    insutype: str
    med_type: str
    begntime: dt.datetime
    mdtrt_stas: str
    mdtrtarea_admvs: str | None
    dise_codg: str | None
    has_extra: bool
    psn_type: str
    insuplc_admdvs: str
    identities: tuple[tuple[str, dt.date, dt.date | None], ...]
    """(psn_idet_type, begndate, enddate) of the person's hardship identities."""
    periods: tuple[Period, ...]

    def coverage_on(self, on: dt.date) -> Coverage | None:
        """The enrolment rules' view of the period containing ``on`` (the latest-starting one, as
        :meth:`~yibao.store.repositories.CoverageRepository.covering` and ``coverage_of`` give)."""
        found = [p for p in self.periods if p[1] <= on and (p[2] is None or p[2] >= on)]
        if not found:
            return None
        insutype, begndate, enddate, wait_enddate, stas = max(found, key=lambda p: p[1])
        benefit_from = wait_enddate + dt.timedelta(days=1) if wait_enddate else None
        suspended: tuple[tuple[dt.date, dt.date], ...] = ()
        if stas != "1":
            suspended = ((begndate, enddate or dt.date.max),)
        return Coverage(insutype, begndate, enddate, benefit_from, suspended)


def load_visit(conn: Connection, mdtrt_id: str, *, lock: bool) -> VisitRow | None:
    """The visit (locked until the transaction ends when ``lock``), ``None`` if unknown."""
    rows = driver.fetch(conn, _VISIT_LOCKED if lock else _VISIT, {"mdtrt_id": mdtrt_id})
    if not rows:
        return None
    first = rows[0]
    # Columns in _VISIT's order: the visit (0–6), its extra (7–9), the person (10–11), an identity
    # (12–14), a coverage period (15–20).
    identities = {(r[12], r[13], r[14]) for r in rows if r[12] is not None}
    periods = {r[15]: (r[16], r[17], r[18], r[19], r[20]) for r in rows if r[15] is not None}
    return VisitRow(
        first[0], first[1], first[2], first[3], first[4], first[5], first[6], first[8], first[9], first[7] is not None,
        first[10], first[11], tuple(sorted(identities, key=lambda i: (i[0], i[1]))), tuple(periods.values()),
    )


Fee = tuple[str, Decimal, Decimal, Decimal]
"""(med_list_codg, pric, cnt, det_item_fee_sumamt) of a fee line."""
Counters = tuple[dict[str, str | int], int]
"""(counters, version) of an annual accumulator row."""


def fees_and_lock_counters(
    conn: Connection, mdtrt_id: str, *, psn_no: str, fund_year: int, insutype: str
) -> tuple[list[Fee], bool, Counters | None]:
    """After :func:`load_visit` locked the visit: its fee lines in ``feedetl_sn`` order, whether it
    already has a live settlement, and the person's accumulator ``(counters, version)``, locked —
    ``None`` when the row does not exist yet (create it with
    :meth:`~yibao.store.repositories.AccumulatorRepository.lock_counters`). One round trip."""
    params = {"mdtrt_id": mdtrt_id, "psn_no": psn_no, "fund_year": fund_year, "insutype": insutype}
    rows = driver.fetch(conn, _FEES_AND_ACC, params)
    first = rows[0]  # the seed row: always there
    fees = [(r[0], r[1], r[2], r[3]) for r in rows if r[0] is not None]
    counters = None if first[6] is None else (dict(first[5] or {}), int(first[6]))
    return fees, bool(first[4]), counters  # type: ignore[return-value]


def fees_and_settled(conn: Connection, mdtrt_id: str) -> tuple[list[Fee], bool]:
    """The visit's fee lines (code, price, count, amount) in ``feedetl_sn`` order, and whether it
    already has a live settlement — one round trip after the lock (see the module docstring)."""
    params = {"mdtrt_id": mdtrt_id}
    rows = driver.fetch(conn, _FEES, params)
    if not rows:
        return [], bool(driver.fetch(conn, _SETTLED, params)[0][0])
    return [(r[0], r[1], r[2], r[3]) for r in rows], bool(rows[0][4])


__all__ = ["Counters", "Fee", "Period", "VisitRow", "fees_and_lock_counters", "fees_and_settled", "load_visit"]
