"""Loading a synthetic region into the operational store (业务库): regions, institutions, people.

ID numbers are obviously fake: region code ``999999`` (no such division), the birth date, a
sequence and a valid ISO 7064 MOD 11-2 check character. They are stored only in protected form
(cipher, blind index, mask) through the store's ``CertnoProtector``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import insert
from sqlalchemy.orm import Session

from yibao.store.models import CoveragePeriod, Institution, Person, PersonIdentity, PoolingRegion
from yibao.store.protect import CertnoProtector
from yibao.synth.region import Region

FAKE_REGION = "999999"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_EPOCH = date(1970, 1, 1)
_SUBSIDISED = {"01", "02", "04"}  # 特困、低保、返贫致贫: contribution paid by medical assistance (assumption)


def fake_certno(birth: date, sequence: int) -> str:
    """An 18-character ID number that cannot belong to anyone: region 999999, valid check digit."""
    body = f"{FAKE_REGION}{birth:%Y%m%d}{sequence:03d}"
    return body + _CHECK[sum(int(c) * w for c, w in zip(body, _WEIGHTS)) % 11]


def load_operational(region: Region, session_factory: Callable[[], Session], protector: CertnoProtector,
                     on_chunk: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """Bulk-insert the region, its institutions and its people (identities, coverage periods).

    One transaction per chunk of people; returns row counts per table.
    """
    cfg = region.config
    inst = region.institutions
    counts = {"pooling_region": 1, "institution": len(inst.code), "person": 0, "person_identity": 0, "coverage_period": 0}
    with session_factory() as session:
        session.execute(insert(PoolingRegion), [{"admdvs": cfg.admdvs, "admdvs_name": "模拟统筹区", "prnt_admdvs": None}])
        session.execute(insert(Institution), [
            {"fixmedins_code": c, "fixmedins_name": n, "fixmedins_type": "2" if k == "pharmacy" else "1",
             "hosp_lv": int(lv) if lv else None, "grassroots_flag": bool(g), "admdvs": cfg.admdvs,
             "aprv_bed_cnt": int(b), "open_bed_cnt": int(b), "hi_agre_bed_cnt": int(b)}
            for c, n, k, lv, g, b in zip(inst.code.tolist(), inst.name.tolist(), inst.kind.tolist(), inst.level.tolist(),
                                         inst.grassroots.tolist(), inst.beds.tolist())
        ])
        session.commit()
    per_birthday: dict[int, int] = {}
    for index in range(region.n_chunks):
        p = region.persons(index)
        persons, identities, periods = [], [], []
        for seq, gend, birth, psn_type, insutype, ident, begin, wait_end in zip(
            p["seq"].tolist(), p["gend"].tolist(), p["birth"].tolist(), p["psn_type"].tolist(), p["insutype"].tolist(),
            p["identity"].tolist(), p["begin"].tolist(), p["wait_end"].tolist(),
        ):
            psn_no = f"{cfg.admdvs}9{seq:010d}"
            n = per_birthday.get(birth, 0)
            per_birthday[birth] = n + 1
            born = _EPOCH + timedelta(days=birth)
            protected = protector.protect(fake_certno(born, n % 1000 if n < 1000 else _overflow(n)))
            persons.append({"psn_no": psn_no, "psn_name": f"模拟参保人{seq:07d}", "psn_cert_type": "01",
                            "certno_cipher": protected.cipher, "certno_index": protected.index, "certno_mask": protected.masked,
                            "gend": str(gend), "brdy": born, "psn_type": psn_type, "insuplc_admdvs": cfg.admdvs})
            start = _EPOCH + timedelta(days=begin)
            if ident != "00":
                identities.append({"psn_no": psn_no, "psn_idet_type": ident, "begndate": start, "enddate": None, "memo": "模拟"})
            periods.append({"psn_no": psn_no, "insutype": insutype, "begndate": start, "enddate": None, "psn_insu_date": start,
                            "subs_flag": ident in _SUBSIDISED, "subs_src": "医疗救助基金" if ident in _SUBSIDISED else None,
                            "wait_enddate": _EPOCH + timedelta(days=wait_end) if wait_end >= 0 else None})
        with session_factory() as session:
            session.execute(insert(Person), persons)
            if identities:
                session.execute(insert(PersonIdentity), identities)
            session.execute(insert(CoveragePeriod), periods)
            session.commit()
        counts["person"] += len(persons)
        counts["person_identity"] += len(identities)
        counts["coverage_period"] += len(periods)
        if on_chunk is not None:
            on_chunk(index, len(persons))
    return counts


def _overflow(n: int) -> int:
    # More than 1,000 people born the same day cannot get distinct 3-digit sequences.
    raise ValueError(f"同一出生日期的模拟人员超过 1000 人（{n}），请减小人数")


__all__ = ["FAKE_REGION", "fake_certno", "load_operational"]
