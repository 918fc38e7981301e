"""A scheme as in-memory relational tables, for the batch grouper (built once per scheme).

* ``dx_tr(from_code, to_code, p_excl, mcc_excl, cc_excl, region)``: every submitted diagnosis
  the grouper accepts, its grouper code, and that code's exclusion table as principal, its
  MCC / CC exclusion table as a secondary diagnosis, and its MDCZ trauma region (``""`` when
  none: nulls in in-memory tables do not survive the trip to Spark).
* ``px_tr(from_code, to_code, is_or)``: the same for procedures, with the OR-procedure flag.
* ``{pdx,anydx,mproc,anyproc}_atoms(code, atom)``: membership terms (``principal_dx in BR1.dx`` …)
  as atom ids, one row per code in the list.
* ``gconj* / rconj*``: each gate and ADRG rule in disjunctive normal form — a conjunction holds
  when all ``n`` of its membership atoms hold and the case's scalar-term bitmask covers ``mask``;
  split by ``n`` (1: keyed by its atom, >1: counted, 0: only scalars), see :func:`_split`.
* ``steps(ord, mdc, adrg)``, ``drg_pick(adrg, has_mcc, has_cc, drg)``, ``sexspec(code, male, female)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from yibao.payment.drg.rules import Member, Term, dnf
from yibao.payment.drg.scheme import OR_KEY, Scheme

SUBJECT_TABLE = {"principal_dx": "pdx_atoms", "any_dx": "anydx_atoms", "main_proc": "mproc_atoms", "any_proc": "anyproc_atoms"}


@dataclass(frozen=True)
class SchemeTables:
    tables: dict[str, pa.Table]
    scalars: tuple[Term, ...]  # bit i of a case's mask = scalars[i] holds


def _translation(known: frozenset[str], mapping: dict[str, str]) -> dict[str, str]:
    out = {code: code for code in known}
    for src, dst in mapping.items():
        out.setdefault(src, dst)  # a listed code is used as it is, the map only fills gaps
    return out


@lru_cache(maxsize=8)
def scheme_tables(scheme: Scheme) -> SchemeTables:
    """Build the tables of a scheme (cached per scheme object)."""
    dx = _translation(scheme.dx_known, scheme.dx_map)
    px = _translation(scheme.proc_known, scheme.proc_map)
    dx_src = sorted(dx)
    px_src = sorted(px)
    ors = scheme.lists[OR_KEY]
    tables: dict[str, pa.Table] = {
        "dx_tr": pa.table(
            {
                "from_code": dx_src,
                "to_code": [dx[c] for c in dx_src],
                "p_excl": [scheme.principal_table.get(dx[c], "") for c in dx_src],
                "mcc_excl": [scheme.mcc.get(dx[c], "") for c in dx_src],
                "cc_excl": [scheme.cc.get(dx[c], "") for c in dx_src],
                "region": [scheme.trauma_region.get(dx[c], "") for c in dx_src],
            }
        ),
        "px_tr": pa.table(
            {"from_code": px_src, "to_code": [px[c] for c in px_src], "is_or": [px[c] in ors for c in px_src]}
        ),
    }
    atoms: dict[Member, int] = {}
    scalars: dict[Term, int] = {}

    def conjunctions(node_dnf: tuple[frozenset[Term], ...]) -> list[tuple[list[int], int]]:
        out = []
        for conj in node_dnf:
            ids, mask = [], 0
            for term in sorted(conj, key=repr):  # stable ids and SQL whatever the hash seed
                if isinstance(term, Member):
                    ids.append(atoms.setdefault(term, len(atoms)))
                else:
                    mask |= 1 << scalars.setdefault(term, len(scalars))
            out.append((sorted(set(ids)), mask))
        return out

    gconj: dict[str, list] = {"conj": [], "mdc": [], "n": [], "mask": []}
    gatoms: dict[str, list] = {"atom": [], "conj": []}
    for mdc in scheme.mdcs:
        for ids, mask in conjunctions(dnf(mdc.gate)):
            k = len(gconj["conj"])
            for col, val in zip(gconj, (k, mdc.code, len(ids), mask)):
                gconj[col].append(val)
            gatoms["atom"] += ids
            gatoms["conj"] += [k] * len(ids)
    rconj: dict[str, list] = {"conj": [], "ord": [], "mdc": [], "n": [], "mask": []}
    ratoms: dict[str, list] = {"atom": [], "conj": []}
    steps: dict[str, list] = {"ord": [], "mdc": [], "adrg": []}
    picks: dict[str, list] = {"adrg": [], "has_mcc": [], "has_cc": [], "drg": []}
    for order, mdc, adrg in scheme.order():
        steps["ord"].append(order)
        steps["mdc"].append(mdc.code)
        steps["adrg"].append(adrg.code)
        for ids, mask in conjunctions(dnf(adrg.rule)):
            k = len(rconj["conj"])
            for col, val in zip(rconj, (k, order, mdc.code, len(ids), mask)):
                rconj[col].append(val)
            ratoms["atom"] += ids
            ratoms["conj"] += [k] * len(ids)
    for adrg in scheme.adrgs.values():
        for has_mcc in (False, True):
            for has_cc in (False, True):
                drg = next(d for d, when in adrg.drgs if when.holds(has_mcc, has_cc))
                for col, val in zip(picks, (adrg.code, has_mcc, has_cc, drg)):
                    picks[col].append(val)
    if len(scalars) > 62:
        raise ValueError("too many scalar terms for a 64-bit mask")
    members: dict[str, dict[str, list]] = {t: {"code": [], "atom": []} for t in SUBJECT_TABLE.values()}
    for term, atom in atoms.items():
        codes = sorted(scheme.lists[term.list_key])
        target = members[SUBJECT_TABLE[term.subject]]
        target["code"] += codes
        target["atom"] += [atom] * len(codes)
    sex_codes = sorted(scheme.sex_specific.get(1, frozenset()) | scheme.sex_specific.get(2, frozenset()))
    tables.update(
        {
            **_split("g", gconj, gatoms, "mdc"),
            **_split("r", rconj, ratoms, "ord"),
            "steps": _typed(steps),
            "drg_pick": pa.table(picks),
            "sexspec": pa.table(
                {
                    "code": sex_codes,
                    "male": [c in scheme.sex_specific.get(1, ()) for c in sex_codes],
                    "female": [c in scheme.sex_specific.get(2, ()) for c in sex_codes],
                }
            ),
            **{name: _typed(cols) for name, cols in members.items()},
        }
    )
    return SchemeTables(tables, tuple(sorted(scalars, key=scalars.__getitem__)))


def _split(prefix: str, conj: dict[str, list], atoms: dict[str, list], key: str) -> dict[str, pa.Table]:
    """Single-atom conjunctions keyed by their atom (no counting needed), the rest with counts.

    ``{p}conj1(atom, conj, <key>[, mdc], mask)``, ``{p}conjn(conj, <key>[, mdc], n, mask)``,
    ``{p}conjn_atoms(atom, conj)`` and ``{p}conj0(conj, <key>[, mdc], mask)`` (no membership atom).
    """
    extra = [c for c in (key, "mdc") if c in conj and c != "conj"]
    extra = list(dict.fromkeys(extra))
    atom_of = {k: a for a, k in zip(atoms["atom"], atoms["conj"])}
    one: dict[str, list] = {"atom": [], "conj": [], **{c: [] for c in extra}, "mask": []}
    many: dict[str, list] = {"conj": [], **{c: [] for c in extra}, "n": [], "mask": []}
    zero: dict[str, list] = {"conj": [], **{c: [] for c in extra}, "mask": []}
    for i, k in enumerate(conj["conj"]):
        n = conj["n"][i]
        target = one if n == 1 else many if n > 1 else zero
        for col in target:
            if col == "atom":
                target[col].append(atom_of[k])
            else:
                target[col].append(conj[col][i])
    many_ids = set(many["conj"])
    many_atoms = {
        "atom": [a for a, k in zip(atoms["atom"], atoms["conj"]) if k in many_ids],
        "conj": [k for k in atoms["conj"] if k in many_ids],
    }
    return {
        f"{prefix}conj1": _typed(one),
        f"{prefix}conjn": _typed(many),
        f"{prefix}conjn_atoms": _typed(many_atoms),
        f"{prefix}conj0": _typed(zero),
    }


@lru_cache(maxsize=8)
def scheme_memtables(scheme: Scheme) -> dict[str, ir.Table]:
    """The tables as Ibis in-memory tables, made once so a backend registers them only once."""
    return {name: ibis.memtable(table) for name, table in scheme_tables(scheme).tables.items()}


def _typed(cols: dict[str, list]) -> pa.Table:
    """Integer columns as int64, strings as strings (empty lists keep their type)."""
    arrays = {}
    for name, values in cols.items():
        is_int = name in ("conj", "atom", "ord", "n", "mask")
        arrays[name] = pa.array(values, type=pa.int64() if is_int else pa.string())
    return pa.table(arrays)


__all__ = ["SchemeTables", "scheme_memtables", "scheme_tables"]
