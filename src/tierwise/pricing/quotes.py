"""Quotes: the priced, explained consequence of a proposed change to a subscription.

:func:`quote_change` takes the current subscription, the proposed change, the moment ``at``
(timezone-aware; read as UTC) and the catalog version that prices the subscription (its price
lock), and answers with a :class:`Quote`. It is pure: the same input always gives an equal quote,
so a quote previewed for ``at`` is what a commit for the same ``at`` will charge.

How a quote is built:

* the change policy gives the timing (:mod:`tierwise.pricing.change_policy`); ILLEGAL raises
  :class:`~tierwise.errors.ChangeNotAllowed` naming the policy case;
* **immediate**, same billing interval: the change day (``at``'s UTC date) belongs to the new
  configuration. Every item whose billed price changes gets a *credit* for its unused part of the
  current period and the new item a *charge* for the same days; items whose price does not change
  get no lines. **Immediate with a new interval**: a new billing period of the new interval starts
  on the change day (the anchor moves to that day of the month); the old items are credited for
  their unused part and the new items charged for the whole new period;
* **end of term**: nothing is due now and there are no lines; the change takes effect when the
  current billing period ends, or, when the change alters the contract term, when the current
  contract term ends (if that is later), because a commitment is not replaced in its middle;
* each line is the item's billed price for one period × the proration fraction, rounded once,
  HALF_UP, to the currency's minor unit. Credits are *negative* amounts with ``kind = credit``,
  so ``net`` is exactly the sum of the lines. ``due_now`` is ``net`` when it is positive, else 0,
  and ``credit_balance`` is what is left to the customer's favour (``net = due_now −
  credit_balance``), carried to the next invoices;
* a **bundle** (``to_bundle``) moves to the bundle's plan and adds its add-ons; its
  ``discount_percent`` is taken off its parts as a ``bundle`` discount, shown on the lines (``15%
  off``) and in ``discounts``. A subscription bought as a bundle stays one while a change keeps all
  its parts; a change that drops a part (another plan, an add-on removed) ends the bundle and its
  discount;
* ``recurring`` is the new recurring price (monthly and yearly billing side by side), ``discounts``
  the discounts it includes per billing period, and ``price_path`` the amount per contract year of
  a multi-year term (empty for a one-year term).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any, Final

from tierwise.catalog.model import (
    BillingInterval,
    CatalogVersion,
    ChangeTiming,
    ProrationConvention,
)
from tierwise.errors import InvalidInput, OutsidePeriod
from tierwise.money import Money, minor_units
from tierwise.pricing.change_policy import (
    ChangeRule,
    classify_change,
    require_allowed,
    timing_for,
)
from tierwise.pricing.discounts import AppliedDiscount, combined_percent
from tierwise.pricing.periods import (
    BillingPeriod,
    billing_period,
    contract_term,
    contract_years,
    is_billing_date,
)
from tierwise.pricing.pricebook import PriceBook, price_book
from tierwise.pricing.proration import ProratedSpan, prorate
from tierwise.pricing.quote_json import quote_as_dict
from tierwise.pricing.recurring import (
    Configuration,
    ItemPrice,
    PricedConfiguration,
    RecurringPrice,
    price_configuration,
    recurring_price_of,
)

__all__ = [
    "CurrentSubscription",
    "LineKind",
    "PricePathYear",
    "ProposedChange",
    "Quote",
    "QuoteLine",
    "change_plan",
    "configurations",
    "current_period",
    "price_path",
    "quote_change",
]

_ZERO: Final = Decimal(0)
_BILLED: Final = {
    BillingInterval.MONTH: "billed monthly",
    BillingInterval.QUARTER: "billed quarterly",
    BillingInterval.YEAR: "billed yearly",
}


@dataclass(frozen=True, slots=True)
class CurrentSubscription:
    """The subscription as it is: what it buys, how it is billed, its current period and term.

    ``anchor_day`` defaults to ``period_start``'s day; ``period_start`` must be a billing date of
    it. ``term_start`` defaults to ``period_start``. ``renewal`` says the current term is a
    renewal, which a multi-year term rewards with the loyalty incentive. ``bundle`` names the
    catalog bundle the plan and add-ons were bought as (``None``: bought one by one).
    """

    plan: str
    interval: BillingInterval
    currency: str
    period_start: dt.date
    seats: int = 1
    add_ons: tuple[str, ...] = ()
    anchor_day: int | None = None
    term_years: int = 1
    term_start: dt.date | None = None
    renewal: bool = False
    bundle: str | None = None


@dataclass(frozen=True, slots=True)
class ProposedChange:
    """What should change; ``None`` keeps the current value (``to_add_ons=()`` removes all).

    ``to_bundle`` buys a catalog bundle: its plan (unless ``to_plan`` says otherwise, which must
    then be the bundle's) and its add-ons on top of ``to_add_ons`` (or the current ones).
    """

    to_plan: str | None = None
    to_add_ons: tuple[str, ...] | None = None
    to_seats: int | None = None
    to_interval: BillingInterval | None = None
    term_years: int | None = None
    to_bundle: str | None = None


class LineKind(StrEnum):
    CHARGE = "charge"
    CREDIT = "credit"


@dataclass(frozen=True, slots=True)
class QuoteLine:
    """One prorated line: a charge (positive amount) or a credit (negative amount).

    ``period_start``/``period_end`` are the days it covers, end exclusive.
    """

    kind: LineKind
    item: str
    description: str
    period_start: dt.date
    period_end: dt.date
    amount: Money


@dataclass(frozen=True, slots=True)
class PricePathYear:
    """One contract year of a multi-year term: what it costs and the discounts in it."""

    year: int
    start: dt.date
    end: dt.date
    amount: Money
    before_discounts: Money
    discounts: tuple[AppliedDiscount, ...]


@dataclass(frozen=True, slots=True)
class Quote:
    """The priced, explained consequence of a proposed change (see the module docstring)."""

    timing: ChangeTiming
    effective_at: dt.datetime
    rule: ChangeRule
    lines: tuple[QuoteLine, ...]
    net: Money
    due_now: Money
    credit_balance: Money
    recurring: RecurringPrice
    discounts: tuple[AppliedDiscount, ...]
    combined_discount_percent: Decimal
    needs_approval: bool
    price_path: tuple[PricePathYear, ...]
    currency: str
    catalog_version: str
    subscription_after: CurrentSubscription

    def as_dict(self) -> dict[str, Any]:
        """The quote as the JSON object of the CLI contract (see ``docs/quotes.md``)."""
        return quote_as_dict(self)

    def to_json(self) -> str:
        """:meth:`as_dict` as JSON text."""
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False)


# -- building ---------------------------------------------------------------------------------
#
# A quote splits into what does not depend on the day (the priced configurations, the policy's
# answer, the recurring price, the wording of each line) and what does (the period, the fraction,
# the amounts). The first part is cached per catalog version and configuration pair; the calendar
# facts (a period's bounds, the share left after a day) are memoized pure arithmetic; the money
# lines are computed for every quote.


@dataclass(frozen=True, eq=False, slots=True)
class _LineTemplate:
    """A line before its days are known: the item's billed price for one period, and its words."""

    kind: LineKind
    item: str
    billed: Decimal
    label: str


@dataclass(frozen=True, eq=False, slots=True)
class _ChangePlan:
    """Everything about a change that does not depend on the day."""

    after: Configuration
    rule: ChangeRule
    new: PricedConfiguration
    recurring: RecurringPrice
    combined_percent: Decimal
    needs_approval: bool
    new_period_starts: bool
    term_changes: bool
    credits: tuple[_LineTemplate, ...]
    charges: tuple[_LineTemplate, ...]
    quantum: Decimal
    zero: Money


def _utc(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is dt.UTC:
        return at
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInput(
            "at must be a timezone-aware datetime (a date alone means 00:00 UTC)", field="at"
        )
    return at.astimezone(dt.UTC)


def _check_term(years: int, field: str) -> int:
    if years < 1:
        raise InvalidInput(f"{field} must be at least 1 year, got {years}", field=field)
    return years


def _off(item: ItemPrice) -> str:
    return f", {item.percent_off}% off" if item.percent_off else ""


def _templates(
    old: PricedConfiguration, new: PricedConfiguration, new_period_starts: bool
) -> tuple[tuple[_LineTemplate, ...], tuple[_LineTemplate, ...]]:
    """Credits for old items whose billed price changes, charges for their replacements.

    Items billed the same before and after get no lines; when a new period starts, all do.
    """
    credits = []
    for item in old.items:
        kept = new.item(item.key)
        if new_period_starts or kept is None or kept.amount != item.amount:
            label = f"Unused time on {item.name}{_off(item)}"
            credits.append(_LineTemplate(LineKind.CREDIT, item.key, item.amount, label))
    billed = f", {_BILLED[new.configuration.interval]}" if new_period_starts else ""
    charges = []
    for item in new.items:
        kept = old.item(item.key)
        if new_period_starts or kept is None or kept.amount != item.amount:
            label = f"{item.name}{billed}{_off(item)}"
            charges.append(_LineTemplate(LineKind.CHARGE, item.key, item.amount, label))
    return tuple(credits), tuple(charges)


def _bundle_after(
    version: CatalogVersion,
    bundle: str | None,
    change: ProposedChange,
    plan: str,
    add_ons: tuple[str, ...],
) -> tuple[str | None, str, tuple[str, ...]]:
    """The bundle, plan and add-ons after ``change``: a new bundle brings its plan and add-ons;
    the current bundle stays while all its parts do, and ends when one goes."""
    if change.to_bundle is not None:
        offered = version.bundles.get(change.to_bundle)
        if offered is None:
            return change.to_bundle, plan, add_ons  # refused, naming the field, when priced
        to_plan = offered.plan if change.to_plan is None else plan
        return change.to_bundle, to_plan, tuple(dict.fromkeys((*add_ons, *offered.add_ons)))
    current = version.bundles.get(bundle) if bundle is not None else None
    if current is None:
        return bundle, plan, add_ons
    whole = plan == current.plan and all(key in add_ons for key in current.add_ons)
    return (bundle if whole else None), plan, add_ons


def _after(version: CatalogVersion, before: Configuration, change: ProposedChange) -> Configuration:
    to_bundle, to_plan, to_add_ons = _bundle_after(
        version,
        before.bundle,
        change,
        before.plan if change.to_plan is None else change.to_plan,
        before.add_ons if change.to_add_ons is None else change.to_add_ons,
    )
    return Configuration(
        to_plan,
        to_add_ons,
        before.seats if change.to_seats is None else change.to_seats,
        before.interval if change.to_interval is None else change.to_interval,
        before.term_years
        if change.term_years is None
        else _check_term(change.term_years, "to_term_years"),
        before.renewal,
        to_bundle,
    )


def configurations(
    version: CatalogVersion, current: CurrentSubscription, change: ProposedChange
) -> tuple[Configuration, Configuration]:
    """The configuration today and after ``change``, as :func:`quote_change` prices them."""
    before = Configuration(
        current.plan,
        current.add_ons,
        current.seats,
        current.interval,
        _check_term(current.term_years, "term_years"),
        current.renewal,
        current.bundle,
    )
    return before, _after(version, before, change)


@lru_cache(maxsize=8192)
def _plan_change(
    book: PriceBook,
    plan: str,
    add_ons: tuple[str, ...],
    seats: int,
    interval: BillingInterval,
    term_years: int,
    renewal: bool,
    bundle: str | None,
    currency: str,
    change: ProposedChange,
) -> _ChangePlan:
    version = book.version
    _check_term(term_years, "term_years")
    before = Configuration(plan, add_ons, seats, interval, term_years, renewal, bundle)
    after = _after(version, before, change)
    old = price_configuration(version, before, currency)
    new = price_configuration(version, after, currency, prefix="to_")
    kind = classify_change(
        version,
        from_plan=before.plan,
        to_plan=after.plan,
        from_interval=before.interval,
        to_interval=after.interval,
        from_term_years=before.term_years,
        to_term_years=after.term_years,
    )
    rule = require_allowed(timing_for(version, kind))
    new_period_starts = after.interval is not before.interval
    credits, charges = _templates(old, new, new_period_starts)
    combined = combined_percent(new.rates)
    return _ChangePlan(
        after=after,
        rule=rule,
        new=new,
        recurring=recurring_price_of(version, after, currency, prefix="to_"),
        combined_percent=combined,
        needs_approval=combined > version.discounts.max_without_approval_percent,
        new_period_starts=new_period_starts,
        term_changes=after.term_years != before.term_years,
        credits=credits,
        charges=charges,
        quantum=Decimal(1).scaleb(-minor_units(currency)),
        zero=Money(_ZERO, currency),
    )


@lru_cache(maxsize=65536)
def _period(start: dt.date, interval: BillingInterval, anchor_day: int) -> BillingPeriod:
    return billing_period(start, interval, anchor_day)


@lru_cache(maxsize=65536)
def _span(
    period: BillingPeriod, day: dt.date, convention: ProrationConvention
) -> tuple[ProratedSpan, str]:
    span = prorate(period, day, convention)
    text = f"{span.start.isoformat()} to {span.end.isoformat()} ({span.days_text()})"
    return span, text


def _lines(
    templates: tuple[_LineTemplate, ...],
    span: ProratedSpan,
    text: str,
    quantum: Decimal,
    currency: str,
    into: list[QuoteLine],
) -> None:
    for template in templates:
        amount = (template.billed * span.fraction).quantize(quantum, ROUND_HALF_UP)
        if not amount:
            continue
        if template.kind is LineKind.CREDIT:
            amount = -amount
        into.append(
            QuoteLine(
                template.kind,
                template.item,
                f"{template.label}, {text}",
                span.start,
                span.end,
                Money(amount, currency),
            )
        )


@lru_cache(maxsize=8192)
def price_path(
    new: PricedConfiguration, term_start: dt.date, term_years: int
) -> tuple[PricePathYear, ...]:
    """Each contract year of a ``term_years`` term from ``term_start``: a year of the priced
    configuration's billed periods and its discounts (empty for a one-year term)."""
    if term_years < 2:
        return ()
    per_year = 12 // new.configuration.interval.months
    amount = new.amount * per_year
    before = new.before_discounts * per_year
    discounts = tuple(
        AppliedDiscount(d.policy, d.reason, d.percent, d.amount * per_year) for d in new.discounts
    )
    return tuple(
        PricePathYear(number, year.start, year.end, amount, before, discounts)
        for number, year in enumerate(contract_years(term_start, term_years), start=1)
    )


def current_period(current: CurrentSubscription, at: dt.datetime) -> BillingPeriod:
    """The billing period of ``current`` that holds ``at`` (read as UTC).

    Raises ``InvalidInput`` (naive ``at``, an anchor day that does not match ``period_start``)
    and ``OutsidePeriod`` when ``at`` is not in the current period. With :func:`change_plan`
    this is every refusal of :func:`quote_change`: a batch that checks both per distinct input
    knows which quotes would be refused without pricing each one.
    """
    day = _utc(at).date()
    anchor = current.period_start.day if current.anchor_day is None else current.anchor_day
    period = _period(current.period_start, current.interval, anchor)
    if not period.start <= day < period.end:
        raise OutsidePeriod(
            f"at {day.isoformat()} is outside the current billing period "
            f"{period.start.isoformat()} to {period.end.isoformat()} (end exclusive)",
            field="at",
        )
    return period


def change_plan(
    version: CatalogVersion, current: CurrentSubscription, change: ProposedChange
) -> _ChangePlan:
    """Everything about ``change`` to ``current`` that does not depend on the day (memoized).

    Raises what pricing the two configurations and the change policy raise: ``UnknownPlan``,
    ``UnknownAddOn``, ``AddOnNotAvailable``, ``CurrencyNotPriced``, ``SeatsOutOfRange``,
    ``InvalidInput`` (a term below one year) and ``ChangeNotAllowed``.
    """
    return _plan_change(
        price_book(version),
        current.plan,
        current.add_ons,
        current.seats,
        current.interval,
        current.term_years,
        current.renewal,
        current.bundle,
        current.currency,
        change,
    )


def quote_change(
    version: CatalogVersion,
    current: CurrentSubscription,
    change: ProposedChange,
    at: dt.datetime,
) -> Quote:
    """Price ``change`` to ``current`` at the moment ``at`` under ``version`` (its price lock).

    Raises (all from :mod:`tierwise.errors`, naming the field): ``UnknownPlan``,
    ``UnknownAddOn``, ``AddOnNotAvailable``, ``CurrencyNotPriced``, ``SeatsOutOfRange``,
    ``OutsidePeriod`` (``at`` not in the current period), ``InvalidInput`` (naive ``at``, an
    anchor day that does not match ``period_start``, a term below one year) and
    ``ChangeNotAllowed`` (the policy case that makes the change ILLEGAL).
    """
    moment = _utc(at)
    day = moment.date()
    currency = current.currency
    period = current_period(current, moment)
    anchor = period.anchor_day
    plan = change_plan(version, current, change)
    after = plan.after
    term_start = current.period_start if current.term_start is None else current.term_start
    lines: list[QuoteLine] = []
    if plan.rule.timing is ChangeTiming.IMMEDIATE:
        convention = version.changes.proration
        old_span, old_text = _span(period, day, convention)
        _lines(plan.credits, old_span, old_text, plan.quantum, currency, lines)
        if plan.new_period_starts:
            new_period = _period(day, after.interval, day.day)
            new_span, new_text = _span(new_period, day, convention)
        else:
            new_period, new_span, new_text = period, old_span, old_text
        _lines(plan.charges, new_span, new_text, plan.quantum, currency, lines)
        effective_at = moment
        next_start, next_anchor = new_period.start, new_period.anchor_day
        next_term_start = day if plan.term_changes else term_start
    else:
        effective_day = period.end
        if plan.term_changes:
            effective_day = max(effective_day, contract_term(term_start, current.term_years).end)
        effective_at = dt.datetime.combine(effective_day, dt.time(0), tzinfo=dt.UTC)
        next_start = effective_day
        next_anchor = anchor if is_billing_date(effective_day, anchor) else effective_day.day
        next_term_start = effective_day if plan.term_changes else term_start
    net_amount = sum([line.amount.amount for line in lines], _ZERO)
    zero = plan.zero
    net = Money(net_amount, currency) if lines else zero
    return Quote(
        timing=plan.rule.timing,
        effective_at=effective_at,
        rule=plan.rule,
        lines=tuple(lines),
        net=net,
        due_now=net if net_amount > 0 else zero,
        credit_balance=-net if net_amount < 0 else zero,
        recurring=plan.recurring,
        discounts=plan.new.discounts,
        combined_discount_percent=plan.combined_percent,
        needs_approval=plan.needs_approval,
        price_path=price_path(plan.new, next_term_start, after.term_years),
        currency=currency,
        catalog_version=version.version,
        subscription_after=CurrentSubscription(
            plan=after.plan,
            interval=after.interval,
            currency=currency,
            period_start=next_start,
            seats=after.seats,
            add_ons=tuple(dict.fromkeys(after.add_ons)),
            anchor_day=next_anchor,
            term_years=after.term_years,
            term_start=next_term_start,
            renewal=current.renewal,
            bundle=after.bundle,
        ),
    )
