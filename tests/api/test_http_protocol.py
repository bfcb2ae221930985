"""The served HTTP protocol: the same bytes as uvicorn's httptools protocol, in fewer writes."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from tierwise.api.http_protocol import OneWriteHttpToolsProtocol, OneWriteTransport
from tierwise.cli.serve import http_protocol


class _Recorded(asyncio.Transport):
    """A transport that records each write (one system call each on a real one)."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True


def test_writes_of_one_turn_leave_together_and_a_lone_write_one_turn_later() -> None:
    # given a one-write transport over a recording one
    recorded = _Recorded()

    async def scenario() -> tuple[list[bytes], list[bytes], list[bytes]]:
        transport = OneWriteTransport(recorded, asyncio.get_running_loop())
        # when headers and a body are written in one turn, then a lone write
        transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
        transport.write(b"{}")
        joined = list(recorded.writes)
        transport.write(memoryview(b"0\r\n\r\n"))
        before_turn = list(recorded.writes)
        await asyncio.sleep(0)
        return joined, before_turn, list(recorded.writes)

    joined, before_turn, after_turn = asyncio.run(scenario())
    # then the first two left as one write, the lone one at the next turn of the loop
    assert joined == [b"HTTP/1.1 200 OK\r\n\r\n{}"]
    assert before_turn == joined
    assert after_turn == [*joined, b"0\r\n\r\n"]


def test_closing_sends_what_is_held_and_a_gone_connection_drops_it() -> None:
    # given two one-write transports, each holding a write
    kept, gone = _Recorded(), _Recorded()

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        closing = OneWriteTransport(kept, loop)
        closing.write(b"last words")
        # when one is closed, and the other's connection goes away before the next turn
        closing.close()
        lost = OneWriteTransport(gone, loop)
        lost.write(b"never sent")
        gone.closed = True
        await asyncio.sleep(0)

    asyncio.run(scenario())
    # then the closed one sent its write first; the lost one wrote nothing
    assert kept.writes == [b"last words"]
    assert kept.closed
    assert gone.writes == []


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """An answer sent at once (``/once``) and one streamed in two parts (``/parts``)."""
    if scope["type"] != "http":
        return
    if scope["path"] == "/once":
        body = b'{"ok":true}'
        headers = [(b"content-type", b"application/json"), (b"content-length", b"11")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"first", "more_body": True})
    await asyncio.sleep(0.01)
    await send({"type": "http.response.body", "body": b"second"})


@pytest.fixture
def servers() -> Iterator[dict[str, int]]:
    """uvicorn with its httptools protocol and with the one-write one, on free ports."""
    running: list[tuple[uvicorn.Server, threading.Thread]] = []
    ports: dict[str, int] = {}
    for name, protocol in (("stock", HttpToolsProtocol), ("one_write", OneWriteHttpToolsProtocol)):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        config = uvicorn.Config(
            _app, host="127.0.0.1", port=port, http=protocol, lifespan="off", log_level="error"
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.01)
        running.append((server, thread))
        ports[name] = port
    yield ports
    for server, thread in running:
        server.should_exit = True
        thread.join(timeout=10)


def _answers(port: int, paths: list[str]) -> bytes:
    """What the server sends back for GETs of ``paths`` on one kept-alive connection."""
    requests = (
        b"".join(f"GET {path} HTTP/1.1\r\nhost: test\r\n\r\n".encode() for path in paths[:-1])
        + f"GET {paths[-1]} HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n".encode()
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(requests)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    return re.sub(rb"date: [^\r]*\r\n", b"date: -\r\n", received)


def test_the_served_protocol_sends_what_uvicorns_sends(servers: dict[str, int]) -> None:
    # when the same requests go to both servers (pipelined on one connection: answers sent at
    # once and streamed in parts)
    paths = ["/once", "/parts", "/once", "/once"]
    stock = _answers(servers["stock"], paths)
    one_write = _answers(servers["one_write"], paths)
    # then both answer the same bytes
    assert one_write == stock
    assert stock.count(b"HTTP/1.1 200 OK") == 4
    assert b"first" in stock
    assert b"second" in stock


def test_tierwise_serve_runs_the_one_write_protocol() -> None:
    assert http_protocol() is OneWriteHttpToolsProtocol
