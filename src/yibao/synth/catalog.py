"""The synthetic 医保目录: drugs, service items and consumables with 甲/乙/丙, 先行自付 and caps.

Service items are the real national codes of the batch-7 duplicate-charge pairs and the batch-1
restricted items; restricted drugs carry their real national drug codes. The remaining drugs and
consumables have obviously synthetic codes (prefix ``SX`` / ``SC``). Prices are in fen here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from yibao.catalog.model import ChargeLevel, ListType
from yibao.synth.arrow import DOSE, RATIO, decimal_from_units, nullable_decimal
from yibao.synth.nhsa import duplicate_pairs, restricted_entries

# Price ranges per med_chrgitm_type, yuan per unit (assumption: typical provincial price lists).
_PRICE_RANGE = {
    "01": (30, 120), "02": (10, 50), "03": (40, 600), "04": (10, 150), "05": (20, 400), "06": (600, 9000),
    "07": (15, 60), "08": (20, 3000), "09": (3, 260), "10": (1, 30), "11": (5, 120), "12": (10, 10),
    "13": (1, 5), "14": (5, 50),
}
# Daily doses in billing units (盒/瓶/支 per day): a unit lasts 10, 8, 5, 4 or 2 days, one day, or is
# taken 2-4 times a day. A drug's dose is the one nearest to a daily cost of 3-40 yuan (assumption).
_DOSES = np.array([0.1, 0.125, 0.2, 0.25, 0.5, 1.0, 2.0, 3.0, 4.0])
_DAILY_COST_YUAN = (3, 40)
_FAMILY = 4  # specifications per generic name among the synthetic western drugs (assumption)
_LEVEL_SHARES = {"drug": (0.45, 0.45, 0.10), "item": (0.85, 0.12, 0.03), "consumable": (0.30, 0.60, 0.10)}


@dataclass(frozen=True, slots=True)
class SynthCatalog:
    """The catalog as parallel arrays; ``pools[t]`` are the rows ordinary charges of type t draw from."""

    code: np.ndarray
    name: np.ndarray
    list_type: np.ndarray
    level: np.ndarray
    item_type: np.ndarray  # med_chrgitm_type "01".."14"
    selfpay_prop: np.ndarray  # float 0..1, exact to 0.01
    price_fen: np.ndarray
    cap_fen: np.ndarray  # -1 where no cap
    lmt_gend: np.ndarray  # "" / "1" / "2"
    child_only: np.ndarray  # bool
    source: np.ndarray
    pools: dict[str, np.ndarray]
    chronic_drugs: np.ndarray
    sex_restricted: np.ndarray
    child_restricted: np.ndarray
    pair_main: np.ndarray  # row index of a batch-7 pair's main item
    pair_sub: np.ndarray
    day_dose: np.ndarray  # drugs: billing units taken per day (0 for items and consumables)
    genname: np.ndarray  # 通用名编号 of a family of specifications of one drug ("" outside the families)
    premium: np.ndarray  # bool: the family's dearest member per day of treatment (进口/原研-like)

    def __len__(self) -> int:
        return len(self.code)

    def to_arrow(self) -> pa.Table:
        capped = self.cap_fen >= 0
        return pa.table({
            "med_list_codg": pa.array(self.code, pa.string()),
            "name": pa.array(self.name, pa.string()),
            "list_type": pa.array(self.list_type, pa.string()),
            "chrgitm_lv": pa.array(self.level, pa.string()),
            "med_chrgitm_type": pa.array(self.item_type, pa.string()),
            "selfpay_prop": decimal_from_units(np.rint(self.selfpay_prop * 10_000).astype(np.int64), RATIO),
            "pric": decimal_from_units(self.price_fen),
            "pric_uplmt_amt": nullable_decimal(self.cap_fen, capped),
            "lmt_gend": pa.array(np.where(self.lmt_gend == "", None, self.lmt_gend), pa.string()),
            "lmt_child_only": pa.array(self.child_only),
            "rule_source": pa.array(np.where(self.source == "", None, self.source), pa.string()),
            "day_dose": nullable_decimal(np.rint(self.day_dose * 10_000).astype(np.int64), self.day_dose > 0, DOSE),
            "genname_codg": pa.array(np.where(self.genname == "", None, self.genname), pa.string()),
        })


def _item_type(code: str, name: str) -> str:
    if code.startswith("001109"):
        return "01"
    if code.startswith("001102"):
        return "02"
    if code.startswith("0012"):
        return "07"
    if code[:4] in {"0021", "0022", "0023"}:
        return "03"
    if code[:4] in {"0025", "0026", "0027"}:
        return "04"
    if code.startswith("0033"):
        return "06"
    if code.startswith("0031") and any(k in name for k in ("检", "测", "镜", "试验", "造影")):
        return "03"
    return "05"


def _rows() -> list[dict]:
    rows: list[dict] = []
    seen: set[str] = set()

    def add(code: str, name: str, kind: str, item_type: str, **extra: object) -> None:
        if code in seen:  # an entry restricted twice (by age and by sex) keeps both restrictions
            row = next(r for r in rows if r["code"] == code)
            row["gend"] = row["gend"] or extra.get("gend") or ""
            row["child"] = bool(row["child"] or extra.get("child"))
            return
        seen.add(code)
        rows.append({"code": code, "name": name, "kind": kind, "type": item_type,
                     "gend": "", "child": False, "source": "", **extra})

    restricted = restricted_entries()
    drugs_by_sex = {g: [r for r in restricted if r.is_drug and r.gend == g] for g in ("1", "2")}
    for group in (drugs_by_sex["1"][:20], drugs_by_sex["2"][:40],
                  [r for r in restricted if r.is_drug and r.child_only][:30],
                  [r for r in restricted if not r.is_drug]):
        for r in group:
            item_type = ("11" if r.code.startswith("Z") else "09") if r.is_drug else _item_type(r.code, r.name)
            add(r.code, r.name, "drug" if r.is_drug else "item", item_type,
                gend=r.gend or "", child=r.child_only, source=r.source)
    # after the restricted entries, so a pair item that is also restricted keeps its restriction
    for pair in duplicate_pairs():
        add(pair.main_code, pair.main_name, "item", _item_type(pair.main_code, pair.main_name), source="batch7")
        add(pair.sub_code, pair.sub_name, "item", _item_type(pair.sub_code, pair.sub_name), source="batch7")
    # Synthetic fillers: codes say so (SX/SC/SY prefixes are not national codes).
    for i in range(400):
        add(f"SX{i:08d}", f"模拟西药{i:04d}", "drug", "09")
    for i in range(120):
        add(f"SZ{i:08d}", f"模拟中成药{i:04d}", "drug", "11")
    for i in range(40):
        add(f"SH{i:08d}", f"模拟中药饮片{i:04d}", "drug", "10")
    for i in range(200):
        add(f"SC{i:08d}", f"模拟医用耗材{i:04d}", "consumable", "08")
    fillers = (("12", "一般诊疗费", 3), ("13", "挂号费", 3), ("02", "门诊诊查费", 6), ("14", "其他费用", 3),
               ("01", "普通床位费", 3), ("07", "一般护理", 3), ("04", "化验", 30), ("03", "检查", 10), ("05", "治疗", 10))
    for t, label, count in fillers:
        for i in range(count):
            add(f"SY{t}{i:06d}", f"模拟{label}{i}", "item", t)
    return rows


def build_catalog(rng: np.random.Generator) -> SynthCatalog:
    """The region's catalog, deterministic for a given generator state."""
    rows = _rows()
    n = len(rows)
    kind = np.array([r["kind"] for r in rows])
    item_type = np.array([r["type"] for r in rows])
    lo = np.array([_PRICE_RANGE[t][0] for t in item_type], dtype=float)
    hi = np.array([_PRICE_RANGE[t][1] for t in item_type], dtype=float)
    price_fen = np.rint(np.exp(rng.uniform(np.log(lo), np.log(hi) + 1e-9)) * 100).astype(np.int64)
    level = np.empty(n, dtype="<U2")
    for k, shares in _LEVEL_SHARES.items():
        sel = kind == k
        level[sel] = rng.choice([ChargeLevel.CLASS_A.value, ChargeLevel.CLASS_B.value, ChargeLevel.CLASS_C.value], size=sel.sum(), p=shares)
    # Registration, bed and general-consultation fees are 甲类 everywhere.
    level[np.isin(item_type, ["01", "02", "12", "13"])] = ChargeLevel.CLASS_A.value
    selfpay = np.where(level == ChargeLevel.CLASS_B.value, rng.choice([0.05, 0.10, 0.15, 0.20], size=n), 0.0)
    has_cap = (kind != "item") | (rng.random(n) < 0.5)
    cap_fen = np.where(has_cap, np.ceil(price_fen * rng.uniform(1.0, 1.25, n)).astype(np.int64), -1)
    list_type = np.select([kind == "consumable", item_type == "10", kind == "drug"],
                          [ListType.CONSUMABLE.value, ListType.HERBAL.value, ListType.WESTERN_DRUG.value], ListType.SERVICE_ITEM.value)
    gend = np.array([r["gend"] for r in rows])
    child = np.array([r["child"] for r in rows], dtype=bool)
    code = np.array([r["code"] for r in rows])
    index = {c: i for i, c in enumerate(code)}
    pairs = [(index[p.main_code], index[p.sub_code]) for p in duplicate_pairs()]
    ordinary = _pair_free((gend == "") & ~child, pairs, item_type)
    pools = {t: np.flatnonzero(ordinary & (item_type == t)) for t in _PRICE_RANGE}
    # Drawn last, so the catalog's other columns do not depend on it.
    daily_cost = np.exp(rng.uniform(*np.log(_DAILY_COST_YUAN), n)) * 100
    nearest = np.abs(np.log(_DOSES)[None, :] - np.log(daily_cost / price_fen)[:, None]).argmin(axis=1)
    day_dose = np.where(kind == "drug", _DOSES[nearest], 0.0)
    genname, premium = _families(code, price_fen * day_dose)
    return SynthCatalog(
        code=code, name=np.array([r["name"] for r in rows]), list_type=list_type, level=level,
        item_type=item_type, selfpay_prop=selfpay, price_fen=price_fen, cap_fen=cap_fen, lmt_gend=gend,
        child_only=child, source=np.array([r["source"] for r in rows]), pools=pools,
        chronic_drugs=pools["09"][:40], sex_restricted=np.flatnonzero(gend != ""),
        child_restricted=np.flatnonzero(child),
        pair_main=np.array([m for m, _ in pairs]), pair_sub=np.array([s for _, s in pairs]), day_dose=day_dose,
        genname=genname, premium=premium,
    )


def _families(code: np.ndarray, day_cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The synthetic western drugs in families of ``_FAMILY`` specifications of one generic name
    (consecutive codes), each with its dearest member per day of treatment marked premium."""
    synthetic = np.flatnonzero(np.char.startswith(code.astype(str), "SX"))
    genname = np.full(len(code), "", dtype=object)
    premium = np.zeros(len(code), dtype=bool)
    for start in range(0, len(synthetic) - _FAMILY + 1, _FAMILY):
        rows = synthetic[start:start + _FAMILY]
        genname[rows] = f"GSX{start // _FAMILY:05d}"
        premium[rows[np.argmax(day_cost[rows])]] = True
    return genname.astype(str), premium


def _pair_free(candidate: np.ndarray, pairs: list[tuple[int, int]], item_type: np.ndarray) -> np.ndarray:
    """Ordinary charges never hold both items of a batch-7 pair, so every duplicate is injected.

    Greedy: bed and nursing items are taken first; an item is dropped when its pair partner is in.
    """
    partners: dict[int, set[int]] = {}
    for m, s in pairs:
        partners.setdefault(m, set()).add(s)
        partners.setdefault(s, set()).add(m)
    kept: set[int] = set()
    order = sorted(np.flatnonzero(candidate).tolist(), key=lambda i: (item_type[i] not in {"01", "07"}, i))
    for i in order:
        if not (partners.get(i, set()) & kept):
            kept.add(i)
    mask = np.zeros(len(candidate), dtype=bool)
    mask[sorted(kept)] = True
    return mask


__all__ = ["SynthCatalog", "build_catalog"]
