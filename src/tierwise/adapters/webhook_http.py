"""The webhook HTTP sender: one POST per attempt with httpx, never following redirects.

Transport trouble (refused connection, DNS, TLS, timeout) comes back as an
:class:`~tierwise.notifications.deliveries.AttemptResult` with an ``error``, not as an exception,
so the dispatcher records it like any failed attempt. Only the first ``excerpt_bytes`` of a
response body are read and kept: a receiver cannot make the log (or the dispatcher) hold a large
answer. Redirects are not followed: a 3xx is a failure, because a redirect could carry a signed
message to another host.
"""

from __future__ import annotations

import time

import httpx

from tierwise.notifications.deliveries import AttemptResult
from tierwise.services.webhooks.ports import WebhookRequest, WebhookSender

__all__ = ["DEFAULT_TIMEOUT_SECONDS", "EXCERPT_BYTES", "HttpWebhookSender"]

#: Seconds allowed for connecting and for each read or write (Standard Webhooks suggests
#: receivers answer quickly and do their work afterwards).
DEFAULT_TIMEOUT_SECONDS = 15.0
#: Bytes of a response body kept in the delivery log.
EXCERPT_BYTES = 1024
USER_AGENT = "tierwise-webhooks/1"


class HttpWebhookSender(WebhookSender):
    """Sends over one pooled httpx client; :meth:`close` it when done (or use ``with``)."""

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        excerpt_bytes: int = EXCERPT_BYTES,
    ) -> None:
        self._excerpt_bytes = excerpt_bytes
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            headers={"user-agent": USER_AGENT},
            trust_env=False,
        )

    def send(self, request: WebhookRequest) -> AttemptResult:
        started = time.perf_counter()
        try:
            with self._client.stream(
                "POST", request.url, headers=dict(request.headers), content=request.body
            ) as response:
                excerpt = self._excerpt(response)
                status = response.status_code
        except httpx.TimeoutException as error:
            return self._failure(started, f"timeout: {type(error).__name__}")
        except httpx.HTTPError as error:
            return self._failure(started, f"{type(error).__name__}: {error}")
        return AttemptResult(status, excerpt, _elapsed_ms(started))

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpWebhookSender:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _excerpt(self, response: httpx.Response) -> str:
        kept = bytearray()
        for chunk in response.iter_bytes():
            kept.extend(chunk[: self._excerpt_bytes - len(kept)])
            if len(kept) >= self._excerpt_bytes:
                break
        return kept.decode("utf-8", errors="replace")

    def _failure(self, started: float, error: str) -> AttemptResult:
        return AttemptResult(None, "", _elapsed_ms(started), error=error[:500])


def _elapsed_ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
