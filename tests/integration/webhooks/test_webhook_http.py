"""The httpx sender against a local server: redirects not followed, excerpts capped, timeouts."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tierwise.adapters.webhook_http import HttpWebhookSender
from tierwise.services.webhooks import WebhookRequest

from .receiver import free_port


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", "0")))
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("location", "/elsewhere")
            self.send_header("content-length", "0")
            self.end_headers()
        elif self.path == "/large":
            payload = b"x" * 100_000
            self.send_response(500)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        elif self.path == "/slow":
            time.sleep(1.0)
            self.send_response(204)
            self.end_headers()
        else:
            self.send_response(404)
            self.send_header("content-length", "0")
            self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def base_url() -> Iterator[str]:
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def post(sender: HttpWebhookSender, url: str) -> tuple[int | None, str, str | None]:
    result = sender.send(WebhookRequest(url, {"content-type": "application/json"}, b"{}"))
    return result.status_code, result.response_excerpt, result.error


def test_a_redirect_is_not_followed_and_fails(base_url: str) -> None:
    with HttpWebhookSender() as sender:
        status, _excerpt, error = post(sender, f"{base_url}/redirect")
    assert (status, error) == (302, None)


def test_the_response_excerpt_is_capped(base_url: str) -> None:
    with HttpWebhookSender(excerpt_bytes=1024) as sender:
        status, excerpt, _error = post(sender, f"{base_url}/large")
    assert status == 500
    assert excerpt == "x" * 1024


def test_a_slow_endpoint_times_out_as_an_error(base_url: str) -> None:
    with HttpWebhookSender(timeout=0.2) as sender:
        status, _excerpt, error = post(sender, f"{base_url}/slow")
    assert status is None
    assert error is not None
    assert error.startswith("timeout")


def test_a_refused_connection_is_an_error_not_an_exception() -> None:
    with HttpWebhookSender(timeout=2) as sender:
        status, _excerpt, error = post(sender, f"http://127.0.0.1:{free_port()}/x")
    assert status is None
    assert error is not None
    assert error.startswith("ConnectError")
