"""Managing webhook endpoints: add, list, disable, enable, rotate the secret; read the log.

Secrets are drawn here (32 random bytes, ``whsec_`` + base64) and shown once, in the endpoint
that :meth:`WebhookEndpoints.create` and :meth:`WebhookEndpoints.rotate_secret` return; listings
never include them. Enabling an endpoint makes its waiting deliveries due right away.
"""

from __future__ import annotations

import builtins
import datetime as dt
import secrets
from collections.abc import Callable

from tierwise.errors import NotFound
from tierwise.notifications.deliveries import Delivery, DeliveryAttempt
from tierwise.notifications.endpoints import WebhookEndpoint, checked_url
from tierwise.notifications.webhook_events import event_type_filter
from tierwise.notifications.webhooks import secret_from_bytes
from tierwise.services.context import random_id
from tierwise.services.webhooks.ports import WebhookUnitOfWork

__all__ = ["DEFAULT_ROTATION_OVERLAP", "SECRET_BYTES", "WebhookEndpoints"]

#: Random bytes in a new secret (the specification asks for 24 to 64).
SECRET_BYTES = 32
#: How long the previous secret still signs messages after a rotation.
DEFAULT_ROTATION_OVERLAP = dt.timedelta(hours=24)
_MANUAL_REASON = "disabled by an operator"


class WebhookEndpoints:
    """Use cases of endpoint management over a unit-of-work factory."""

    def __init__(
        self,
        uow_factory: Callable[[], WebhookUnitOfWork],
        *,
        new_id: Callable[[str], str] = random_id,
        random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    ) -> None:
        self._uow = uow_factory
        self._new_id = new_id
        self._random_bytes = random_bytes

    def create(
        self,
        url: str,
        *,
        at: dt.datetime,
        event_types: tuple[str, ...] | list[str] = (),
        description: str = "",
    ) -> WebhookEndpoint:
        """A new enabled endpoint with a fresh secret (returned here, and only here)."""
        endpoint = WebhookEndpoint(
            id=self._new_id("ep"),
            url=checked_url(url),
            secret=self._new_secret(),
            created_at=at,
            event_types=event_type_filter(list(event_types)),
            description=description,
        )
        with self._uow() as uow:
            uow.endpoints.add(endpoint)
            uow.commit()
        return endpoint

    def list(self) -> list[WebhookEndpoint]:
        with self._uow() as uow:
            return uow.endpoints.list()

    def get(self, endpoint_id: str) -> WebhookEndpoint:
        with self._uow() as uow:
            return _require(uow, endpoint_id)

    def disable(
        self, endpoint_id: str, *, at: dt.datetime, reason: str = _MANUAL_REASON
    ) -> WebhookEndpoint:
        """Stop delivering to the endpoint; its pending deliveries wait for :meth:`enable`."""
        with self._uow() as uow:
            endpoint = _require(uow, endpoint_id, for_update=True)
            if not endpoint.enabled:
                return endpoint
            disabled = endpoint.disable(at, reason)
            uow.endpoints.save(disabled)
            uow.commit()
            return disabled

    def enable(self, endpoint_id: str, *, at: dt.datetime) -> WebhookEndpoint:
        """Deliver again, from a clean failure count; waiting deliveries become due at ``at``."""
        with self._uow() as uow:
            endpoint = _require(uow, endpoint_id, for_update=True)
            enabled = endpoint.enable()
            uow.endpoints.save(enabled)
            uow.deliveries.resume(endpoint_id, at)
            uow.commit()
            return enabled

    def rotate_secret(
        self,
        endpoint_id: str,
        *,
        at: dt.datetime,
        overlap: dt.timedelta = DEFAULT_ROTATION_OVERLAP,
    ) -> WebhookEndpoint:
        """A new secret from now on; the old one also signs until ``at + overlap``."""
        with self._uow() as uow:
            endpoint = _require(uow, endpoint_id, for_update=True)
            rotated = endpoint.rotate(self._new_secret(), at, overlap)
            uow.endpoints.save(rotated)
            uow.commit()
            return rotated

    def log(
        self, *, endpoint_id: str | None = None, event_id: str | None = None, limit: int = 50
    ) -> builtins.list[DeliveryAttempt]:
        """The delivery log, newest first, for one endpoint or message or all of them."""
        with self._uow() as uow:
            if endpoint_id is not None:
                _require(uow, endpoint_id)
            return uow.deliveries.attempts(endpoint_id=endpoint_id, event_id=event_id, limit=limit)

    def deliveries(
        self, *, endpoint_id: str | None = None, status: str | None = None, limit: int = 50
    ) -> builtins.list[Delivery]:
        with self._uow() as uow:
            return uow.deliveries.deliveries(endpoint_id=endpoint_id, status=status, limit=limit)

    def _new_secret(self) -> str:
        return secret_from_bytes(self._random_bytes(SECRET_BYTES))


def _require(
    uow: WebhookUnitOfWork, endpoint_id: str, *, for_update: bool = False
) -> WebhookEndpoint:
    endpoint = uow.endpoints.get(endpoint_id, for_update=for_update)
    if endpoint is None:
        raise NotFound(f"no webhook endpoint {endpoint_id!r}", field="endpoint")
    return endpoint
