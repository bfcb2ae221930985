"""In-app offers: latency of ``GET /v1/accounts/{id}/offers`` at a fixed request rate.

Run with ``.venv/bin/python -m benchmarks.offers_endpoint`` (``--quick`` for a short smoke run).

What runs:

* the demo company (``--accounts``, default 2,000) is built into a fresh temporary data directory
  and decided as of 2026-11-20, exactly as ``tierwise demo`` does; publishable keys are created
  for ``--keys`` accounts (default 200);
* the server is ``tierwise serve`` (uvicorn, factory mode, the embedded SQLite default, one
  worker) started as its own process on 127.0.0.1;
* the load comes from another process on loopback, round-robin over the accounts with their own
  publishable key, for ``--duration`` seconds after a warm-up, at ``--rate`` requests per second
  (default 500): with ``wrk`` when it is installed (``--connections`` connections, each pausing
  ``connections / rate`` seconds less a millisecond between an answer and the next request with
  wrk's ``delay()``, which starts after the answer; latency as wrk measures
  it, from sending a request to its answer), else an open-loop asyncio ``httpx`` generator that
  starts one request every ``1/rate`` seconds with at most ``--concurrency`` in flight, latency
  measured from the moment a request was due (a Python generator on a busy 2-core box cannot
  itself send 500 requests a second, so wrk is the one to trust);
* each request reads the account's live counters; the per-account re-evaluation they call for
  is kept until the counters change; ``--hits`` adds that many entitlement denials per second
  during the run (``POST /v1/checks``, SSO, spread over the accounts), each of which moves an
  account's counters, so the full re-evaluation runs under the load;
* the server runs with its defaults (per-key rate limit included) — nothing is relaxed for it.

Reported: requests answered per second, p50/p90/p99 latency, every answer that was not 2xx by
status and problem ``code`` (wrk only), the server's CPU time per request over the measured
round (from ``/proc``, requests and denials together), and the load average before and after.
``--company DIR`` builds the company once into ``DIR`` and copies it for each run (runs on the
same data, without paying the build again). ``--stages FILE`` serves with per-stage clocks on the
offers' path (:mod:`benchmarks.offers_stages`) and writes their summary to ``FILE`` when the
server stops: each stage's percentiles, every request slower than 10 ms with its stages, the cycle
collector's pauses and the event loop's lag.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from tierwise import bootstrap
from tierwise.adapters.catalog_files import load_catalog_path
from tierwise.config import Settings
from tierwise.demo.build import build_company
from tierwise.demo.company import CompanySpec
from tierwise.services.api_keys import Scope

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
AS_OF = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
SERVE = "import typer; from tierwise.cli.serve import serve; typer.run(serve)"
#: The same server with per-stage clocks on the offers' path (``--stages``).
SERVE_STAGES = "from benchmarks.offers_stages import main; main()"
SECRET = "offers-benchmark-secret-0123456789abcdef"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _environment(data_dir: Path) -> dict[str, str]:
    return os.environ | {
        "TIERWISE_DATA_DIR": str(data_dir),
        "TIERWISE_CATALOG": str(ROOT / "examples" / "catalog.yaml"),
        "TIERWISE_PLAYBOOK": str(ROOT / "examples" / "playbook.yaml"),
        "TIERWISE_KEY_SECRET": SECRET,
    }


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process ``pid`` so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def prepare(data_dir: Path, accounts: int, keys: int) -> list[tuple[str, str]]:
    """Build and decide the demo company; (external id, publishable key) of ``keys`` accounts."""
    catalog = load_catalog_path(ROOT / "examples" / "catalog.yaml")
    started = time.perf_counter()
    build_company(data_dir, catalog, CompanySpec(accounts=accounts))
    settings = Settings(
        data_dir=data_dir,
        database_url=None,
        playbook=ROOT / "examples" / "playbook.yaml",
        key_secret=SECRET,
    )
    engine = bootstrap.ledger_engine(settings)
    decided = bootstrap.build_decisions(catalog, settings, engine=engine).decide(
        AS_OF, started_at=dt.datetime.now(dt.UTC)
    )
    api_keys = bootstrap.build_api_keys(settings, engine=engine)
    chosen = list(decided.decisions)[:keys]
    pairs = [
        (
            str(d["external_id"]),
            api_keys.create(
                Scope.PUBLISHABLE, at=dt.datetime.now(dt.UTC), account_id=str(d["account_id"])
            ).secret,
        )
        for d in chosen
    ]
    engine.dispose()
    print(
        f"prepared {accounts} accounts and {len(pairs)} keys in "
        f"{time.perf_counter() - started:.0f} s"
    )
    return pairs


async def _load(
    base: str,
    pairs: list[tuple[str, str]],
    rate: float,
    duration: float,
    concurrency: int,
    hits: float,
) -> dict[str, object]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: list[float] = []
    errors: dict[str, int] = {}
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=10.0) as client:

        async def one(n: int, due: float) -> None:
            account, secret = pairs[n % len(pairs)]
            async with gate:
                response = await client.get(
                    f"/v1/accounts/{account}/offers",
                    params={"placement": "limit_banner"},
                    headers={"Authorization": f"Bearer {secret}"},
                )
            latencies.append(time.perf_counter() - due)
            if response.status_code != 200:
                errors[str(response.status_code)] = errors.get(str(response.status_code), 0) + 1

        async def hit(n: int) -> None:
            account, secret = pairs[(n * 7) % len(pairs)]
            await client.post(
                "/v1/checks",
                json={"account": account, "feature": "sso"},
                headers={"Authorization": f"Bearer {secret}"},
            )

        tasks = []
        start = time.perf_counter()
        total = int(rate * duration)
        hit_every = int(rate / hits) if hits > 0 else 0
        for n in range(total):
            due = start + n / rate
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            tasks.append(asyncio.create_task(one(n, due)))
            if hit_every and n % hit_every == 0:
                tasks.append(asyncio.create_task(hit(n)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 2),
        "rate": round(len(latencies) / elapsed, 1),
        "p50_ms": round(pct(0.50), 2),
        "p90_ms": round(pct(0.90), 2),
        "p99_ms": round(pct(0.99), 2),
        "max_ms": round(ordered[-1] * 1000, 2),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 2),
        "errors": errors,
    }


_WRK_SCRIPT = """
local paths = {%s}
local keys = {%s}
local i = 0
local threads = {}
setup = function(thread)
  table.insert(threads, thread)
end
init = function(args)
  failures = {}
end
request = function()
  i = i + 1
  local n = (i %% #paths) + 1
  return wrk.format("GET", paths[n], {["Authorization"] = "Bearer " .. keys[n]})
end
response = function(status, headers, body)
  if status >= 300 then
    local code = string.match(body, '"code"%%s*:%%s*"([^"]*)"') or "-"
    local key = status .. " " .. code
    failures[key] = (failures[key] or 0) + 1
  end
end
delay = function()
  return %d
end
done = function(summary, latency, requests)
  for _, thread in ipairs(threads) do
    for key, count in pairs(thread:get("failures")) do
      io.write("failure " .. key .. " " .. count .. "\\n")
    end
  end
end
"""


def _wrk_ms(output: str, label: str) -> float:
    found = re.search(rf"^\s*{re.escape(label)}\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    if found is None:
        raise SystemExit(f"wrk printed no {label} latency:\n{output}")
    return float(found.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]


def wrk_round(
    port: int,
    pairs: list[tuple[str, str]],
    rate: float,
    seconds: float,
    connections: int,
    work: Path,
) -> dict[str, object]:
    """One paced wrk run: ``connections`` connections, each waiting ``connections / rate`` less
    a millisecond between an answer and its next request."""
    script = work / "offers.lua"
    paths = ", ".join(
        json.dumps(f"/v1/accounts/{account}/offers?placement=limit_banner") for account, _ in pairs
    )
    keys = ", ".join(json.dumps(secret) for _, secret in pairs)
    # wrk's delay() starts after the answer, so each connection sends every pause + latency:
    # a millisecond less than connections / rate (the p50 is about one here) offers the rate
    # asked for instead of ~480 of 500 a second; the rate answered is reported either way
    pause = max(0, round(connections / rate * 1000) - 1)
    script.write_text(_WRK_SCRIPT % (paths, keys, pause))
    run = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{int(seconds)}s", "--latency", "-s", str(script),
         f"http://{HOST}:{port}"],
        capture_output=True, text=True, check=False, timeout=seconds + 60,
    )  # fmt: skip
    if run.returncode != 0:
        raise SystemExit(f"wrk failed: {run.stdout}{run.stderr}")
    out = run.stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    failures = {
        f"{status} {code}": int(count)
        for status, code, count in re.findall(r"^failure (\d+) (\S+) (\d+)$", out, re.MULTILINE)
    }
    sockets = re.search(r"Socket errors: (.*)$", out, re.MULTILINE)
    if sockets is not None:
        failures["socket errors"] = sum(int(n) for n in re.findall(r"\d+", sockets.group(1)))
    return {
        "requests": requests,
        "rate": round(requests / seconds, 1),
        "p50_ms": _wrk_ms(out, "50%"),
        "p90_ms": _wrk_ms(out, "90%"),
        "p99_ms": _wrk_ms(out, "99%"),
        "errors": failures,
    }


def _paywall_hits(
    base: str,
    pairs: list[tuple[str, str]],
    per_second: float,
    stop: threading.Event,
    statuses: dict[str, int],
) -> None:
    """SSO denials spread over the accounts while the load runs (the full re-evaluation path);
    counts the answers by status."""
    with httpx.Client(base_url=base, timeout=10.0) as client:
        n = 0
        while not stop.wait(1 / per_second):
            account, secret = pairs[(n * 7) % len(pairs)]
            answer = client.post(
                "/v1/checks",
                json={"account": account, "feature": "sso"},
                headers={"Authorization": f"Bearer {secret}"},
            )
            statuses[str(answer.status_code)] = statuses.get(str(answer.status_code), 0) + 1
            n += 1


def load_main(arguments: argparse.Namespace) -> None:
    """The load generator's own process: prints one JSON line of results."""
    pairs = json.loads(Path(arguments.pairs).read_text())
    base = f"http://{HOST}:{arguments.port}"
    if shutil.which("wrk"):
        work = Path(arguments.pairs).parent
        warm = wrk_round(
            arguments.port, pairs, arguments.rate, arguments.warmup, arguments.connections, work
        )
        stop = threading.Event()
        statuses: dict[str, int] = {}
        hitting = threading.Thread(
            target=_paywall_hits, args=(base, pairs, arguments.hits, stop, statuses), daemon=True
        )
        cpu_before = _cpu_seconds(arguments.server_pid) if arguments.server_pid else 0.0
        if arguments.hits > 0:
            hitting.start()
        try:
            measured = wrk_round(
                arguments.port,
                pairs,
                arguments.rate,
                arguments.duration,
                arguments.connections,
                work,
            )
        finally:
            stop.set()
        if arguments.hits > 0:
            hitting.join(timeout=15)
        measured["denials"] = statuses
        if arguments.server_pid:
            served = int(measured["requests"]) + sum(statuses.values())  # type: ignore[call-overload]
            cpu = _cpu_seconds(arguments.server_pid) - cpu_before
            measured["server_cpu_us_per_request"] = round(cpu / served * 1e6)
        print(json.dumps({"generator": "wrk", "warmup": warm, "measured": measured}))
        return
    warm = asyncio.run(
        _load(base, pairs, arguments.rate, arguments.warmup, arguments.concurrency, 0)
    )
    result = asyncio.run(
        _load(
            base, pairs, arguments.rate, arguments.duration, arguments.concurrency, arguments.hits
        )
    )
    print(json.dumps({"generator": "httpx", "warmup": warm, "measured": result}))


def _company(template: Path, data_dir: Path, accounts: int, keys: int) -> list[tuple[str, str]]:
    """The company built once into ``template`` (built now if it is not there), copied to
    ``data_dir`` for this run; its (external id, publishable key) pairs."""
    pairs_file = template / "pairs.json"
    if not pairs_file.exists():
        pairs = prepare(template / "demo", accounts, keys)
        pairs_file.write_text(json.dumps(pairs))
    shutil.copytree(template / "demo", data_dir)
    return [(str(account), str(secret)) for account, secret in json.loads(pairs_file.read_text())]


def _wait_ready(base: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit("the server exited during start-up")
        try:
            if httpx.get(f"{base}/health", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--hits", type=float, default=5.0, help="SSO denials per second")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--company", type=Path, default=None, help="build once into DIR, copy it for each run"
    )
    parser.add_argument(
        "--stages",
        type=Path,
        default=None,
        help="serve with per-stage clocks (benchmarks/offers_stages.py); their summary to FILE",
    )
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--pairs", default="", help=argparse.SUPPRESS)
    parser.add_argument("--server-pid", type=int, default=0, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.load:
        load_main(arguments)
        return
    if arguments.quick:
        arguments.accounts, arguments.keys, arguments.duration = 300, 50, 5.0
    with tempfile.TemporaryDirectory(prefix="tierwise-offers-") as directory:
        data_dir = Path(directory) / "demo"
        if arguments.company is None:
            pairs = prepare(data_dir, arguments.accounts, arguments.keys)
        else:
            pairs = _company(arguments.company, data_dir, arguments.accounts, arguments.keys)
        pairs_file = Path(directory) / "pairs.json"
        pairs_file.write_text(json.dumps(pairs))
        port = _free_port()
        base = f"http://{HOST}:{port}"
        environment = _environment(data_dir)
        if arguments.stages is not None:
            environment["TIERWISE_STAGES_FILE"] = str(arguments.stages.resolve())
        server = subprocess.Popen(
            [
                sys.executable,
                "-c",
                SERVE if arguments.stages is None else SERVE_STAGES,
                "--host",
                HOST,
                "--port",
                str(port),
            ],
            env=environment,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            _wait_ready(base, server)
            print(f"load average before: {os.getloadavg()[0]:.2f}")
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "benchmarks.offers_endpoint",
                    "--load",
                    "--port",
                    str(port),
                    "--pairs",
                    str(pairs_file),
                    "--rate",
                    str(arguments.rate),
                    "--duration",
                    str(arguments.duration),
                    "--warmup",
                    str(arguments.warmup),
                    "--connections",
                    str(arguments.connections),
                    "--concurrency",
                    str(arguments.concurrency),
                    "--hits",
                    str(arguments.hits),
                    "--server-pid",
                    str(server.pid),
                ],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
                timeout=arguments.duration + arguments.warmup + 120,
            )
            print(f"load average after: {os.getloadavg()[0]:.2f}")
            result = json.loads(done.stdout.strip().splitlines()[-1])
            measured = result["measured"]
            print(
                f"[{result['generator']}] GET /v1/accounts/{{id}}/offers at "
                f"{arguments.rate:.0f}/s for {arguments.duration:.0f} s ({arguments.keys} "
                f"accounts, {arguments.hits:g} SSO denials/s): {measured['rate']} req/s answered, "
                f"p50 {measured['p50_ms']} ms, p90 {measured['p90_ms']} ms, p99 "
                f"{measured['p99_ms']} ms, not 2xx {measured['errors'] or 'none'}; denials "
                f"{measured.get('denials') or 'none'}; server CPU "
                f"{measured.get('server_cpu_us_per_request', '?')} us per request"
            )
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
