"""Itemised charges (费用明细) and the item-level abuse injected into them.

Lines are plain numpy arrays: visit row, catalog row, unit price and count. A line's amount is
always ``price × count`` in fen, so visit totals are exact sums of their lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from yibao.synth.catalog import SynthCatalog

TYPES = tuple(f"{i:02d}" for i in range(1, 15))


@dataclass(slots=True)
class Lines:
    visit: np.ndarray
    item: np.ndarray
    price: np.ndarray  # fen per unit
    count: np.ndarray  # units
    time: np.ndarray  # epoch seconds

    @staticmethod
    def concat(parts: list[Lines]) -> Lines:
        return Lines(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("visit", "item", "price", "count", "time")))

    def __len__(self) -> int:
        return len(self.visit)

    def order(self) -> np.ndarray:
        """Positions that sort the lines by visit, then time (one stable sort on a packed key)."""
        if not len(self.visit):
            return np.zeros(0, dtype=np.int64)
        offset = self.time - self.time.min()
        if offset.max() >= 1 << 26:  # more than two years of lines: no packed key
            return np.lexsort((self.time, self.visit))
        return np.argsort((self.visit << 26) | offset, kind="stable")


def charge(catalog: SynthCatalog, rng: np.random.Generator, visit: np.ndarray, item_type: np.ndarray,
           amount_fen: np.ndarray, time: np.ndarray) -> Lines:
    """Lines of the given types worth about ``amount_fen`` each: an ordinary catalog item, whole units."""
    item = np.empty(len(visit), dtype=np.int64)
    for t in np.unique(item_type):
        sel = item_type == t
        pool = catalog.pools[str(t)]
        item[sel] = pool[rng.integers(0, len(pool), sel.sum())]
    price = catalog.price_fen[item]
    count = np.maximum(1, np.rint(amount_fen / price)).astype(np.int64)
    return Lines(visit.astype(np.int64), item, price, count, time.astype(np.int64))


def _allowed(catalog: SynthCatalog, items: np.ndarray, gend: int) -> np.ndarray:
    """Which items a person of that sex may be charged whatever their age (no sex or child limit)."""
    return np.isin(catalog.lmt_gend[items], ["", str(gend)]) & ~catalog.child_only[items]


def inject_item_abuse(catalog: SynthCatalog, rng: np.random.Generator, lines: Lines, rates: dict[str, float],
                      multiplier: np.ndarray, visit_begin: np.ndarray, gend: np.ndarray, age: np.ndarray,
                      ) -> tuple[Lines, list[tuple[str, np.ndarray, np.ndarray]]]:
    """Add abusive lines to some visits; returns the new lines and (kind, visit rows, line rows).

    Duplicate charging puts both items of a batch-7 pair in the visit at the same time; sex- and
    age-restricted items go to the wrong sex / to adults; an over-limit line is priced above its cap.
    Visits are eligible once per kind; each kind is drawn independently.
    """
    n = len(visit_begin)
    extra: list[Lines] = []
    marks: list[tuple[str, np.ndarray, int]] = []  # kind, visits, position of the marked line in its block
    t = visit_begin + 1800
    for kind, rate in rates.items():
        hit = np.flatnonzero(rng.random(n) < np.minimum(rate * multiplier, 0.9))
        if kind == "age_restricted":
            hit = hit[age[hit] >= 18]
        if not len(hit):
            continue
        if kind == "duplicate_charge":
            # Only pairs the person may be charged at all: an item of the other sex or for children
            # would be a second violation on the line, one no label names.
            fits = [np.flatnonzero(_allowed(catalog, catalog.pair_main, g) & _allowed(catalog, catalog.pair_sub, g))
                    for g in (1, 2)]
            pick = rng.integers(0, 1 << 30, len(hit))
            k = np.where(gend[hit] == 1, fits[0][pick % len(fits[0])], fits[1][pick % len(fits[1])])
            rows = np.concatenate([catalog.pair_main[k], catalog.pair_sub[k]])
            visits = np.concatenate([hit, hit])
            block = Lines(visits, rows, catalog.price_fen[rows], np.ones(len(rows), np.int64), np.concatenate([t[hit], t[hit]]))
            marks.append((kind, hit, len(hit)))  # the secondary (从项) lines are the second half
        elif kind == "sex_restricted":
            pool = catalog.sex_restricted
            wrong = [pool[catalog.lmt_gend[pool] != str(g)] for g in (1, 2)]
            rows = np.where(gend[hit] == 1, wrong[0][rng.integers(0, len(wrong[0]), len(hit))],
                            wrong[1][rng.integers(0, len(wrong[1]), len(hit))])
            block = Lines(hit, rows, catalog.price_fen[rows], np.ones(len(hit), np.int64), t[hit])
            marks.append((kind, hit, 0))
        elif kind == "age_restricted":
            rows = catalog.child_restricted[rng.integers(0, len(catalog.child_restricted), len(hit))]
            block = Lines(hit, rows, catalog.price_fen[rows], np.ones(len(hit), np.int64), t[hit])
            marks.append((kind, hit, 0))
        else:  # over_limit_price: a capped drug sold above its payment standard
            capped = catalog.pools["09"][catalog.cap_fen[catalog.pools["09"]] > 0]
            rows = capped[rng.integers(0, len(capped), len(hit))]
            price = np.ceil(catalog.cap_fen[rows] * rng.uniform(1.1, 1.6, len(hit))).astype(np.int64)
            block = Lines(hit, rows, price, rng.integers(1, 4, len(hit)), t[hit])
            marks.append((kind, hit, 0))
        extra.append(block)
    base = len(lines)
    merged = Lines.concat([lines, *extra])
    out: list[tuple[str, np.ndarray, np.ndarray]] = []
    offset = base
    for (kind, hit, shift), block in zip(marks, extra):
        out.append((kind, hit, offset + shift + np.arange(len(hit))))
        offset += len(block)
    order = merged.order()
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    final = Lines(merged.visit[order], merged.item[order], merged.price[order], merged.count[order], merged.time[order])
    return final, [(kind, hit, position[rows]) for kind, hit, rows in out]


__all__ = ["Lines", "TYPES", "charge", "inject_item_abuse"]
