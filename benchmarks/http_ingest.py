"""HTTP usage ingest: accepted events per second through ``POST /v1/events`` (CloudEvents batches)
and ``POST /v1/batch`` (Segment batches), end to end into the embedded event store.

Run with ``.venv/bin/python -m benchmarks.http_ingest`` (``--quick`` for a short smoke run).

What runs:

* the server is ``tierwise serve`` (uvicorn, one worker, the embedded default: SQLite ledger and
  the DuckDB event store) started as its own process on 127.0.0.1 in a fresh temporary data
  directory; an ``ingest`` key without a rate limit is created for the load;
* the load comes from this process, on loopback only: ``--connections`` keep-alive HTTP
  connections (httpx, one thread each) post pre-built batch bodies of ``--batch`` events, every
  event with its own id, so every event is new and stored. Bodies are built before the clock
  starts: the figure is the server's, not the JSON encoder's of the load generator;
* each round sends ``--events`` events per format (bounded: it also stops after
  ``--max-seconds``); the figure is accepted events per second over the round's wall time, the
  median of ``--rounds`` rounds. After the run the stored total is checked through
  ``GET /v1/accounts/{id}/usage`` against the events acknowledged.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tierwise import bootstrap
from tierwise.config import Settings
from tierwise.services.api_keys import Scope
from tierwise.services.commands import CreateAccount

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "catalog.yaml"
HOST = "127.0.0.1"
SERVE = "import typer; from tierwise.cli.serve import serve; typer.run(serve)"
ACCOUNTS = ("acme", "globex", "initech", "umbrella")
TARGET = 50_000


@dataclass(frozen=True)
class Round:
    fmt: str
    events: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds


def cloudevents_batch(round_: int, number: int, size: int, when: str) -> bytes:
    events = [
        {
            "specversion": "1.0",
            "id": f"r{round_}-b{number}-e{index}",
            "source": "https://app.example.com/api",
            "type": "api.call",
            "time": when,
            "subject": f"user-{index % 50}",
            "tierwiseaccount": ACCOUNTS[index % len(ACCOUNTS)],
            "data": {"endpoint": "/v1/boards", "status": 200},
        }
        for index in range(size)
    ]
    return json.dumps(events).encode()


def segment_batch(round_: int, number: int, size: int, when: str) -> bytes:
    calls = [
        {
            "type": "track",
            "messageId": f"r{round_}-s{number}-e{index}",
            "userId": f"user-{index % 50}",
            "event": "api.call",
            "timestamp": when,
            "properties": {"endpoint": "/v1/boards", "status": 200},
            "context": {"groupId": ACCOUNTS[index % len(ACCOUNTS)]},
        }
        for index in range(size)
    ]
    return json.dumps({"batch": calls, "sentAt": when}).encode()


def send(
    url: str,
    path: str,
    headers: dict[str, str],
    bodies: list[bytes],
    size: int,
    connections: int,
    cap: float,
) -> tuple[int, float]:
    """Post every body over ``connections`` keep-alive connections; (events acknowledged, s)."""
    acknowledged = [0] * connections
    queue = list(reversed(bodies))
    lock = threading.Lock()
    deadline = time.perf_counter() + cap

    def worker(slot: int) -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
            while time.perf_counter() < deadline:
                with lock:
                    if not queue:
                        return
                    body = queue.pop()
                answer = http.post(path, content=body)
                if answer.status_code != 200:
                    raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:300]}")
                acknowledged[slot] += size

    threads = [threading.Thread(target=worker, args=(slot,)) for slot in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(acknowledged), time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TIERWISE_DATA_DIR": str(data_dir),
        "TIERWISE_CATALOG": str(EXAMPLE),
        "TIERWISE_API_RATE_LIMIT": "0",
    }
    env.pop("TIERWISE_DATABASE_URL", None)
    command = [sys.executable, "-c", SERVE, "--port", str(port), "--log-level", "warning"]
    server = subprocess.Popen(command, env=env, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the server exited at start-up")
        try:
            if httpx.get(f"http://{HOST}:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the server did not start within 60 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000, help="Events per round and format.")
    parser.add_argument("--batch", type=int, default=1_000, help="Events per request.")
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-seconds", type=float, default=60.0, help="Cap of one round.")
    parser.add_argument("--quick", action="store_true", help="20,000 events, one round.")
    options = parser.parse_args()
    if options.quick:
        options.events, options.rounds = 20_000, 1

    with tempfile.TemporaryDirectory(prefix="tierwise-ingest-bench-") as directory:
        data_dir = Path(directory)
        settings = Settings(data_dir=data_dir, catalog=EXAMPLE, api_rate_limit=0)
        now = dt.datetime.now(dt.UTC)
        engine = bootstrap.ledger_engine(settings)
        ledger = bootstrap.build_ledger(bootstrap.load_catalog(None, settings), engine=engine)
        for name in ACCOUNTS:
            ledger.handle(CreateAccount(at=now, external_id=name, name=name, currency="USD"))
        keys = bootstrap.build_api_keys(settings, engine=engine)
        key = keys.create(Scope.INGEST, at=now, rate_limit=0).secret
        engine.dispose()

        port = free_port()
        url = f"http://{HOST}:{port}"
        server = start_server(data_dir, port)
        when = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        formats = {
            "CloudEvents batch": (
                "/v1/events",
                {"Content-Type": "application/cloudevents-batch+json"},
                cloudevents_batch,
            ),
            "Segment /v1/batch": ("/v1/batch", {"Content-Type": "application/json"}, segment_batch),
        }
        results: dict[str, list[Round]] = {name: [] for name in formats}
        acknowledged = 0
        try:
            for round_ in range(options.rounds):
                for name, (path, content, build) in formats.items():
                    count = options.events // options.batch
                    bodies = [build(round_, n, options.batch, when) for n in range(count)]
                    headers = {"Authorization": f"Bearer {key}", **content}
                    events, seconds = send(
                        url,
                        path,
                        headers,
                        bodies,
                        options.batch,
                        options.connections,
                        options.max_seconds,
                    )
                    acknowledged += events
                    results[name].append(Round(name, events, seconds))
                    print(f"round {round_ + 1} {name}: {events:,} events in {seconds:.2f} s "
                          f"= {events / seconds:,.0f} events/s", flush=True)  # fmt: skip
            stored = 0
            admin = {"Authorization": f"Bearer {keys_admin(settings)}"}
            for name in ACCOUNTS:
                answer = httpx.get(f"{url}/v1/accounts/{name}/usage", headers=admin, timeout=60)
                stored += next(
                    m["value"] for m in answer.json()["meters"] if m["event"] == "api.call"
                )
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)

    print()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; batch {options.batch} events, "
          f"{options.connections} connections, {options.rounds} rounds")  # fmt: skip
    for name, rounds in results.items():
        median = statistics.median(r.rate for r in rounds)
        verdict = "meets" if median >= TARGET else "MISSES"
        print(f"{name:<20} median {median:>10,.0f} events/s ({verdict} the {TARGET:,} target)")
    print(f"acknowledged {acknowledged:,} events; stored (usage totals) {stored:,}")
    if stored != acknowledged:
        raise SystemExit("the stored total differs from the acknowledged events")


def keys_admin(settings: Settings) -> str:
    """A read-capable key for the final check (made while the server runs: keys live in SQL)."""
    keys = bootstrap.build_api_keys(settings)
    return keys.create(Scope.ADMIN, at=dt.datetime.now(dt.UTC)).secret


if __name__ == "__main__":
    main()
