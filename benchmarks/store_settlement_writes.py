"""Operational-store write path: settlements per second under the accumulator lock.

Each transaction does what the settlement service will: lock the person's annual accumulator,
write a settlement with three fund lines, rewrite the accumulator, commit. Runs on SQLite (a temp
file) and, unless ``YIBAO_SKIP_PG=1``, on a throw-away PostgreSQL database at 127.0.0.1:5432.

    .venv/bin/python benchmarks/store_settlement_writes.py [N]
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path


from yibao.store import db
from yibao.store.models import Institution, Person, PoolingRegion, Settlement, SettlementDetail, Visit
from yibao.store.protect import CertnoProtector
from yibao.store.uow import SqlUnitOfWork

PEOPLE = 50


def _seed(factory: object, protector: CertnoProtector, n: int) -> None:
    with SqlUnitOfWork(factory, protector=protector) as uow:  # type: ignore[arg-type]
        uow.regions.add(PoolingRegion(admdvs="330900", admdvs_name="舟山市"))
        uow.institutions.add(Institution(fixmedins_code="H1", fixmedins_name="医院", hosp_lv=2, admdvs="330900"))
        for p in range(PEOPLE):
            person = Person(
                psn_no=f"P{p}", psn_name="某", gend="1", brdy=date(1980, 1, 1), psn_type="15", insuplc_admdvs="330900"
            )
            uow.persons.add(person, f"3309021980010{p:05d}")
        for i in range(n):
            uow.visits.add(
                Visit(
                    mdtrt_id=f"M{i}",
                    psn_no=f"P{i % PEOPLE}",
                    fixmedins_code="H1",
                    insutype="390",
                    med_type="21",
                    begntime=datetime(2024, 3, 1, 8),
                )
            )
        uow.commit()


def _settle(factory: object, i: int) -> None:
    with SqlUnitOfWork(factory) as uow:  # type: ignore[arg-type]
        acc = uow.accumulators.lock(f"P{i % PEOPLE}", 2024, "390")
        paid = acc.amounts().get("hifp_pay", Decimal("0.00"))
        uow.settlements.add(
            Settlement(
                setl_id=f"S{i}",
                mdtrt_id=f"M{i}",
                psn_no=f"P{i % PEOPLE}",
                fixmedins_code="H1",
                insutype="390",
                med_type="21",
                setl_time=datetime(2024, 3, 5, 10),
                medfee_sumamt=Decimal("1234.56"),
                inscp_scp_amt=Decimal("1200.00"),
                hifp_pay=Decimal("700.00"),
                hifmi_pay=Decimal("100.00"),
                maf_pay=Decimal("34.56"),
                fund_pay_sumamt=Decimal("834.56"),
                psn_part_amt=Decimal("400.00"),
                psn_cash_pay=Decimal("400.00"),
                msgid=f"MSG{i}",
                policy_pack_id="bench",
                policy_pack_version="1",
                trace=[{"step": "basic", "amount": "700.00"}],
                details=[
                    SettlementDetail(fund_pay_type="390100", fund_payamt=Decimal("700.00")),
                    SettlementDetail(fund_pay_type="390200", fund_payamt=Decimal("100.00")),
                    SettlementDetail(fund_pay_type="610100", fund_payamt=Decimal("34.56")),
                ],
            )
        )
        acc.set_amounts({"hifp_pay": paid + Decimal("700.00"), "admissions": int(acc.amounts().get("admissions", 0)) + 1})
        uow.commit()


def run(url: str, n: int) -> dict[str, float]:
    db.upgrade(url)
    engine = db.make_engine(url)
    factory = db.session_factory(engine)
    _seed(factory, CertnoProtector("benchmark-secret-key"), n)
    start = time.perf_counter()
    for i in range(n):
        _settle(factory, i)
    seconds = time.perf_counter() - start
    engine.dispose()
    return {"transactions": n, "seconds": round(seconds, 3), "settlements_per_s": round(n / seconds, 1)}


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = run(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", n)
        print(f"SQLite:     {results['sqlite']}")
    if os.environ.get("YIBAO_SKIP_PG") != "1":
        with tempfile.TemporaryDirectory() as tmp, db.scratch_database("postgresql", Path(tmp), "yibao_b") as url:
            results["postgresql"] = run(url, n)
            print(f"PostgreSQL: {results['postgresql']}")
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(f"peak RSS: {results['peak_rss_mb']} MB")
    out = Path(__file__).parent / "results" / "store_settlement_writes.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
