"""Settlement service under HTTP load: settlements per second and p50/p99 latency, SQLite and PostgreSQL.

The server is ``uvicorn yibao.api.app:worker_app`` in its own processes (``--workers``); this script
is the client, on loopback, with ``CONCURRENCY`` requests in flight (asyncio on uvloop, keep-alive
HTTP/1.1 spoken by hand so the client takes little of the 2 cores from the server). First it
prepares visits through the envelope (2201 + 2204 outpatient; 2401 + 2301 + 2402 inpatient, about
one in four), then it times the settlements alone (2207 / 2304, mixed in one stream).

    .venv/bin/python benchmarks/service.py [SETTLEMENTS] [--workers N] [--concurrency C] [--rate R] [--only sqlite|postgresql]

Each backend is measured twice, on fresh visits:

* **closed loop** — ``CONCURRENCY`` requests always in flight: the most the server settles per second;
* **open loop** — settlements offered at ``RATE`` a second (Poisson arrivals, as from many independent
  HIS clients), whatever the answers do: the latency a hospital sees at that load, each measured from
  the moment its request was due (a late send counts as waiting), so a stalled server cannot hide its
  queue by slowing the client down. The issue's target (≥ 500/s with p99 < 100 ms) is this figure at
  ``--rate 500``, with the closed loop's throughput. ``arrivals_per_s`` is the rate the Poisson draw
  actually offered (first arrival to last); ``settlements_per_s`` runs from the start to the last
  answer, so a server that keeps up shows a little less than it.

Workers default to 1 on SQLite (writes are serialised anyway; a second process only adds lock
waits) and 2 on PostgreSQL (one per core). The figures include the CPU each settlement cost the
server, the database and this client — the load-independent part on a shared machine.

Durability is not traded for speed: PostgreSQL keeps ``synchronous_commit = on``; the service runs
SQLite in WAL mode with ``synchronous=NORMAL``, which survives a killed process (the test
``test_a_server_killed_mid_load…`` checks it on both backends), not a power cut.

``cpu_stolen_share`` is the share of the machine's CPU time the hypervisor gave other guests during
the run (steal time): figures of runs with much of it are not comparable.

``capacity_if_idle_per_s`` = cores × 1000 / (server + database + client CPU ms per settlement), and
at most workers × 1000 / server CPU ms: the most this build could do if it had the whole machine,
whatever else was running during the run.
The ``before`` entry of an existing results file (figures of an earlier build) is kept.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Coroutine
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "api" / "gateway"))
from gateway_world import SECRETS, His, Server, certno, database, psn_no, seed  # noqa: E402

PEOPLE = 400
OPEN_LOOP_CONNECTIONS = 128
_TICK = os.sysconf("SC_CLK_TCK")


def _proc_cpu() -> dict[int, tuple[int, float, str]]:
    """pid → (ppid, CPU seconds so far, command line) for every process we can read."""
    out: dict[int, tuple[int, float, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        out[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK, cmd)
    return out


def steal_jiffies() -> tuple[int, int]:
    """(stolen, all) CPU jiffies of the machine so far: time the hypervisor gave other guests."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return fields[7] if len(fields) > 7 else 0, sum(fields[:8])


def cpu_seconds(server_pid: int, database_name: str) -> tuple[float, float]:
    """CPU used so far by the server's process tree and by PostgreSQL backends of our database."""
    procs = _proc_cpu()
    tree = {server_pid}
    grew = True
    while grew:
        grew = False
        for pid, (ppid, _, _) in procs.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                grew = True
    app = sum(procs[pid][1] for pid in tree if pid in procs)
    pg = sum(cpu for _, cpu, cmd in procs.values() if cmd.startswith("postgres:") and f" {database_name} " in f"{cmd} ")
    return app, pg


class Conn:
    """One keep-alive HTTP/1.1 connection, spoken by hand: the client must cost the server as little
    CPU as possible on a shared 2-core machine (httpx cost ~5 ms of CPU per request here)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, head: bytes, body: bytes) -> bytes:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(head + str(len(body)).encode() + b"\r\n\r\n" + body)
        header = await self.reader.readuntil(b"\r\n\r\n")
        status = int(header[9:12])
        length = 0
        for line in header.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        payload = await self.reader.readexactly(length)
        assert status in (200, 400, 413), (status, payload[:200])
        return payload

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


class Pool:
    """``size`` connections handed out to whichever request is ready."""

    def __init__(self, base_url: str, size: int) -> None:
        host, port = base_url.rsplit("//", 1)[1].split(":")
        self.idle: asyncio.Queue[Conn] = asyncio.Queue()
        self.all = [Conn(host, int(port)) for _ in range(size)]
        for conn in self.all:
            self.idle.put_nowait(conn)

    async def post(self, head: bytes, body: bytes) -> bytes:
        conn = await self.idle.get()
        try:
            return await conn.post(head, body)
        finally:
            self.idle.put_nowait(conn)

    def close(self) -> None:
        for conn in self.all:
            conn.close()


class AsyncHis(His):
    """The same envelopes, posted without waiting for each other."""

    def head(self) -> bytes:
        return (f"POST /fsi/api HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"X-Yibao-Institution: {self.code}\r\nX-Yibao-Secret: {self.secret}\r\nContent-Length: ").encode()

    def body(self, infno: str, data: dict[str, object]) -> bytes:
        return json.dumps(self.envelope(infno, data), ensure_ascii=False).encode()

    async def acall(self, client: Pool, infno: str, data: dict[str, object]) -> tuple[dict[str, object], float]:
        body = self.body(infno, data)
        start = time.perf_counter()
        answer = await client.post(self.head(), body)
        return json.loads(answer), time.perf_counter() - start


async def _prepare_one(his: AsyncHis, client: Pool, i: int) -> tuple[str, dict[str, object]]:
    n = 5 + i % (PEOPLE - 5)  # persons 1–4 are special cases in the seed
    inpatient = i % 4 == 0
    if inpatient:
        out, _ = await his.acall(client, "2401", {
            "mdtrtinfo": {"psn_no": psn_no(n), "insutype": "390", "med_type": "21", "begntime": his.when,
                          "mdtrt_cert_type": "02", "mdtrt_cert_no": certno(n), "ipt_no": f"IP{i}"},
            "diseinfo": [{"diag_code": "J18.900", "maindiag_flag": "1"}]})
        mdtrt_id = str(out["output"]["result"]["mdtrt_id"])  # type: ignore[index]
        lines = [("A-BED", "50", "7"), ("B-DRUG", "120.50", "4"), ("A-STENT", "760", "1"), ("C-ITEM", "80", "1")]
    else:
        out, _ = await his.acall(client, "2201", {"data": {
            "psn_no": psn_no(n), "insutype": "390", "begntime": his.when, "mdtrt_cert_type": "02",
            "mdtrt_cert_no": certno(n), "ipt_otp_no": f"OP{i}", "med_type": "11"}})
        mdtrt_id = str(out["output"]["data"]["mdtrt_id"])  # type: ignore[index]
        lines = [("A-DRUG", "12.50", "2"), ("B-DRUG", "33.30", "1")]
    from decimal import Decimal

    feedetail = [
        {"feedetl_sn": str(k), "mdtrt_id": mdtrt_id, "psn_no": psn_no(n), "med_list_codg": code, "pric": pric, "cnt": cnt,
         "det_item_fee_sumamt": str((Decimal(pric) * Decimal(cnt)).quantize(Decimal("0.01"))), "fee_ocur_time": his.when}
        for k, (code, pric, cnt) in enumerate(lines, start=1)
    ]
    total = str(sum(Decimal(x["det_item_fee_sumamt"]) for x in feedetail))  # type: ignore[arg-type]
    up, _ = await his.acall(client, "2301" if inpatient else "2204", {"feedetail": feedetail})
    assert up["infcode"] == 0, up["err_msg"]
    if inpatient:
        out, _ = await his.acall(client, "2402", {"dscginfo": {"mdtrt_id": mdtrt_id, "psn_no": psn_no(n), "endtime": "2019-03-08 10:00:00"}})
        assert out["infcode"] == 0, out["err_msg"]
    med_type = "21" if inpatient else "11"
    infno = "2304" if inpatient else "2207"
    return infno, his.settle_data(n, mdtrt_id, total, med_type=med_type)


async def _bounded(items: list[int], concurrency: int, job: object) -> list[object]:
    semaphore = asyncio.Semaphore(concurrency)

    async def run(i: int) -> object:
        async with semaphore:
            return await job(i)  # type: ignore[operator]

    return await asyncio.gather(*(run(i) for i in items))


def _arrivals(count: int, rate: float, start: float) -> list[float]:
    """``count`` Poisson arrival times at ``rate`` a second after ``start`` (the same every run)."""
    rng = random.Random(11)
    due, at = [], start
    for _ in range(count):
        at += rng.expovariate(rate)
        due.append(at)
    return due


async def _open_loop(client: Pool, head: bytes, calls: list[tuple[str, bytes]], rate: float) -> list[tuple[bool, float]]:
    """Each settlement sent at its Poisson arrival time; its latency counted from that time."""
    loop = asyncio.get_running_loop()
    due = _arrivals(len(calls), rate, loop.time() + 0.05)

    async def settle(i: int) -> tuple[bool, float]:
        await asyncio.sleep(max(0.0, due[i] - loop.time()))
        answer = await client.post(head, calls[i][1])
        return answer.startswith(b'{"infcode":0,'), loop.time() - due[i]

    return await asyncio.gather(*(settle(i) for i in range(len(calls))))


async def _load(server: Server, database_name: str, settlements: int, concurrency: int,
                rate: float | None = None) -> dict[str, object]:
    # Open loop: enough connections that the client never queues below the server's own limit.
    client = Pool(server.base_url, concurrency if rate is None else max(concurrency, OPEN_LOOP_CONNECTIONS))
    try:
        his = AsyncHis(client, "H1", SECRETS["H1"])  # type: ignore[arg-type]
        out, _ = await his.acall(client, "9001", {"signIn": {"opter_no": "001"}})
        his.sign_no = str(out["output"]["signinoutb"]["sign_no"])  # type: ignore[index]
        start = time.perf_counter()
        prepared = await _bounded(list(range(settlements)), concurrency, lambda i: _prepare_one(his, client, i))
        prepare_seconds = time.perf_counter() - start
        calls = [(infno, his.body(infno, data)) for infno, data in prepared]  # type: ignore[misc]
        random.Random(7).shuffle(calls)
        head = his.head()

        async def settle(i: int) -> tuple[bool, float]:
            started = time.perf_counter()
            answer = await client.post(head, calls[i][1])
            seconds = time.perf_counter() - started
            return answer.startswith(b'{"infcode":0,'), seconds

        # The client's own full garbage collections (it imported yibao to seed) took 0.1–0.2 s and
        # delayed sends and reads; they are no part of the server's latency.
        gc.collect()
        gc.freeze()
        app_before, pg_before = cpu_seconds(server.process.pid, database_name)  # type: ignore[attr-defined]
        client_before = time.process_time()
        start = time.perf_counter()
        if rate is None:
            results = await _bounded(list(range(len(calls))), concurrency, settle)
        else:
            results = await _open_loop(client, head, calls, rate)  # type: ignore[arg-type]
        seconds = time.perf_counter() - start
        client_cpu = time.process_time() - client_before
        app_after, pg_after = cpu_seconds(server.process.pid, database_name)  # type: ignore[attr-defined]
    finally:
        client.close()
        gc.unfreeze()
    latencies = sorted(s for _, s in results)  # type: ignore[misc]
    failed = sum(1 for ok, _ in results if not ok)  # type: ignore[misc]
    return {
        "settlements": len(calls),
        "inpatient_share": round(sum(1 for infno, _ in calls if infno == "2304") / len(calls), 3),  # type: ignore[misc]
        "failed": failed,
        "seconds": round(seconds, 3),
        "settlements_per_s": round(len(calls) / seconds, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
        "max_ms": round(latencies[-1] * 1000, 1),
        "prepare_calls_per_s": round(settlements * 2.5 / prepare_seconds, 1),
        # CPU per settlement, whatever else the machine was doing: the capacity this build needs.
        "server_cpu_ms_per_settlement": round((app_after - app_before) / len(calls) * 1000, 2),
        "database_cpu_ms_per_settlement": round((pg_after - pg_before) / len(calls) * 1000, 2),
        "client_cpu_ms_per_settlement": round(client_cpu / len(calls) * 1000, 2),
    }


def _run_loop(job: Coroutine[object, object, dict[str, object]]) -> dict[str, object]:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(job)
    return uvloop.run(job)


def run(backend: str, settlements: int, workers: int, concurrency: int, rate: float | None = None) -> dict[str, object]:
    """One measurement on a fresh database and server: closed loop, or open loop at ``rate``."""
    with tempfile.TemporaryDirectory() as tmp, database(backend, Path(tmp)) as url:
        seed(url, people=PEOPLE)
        server = Server(url, Path(tmp), workers=workers).start()
        try:
            name = url.rsplit("/", 1)[-1] if backend == "postgresql" else "-"
            result = _run_loop(_load(server, name, settlements, concurrency, rate))
        finally:
            server.stop()
    if rate is None:
        load: dict[str, object] = {"concurrency": concurrency}
    else:  # the rate the Poisson draw actually offered, first arrival to last: what "served" compares with
        due = _arrivals(settlements, rate, 0.0)
        load = {"offered_per_s": rate, "arrivals_per_s": round((len(due) - 1) / (due[-1] - due[0]), 1)}
    return {"backend": backend, "workers": workers, **load, **result}


def measured(backend: str, settlements: int, workers: int, concurrency: int, rate: float | None) -> dict[str, object]:
    """``run`` with what the machine was doing meanwhile: load average, CPU stolen by the host, and
    the capacity this build's CPU per settlement allows."""
    before = round(os.getloadavg()[0], 2)
    stolen_before, all_before = steal_jiffies()
    figures = run(backend, settlements, workers, concurrency, rate)
    cpu_ms = sum(float(figures[k]) for k in (  # type: ignore[arg-type]
        "server_cpu_ms_per_settlement", "database_cpu_ms_per_settlement", "client_cpu_ms_per_settlement"))
    # Python runs in the workers only: they cannot use more cores than there are of them.
    capacity = min((os.cpu_count() or 1) * 1000 / cpu_ms, workers * 1000 / float(figures["server_cpu_ms_per_settlement"]))  # type: ignore[arg-type]
    stolen_after, all_after = steal_jiffies()
    return {**figures, "capacity_if_idle_per_s": round(capacity, 1),
            "loadavg_1m_before": before, "loadavg_1m_after": round(os.getloadavg()[0], 2),
            "cpu_stolen_share": round((stolen_after - stolen_before) / max(1, all_after - all_before), 3)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("settlements", nargs="?", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=None, help="默认 SQLite 1 个、PostgreSQL 2 个工作进程")
    parser.add_argument("--concurrency", type=int, default=32, help="闭环测试的并发请求数")
    parser.add_argument("--rate", type=float, default=500.0, help="开环测试每秒发起的结算笔数")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    backends = [args.only] if args.only else ["sqlite", "postgresql"]
    if os.environ.get("YIBAO_SKIP_PG") == "1" and "postgresql" in backends:
        backends.remove("postgresql")
    results: dict[str, object] = {"cpus": os.cpu_count()}
    for backend in backends:
        workers = args.workers or (1 if backend == "sqlite" else 2)
        closed = measured(backend, args.settlements, workers, args.concurrency, None)
        print(f"{backend} 闭环（{args.concurrency} 并发）: {closed}")
        opened = measured(backend, args.settlements, workers, args.concurrency, args.rate)
        print(f"{backend} 开环（每秒 {args.rate:g} 笔）: {opened}")
        results[backend] = {**closed, "open_loop": opened}
    results["client_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    out = Path(__file__).parent / "results" / "service.json"
    out.parent.mkdir(exist_ok=True)
    if out.exists():
        earlier = json.loads(out.read_text())
        if "before" in earlier:
            results["before"] = earlier["before"]
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"→ {out}")


if __name__ == "__main__":
    main()
