"""Webhook endpoints: where messages go, which ones, with which secret, and whether they still go.

An endpoint is enabled or disabled. An operator disables it by hand; tierwise disables it by
itself when its deliveries keep failing (:class:`DisablePolicy`): after ``max_consecutive_failures``
failed attempts in a row that span at least ``min_failing_period``. The second condition keeps a
burst of traffic during a short outage from switching off an endpoint that is back a minute
later. A successful attempt resets the count. The reason is recorded either way.

Rotating a secret keeps the previous one valid for an overlap: messages are signed with both
until then (:meth:`WebhookEndpoint.signing_secrets`), so receivers can switch without a gap.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from tierwise.errors import InvalidInput
from tierwise.licensing.events import JsonObject
from tierwise.licensing.timestamps import to_iso

__all__ = ["DisablePolicy", "EndpointStatus", "WebhookEndpoint", "checked_url"]


class EndpointStatus(StrEnum):
    ENABLED = "enabled"
    DISABLED = "disabled"


@dataclass(frozen=True, slots=True)
class DisablePolicy:
    """When repeated failures switch an endpoint off (see the module docstring)."""

    max_consecutive_failures: int = 15
    min_failing_period: dt.timedelta = dt.timedelta(hours=24)

    def __post_init__(self) -> None:
        if self.max_consecutive_failures < 1:
            raise InvalidInput("max consecutive failures is at least 1", field="max_failures")
        if self.min_failing_period < dt.timedelta(0):
            raise InvalidInput("the failing period cannot be negative", field="failing_period")


def checked_url(url: str) -> str:
    """``url`` if it is an absolute http(s) URL with a host and no credentials."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"an endpoint URL is http(s)://host/…, not {url!r}", field="url")
    if parts.username or parts.password:
        raise InvalidInput("an endpoint URL carries no user or password", field="url")
    return url.strip()


@dataclass(frozen=True, slots=True)
class WebhookEndpoint:
    """A configured receiver. ``event_types`` empty means every type; ``prefix.*`` a family."""

    id: str
    url: str
    secret: str
    created_at: dt.datetime
    event_types: tuple[str, ...] = ()
    description: str = ""
    status: EndpointStatus = EndpointStatus.ENABLED
    consecutive_failures: int = 0
    failing_since: dt.datetime | None = None
    disabled_at: dt.datetime | None = None
    disabled_reason: str | None = None
    previous_secret: str | None = None
    previous_secret_until: dt.datetime | None = None

    @property
    def enabled(self) -> bool:
        return self.status is EndpointStatus.ENABLED

    def wants(self, event_type: str) -> bool:
        """True when the filter lets ``event_type`` through."""
        if not self.event_types:
            return True
        family = event_type.split(".", 1)[0] + ".*"
        return event_type in self.event_types or family in self.event_types

    def signing_secrets(self, at: dt.datetime) -> tuple[str, ...]:
        """The secrets a message sent at ``at`` is signed with: current first."""
        until = self.previous_secret_until
        if self.previous_secret and until is not None and at < until:
            return (self.secret, self.previous_secret)
        return (self.secret,)

    def after_success(self) -> WebhookEndpoint:
        """A delivery got through: the failure streak is over."""
        return dataclasses.replace(self, consecutive_failures=0, failing_since=None)

    def after_failure(self, at: dt.datetime, policy: DisablePolicy, error: str) -> WebhookEndpoint:
        """A failed attempt at ``at``; disables the endpoint when the policy says so."""
        failures = self.consecutive_failures + 1
        since = self.failing_since or at
        failed = dataclasses.replace(self, consecutive_failures=failures, failing_since=since)
        if (
            self.enabled
            and failures >= policy.max_consecutive_failures
            and at - since >= policy.min_failing_period
        ):
            reason = f"{failures} consecutive failed attempts since {to_iso(since)}; last: {error}"
            return failed.disable(at, reason)
        return failed

    def disable(self, at: dt.datetime, reason: str) -> WebhookEndpoint:
        return dataclasses.replace(
            self, status=EndpointStatus.DISABLED, disabled_at=at, disabled_reason=reason
        )

    def enable(self) -> WebhookEndpoint:
        """Back on, with a clean failure count (the reason for the last disable is kept)."""
        return dataclasses.replace(
            self,
            status=EndpointStatus.ENABLED,
            consecutive_failures=0,
            failing_since=None,
            disabled_at=None,
        )

    def rotate(self, new_secret: str, at: dt.datetime, overlap: dt.timedelta) -> WebhookEndpoint:
        """Sign with ``new_secret`` from now on, and with the old one too until ``at + overlap``."""
        if overlap < dt.timedelta(0):
            raise InvalidInput("the rotation overlap cannot be negative", field="overlap")
        return dataclasses.replace(
            self, secret=new_secret, previous_secret=self.secret, previous_secret_until=at + overlap
        )

    def as_dict(self, *, with_secret: bool = False) -> JsonObject:
        """JSON-ready view; the secret only when asked (it is shown once, at creation)."""
        view: JsonObject = {
            "id": self.id,
            "url": self.url,
            "description": self.description,
            "event_types": list(self.event_types),
            "status": self.status.value,
            "created_at": to_iso(self.created_at),
            "consecutive_failures": self.consecutive_failures,
            "failing_since": _iso(self.failing_since),
            "disabled_at": _iso(self.disabled_at),
            "disabled_reason": self.disabled_reason,
            "previous_secret_until": _iso(self.previous_secret_until),
        }
        if with_secret:
            view["secret"] = self.secret
        return view


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else to_iso(moment)
