"""``/v1/webhook-endpoints``: configure where webhooks go, and read their delivery log.

Endpoints belong to the whole installation, not to one account, so only an ``admin`` key that
is not bound to an account may manage them. The signing secret is in the answer to the creation
and to a rotation, and nowhere else. Delivery itself is the dispatcher's job
(``tierwise webhooks deliver``), not the API's.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field

from tierwise.adapters.sql.webhook_store import SqlWebhookUnitOfWork
from tierwise.api.deps import AdminKey, Runtime
from tierwise.api.problems import ApiProblem
from tierwise.api.runtime import ApiRuntime
from tierwise.notifications.endpoints import WebhookEndpoint
from tierwise.notifications.webhook_events import EVENT_TYPES
from tierwise.services.api_keys import ApiKey
from tierwise.services.webhooks import WebhookEndpoints

__all__ = ["router"]

router = APIRouter(prefix="/v1/webhook-endpoints", tags=["webhooks"])


class EndpointCreate(BaseModel):
    url: str = Field(max_length=2000, description="Where to POST: an http(s) URL.")
    event_types: list[str] = Field(
        default_factory=list,
        max_length=len(EVENT_TYPES),
        description="Event types or families (`trial.*`); empty for every type.",
    )
    description: str = Field(default="", max_length=500)

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "url": "https://billing.example.com/hooks/tierwise",
                    "event_types": ["subscription.changed", "trial.*", "license.revoked"],
                    "description": "billing system",
                }
            ]
        }
    }


class EndpointDisable(BaseModel):
    reason: str = Field(default="disabled by an operator", min_length=1, max_length=500)


class SecretRotation(BaseModel):
    overlap_hours: float = Field(
        default=24, ge=0, le=24 * 30, description="Hours the previous secret still signs."
    )


class EndpointOut(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str = Field(examples=["ep_5d1c0b7a9e3f42c68a1b2c3d"])
    url: str
    description: str
    event_types: list[str]
    status: str = Field(description="`enabled` or `disabled`.")
    created_at: str
    consecutive_failures: int
    failing_since: str | None
    disabled_at: str | None
    disabled_reason: str | None = Field(description="Why it was disabled, by whom or by what.")
    previous_secret_until: str | None


class EndpointWithSecret(EndpointOut):
    secret: str = Field(description="`whsec_…`: shown in this answer only; store it now.")


class AttemptOut(BaseModel):
    delivery_id: int
    endpoint_id: str
    event_id: str = Field(description="The `webhook-id` of the message.")
    event_type: str
    attempt: int
    at: str
    succeeded: bool
    status_code: int | None
    duration_ms: int
    error: str | None
    response_excerpt: str


def _endpoints(runtime: ApiRuntime, key: ApiKey) -> WebhookEndpoints:
    if key.account_id is not None:
        raise ApiProblem(
            403,
            "insufficient_scope",
            "webhook endpoints belong to the installation; use an admin key not bound to an "
            "account",
            field="Authorization",
        )
    engine = runtime.engine
    return WebhookEndpoints(lambda: SqlWebhookUnitOfWork(engine))


def _out(endpoint: WebhookEndpoint) -> EndpointOut:
    return EndpointOut.model_validate(endpoint.as_dict())


@router.post("", status_code=status.HTTP_201_CREATED, response_model=EndpointWithSecret)
def create_endpoint(body: EndpointCreate, key: AdminKey, runtime: Runtime) -> EndpointWithSecret:
    """Add an endpoint (admin). The answer carries its signing secret, shown only here."""
    created = _endpoints(runtime, key).create(
        body.url,
        at=runtime.clock(),
        event_types=body.event_types,
        description=body.description,
    )
    return EndpointWithSecret.model_validate(created.as_dict(with_secret=True))


@router.get("", response_model=list[EndpointOut])
def list_endpoints(key: AdminKey, runtime: Runtime) -> list[EndpointOut]:
    """Every endpoint, oldest first, with its state and failure streak (never the secret)."""
    return [_out(endpoint) for endpoint in _endpoints(runtime, key).list()]


@router.get("/{endpoint_id}", response_model=EndpointOut)
def get_endpoint(endpoint_id: str, key: AdminKey, runtime: Runtime) -> EndpointOut:
    """One endpoint; an unknown id is a 404."""
    return _out(_endpoints(runtime, key).get(endpoint_id))


@router.post("/{endpoint_id}/disable", response_model=EndpointOut)
def disable_endpoint(
    endpoint_id: str, body: EndpointDisable, key: AdminKey, runtime: Runtime
) -> EndpointOut:
    """Stop delivering; waiting deliveries are kept until the endpoint is enabled."""
    service = _endpoints(runtime, key)
    return _out(service.disable(endpoint_id, at=runtime.clock(), reason=body.reason))


@router.post("/{endpoint_id}/enable", response_model=EndpointOut)
def enable_endpoint(endpoint_id: str, key: AdminKey, runtime: Runtime) -> EndpointOut:
    """Deliver again from a clean failure count; waiting deliveries become due now."""
    return _out(_endpoints(runtime, key).enable(endpoint_id, at=runtime.clock()))


@router.post("/{endpoint_id}/rotate-secret", response_model=EndpointWithSecret)
def rotate_secret(
    endpoint_id: str, body: SecretRotation, key: AdminKey, runtime: Runtime
) -> EndpointWithSecret:
    """A new signing secret (in this answer only); the old one also signs during the overlap."""
    rotated = _endpoints(runtime, key).rotate_secret(
        endpoint_id, at=runtime.clock(), overlap=dt.timedelta(hours=body.overlap_hours)
    )
    return EndpointWithSecret.model_validate(rotated.as_dict(with_secret=True))


@router.get("/{endpoint_id}/attempts", response_model=list[AttemptOut])
def delivery_log(
    endpoint_id: str,
    key: AdminKey,
    runtime: Runtime,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[AttemptOut]:
    """The endpoint's delivery log, newest first: attempt, status, duration, error, excerpt."""
    attempts = _endpoints(runtime, key).log(endpoint_id=endpoint_id, limit=limit)
    return [AttemptOut.model_validate(attempt.as_dict()) for attempt in attempts]
