"""The plumbing every command route on one subscription shares, as a FastAPI dependency.

A route declares only what is its own (its body) and takes a :data:`Transition` or
:data:`SeatChange` parameter. Calling its :meth:`CommandRequest.submit`
with a command class and the route's own fields builds the command with who and when (the key's
actor, the runtime's clock), the subscription from the path, the ``Idempotency-Key`` and the
``If-Match`` version, and commits it through :func:`~tierwise.api.routers.subscriptions.commit`
(visibility, the check cache, the replay header). The headers a route accepts, and so its
OpenAPI operation, are those of the dependency it takes.

FastAPI lists a route's own path parameters before its dependencies' in the OpenAPI document, so
a route with a second path parameter (``/{user}``) declares all of its parameters itself and
builds its :class:`CommandRequest` directly: its operation keeps ``subscription_id`` first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Response

from tierwise.api.deps import (
    AdminKey,
    IdempotencyKey,
    IfMatch,
    Runtime,
    actor_of,
    expected_version,
)
from tierwise.api.routers.subscriptions import commit
from tierwise.api.runtime import ApiRuntime
from tierwise.api.schemas import ReceiptOut
from tierwise.services.api_keys import ApiKey
from tierwise.services.commands import SubscriptionCommand

__all__ = ["CommandRequest", "SeatChange", "Transition"]


@dataclass(frozen=True, slots=True)
class CommandRequest:
    """One request to change a subscription: who asks, on what, with which headers."""

    subscription_id: str
    key: ApiKey
    runtime: ApiRuntime
    response: Response
    idempotency_key: str | None = None
    if_match: str | None = None

    def submit(self, command_type: type[SubscriptionCommand], /, **fields: Any) -> ReceiptOut:
        """Build ``command_type`` from the request and ``fields``, run it, answer the receipt.

        A malformed ``If-Match`` is refused here, after the body was validated, as before.
        """
        command = command_type(
            at=self.runtime.clock(),
            actor=actor_of(self.key),
            idempotency_key=self.idempotency_key,
            subscription_id=self.subscription_id,
            expected_version=expected_version(self.if_match),
            **fields,
        )
        return commit(self.runtime, self.key, command, self.response)


def _transition(
    subscription_id: str,
    key: AdminKey,
    runtime: Runtime,
    response: Response,
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> CommandRequest:
    return CommandRequest(subscription_id, key, runtime, response, idempotency_key, if_match)


def _seat_change(
    subscription_id: str,
    key: AdminKey,
    runtime: Runtime,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> CommandRequest:
    return CommandRequest(subscription_id, key, runtime, response, idempotency_key)


#: A transition (admin key): takes ``Idempotency-Key`` and ``If-Match``.
Transition = Annotated[CommandRequest, Depends(_transition)]
#: A seat change (admin key): takes ``Idempotency-Key``; seats are not versioned by the caller.
SeatChange = Annotated[CommandRequest, Depends(_seat_change)]
