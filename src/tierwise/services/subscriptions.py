"""Handlers of the subscription's commercial transitions: open, change, undo, renew, cancel.

Timing and money come from the quote engine under the subscription's price lock: an IMMEDIATE
change applies now, an END_OF_TERM change is scheduled (and can be undone until it takes effect),
an ILLEGAL one raises ``ChangeNotAllowed``. :func:`preview_change` runs the very same steps
without keeping anything, so a preview for ``at`` equals the commit for ``at``.

A renewal is priced for the new term by the renewal quote (loyalty, term and volume discounts)
under the catalog version in effect on the new term's first day: the price lock of the current
term holds to its end. While the term runs, renewing commits the next term, which ``tick``
starts at the term end; an expired subscription renews at once and pays its first period.
"""

from __future__ import annotations

from tierwise.catalog.model import ChangeTiming
from tierwise.errors import InvalidInput, NotFound, SeatsOutOfRange, TransitionNotAllowed
from tierwise.licensing.events import JsonObject
from tierwise.licensing.seats import occupied
from tierwise.licensing.subscriptions import Subscription
from tierwise.licensing.terms import ChangeKind, Renewal, ScheduledChange, Terms
from tierwise.licensing.timestamps import day_start
from tierwise.pricing.periods import billing_period, contract_term
from tierwise.pricing.quotes import ProposedChange, Quote
from tierwise.services.commands import (
    CancelSubscription,
    ChangeSubscription,
    CreateSubscription,
    RenewSubscription,
    UndoScheduledChange,
)
from tierwise.services.context import LedgerContext
from tierwise.services.loading import finish, load, receipt_of
from tierwise.services.ports import UnitOfWork
from tierwise.services.quoting import (
    opening_quote,
    period_after,
    quote_for,
    renewal_bundle,
    renewal_quote,
    term_after,
    terms_after,
)
from tierwise.services.receipts import Receipt
from tierwise.services.recording import record

__all__ = [
    "cancel_subscription",
    "change_subscription",
    "create_subscription",
    "preview_change",
    "renew_subscription",
    "undo_scheduled_change",
]


def create_subscription(
    command: CreateSubscription, uow: UnitOfWork, context: LedgerContext
) -> Receipt:
    account = uow.accounts.get(command.account)
    if account is None:
        raise NotFound(f"account {command.account!r} does not exist", field="account")
    for existing in uow.subscriptions.for_account(account.id):
        if existing.in_force:
            raise TransitionNotAllowed(
                f"account {account.external_id} already has subscription {existing.id} "
                f"({existing.status.value}); change that one instead",
                field="account",
            )
    currency = command.currency or account.currency
    version = context.catalog.version_at(command.at.date())
    terms = Terms(
        plan=command.plan,
        interval=command.interval,
        seats=command.seats,
        add_ons=command.add_ons,
        term_years=command.term_years,
        bundle=command.bundle,
    )
    day = command.at.date()
    period = billing_period(day, terms.interval)
    quote = opening_quote(version, terms, currency, period, command.at)  # validates the terms
    subscription = Subscription.open(
        id=context.new_id("sub"),
        account_id=account.id,
        terms=terms,
        currency=currency,
        period=period,
        term=contract_term(day, terms.term_years),
        catalog_version=version.version,
        at=command.at,
        settings=command.settings,
        auto_renew=command.auto_renew,
    )
    uow.subscriptions.add(subscription)
    record(uow, subscription, command, "create", None, quote=quote)
    return receipt_of(subscription, "create", quote=quote)


def _proposed(subscription: Subscription, command: ChangeSubscription) -> ProposedChange:
    add_ons: tuple[str, ...] | None = command.add_ons
    if command.add or command.remove:
        current = set(subscription.terms.add_ons if add_ons is None else add_ons)
        add_ons = tuple(sorted((current | set(command.add)) - set(command.remove)))
    return ProposedChange(
        to_plan=command.plan,
        to_add_ons=add_ons,
        to_seats=command.seats,
        to_interval=command.interval,
        term_years=command.term_years,
        to_bundle=command.bundle,
    )


def _priced_change(
    uow: UnitOfWork, context: LedgerContext, subscription: Subscription, command: ChangeSubscription
) -> Quote:
    quote = quote_for(context, subscription, _proposed(subscription, command), command.at)
    target = terms_after(quote)
    if target == subscription.terms:
        raise InvalidInput("the change asks for the terms the subscription already has")
    if target.seats >= subscription.terms.seats:
        return quote
    taken = occupied(uow.seats.for_subscription(subscription.id))
    if target.seats < taken:
        raise SeatsOutOfRange(
            f"{taken} named seats are assigned; unassign {taken - target.seats} before going "
            f"down to {target.seats} seats",
            field="seats",
        )
    return quote


def _apply(subscription: Subscription, quote: Quote, command: ChangeSubscription) -> None:
    target = terms_after(quote)
    term_changes = target.term_years != subscription.terms.term_years
    if quote.timing is ChangeTiming.IMMEDIATE:
        subscription.change_now(
            target,
            command.at,
            period=period_after(quote),
            term=term_after(quote) if term_changes else None,
        )
        return
    after = quote.subscription_after
    subscription.schedule(
        ScheduledChange(
            kind=ChangeKind.CHANGE,
            effective_at=quote.effective_at,
            requested_at=command.at,
            terms=target,
            anchor_day=after.anchor_day,
            term_start=after.term_start if term_changes else None,
            quote=quote.as_dict(),
        ),
        command.at,
    )


def change_subscription(
    command: ChangeSubscription, uow: UnitOfWork, context: LedgerContext
) -> Receipt:
    subscription = load(uow, context, command)
    before = subscription.snapshot()
    quote = _priced_change(uow, context, subscription, command)
    _apply(subscription, quote, command)
    transition = "change" if quote.timing is ChangeTiming.IMMEDIATE else "change.schedule"
    return finish(uow, subscription, command, transition, before, quote=quote.as_dict())


def preview_change(
    command: ChangeSubscription, uow: UnitOfWork, context: LedgerContext
) -> JsonObject:
    """The quote and resulting subscription a commit of ``command`` would give; keeps nothing."""
    subscription = load(uow, context, command)
    quote = _priced_change(uow, context, subscription, command)
    _apply(subscription, quote, command)
    return {"quote": quote.as_dict(), "subscription": subscription.snapshot()}


def undo_scheduled_change(
    command: UndoScheduledChange, uow: UnitOfWork, context: LedgerContext
) -> Receipt:
    subscription = load(uow, context, command)
    before = subscription.snapshot()
    undone = subscription.undo_scheduled_change(command.at)
    return finish(
        uow, subscription, command, "change.undo", before, extra={"undone": undone.as_dict()}
    )


def renew_subscription(
    command: RenewSubscription, uow: UnitOfWork, context: LedgerContext
) -> Receipt:
    """Commit to the next contract term; an expired subscription starts afresh at ``at``.

    In force: the next term (``term_years``, default the current length) is committed to start
    when the current term ends, priced under the catalog version in effect that day
    (``renew.schedule``; ``tick`` carries it out). Expired: a new term and billing period start
    on ``at``'s day under the version in effect then, the first period due now (``renew``).
    """
    subscription = load(uow, context, command)
    before = subscription.snapshot()
    years = subscription.terms.term_years if command.term_years is None else command.term_years
    if years < 1:
        raise InvalidInput("term_years must be at least 1", field="term_years")
    if subscription.in_force:
        start = subscription.term_end
        version = context.catalog.version_at(start)
        quote = renewal_quote(
            version,
            subscription,
            years,
            term=contract_term(start, years),
            effective_at=day_start(start),
        ).as_dict()
        subscription.commit_renewal(
            Renewal(years, version.version, command.at, quote=quote), command.at
        )
        return finish(uow, subscription, command, "renew.schedule", before, quote=quote)
    day = command.at.date()
    version = context.catalog.version_at(day)
    period = billing_period(day, subscription.terms.interval)
    term = contract_term(day, years)
    quote = renewal_quote(
        version, subscription, years, term=term, effective_at=command.at, first_period=period
    ).as_dict()
    subscription.renew(
        command.at,
        term=term,
        period=period,
        term_years=years,
        catalog_version=version.version,
        bundle_ended=renewal_bundle(version, subscription.terms) != subscription.terms.bundle,
    )
    return finish(uow, subscription, command, "renew", before, quote=quote)


def cancel_subscription(
    command: CancelSubscription, uow: UnitOfWork, context: LedgerContext
) -> Receipt:
    subscription = load(uow, context, command)
    before = subscription.snapshot()
    if command.at_period_end:
        effective = day_start(subscription.period_end)
        subscription.schedule(
            ScheduledChange(ChangeKind.CANCEL, effective_at=effective, requested_at=command.at),
            command.at,
        )
        return finish(uow, subscription, command, "cancel.schedule", before)
    subscription.cancel(command.reason, command.at)
    return finish(uow, subscription, command, "cancel", before)
