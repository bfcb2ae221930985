"""Resource shapes of the REST API (Pydantic), kept apart from the domain classes.

The ledger answers with JSON-ready dicts (``as_dict``/``snapshot``); these models give them a
documented, validated outward shape in the OpenAPI description. Request bodies live beside the
routes that take them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tierwise.licensing.check_decisions import CheckDecision
from tierwise.licensing.entitlements import EntitlementSnapshot
from tierwise.money import Money
from tierwise.services.receipts import Receipt

__all__ = [
    "AccountOut",
    "AccountPage",
    "CheckOut",
    "EntitlementValue",
    "EntitlementsOut",
    "HistoryEntryOut",
    "MoneyOut",
    "ProblemOut",
    "ReceiptOut",
    "SeatOut",
    "SubscriptionOut",
    "TermsOut",
    "UpsellOut",
    "receipt_out",
]

#: An entitlement: ``true``/``false`` for a boolean feature, a whole number or ``"unlimited"``.
EntitlementValue = bool | int | Literal["unlimited"]


class Shape(BaseModel):
    model_config = ConfigDict(extra="ignore")


class AccountOut(Shape):
    id: str = Field(examples=["acc_3f9c1a2b4d5e6f7081920a1b"])
    external_id: str = Field(description="The vendor's own id (CRM).", examples=["crm-4711"])
    name: str = Field(examples=["Acme Studio"])
    industry: str | None = None
    company_size: int | None = None
    region: str | None = None
    currency: str = Field(examples=["USD"])
    owner: str | None = Field(default=None, description="The customer-success manager.")
    attributes: dict[str, str] = Field(default_factory=dict)
    created_at: str


class TermsOut(Shape):
    plan: str = Field(examples=["team"])
    interval: str = Field(examples=["month"])
    seats: int = Field(examples=[5])
    add_ons: list[str] = Field(default_factory=list)
    term_years: int = 1
    bundle: str | None = Field(
        default=None,
        description="The catalog bundle the plan and add-ons were bought as; null: one by one.",
        examples=["agency_studio"],
    )


class SubscriptionOut(Shape):
    id: str = Field(examples=["sub_0c1d2e3f405162738495a6b7"])
    account_id: str
    terms: TermsOut
    currency: str
    status: str = Field(description="trialing, active, suspended, canceled or expired.")
    period_start: str
    period_end: str
    billing_anchor_day: int
    term_start: str
    term_end: str
    catalog_version: str
    created_at: str
    auto_renew: bool
    settings: dict[str, str] = Field(default_factory=dict)
    pending_change: dict[str, Any] | None = Field(
        default=None, description="A change scheduled for later (undo it until it applies)."
    )
    trial: dict[str, Any] | None = None
    last_trial_at: str | None = None
    suspension: dict[str, Any] | None = None
    revocation: dict[str, Any] | None = None
    canceled_at: str | None = None
    renewal: dict[str, Any] | None = Field(
        default=None, description="The next term, committed to start when this one ends."
    )
    renewals: int = Field(default=0, description="How many terms were renewed so far.")
    version: int = Field(description="Optimistic-locking version; send it as `If-Match`.")


class SeatOut(Shape):
    subscription_id: str
    user: str
    status: str
    assigned_at: str
    last_active_at: str | None = None
    noticed_at: str | None = None
    reclaimed_at: str | None = None


class HistoryEntryOut(Shape):
    subscription_id: str
    account_id: str
    version: int
    transition: str = Field(examples=["change.upgrade"])
    actor: str = Field(examples=["api:key_4f7q2m9x1c8d"])
    reason: str
    at: str
    before: dict[str, Any] | None
    after: dict[str, Any]
    quote: dict[str, Any] | None = None
    idempotency_key: str | None = None


class EntitlementsOut(Shape):
    account_id: str
    plan: str
    trial_plan: str | None
    add_ons: list[str]
    suspended: bool
    version: int = Field(description="The subscription version the snapshot was resolved at.")
    catalog_version: str
    values: dict[str, EntitlementValue]

    @classmethod
    def of(cls, account_id: str, snapshot: EntitlementSnapshot) -> EntitlementsOut:
        return cls(
            account_id=account_id,
            plan=snapshot.plan,
            trial_plan=snapshot.trial_plan,
            add_ons=list(snapshot.add_ons),
            suspended=snapshot.suspended,
            version=snapshot.version,
            catalog_version=snapshot.catalog_version,
            values={key: item.value for key, item in snapshot.entitlements.items()},
        )


class AccountSubscription(Shape):
    subscription: SubscriptionOut
    seats: list[SeatOut]
    history: list[dict[str, Any]] = Field(description="The latest transitions, newest first.")


class AccountPage(Shape):
    account: AccountOut
    subscriptions: list[AccountSubscription]
    entitlements: dict[str, Any] | None = Field(
        description="Resolved entitlements now; null without a subscription in force."
    )


class MoneyOut(Shape):
    amount: str = Field(description="Exact decimal amount, as text.", examples=["49.00"])
    currency: str = Field(examples=["USD"])

    @classmethod
    def of(cls, money: Money) -> MoneyOut:
        return cls(amount=str(money.amount), currency=money.currency)


class UpsellOut(Shape):
    kind: Literal["plan", "add_on"]
    key: str = Field(examples=["business"])
    name: str
    value: EntitlementValue
    monthly_price: MoneyOut
    added_monthly: MoneyOut = Field(description="What the account would pay on top each month.")


class CheckOut(Shape):
    """The decision of one entitlement check (a "no" is an answer, not an error)."""

    allowed: bool
    reason: str = Field(
        description="allowed, in_grace, not_in_plan, limit_reached, suspended, unknown_feature.",
        examples=["allowed"],
    )
    feature: str = Field(examples=["projects"])
    limit: int | Literal["unlimited"] | None
    usage: int | None
    remaining: int | None
    in_soft_limit_zone: bool
    in_grace_band: bool
    upsell: UpsellOut | None

    @classmethod
    def of(cls, decision: CheckDecision) -> CheckOut:
        upsell = decision.upsell
        return cls(
            allowed=decision.allowed,
            reason=decision.reason.value,
            feature=decision.feature,
            limit=decision.limit,
            usage=decision.usage,
            remaining=decision.remaining,
            in_soft_limit_zone=decision.in_soft_limit_zone,
            in_grace_band=decision.in_grace_band,
            upsell=None
            if upsell is None
            else UpsellOut(
                kind=upsell.kind,
                key=upsell.key,
                name=upsell.name,
                value=upsell.value,
                monthly_price=MoneyOut.of(upsell.monthly_price),
                added_monthly=MoneyOut.of(upsell.added_monthly),
            ),
        )


class ReceiptOut(Shape):
    """What a command did. A replay of an ``Idempotency-Key`` returns the first receipt."""

    command: str = Field(examples=["change.upgrade"])
    subject_id: str = Field(description="The account or subscription the command acted on.")
    version: int | None = Field(description="The subscription's version afterwards.")
    replayed: bool = Field(description="True when this is the stored answer to a repeat.")
    account: AccountOut | None = None
    subscription: SubscriptionOut | None = None
    quote: dict[str, Any] | None = Field(
        default=None, description="The quote that priced the change (see docs/quotes.md)."
    )
    details: dict[str, Any] = Field(
        default_factory=dict, description="Anything else the command reports (seats, undone…)."
    )


def receipt_out(receipt: Receipt) -> ReceiptOut:
    data = dict(receipt.data)
    account = data.pop("account", None)
    subscription = data.pop("subscription", None)
    quote = data.pop("quote", None)
    return ReceiptOut(
        command=receipt.command,
        subject_id=receipt.subject_id,
        version=receipt.version,
        replayed=receipt.replayed,
        account=AccountOut.model_validate(account) if isinstance(account, dict) else None,
        subscription=SubscriptionOut.model_validate(subscription)
        if isinstance(subscription, dict)
        else None,
        quote=quote if isinstance(quote, dict) else None,
        details=data,
    )


class ProblemField(Shape):
    field: str
    message: str


class ProblemOut(Shape):
    """RFC 9457 problem details (``application/problem+json``)."""

    type: str = Field(examples=["/problems/unknown_plan"])
    title: str = Field(examples=["Unprocessable content"])
    status: int = Field(examples=[422])
    detail: str
    code: str = Field(description="Stable machine code (docs/api.md).", examples=["unknown_plan"])
    field: str | None = Field(default=None, description="The input at fault, where known.")
    errors: list[ProblemField] | None = Field(
        default=None, description="Every fault of a request that failed validation."
    )
