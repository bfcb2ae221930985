"""HTTP entitlement checks: requests per second and latency of ``POST /v1/checks`` end to end.

Run with ``.venv/bin/python -m benchmarks.http_checks`` (``--quick`` for a short smoke run).

What runs:

* the server is ``tierwise serve`` (uvicorn, factory mode, the embedded SQLite default) started
  as its own process on 127.0.0.1 in a fresh temporary data directory, with ``--workers``
  processes (default 1);
* one account with a Business subscription is created through the ledger, and a publishable key
  for it without a rate limit (``keys create --scope publishable --rate-limit 0``);
* the load comes from another process, on loopback only, bounded in time: ``wrk`` when it is
  installed (a Lua script posts the JSON body), else a small asyncio ``httpx`` load generator.
  Each request is one check of the account, round-robin over a boolean feature, a limit well
  within its bound and an unlimited one — the product's everyday calls;
* each round runs ``--duration`` seconds after a warm-up; the figure is the median of
  ``--rounds`` rounds. Latency is per request, measured by the load generator (p50 and p99);
* the server's CPU time (user + system of every process in its process group, from ``/proc``)
  divided by the requests answered gives the CPU cost of one request — much less sensitive to a
  busy machine than the wall-clock figures — and the load average is printed before and after
  each round, so a reader can see how busy the machine was;
* ``--in-process N`` also calls the ASGI app directly (no sockets, no server: a hand-built
  ``scope`` and ``receive``/``send``) ``N`` times and reports the wall and CPU time of one check
  inside the application.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
from starlette.types import Message

from tierwise import bootstrap
from tierwise.config import Settings
from tierwise.services.api_keys import Scope
from tierwise.services.commands import CreateAccount, CreateSubscription

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "catalog.yaml"
HOST = "127.0.0.1"
#: (feature, usage): the checks sent, round-robin.
CHECKS = (("sso", 0), ("projects", 12), ("api_calls", 1000), ("advanced_reports", 0))
#: Starts the same ``serve`` command that ``tierwise serve`` mounts.
SERVE = "import typer; from tierwise.cli.serve import serve; typer.run(serve)"

_WRK_SCRIPT = """
local bodies = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("POST", "/v1/checks", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer %s",
  }, bodies[(i %% #bodies) + 1])
end
"""


@dataclass(frozen=True)
class Round:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_seconds: float | None = None
    load: tuple[float, float] = (0.0, 0.0)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_us(self) -> float | None:
        """Server CPU time per request answered, in microseconds."""
        if self.cpu_seconds is None or not self.requests:
            return None
        return self.cpu_seconds / self.requests * 1e6


def _group_cpu_seconds(group: int) -> float | None:
    """User + system CPU seconds of every live process in process group ``group`` (Linux).

    The server runs in its own session, so its group holds the ``serve`` process and, with
    ``--workers``, every worker; ``None`` where ``/proc`` is not there to read.
    """
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    ticks = 0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended meanwhile
        # after the command: state ppid pgrp session tty tpgid flags minflt cminflt majflt
        # cmajflt utime stime — so pgrp is field 2 and utime/stime are 11 and 12
        if int(fields[2]) == group:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _measured(server: subprocess.Popen[bytes], run: Callable[[], Round]) -> Round:
    """``run()``, with the server's CPU seconds and the load average around it."""
    load_before = os.getloadavg()[0]
    cpu_before = _group_cpu_seconds(server.pid)
    result = run()
    cpu_after = _group_cpu_seconds(server.pid)
    cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    return replace(result, cpu_seconds=cpu, load=(load_before, os.getloadavg()[0]))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _prepare(data_dir: Path) -> str:
    """A Business account with its publishable key; returns the key."""
    settings = Settings(data_dir=data_dir, catalog=EXAMPLE)
    engine = bootstrap.ledger_engine(settings)
    try:
        ledger = bootstrap.build_ledger(bootstrap.load_catalog(None, settings), engine=engine)
        now = dt.datetime.now(dt.UTC)
        account = ledger.handle(
            CreateAccount(at=now, external_id="bench-1", name="Bench", currency="USD")
        )
        ledger.handle(
            CreateSubscription(at=now, account=account.subject_id, plan="business", seats=10)
        )
        keys = bootstrap.build_api_keys(settings, engine=engine)
        issued = keys.create(Scope.PUBLISHABLE, at=now, account_id=account.subject_id, rate_limit=0)
        return issued.secret
    finally:
        engine.dispose()


def _bodies() -> list[str]:
    return [
        json.dumps({"account": "bench-1", "feature": feature, "usage": usage})
        for feature, usage in CHECKS
    ]


def _start_server(data_dir: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TIERWISE_DATA_DIR": str(data_dir),
        "TIERWISE_CATALOG": str(EXAMPLE),
        "TIERWISE_API_RATE_LIMIT": "0",
    }
    command = [sys.executable, "-c", SERVE, "--host", HOST, "--port", str(port)]
    command += ["--workers", str(workers), "--log-level", "warning"]
    server = subprocess.Popen(command, env=env, cwd=data_dir, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://{HOST}:{port}/health/ready", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    _stop(server)
    raise SystemExit("the server did not become ready within 30 s")


def _stop(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def _check_answers(port: int, key: str) -> None:
    """Every body gets a 200 allowed answer before anything is timed."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    for body in _bodies():
        answer = httpx.post(f"http://{HOST}:{port}/v1/checks", content=body, headers=headers)
        if answer.status_code != 200 or not answer.json()["allowed"]:
            raise SystemExit(f"unexpected answer to {body}: {answer.status_code} {answer.text}")


# -- wrk ---------------------------------------------------------------------------------------


def _wrk_round(port: int, key: str, seconds: int, connections: int, work: Path) -> Round:
    script = work / "checks.lua"
    bodies = ", ".join(json.dumps(body) for body in _bodies())
    script.write_text(_WRK_SCRIPT % (bodies, key))
    run = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            f"http://{HOST}:{port}",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=seconds + 30,
    )
    if run.returncode != 0:
        raise SystemExit(f"wrk failed: {run.stdout}{run.stderr}")
    output = run.stdout
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    took = re.search(r"requests in ([\d.]+)(m?s)", output)
    assert took is not None
    elapsed = float(took.group(1)) / (1000 if took.group(2) == "ms" else 1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return Round(
        requests=requests,
        seconds=elapsed,
        p50_ms=_wrk_ms(output, "50%"),
        p99_ms=_wrk_ms(output, "99%"),
        errors=int(errors.group(1)) if errors else 0,
    )


def _wrk_ms(output: str, label: str) -> float:
    found = re.search(rf"^\s*{re.escape(label)}\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    assert found is not None, output
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]
    return float(found.group(1)) * scale


# -- asyncio httpx load generator (no wrk) -------------------------------------------------------


async def _httpx_round(port: int, key: str, seconds: int, connections: int) -> Round:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    bodies = [body.encode() for body in _bodies()]
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(
        base_url=f"http://{HOST}:{port}", headers=headers, limits=limits
    ) as client:
        stop = time.perf_counter() + seconds

        async def worker(offset: int) -> None:
            nonlocal errors
            i = offset
            while time.perf_counter() < stop:
                started = time.perf_counter()
                answer = await client.post("/v1/checks", content=bodies[i % len(bodies)])
                latencies.append(time.perf_counter() - started)
                errors += answer.status_code != 200
                i += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker(n) for n in range(connections)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return Round(
        requests=len(latencies),
        seconds=elapsed,
        p50_ms=latencies[len(latencies) // 2] * 1000,
        p99_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        errors=errors,
    )


# -- in process: the ASGI app called directly ----------------------------------------------------


async def _in_process(data_dir: Path, key: str, count: int) -> tuple[float, float]:
    """Wall and CPU microseconds of one check inside the app (no sockets, no server)."""
    from tierwise.api.app import create_app  # the app is only needed for this measurement

    settings = Settings(data_dir=data_dir, catalog=EXAMPLE, api_rate_limit=0)
    app = create_app(settings)
    bodies = [body.encode() for body in _bodies()]
    headers = [
        (b"host", HOST.encode()),
        (b"content-type", b"application/json"),
        (b"authorization", f"Bearer {key}".encode()),
    ]
    statuses: list[int] = []

    async def call(body: bytes) -> None:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/v1/checks",
            "raw_path": b"/v1/checks",
            "query_string": b"",
            "root_path": "",
            "headers": [*headers, (b"content-length", str(len(body)).encode())],
            "client": (HOST, 40000),
            "server": (HOST, 80),
            "state": {},
        }

        async def receive() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await app(scope, receive, send)

    for number in range(max(200, count // 10)):  # warm-up: caches filled, code paths hot
        await call(bodies[number % len(bodies)])
    statuses.clear()
    wall, cpu = time.perf_counter(), time.process_time()
    for number in range(count):
        await call(bodies[number % len(bodies)])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if statuses != [200] * count:
        raise SystemExit(f"in-process checks answered {sorted(set(statuses))}")
    return wall / count * 1e6, cpu / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one short round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=10, help="seconds per round")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--loader", choices=("auto", "wrk", "httpx"), default="auto")
    parser.add_argument(
        "--in-process",
        type=int,
        default=0,
        metavar="N",
        help="also time N checks calling the ASGI app directly (no server)",
    )
    args = parser.parse_args()
    rounds, duration = (1, 3) if args.quick else (args.rounds, args.duration)
    loader = args.loader
    if loader == "auto":
        loader = "wrk" if shutil.which("wrk") else "httpx"

    with tempfile.TemporaryDirectory(prefix="tierwise-http-bench-") as folder:
        work = Path(folder)
        key = _prepare(work)
        port = _free_port()
        server = _start_server(work, port, args.workers)
        try:
            _check_answers(port, key)
            results: list[Round] = []
            for number in range(rounds + 1):  # round 0 warms up and is not counted
                seconds = 2 if number == 0 else duration

                def one_round(seconds: int = seconds) -> Round:
                    if loader == "wrk":
                        return _wrk_round(port, key, seconds, args.connections, work)
                    return asyncio.run(_httpx_round(port, key, seconds, args.connections))

                result = _measured(server, one_round)
                if number:
                    results.append(result)
                    cpu = "" if result.cpu_us is None else f"  cpu {result.cpu_us:5.0f} us/req"
                    print(
                        f"round {number}: {result.rate:8.0f} req/s  p50 {result.p50_ms:6.2f} ms"
                        f"  p99 {result.p99_ms:6.2f} ms  errors {result.errors}{cpu}"
                        f"  load {result.load[0]:.1f} -> {result.load[1]:.1f}"
                    )
        finally:
            _stop(server)
        in_process = None
        if args.in_process:
            in_process = asyncio.run(_in_process(work, key, args.in_process))

    print()
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, loader {loader}, ", end="")
    print(f"{args.connections} connections, server workers {args.workers}")
    print(f"median of {len(results)} rounds of {duration} s:")
    print(f"  requests/s  {statistics.median(r.rate for r in results):8.0f}")
    print(f"  p50 latency {statistics.median(r.p50_ms for r in results):8.2f} ms")
    print(f"  p99 latency {statistics.median(r.p99_ms for r in results):8.2f} ms")
    print(f"  errors      {sum(r.errors for r in results):8d}")
    cpu_figures = [r.cpu_us for r in results if r.cpu_us is not None]
    if cpu_figures:
        print(f"  server CPU  {statistics.median(cpu_figures):8.0f} us per request")
    loads = [value for r in results for value in r.load]
    print(f"  load average {min(loads):.1f}-{max(loads):.1f} during the rounds")
    if in_process is not None:
        wall_us, cpu_us = in_process
        print(f"in process ({args.in_process} checks, ASGI app called directly):")
        print(f"  {wall_us:.0f} us wall, {cpu_us:.0f} us CPU per check")


if __name__ == "__main__":
    main()
