"""The bridge from the ledger to the quote engine: subscription in, quote and new dates out.

A change's timing and money come only from :func:`tierwise.pricing.quotes.quote_change`, under
the subscription's own catalog version (its price lock). The quote's ``subscription_after`` says
where the new billing period and contract term start; these helpers turn it into the dates the
aggregate stores. A renewal is priced by :func:`tierwise.pricing.renewals.quote_renewal` under
the version that locks the new term (:func:`renewal_quote`).

A subscription bought as a catalog bundle (``Terms.bundle``) is quoted as one, so its discount
holds through later changes and renewals; a change that drops a part ends it (the quote engine
decides, and :func:`terms_after` keeps its answer), and a renewal whose catalog version no longer
sells the bundle whole renews the parts one by one (:func:`renewal_bundle`).
"""

from __future__ import annotations

import datetime as dt

from tierwise.catalog.model import CatalogVersion
from tierwise.licensing.events import Json, JsonObject
from tierwise.licensing.subscriptions import Subscription
from tierwise.licensing.terms import Terms
from tierwise.money import Money
from tierwise.pricing.periods import BillingPeriod, billing_period, contract_term
from tierwise.pricing.quote_json import recurring_dict as recurring_json
from tierwise.pricing.quotes import CurrentSubscription, ProposedChange, Quote, quote_change
from tierwise.pricing.recurring import (
    Configuration,
    RecurringPrice,
    price_configuration,
    recurring_price_of,
)
from tierwise.pricing.renewals import RenewalQuote, quote_renewal
from tierwise.services.context import LedgerContext

__all__ = [
    "current_of",
    "opening_quote",
    "period_after",
    "price_lock",
    "quote_for",
    "recurring_dict",
    "renewal_bundle",
    "renewal_quote",
    "term_after",
    "terms_after",
]


def price_lock(context: LedgerContext, subscription: Subscription) -> CatalogVersion:
    """The catalog version the subscription was sold under."""
    return context.catalog.version(subscription.catalog_version)


def current_of(subscription: Subscription) -> CurrentSubscription:
    """The quote engine's view of the subscription as it is."""
    terms = subscription.terms
    return CurrentSubscription(
        plan=terms.plan,
        interval=terms.interval,
        currency=subscription.currency,
        period_start=subscription.period_start,
        seats=terms.seats,
        add_ons=terms.add_ons,
        anchor_day=subscription.billing_anchor_day,
        term_years=terms.term_years,
        term_start=subscription.term_start,
        renewal=subscription.renewals > 0,
        bundle=terms.bundle,
    )


def quote_for(
    context: LedgerContext, subscription: Subscription, change: ProposedChange, at: dt.datetime
) -> Quote:
    return quote_change(price_lock(context, subscription), current_of(subscription), change, at)


def renewal_bundle(version: CatalogVersion, terms: Terms) -> str | None:
    """The bundle the terms renew as under ``version``: theirs while that version still sells it
    with exactly these parts among the terms (its plan, each of its add-ons), else none."""
    if terms.bundle is None:
        return None
    bundle = version.bundles.get(terms.bundle)
    if bundle is None or bundle.plan != terms.plan:
        return None
    return terms.bundle if all(key in terms.add_ons for key in bundle.add_ons) else None


def renewal_quote(
    version: CatalogVersion,
    subscription: Subscription,
    term_years: int,
    *,
    term: BillingPeriod,
    effective_at: dt.datetime,
    first_period: BillingPeriod | None = None,
) -> RenewalQuote:
    """The subscription's terms renewed for ``term`` (``term_years`` long) under ``version``.

    Priced as a renewal, so a long enough term earns the loyalty discount; the quote names the
    subscription's current price lock as the version before. A bundle the new version still
    sells whole keeps its discount (:func:`renewal_bundle`).
    """
    terms = subscription.terms
    configuration = Configuration(
        terms.plan,
        terms.add_ons,
        terms.seats,
        terms.interval,
        term_years,
        renewal=True,
        bundle=renewal_bundle(version, terms),
    )
    return quote_renewal(
        version,
        configuration,
        subscription.currency,
        term=term,
        previous_version=subscription.catalog_version,
        first_period=first_period,
        effective_at=effective_at,
    )


def terms_after(quote: Quote) -> Terms:
    after = quote.subscription_after
    return Terms(
        plan=after.plan,
        interval=after.interval,
        seats=after.seats,
        add_ons=after.add_ons,
        term_years=after.term_years,
        bundle=after.bundle,
    )


def period_after(quote: Quote) -> BillingPeriod:
    """The billing period the subscription is in once the quoted change is made."""
    after = quote.subscription_after
    return billing_period(after.period_start, after.interval, after.anchor_day)


def term_after(quote: Quote) -> BillingPeriod:
    """The contract term the subscription is in once the quoted change is made."""
    after = quote.subscription_after
    return contract_term(after.term_start or after.period_start, after.term_years)


def recurring_dict(recurring: RecurringPrice) -> JsonObject:
    """A recurring price in the quote's JSON shape (amounts as decimal strings)."""
    return recurring_json(recurring)


def opening_quote(
    version: CatalogVersion, terms: Terms, currency: str, period: BillingPeriod, at: dt.datetime
) -> JsonObject:
    """The money of a new subscription: one full first period of every item, due now.

    Priced by the same configuration pricing as every quote, so the first invoice and a later
    change quote agree on what one period of each item costs. A bundle is checked here: it must
    exist in ``version`` and the terms must hold all its parts (``InvalidInput`` on ``bundle``).
    """
    configuration = Configuration(
        terms.plan,
        terms.add_ons,
        terms.seats,
        terms.interval,
        terms.term_years,
        bundle=terms.bundle,
    )
    priced = price_configuration(version, configuration, currency)
    recurring = recurring_price_of(version, configuration, currency)
    lines: list[Json] = [
        {
            "kind": "charge",
            "item": item.key,
            "description": f"{item.name}, {period.start.isoformat()} to {period.end.isoformat()}",
            "period_start": period.start.isoformat(),
            "period_end": period.end.isoformat(),
            "amount": Money(item.amount, currency).to_str(),
        }
        for item in priced.items
    ]
    return {
        "timing": "immediate",
        "effective_at": at.isoformat(),
        "lines": lines,
        "net": priced.amount.to_str(),
        "due_now": priced.amount.to_str(),
        "credit_balance": Money.zero(currency).to_str(),
        "recurring": recurring_dict(recurring),
        "currency": currency,
        "catalog_version": version.version,
    }
