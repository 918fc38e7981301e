"""Days of supply on outpatient drug lines, and the abuse the local prescription and "three fakes"
rules look for (超量开药、重复开药、多处刷卡、虚构病情、虚假票据).

Everything here draws from its own random stream, after the older kinds are injected, so adding
these kinds leaves every other table value and label of a seed as it was (apart from drug counts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from yibao.synth.catalog import SynthCatalog
from yibao.synth.charges import Lines
from yibao.synth.config import SynthConfig
from yibao.synth.outpatient import Visits, visit_lines
from yibao.synth.population import CHRONIC_DX, Institutions

_DAY = 86_400
_OUTPATIENT = ("11", "14", "41")


def prescribe(catalog: SynthCatalog, rng: np.random.Generator, lines: Lines, med_type: np.ndarray,
              supply_days: dict[str, tuple[int, int]], person: np.ndarray | None = None,
              premium_kept: float = 1.0) -> None:
    """Set the count of outpatient and pharmacy drug lines from a drawn number of days of supply
    (in place): whole units, at most the days drawn unless one unit lasts longer. A drug drawn twice
    for one visit is replaced by the next drug of its pool (a prescription names a drug once), and so
    is one drawn again for ``person`` (per line) while their earlier supply of it lasts."""
    _one_line_per_drug(catalog, lines)
    dose = catalog.day_dose[lines.item]
    lo = np.zeros(len(lines), dtype=np.int64)
    hi = np.zeros(len(lines), dtype=np.int64)
    for m, (a, b) in supply_days.items():
        sel = med_type == m
        lo[sel], hi[sel] = a, b
    sel = (dose > 0) & (hi > 0)
    _usual_specifications(catalog, rng, lines, sel, premium_kept)
    days = rng.integers(lo[sel], hi[sel] + 1)
    def count() -> None:  # whole units covering the days drawn, for the line's (possibly replaced) drug
        lines.count[sel] = np.maximum(1, np.floor(days * catalog.day_dose[lines.item[sel]] + 1e-9)).astype(np.int64)

    count()
    for _ in range(4):
        if person is None or not _no_early_refill(catalog, lines, person, sel):
            break
        count()


def ordinary_sibling(catalog: SynthCatalog) -> np.ndarray:
    """Per catalog row: for a family's premium member another member of the family, else itself."""
    out = np.arange(len(catalog))
    for g in np.unique(catalog.genname[catalog.premium]):
        rows = np.flatnonzero(catalog.genname == g)
        out[rows[catalog.premium[rows]]] = rows[~catalog.premium[rows]][0]
    return out


def premium_of(catalog: SynthCatalog) -> np.ndarray:
    """Per catalog row: its family's premium member (-1 outside the families)."""
    out = np.full(len(catalog), -1)
    for row in np.flatnonzero(catalog.premium):
        out[catalog.genname == catalog.genname[row]] = row
    return out


def _usual_specifications(catalog: SynthCatalog, rng: np.random.Generator, lines: Lines, sel: np.ndarray,
                          kept: float) -> None:
    drawn = np.flatnonzero(sel & catalog.premium[lines.item])
    swap = drawn[rng.random(len(drawn)) >= kept]
    lines.item[swap] = ordinary_sibling(catalog)[lines.item[swap]]
    lines.price[swap] = catalog.price_fen[lines.item[swap]]


def _next_in_pool(catalog: SynthCatalog, lines: Lines, rows: np.ndarray) -> None:
    for t in np.unique(catalog.item_type[lines.item[rows]]):
        pool = catalog.pools[str(t)]
        sel = rows[catalog.item_type[lines.item[rows]] == t]
        lines.item[sel] = pool[(np.searchsorted(pool, lines.item[sel]) + 1) % len(pool)]
    lines.price[rows] = catalog.price_fen[lines.item[rows]]


def _no_early_refill(catalog: SynthCatalog, lines: Lines, person: np.ndarray, drug: np.ndarray) -> bool:
    """Ordinary patients get a drug again only once the earlier supply is used up: a drug drawn while
    it lasts is replaced by the next of its pool. Whether any was replaced (then check again)."""
    rows = np.flatnonzero(drug)
    item = lines.item[rows]
    day = lines.time[rows] // _DAY
    order = np.lexsort((day, item, person[rows]))
    r, it, d, p = rows[order], item[order], day[order], person[rows][order]
    ends = d + lines.count[r] / catalog.day_dose[it]
    same = (p[1:] == p[:-1]) & (it[1:] == it[:-1])
    early = np.flatnonzero(same & (d[1:] < ends[:-1])) + 1
    if not len(early):
        return False
    _next_in_pool(catalog, lines, r[early])
    _one_line_per_drug(catalog, lines)
    return True


def _one_line_per_drug(catalog: SynthCatalog, lines: Lines) -> None:
    for _ in range(4):
        key = lines.visit * len(catalog) + lines.item
        _, first = np.unique(key, return_index=True)
        again = np.ones(len(key), dtype=bool)
        again[first] = False
        again &= catalog.day_dose[lines.item] > 0
        if not again.any():
            return
        _next_in_pool(catalog, lines, np.flatnonzero(again))


def _cap_supply(catalog: SynthCatalog, lines: Lines, rows: np.ndarray, med_type: np.ndarray,
                supply_days: dict[str, tuple[int, int]]) -> None:
    """Ordinary outpatient drug lines (``rows``, of visits of ``med_type``) hold at most the longest
    ordinary supply of their setting (lines injected for other kinds drew their counts freely)."""
    dose = catalog.day_dose[lines.item[rows]]
    hi = np.zeros(len(rows), dtype=np.int64)
    for m, (_, b) in supply_days.items():
        hi[med_type == m] = b
    cap = np.maximum(1, np.floor(hi * dose + 1e-9)).astype(np.int64)
    keep = (dose > 0) & (hi > 0)
    lines.count[rows[keep]] = np.minimum(lines.count[rows[keep]], cap[keep])


@dataclass(slots=True)
class LocalAbuse:
    """What :func:`inject_local_abuse` adds: visits appended after the existing ones, the new line
    set (``position`` maps an old line row to its new row), visit totals above their lines, labels."""

    visits: Visits
    doctor_pick: np.ndarray  # per appended visit, a random number choosing its doctor
    lines: Lines
    position: np.ndarray
    total_extra_fen: np.ndarray  # per visit (all of them, appended included)
    marks: list[tuple[str, str, np.ndarray, np.ndarray, str]]  # kind, level, visit rows, line rows (-1 none), detail


def _clear_of_stays(hit: np.ndarray, visits: Visits, stays: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
                    days: int) -> np.ndarray:
    """The visits of ``hit`` whose person has no inpatient stay in the ``days`` from the visit's day
    (visits added there would be in the ward, which the stay rules read as an alibi)."""
    if stays is None or not len(hit):
        return hit
    person, adm, dscg = stays
    mine = np.isin(person, visits.person[hit])
    by_person: dict[int, list[tuple[int, int]]] = {}
    for p, a, d in zip(person[mine].tolist(), adm[mine].tolist(), dscg[mine].tolist()):
        by_person.setdefault(p, []).append((a, d))
    keep = []
    for v in hit.tolist():
        first = int(visits.begin[v] // _DAY)
        last = first + days
        keep.append(all(d < first or a > last for a, d in by_person.get(int(visits.person[v]), ())))
    return hit[np.array(keep, dtype=bool)]


def _append_visits(rng: np.random.Generator, inst: Institutions, person: np.ndarray, day: np.ndarray,
                   institution: np.ndarray) -> Visits:
    begin = day * _DAY + rng.integers(8 * 3600, 17 * 3600, len(day))
    med_type = np.where(inst.kind[institution] == "pharmacy", "41", "11")
    diag = np.where(med_type == "41", "", "J06.900")
    return Visits(person, institution, med_type, begin, begin + 20 * 60, diag, np.full(len(day), -1))


def _other_institutions(rng: np.random.Generator, inst: Institutions, avoid: np.ndarray, k: int) -> np.ndarray:
    """``k`` distinct pharmacies or grassroots clinics per row, none of them ``avoid``'s."""
    pool = np.flatnonzero((inst.kind == "pharmacy") | inst.grassroots)
    out = np.empty((len(avoid), k), dtype=np.int64)
    for i, a in enumerate(avoid):
        picks = rng.choice(pool, size=k + 1, replace=False)
        out[i] = picks[picks != a][:k]
    return out


def inject_local_abuse(cfg: SynthConfig, rng: np.random.Generator, catalog: SynthCatalog, inst: Institutions,
                       persons: dict[str, np.ndarray], visits: Visits, nc: int, lines: Lines,
                       mult: np.ndarray, stays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> LocalAbuse:
    """Inject the local kinds into a chunk. ``visits`` are the outpatient visits (global row ``nc + i``),
    ``lines`` every line of the chunk sorted by visit, ``mult`` the abuse multiplier per outpatient
    visit (0 where the visit must stay as it is). ``visits`` is changed in place (fake conditions)."""
    rates = cfg.abuse.local_kinds
    nv = len(visits.person)
    out = np.flatnonzero(lines.visit >= nc)
    _cap_supply(catalog, lines, out, visits.med_type[lines.visit[out] - nc], cfg.supply_days)
    # 项目串换: at an abusive institution, an ordinary specification billed as its family's premium one,
    # for the same days of treatment (lines priced off the list, e.g. over-limit ones, are left alone).
    v_of = lines.visit[out] - nc
    premium = premium_of(catalog)[lines.item[out]]
    can = ((premium >= 0) & ~catalog.premium[lines.item[out]] & inst.abusive[visits.institution[v_of]] & (mult[v_of] > 0)
           & np.isin(visits.med_type[v_of], _OUTPATIENT) & (lines.price[out] == catalog.price_fen[lines.item[out]]))
    sub = out[can & (rng.random(len(out)) < cfg.abuse.item_substitution)]
    longest = np.array([cfg.supply_days.get(m, (1, 7))[1] for m in visits.med_type[lines.visit[sub] - nc]])
    days = np.minimum(lines.count[sub] / catalog.day_dose[lines.item[sub]], longest)
    lines.item[sub] = premium_of(catalog)[lines.item[sub]]
    lines.price[sub] = catalog.price_fen[lines.item[sub]]
    lines.count[sub] = np.maximum(1, np.floor(days * catalog.day_dose[lines.item[sub]] + 1e-9)).astype(np.int64)
    ordinary = np.isin(visits.med_type, _OUTPATIENT) & (mult > 0)
    draw = {kind: ordinary & (rng.random(nv) < np.minimum(rate * mult, 0.9)) for kind, rate in rates.items()}
    drugs = np.concatenate([catalog.pools["09"], catalog.pools["11"]])
    day = visits.begin // _DAY
    new_lines: list[Lines] = []
    marks: list[tuple[str, str, np.ndarray, np.ndarray, str]] = [("item_substitution", "item", lines.visit[sub], sub, "")]
    n_lines = len(lines)

    def add(visit: np.ndarray, item: np.ndarray, count: np.ndarray, time: np.ndarray) -> np.ndarray:
        nonlocal n_lines
        new_lines.append(Lines(visit.astype(np.int64), item, catalog.price_fen[item], count.astype(np.int64),
                               time.astype(np.int64)))
        rows = n_lines + np.arange(len(visit))
        n_lines += len(visit)
        return rows

    # 虚构病情 (first: the other kinds then see the visit as settled): an ordinary visit of someone with no registered chronic disease, settled as 门诊慢特病.
    hit = np.flatnonzero(draw["fake_condition"] & (visits.med_type == "11") & (persons["chronic_dx"][visits.person] == ""))
    visits.med_type[hit] = "14"
    visits.diag[hit] = CHRONIC_DX[rng.integers(0, len(CHRONIC_DX), len(hit))]
    marks.append(("fake_condition", "case", nc + hit, np.full(len(hit), -1), ""))

    # 超量开药: one drug line of 3.5-8 times the longest ordinary supply of the setting, at least two units.
    hit = np.flatnonzero(draw["over_prescription"])
    item = drugs[rng.integers(0, len(drugs), len(hit))]
    longest = np.array([cfg.supply_days.get(m, (1, 7))[1] for m in visits.med_type[hit]])
    days = longest * rng.uniform(3.5, 8.0, len(hit))
    count = np.maximum(2, np.ceil(days * catalog.day_dose[item]))
    rows = add(nc + hit, item, count, visits.begin[hit] + 900)
    marks.append(("over_prescription", "item", nc + hit, rows, ""))

    # 重复开药: a chronic-disease visit's month of a drug, bought again at 2-3 other places within a week.
    hit = _clear_of_stays(np.flatnonzero(draw["repeat_prescription"] & (visits.med_type == "14")), visits, stays, 8)
    item = drugs[rng.integers(0, len(drugs), len(hit))]
    count = np.maximum(1, np.floor(cfg.supply_days["14"][1] * catalog.day_dose[item] + 1e-9))
    add(nc + hit, item, count, visits.begin[hit] + 900)
    k = rng.integers(2, 4, len(hit))
    anchor = np.repeat(np.arange(len(hit)), k)
    places = _other_institutions(rng, inst, visits.institution[hit], 3)
    nth = np.concatenate([np.arange(j) for j in k]) if len(k) else np.zeros(0, np.int64)
    repeat = _append_visits(rng, inst, visits.person[hit][anchor], day[hit][anchor] + rng.integers(1, 8, len(anchor)),
                            places[anchor, nth])
    # 多处刷卡: the card used at three more institutions on the day of one visit.
    hit_fp = _clear_of_stays(np.flatnonzero(draw["fake_patient"]), visits, stays, 1)
    places = _other_institutions(rng, inst, visits.institution[hit_fp], 3)
    swipe = _append_visits(rng, inst, np.repeat(visits.person[hit_fp], 3), np.repeat(day[hit_fp], 3), places.ravel())
    extra = Visits(*(np.concatenate([getattr(repeat, f), getattr(swipe, f)]) for f in Visits.__slots__))
    first = nc + nv  # global row of the first appended visit
    extra_lines = visit_lines(extra, inst, catalog, rng)
    prescribe(catalog, rng, extra_lines, extra.med_type[extra_lines.visit], cfg.supply_days, extra.person[extra_lines.visit],
              cfg.premium_share_kept)
    extra_lines.visit += first
    new_lines.append(extra_lines)
    n_lines += len(extra_lines)
    # Each purchase elsewhere is itself within its setting's limit: only together are they too much.
    longest = np.array([cfg.supply_days.get(m, (1, 7))[1] for m in repeat.med_type])
    again = np.maximum(1, np.floor(longest * catalog.day_dose[item[anchor]] + 1e-9))
    rows = add(first + np.arange(len(anchor)), item[anchor], again, repeat.begin + 600)
    marks.append(("repeat_prescription", "item", first + np.arange(len(anchor)), rows, ""))
    swiped = np.concatenate([nc + hit_fp, first + len(anchor) + np.arange(3 * len(hit_fp))])
    marks.append(("fake_patient", "case", swiped, np.full(len(swiped), -1), ""))

    # 虚假票据: half the visits get a line dated days after the visit, half a total above their lines.
    hit = np.flatnonzero(draw["fake_receipt"])
    late = rng.random(len(hit)) < 0.5
    first_line = np.searchsorted(lines.visit, nc + hit[late])
    lines.time[first_line] += rng.integers(3, 31, late.sum()) * _DAY
    total_extra = np.zeros(nc + nv + len(extra.person), dtype=np.int64)
    total_extra[nc + hit[~late]] = rng.integers(2_000, 50_000, (~late).sum())
    marks.append(("fake_receipt", "case", nc + hit, np.full(len(hit), -1),
                  ""))
    details = np.where(late, "line_outside_visit", "total_mismatch")

    merged = Lines.concat([lines, *new_lines])
    order = merged.order()
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    final = Lines(*(getattr(merged, f)[order] for f in ("visit", "item", "price", "count", "time")))
    marks = [(kind, level, v, np.where(r >= 0, position[np.maximum(r, 0)], -1),
              details if kind == "fake_receipt" else detail) for kind, level, v, r, detail in marks]
    return LocalAbuse(extra, rng.integers(0, 1 << 30, len(extra.person)), final, position, total_extra, marks)


__all__ = ["LocalAbuse", "inject_local_abuse", "prescribe"]
