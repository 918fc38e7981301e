"""A small pooling region in a real store and a HIS client that speaks the national envelope.

Used by the gateway tests and by ``benchmarks/service.py`` (which puts this folder on ``sys.path``).
Zhoushan 2019 policy: region 330902 (under 330900); hospital H1 is 三级, H2 二级.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Protocol


from yibao.api.gateway.credentials import set_secret
from yibao.store import db
from yibao.store.models import CatalogItem, CoveragePeriod, Institution, Person, PersonIdentity, PoolingRegion
from yibao.store.protect import CertnoProtector
from yibao.store.uow import SqlUnitOfWork

SECRET_KEY = "gateway-tests-secret-key-0123456789"
SECRETS = {"H1": "h1-interface-secret", "H2": "h2-interface-secret"}
REGION = "330902"
YEAR = 2019
CATALOG = [
    # code, name, list_type, chrgitm_lv, med_chrgitm_type, selfpay_prop, pric_uplmt_amt
    ("A-DRUG", "甲类西药", "101", "01", "09", "0", None),
    ("B-DRUG", "乙类西药", "101", "02", "09", "0.10", None),
    ("C-ITEM", "丙类项目", "201", "03", "05", "0", None),
    ("A-BED", "床位费", "201", "01", "01", "0", None),
    ("A-STENT", "限价支架", "301", "01", "08", "0", "700.00"),
]


def certno(n: int) -> str:
    return f"330902198001{n:06d}"


def psn_no(n: int) -> str:
    return f"P{n:05d}"


@contextmanager
def database(backend: str, directory: Path) -> Iterator[str]:
    """A new migrated database on ``backend`` (``sqlite`` or ``postgresql``), dropped afterwards."""
    with db.scratch_database(backend, directory, prefix="yibao_gw") as url:
        db.upgrade(url)
        yield url


def seed(url: str, people: int = 20) -> None:
    """Regions, two hospitals with secrets, the catalog, ``people`` residents (390) enrolled for 2019.

    Person 3 holds 低保 (02); person 4 is in a waiting period until 2019-06-30.
    """
    engine = db.make_engine(url)
    factory = db.session_factory(engine)
    try:
        with SqlUnitOfWork(factory, protector=CertnoProtector(SECRET_KEY)) as uow:
            uow.regions.add(PoolingRegion(admdvs="330900", admdvs_name="舟山市"))
            uow.session.flush()
            uow.regions.add(PoolingRegion(admdvs=REGION, admdvs_name="定海区", prnt_admdvs="330900"))
            uow.institutions.add(Institution(fixmedins_code="H1", fixmedins_name="舟山医院", hosp_lv=3, admdvs=REGION))
            uow.institutions.add(Institution(fixmedins_code="H2", fixmedins_name="定海医院", hosp_lv=2, admdvs=REGION))
            uow.session.flush()
            for code, secret in SECRETS.items():
                set_secret(uow.session, code, secret)
            for code, name, list_type, level, kind, prop, limit in CATALOG:
                uow.session.add(
                    CatalogItem(
                        med_list_codg=code, name=name, list_type=list_type, chrgitm_lv=level, med_chrgitm_type=kind,
                        selfpay_prop=Decimal(prop), pric_uplmt_amt=None if limit is None else Decimal(limit),
                        admdvs="000000", begndate=dt.date(2019, 1, 1),
                    )
                )
            for n in range(1, people + 1):
                person = Person(
                    psn_no=psn_no(n), psn_name=f"参保人{n}", gend="1" if n % 2 else "2", brdy=dt.date(1980, 1, 1),
                    psn_type="15", insuplc_admdvs=REGION,
                )
                uow.persons.add(person, certno(n))
                person.coverage_periods = [
                    CoveragePeriod(
                        insutype="390", begndate=dt.date(YEAR, 1, 1), enddate=dt.date(YEAR, 12, 31),
                        psn_insu_date=dt.date(YEAR - 1, 12, 1),
                        wait_enddate=dt.date(YEAR, 6, 30) if n == 4 else None,
                    )
                ]
                if n == 3:
                    person.identities = [PersonIdentity(psn_idet_type="02", begndate=dt.date(2018, 1, 1))]
            uow.commit()
    finally:
        engine.dispose()


class Http(Protocol):
    def post(self, url: str, *, content: bytes, headers: dict[str, str]) -> object: ...


_SEQ = itertools.count(1)


class His:
    """One institution's HIS: signs in, builds envelopes, posts them."""

    def __init__(self, http: Http, code: str, secret: str | None = None, *, when: str = "2019-03-01 10:00:00") -> None:
        self.http = http
        self.code = code
        self.secret = SECRETS.get(code, "") if secret is None else secret
        self.when = when
        self.sign_no = ""

    def msgid(self) -> str:
        return f"{self.code}{uuid.uuid4().hex[:16]}{next(_SEQ):06d}"[:30]

    def envelope(self, infno: str, data: dict[str, object], msgid: str | None = None, **over: object) -> dict[str, object]:
        env: dict[str, object] = {
            "infno": infno, "msgid": msgid or self.msgid(), "mdtrtarea_admvs": REGION, "insuplc_admdvs": REGION,
            "recer_sys_code": "HIS", "infver": "V1.0", "opter_type": "1", "opter": "001", "opter_name": "收费员",
            "inf_time": self.when, "fixmedins_code": self.code, "fixmedins_name": "医院", "sign_no": self.sign_no,
            "input": data,
        }
        env.update(over)
        return env

    def post_raw(self, body: bytes, headers: dict[str, str] | None = None) -> dict[str, object]:
        base = {"content-type": "application/json", "X-Yibao-Institution": self.code, "X-Yibao-Secret": self.secret}
        response = self.http.post("/fsi/api", content=body, headers={**base, **(headers or {})})
        assert response.status_code in (200, 400, 413), response.text  # type: ignore[attr-defined]
        return json.loads(response.content, parse_float=Decimal)  # type: ignore[attr-defined, no-any-return]

    def call(self, infno: str, data: dict[str, object], msgid: str | None = None, **over: object) -> dict[str, object]:
        return self.post_raw(json.dumps(self.envelope(infno, data, msgid, **over), ensure_ascii=False).encode())

    def ok(self, infno: str, data: dict[str, object], **over: object) -> dict[str, object]:
        answer = self.call(infno, data, **over)
        assert answer["infcode"] == 0, answer["err_msg"]
        return answer["output"]  # type: ignore[return-value]

    def sign_in(self) -> str:
        out = self.ok("9001", {"signIn": {"opter_no": "001"}})
        self.sign_no = str(out["signinoutb"]["sign_no"])  # type: ignore[index]
        return self.sign_no

    # -- a visit in a few words ------------------------------------------------------------------
    def register(self, n: int, insutype: str | None = None, med_type: str = "11") -> str:
        data = {
            "psn_no": psn_no(n), "insutype": insutype or _insutype(n), "begntime": self.when, "mdtrt_cert_type": "02",
            "mdtrt_cert_no": certno(n), "ipt_otp_no": f"OP{n}", "atddr_no": "D01", "dept_code": "D1", "med_type": med_type,
        }
        return str(self.ok("2201", {"data": data})["data"]["mdtrt_id"])  # type: ignore[index]

    def admit(self, n: int) -> str:
        data = {
            "mdtrtinfo": {
                "psn_no": psn_no(n), "insutype": _insutype(n), "med_type": "21", "begntime": self.when,
                "mdtrt_cert_type": "02", "mdtrt_cert_no": certno(n), "ipt_no": f"IP{n}", "atddr_no": "D01",
            },
            "diseinfo": [{"diag_code": "J18.900", "diag_name": "肺炎", "maindiag_flag": "1"}],
        }
        return str(self.ok("2401", data)["result"]["mdtrt_id"])  # type: ignore[index]

    def upload(self, n: int, mdtrt_id: str, lines: list[tuple[str, str, str]], infno: str = "2204") -> dict[str, object]:
        """``lines``: (med_list_codg, pric, cnt); the line total is pric × cnt."""
        feedetail = [
            {
                "feedetl_sn": f"{i + 1}", "mdtrt_id": mdtrt_id, "psn_no": psn_no(n), "med_list_codg": code, "pric": pric,
                "cnt": cnt, "det_item_fee_sumamt": str((Decimal(pric) * Decimal(cnt)).quantize(Decimal("0.01"))),
                "fee_ocur_time": self.when,
            }
            for i, (code, pric, cnt) in enumerate(lines)
        ]
        return self.ok(infno, {"feedetail": feedetail})

    def settle_data(self, n: int, mdtrt_id: str, total: str, med_type: str = "11") -> dict[str, object]:
        return {"data": {"psn_no": psn_no(n), "mdtrt_id": mdtrt_id, "insutype": _insutype(n), "med_type": med_type,
                         "medfee_sumamt": total, "mdtrt_cert_type": "02", "mdtrt_cert_no": certno(n)}}


def _insutype(n: int) -> str:
    return "390"  # the Zhoushan 2019 pack covers residents


__all__ = ["CATALOG", "REGION", "SECRETS", "SECRET_KEY", "His", "certno", "database", "psn_no", "seed"]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``uvicorn yibao.api.app:worker_app`` in a subprocess on a free loopback port."""

    def __init__(self, url: str, home: Path, workers: int = 1, port: int | None = None) -> None:
        self.url = url
        self.home = home
        self.workers = workers
        self.port = port or free_port()
        self.process: object = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120.0) -> Server:  # generous: uvicorn workers start slowly on a loaded 2-core machine
        import subprocess
        import sys
        import time

        import httpx

        env = {**os.environ, "YIBAO_DATABASE_URL": self.url, "YIBAO_SECRET_KEY": SECRET_KEY, "YIBAO_ENV": "test",
               "YIBAO_HOME": str(self.home)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "yibao.api.app:worker_app", "--factory", "--host", "127.0.0.1",
             "--port", str(self.port), "--workers", str(self.workers), "--log-level", "warning", "--no-access-log"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base_url}/openapi.json", timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("结算服务未能启动")

    def kill(self) -> None:
        import signal

        self.process.send_signal(signal.SIGKILL)  # type: ignore[attr-defined]
        self.process.wait(10)  # type: ignore[attr-defined]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:  # type: ignore[attr-defined]
            self.process.terminate()  # type: ignore[attr-defined]
            try:
                self.process.wait(10)  # type: ignore[attr-defined]
            except Exception:
                self.kill()
