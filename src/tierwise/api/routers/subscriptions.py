"""``/v1/subscriptions``: open a subscription, read it, preview a change (the quote), commit it."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from tierwise.api.deps import (
    AdminKey,
    IdempotencyKey,
    IfMatch,
    ReaderKey,
    Runtime,
    actor_of,
    expected_version,
    mark_replay,
    visible_account,
    visible_subscription,
)
from tierwise.api.runtime import ApiRuntime
from tierwise.api.schemas import ReceiptOut, SubscriptionOut, receipt_out
from tierwise.catalog.model import BillingInterval
from tierwise.services.api_keys import ApiKey
from tierwise.services.commands import (
    ChangeSubscription,
    CreateSubscription,
    SubscriptionCommand,
    UndoScheduledChange,
)
from tierwise.services.receipts import Receipt

__all__ = ["commit", "router"]

router = APIRouter(prefix="/v1/subscriptions", tags=["subscriptions"])

_Plan = Field(default=None, min_length=1, max_length=64)


class SubscriptionCreate(BaseModel):
    account: str = Field(min_length=1, max_length=200, description="Account id or external id.")
    plan: str = Field(min_length=1, max_length=64)
    interval: BillingInterval = BillingInterval.MONTH
    seats: int = Field(default=1, ge=1, le=1_000_000)
    add_ons: list[str] = Field(default_factory=list, max_length=50)
    term_years: int = Field(default=1, ge=1, le=10)
    bundle: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="Buy the plan and add-ons as this catalog bundle (they must be its parts).",
    )
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    settings: dict[str, str] = Field(default_factory=dict)
    auto_renew: bool = True
    reason: str = Field(default="", max_length=1000)

    model_config = {
        "json_schema_extra": {
            "examples": [{"account": "crm-4711", "plan": "team", "seats": 5, "interval": "month"}]
        }
    }


class ChangeRequest(BaseModel):
    """What to change; everything not given stays. ``add_ons`` replaces the set, ``add`` and
    ``remove`` edit it."""

    plan: str | None = _Plan
    interval: BillingInterval | None = None
    seats: int | None = Field(default=None, ge=1, le=1_000_000)
    add_ons: list[str] | None = Field(default=None, max_length=50)
    add: list[str] = Field(default_factory=list, max_length=50)
    remove: list[str] = Field(default_factory=list, max_length=50)
    term_years: int | None = Field(default=None, ge=1, le=10)
    bundle: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="Buy this catalog bundle: its plan and its add-ons join the others.",
    )
    reason: str = Field(default="", max_length=1000)

    model_config = {"json_schema_extra": {"examples": [{"plan": "business", "seats": 8}]}}

    def command(
        self,
        subscription_id: str,
        runtime: ApiRuntime,
        key: ApiKey,
        *,
        idempotency_key: str | None = None,
        expected: int | None = None,
    ) -> ChangeSubscription:
        return ChangeSubscription(
            at=runtime.clock(),
            actor=actor_of(key),
            reason=self.reason,
            idempotency_key=idempotency_key,
            subscription_id=subscription_id,
            expected_version=expected,
            plan=self.plan,
            interval=self.interval,
            seats=self.seats,
            add_ons=None if self.add_ons is None else tuple(self.add_ons),
            add=tuple(self.add),
            remove=tuple(self.remove),
            term_years=self.term_years,
            bundle=self.bundle,
        )


class QuotePreview(BaseModel):
    quote: dict[str, object] = Field(
        description="Prorated lines, new recurring price, discounts with reasons, price path."
    )
    subscription: SubscriptionOut = Field(description="The subscription as the change leaves it.")


def commit(
    runtime: ApiRuntime, key: ApiKey, command: SubscriptionCommand, response: Response
) -> ReceiptOut:
    """Run a command on a subscription ``key`` may see; forget its cached entitlements."""
    subscription = visible_subscription(runtime, key, command.subscription_id)
    receipt: Receipt = runtime.ledger.handle(command)
    runtime.checks.forget(subscription.account_id)
    mark_replay(response, receipt)
    return receipt_out(receipt)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ReceiptOut)
def create_subscription(
    body: SubscriptionCreate,
    key: AdminKey,
    runtime: Runtime,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ReceiptOut:
    """Open a subscription for an account at today's catalog prices (admin)."""
    account = visible_account(runtime, key, body.account)
    receipt = runtime.ledger.handle(
        CreateSubscription(
            at=runtime.clock(),
            actor=actor_of(key),
            reason=body.reason,
            idempotency_key=idempotency_key,
            account=account.id,
            plan=body.plan,
            interval=body.interval,
            seats=body.seats,
            add_ons=tuple(body.add_ons),
            term_years=body.term_years,
            bundle=body.bundle,
            currency=body.currency,
            settings=body.settings,
            auto_renew=body.auto_renew,
        )
    )
    runtime.checks.forget(account.id)
    mark_replay(response, receipt)
    return receipt_out(receipt)


@router.get("/{subscription_id}", response_model=SubscriptionOut)
def get_subscription(
    subscription_id: str, key: ReaderKey, runtime: Runtime, response: Response
) -> SubscriptionOut:
    """The subscription (admin, read). Its ``ETag`` is the version to send as ``If-Match``."""
    subscription = visible_subscription(runtime, key, subscription_id)
    response.headers["ETag"] = f'"{subscription.version}"'
    return SubscriptionOut.model_validate(subscription.snapshot())


@router.post("/{subscription_id}/quote", response_model=QuotePreview)
def preview_change(
    subscription_id: str, body: ChangeRequest, key: ReaderKey, runtime: Runtime
) -> QuotePreview:
    """Price a change without making it (admin, read): the quote engine's answer for now,
    with the timing of the catalog's change policy, and the subscription it would leave."""
    visible_subscription(runtime, key, subscription_id)
    preview = runtime.ledger.preview_change(body.command(subscription_id, runtime, key))
    return QuotePreview.model_validate(preview)


@router.post("/{subscription_id}/changes", response_model=ReceiptOut)
def change_subscription(
    subscription_id: str,
    body: ChangeRequest,
    key: AdminKey,
    runtime: Runtime,
    response: Response,
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> ReceiptOut:
    """Commit a change (admin): applied now or scheduled for the end of the term, as the
    catalog's change policy says; the receipt carries the quote that priced it.

    Send an ``Idempotency-Key`` so a retry cannot apply it twice, and ``If-Match`` with the
    version you read so it cannot overwrite a change you did not see.
    """
    command = body.command(
        subscription_id,
        runtime,
        key,
        idempotency_key=idempotency_key,
        expected=expected_version(if_match),
    )
    return commit(runtime, key, command, response)


@router.post("/{subscription_id}/scheduled-change/undo", response_model=ReceiptOut)
def undo_scheduled_change(
    subscription_id: str,
    key: AdminKey,
    runtime: Runtime,
    response: Response,
    idempotency_key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> ReceiptOut:
    """Take back a change scheduled for later, before it applies (admin)."""
    command = UndoScheduledChange(
        at=runtime.clock(),
        actor=actor_of(key),
        idempotency_key=idempotency_key,
        subscription_id=subscription_id,
        expected_version=expected_version(if_match),
    )
    return commit(runtime, key, command, response)
