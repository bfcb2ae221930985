"""Usage ingest against the running server (``tierwise serve`` in a subprocess on a free
127.0.0.1 port, with its own data directory), fed by Segment's own ``segment-analytics-python``
library and the ``cloudevents`` SDK; and the crash proof: the server killed with SIGKILL while a
client streams batches loses no acknowledged event and counts none twice.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import segment.analytics as analytics  # type: ignore[import-untyped]  # no type hints shipped
from cloudevents.v1.conversion import to_binary, to_json, to_structured
from cloudevents.v1.http import CloudEvent

from tierwise import bootstrap
from tierwise.adapters.event_store import EventStore
from tierwise.config import Settings
from tierwise.services.api_keys import Scope
from tierwise.services.commands import CreateAccount

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "examples" / "catalog.yaml"
TIERWISE = Path(sys.executable).with_name("tierwise")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    """A ``tierwise serve`` process on a data directory; restartable on the same directory."""

    data_dir: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {
            **os.environ,
            "TIERWISE_DATA_DIR": str(self.data_dir),
            "TIERWISE_CATALOG": str(CATALOG),
            "TIERWISE_API_RATE_LIMIT": "0",
        }
        env.pop("TIERWISE_DATABASE_URL", None)
        with (self.data_dir / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                [str(TIERWISE), "serve", "--port", str(self.port), "--log-level", "warning"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.data_dir / "server.log").read_text()
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError("the server did not start within 30 s")

    def stop(self) -> None:
        """A graceful stop (SIGTERM): the lifespan closes the event store."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        self.process = None

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None


@dataclass
class World:
    server: Server
    ingest_key: str
    admin_key: str

    def usage(self, account: str) -> dict[str, Any]:
        answer = httpx.get(
            f"{self.server.url}/v1/accounts/{account}/usage",
            headers={"Authorization": f"Bearer {self.admin_key}"},
        )
        assert answer.status_code == 200, answer.text
        return {meter["feature"]: meter["value"] for meter in answer.json()["meters"]}

    def stored(self) -> EventStore:
        """The event store, opened after the server stopped (DuckDB allows one writer)."""
        self.server.stop()
        return EventStore.open(self.server.data_dir, read_only=True)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    settings = Settings(data_dir=tmp_path, catalog=CATALOG, api_rate_limit=0)
    engine = bootstrap.ledger_engine(settings)
    now = dt.datetime.now(dt.UTC)
    ledger = bootstrap.build_ledger(bootstrap.load_catalog(None, settings), engine=engine)
    for name in ("acme", "globex"):
        ledger.handle(CreateAccount(at=now, external_id=name, name=name.title(), currency="USD"))
    keys = bootstrap.build_api_keys(settings, engine=engine)
    ingest_key = keys.create(Scope.INGEST, at=now).secret
    admin_key = keys.create(Scope.ADMIN, at=now).secret
    engine.dispose()
    server = Server(tmp_path, free_port())
    server.start()
    try:
        yield World(server, ingest_key, admin_key)
    finally:
        server.stop()


@pytest.fixture
def segment_client(world: World) -> Iterator[None]:
    """Segment's module-level client, pointed at the server, sending synchronously."""
    analytics.write_key = world.ingest_key
    analytics.host = world.server.url
    analytics.sync_mode = True
    analytics.max_retries = 0
    analytics.default_client = None
    yield
    analytics.default_client = None


@pytest.mark.usefixtures("segment_client")
def test_segment_library_calls_are_metered_once(world: World) -> None:
    # given Segment's library sending a group call, tracks with and without the group, others
    this_month = dt.datetime.now(dt.UTC).replace(day=1, hour=9, minute=0, second=0, microsecond=0)
    analytics.group("ana", "acme", {"name": "Acme"}, message_id="g-1", timestamp=this_month)
    analytics.track(
        "bob", "api.call", {"endpoint": "/x"}, context={"groupId": "globex"},
        message_id="t-1", timestamp=this_month,
    )  # fmt: skip
    for index in range(3):
        analytics.track("ana", "api.call", message_id=f"a-{index}", timestamp=this_month)
    analytics.identify("ana", {"email": "ana@acme.example"}, message_id="i-1")
    analytics.page("ana", name="Pricing", message_id="p-1")
    analytics.screen("ana", name="Boards", message_id="s-1")
    analytics.alias("anon-1", "ana", message_id="al-1")

    # when one track call is sent again with its messageId (a retry)
    analytics.track("ana", "api.call", message_id="a-0", timestamp=this_month)

    # then ana's three calls count for acme (the group she joined), bob's for globex
    assert world.usage("acme")["api_calls"] == 3
    assert world.usage("globex")["api_calls"] == 1
    with world.stored() as store:
        assert store.count() == 9  # 1 group + 4 tracks + identify, page, screen, alias
        kinds = store.stats().types
    assert kinds == {
        "api.call": 4, "$group": 1, "$identify": 1, "$page": 1, "$screen": 1, "$alias": 1,
    }  # fmt: skip


def test_segment_library_in_batch_mode_with_gzip_delivers_every_event_once(world: World) -> None:
    # given a client that queues and uploads batches of 100, gzipped
    client = analytics.Client(
        world.ingest_key, host=world.server.url, upload_size=100, gzip=True, max_retries=1
    )

    # when 1,000 tracks are queued and flushed, and the first 100 queued again (same ids)
    for index in range(1_000):
        client.track("u", "automation.run", context={"groupId": "acme"}, message_id=f"b-{index}")
    client.flush()
    for index in range(100):
        client.track("u", "automation.run", context={"groupId": "acme"}, message_id=f"b-{index}")
    client.flush()
    client.join()

    # then the account's automation runs are 1,000
    assert world.usage("acme")["automation_runs"] == 1_000


def test_a_refused_segment_call_raises_in_the_library(world: World) -> None:
    # given a client with a key that is not an ingest key
    client = analytics.Client(
        world.admin_key + "x", host=world.server.url, sync_mode=True, max_retries=0
    )

    # when it sends a track call, then the server's 401 surfaces as Segment's APIError
    with pytest.raises(analytics.request.APIError) as refused:
        client.track("u", "api.call", message_id="nope")
    assert refused.value.status == 401


def test_cloudevents_sdk_events_structured_binary_and_batched_are_metered_once(
    world: World,
) -> None:
    # given events made with the CloudEvents SDK
    def event(event_id: str, account: str = "acme") -> CloudEvent:
        attributes = {
            "id": event_id, "type": "api.call", "source": "https://app.example.com",
            "tierwiseaccount": account,
        }  # fmt: skip
        return CloudEvent(attributes, {"endpoint": "/v1/boards"})

    auth = {"Authorization": f"Bearer {world.ingest_key}"}
    structured_headers, structured_body = to_structured(event("c-1"))
    binary_headers, binary_body = to_binary(event("c-2", "globex"))
    batch = [event(f"c-{index}") for index in range(3, 8)]
    batch_body = b"[" + b",".join(to_json(item) for item in batch) + b"]"
    batch_headers = {"Content-Type": "application/cloudevents-batch+json"}

    # when they are posted with httpx, and the batch twice
    with httpx.Client(base_url=world.server.url, headers=auth) as http:
        answers = [
            http.post("/v1/events", content=structured_body, headers=structured_headers),
            http.post("/v1/events", content=binary_body, headers=binary_headers),
            http.post("/v1/events", content=batch_body, headers=batch_headers),
            http.post("/v1/events", content=batch_body, headers=batch_headers),
        ]

    # then each is accepted, the replayed batch counted once
    assert [answer.status_code for answer in answers] == [200, 200, 200, 200]
    assert [answer.json()["inserted"] for answer in answers] == [1, 1, 5, 0]
    assert world.usage("acme")["api_calls"] == 6
    assert world.usage("globex")["api_calls"] == 1


def _batch(stream: int, number: int, size: int) -> bytes:
    events = ",".join(
        f'{{"specversion":"1.0","id":"{stream}-{number}-{index}","source":"crash",'
        f'"type":"api.call","tierwiseaccount":"acme"}}'
        for index in range(size)
    )
    return f"[{events}]".encode()


def test_sigkill_during_ingest_loses_no_acknowledged_event_and_counts_none_twice(
    world: World,
) -> None:
    # given two clients streaming batches of 200 events, each batch remembered once acknowledged
    size, streams, per_stream = 200, 2, 150
    acknowledged: set[tuple[int, int]] = set()
    in_flight: set[tuple[int, int]] = set()
    lock = threading.Lock()
    headers = {
        "Authorization": f"Bearer {world.ingest_key}",
        "Content-Type": "application/cloudevents-batch+json",
    }

    def stream(number: int) -> None:
        with httpx.Client(base_url=world.server.url, headers=headers, timeout=10) as http:
            for batch in range(per_stream):
                try:
                    answer = http.post("/v1/events", content=_batch(number, batch, size))
                except httpx.TransportError:
                    with lock:
                        in_flight.add((number, batch))
                    return
                assert answer.status_code == 200, answer.text
                with lock:
                    acknowledged.add((number, batch))

    clients = [threading.Thread(target=stream, args=(number,)) for number in range(streams)]
    for client in clients:
        client.start()

    # when the server is killed with SIGKILL mid-stream, then restarted on the same data dir
    deadline = time.monotonic() + 60
    while len(acknowledged) < 40 and time.monotonic() < deadline:
        time.sleep(0.005)
    world.server.kill()
    for client in clients:
        client.join(timeout=60)
    world.server.start()
    total_after_restart = world.usage("acme")["api_calls"]

    # then every acknowledged batch is stored whole and once; a batch in flight is whole or absent
    assert 40 <= len(acknowledged) < streams * per_stream, "the kill did not land mid-stream"
    with world.stored() as store:
        stored = store.events()
    keys = [(event.source, event.id) for event in stored]
    assert len(keys) == len(set(keys))
    per_batch: dict[tuple[int, int], int] = {}
    for event in stored:
        number, batch, _ = event.id.split("-")
        per_batch[(int(number), int(batch))] = per_batch.get((int(number), int(batch)), 0) + 1
    assert all(per_batch.get(batch) == size for batch in acknowledged)
    assert set(per_batch) - acknowledged <= in_flight
    assert all(count == size for count in per_batch.values())
    assert total_after_restart == len(stored)


def test_a_second_server_on_the_same_data_dir_serves_but_leaves_ingest_to_the_owner(
    world: World,
) -> None:
    # given a second server process started on the running server's data directory
    second = Server(world.server.data_dir, free_port())
    second.start()
    try:
        # when both are sent the same event
        body = _batch(9, 0, 1)
        headers = {
            "Authorization": f"Bearer {world.ingest_key}",
            "Content-Type": "application/cloudevents-batch+json",
        }
        refused = httpx.post(f"{second.url}/v1/events", content=body, headers=headers)
        accepted = httpx.post(f"{world.server.url}/v1/events", content=body, headers=headers)
        health = httpx.get(f"{second.url}/health")
    finally:
        second.stop()

    # then the second answers 503 (a producer retries), the owner stores it
    assert health.status_code == 200
    assert refused.status_code == 503
    assert refused.json()["code"] == "event_store_unavailable"
    assert accepted.json()["inserted"] == 1
