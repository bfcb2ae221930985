"""Renewal quotes: what the next contract term of a subscription costs, and why.

A renewal is not a change inside a billing period, so it does not go through the change policy.
:func:`quote_renewal` prices the configuration for the new term under the catalog version that
locks the new term's prices, as a renewal:

* the **price lock** holds to the end of the term it was sold for; the next term is priced by
  the version in effect on its first day (``Catalog.version_at``), which the caller passes as
  ``version``. The quote names both versions so a price rise at renewal is visible;
* the **discounts** are those the catalog's policy gives the new term: the term-length discount
  of its years, the seat-volume discount, and the **loyalty** discount, which a renewal earns
  when the new term is ``loyalty.min_term_years`` or longer; the prepay saving is in the yearly
  price as always;
* **timing**: a renewal committed while the term runs takes effect at the term's end
  (``end_of_term``, nothing due now: the first period of the new term is billed when it
  starts); an expired subscription that renews starts again at once (``immediate``) and its
  first period is due now, in full, one line per item;
* ``recurring`` is the new term's recurring price and ``price_path`` the amount per contract
  year of a multi-year term.

It is pure: the same input always gives an equal quote.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tierwise.catalog.model import CatalogVersion, ChangeTiming
from tierwise.money import Money
from tierwise.pricing.discounts import AppliedDiscount, combined_percent
from tierwise.pricing.periods import BillingPeriod
from tierwise.pricing.quote_json import (
    discount_dict,
    line_dict,
    price_path_dicts,
    recurring_dict,
)
from tierwise.pricing.quotes import LineKind, PricePathYear, QuoteLine, price_path
from tierwise.pricing.recurring import (
    Configuration,
    RecurringPrice,
    price_configuration,
    recurring_price_of,
)

__all__ = ["RenewalQuote", "quote_renewal"]


@dataclass(frozen=True, slots=True)
class RenewalQuote:
    """The priced next contract term (see the module docstring)."""

    timing: ChangeTiming
    effective_at: dt.datetime
    term: BillingPeriod
    term_years: int
    lines: tuple[QuoteLine, ...]
    due_now: Money
    recurring: RecurringPrice
    discounts: tuple[AppliedDiscount, ...]
    combined_discount_percent: Decimal
    needs_approval: bool
    price_path: tuple[PricePathYear, ...]
    currency: str
    catalog_version: str
    previous_catalog_version: str

    def as_dict(self) -> dict[str, Any]:
        """The quote in the JSON shape of a change quote, plus what the renewal is.

        ``rule`` is ``null`` (no change-policy case applies to a renewal); ``renewal`` gives the
        new term and the price lock before and after it.
        """
        return {
            "timing": self.timing.value,
            "effective_at": self.effective_at.isoformat(),
            "rule": None,
            "lines": [line_dict(line) for line in self.lines],
            "net": self.due_now.to_str(),
            "due_now": self.due_now.to_str(),
            "credit_balance": Money.zero(self.currency).to_str(),
            "recurring": recurring_dict(self.recurring),
            "discounts": [discount_dict(d) for d in self.discounts],
            "combined_discount_percent": format(self.combined_discount_percent, "f"),
            "needs_approval": self.needs_approval,
            "price_path": price_path_dicts(self.price_path),
            "currency": self.currency,
            "catalog_version": self.catalog_version,
            "renewal": {
                "term_start": self.term.start.isoformat(),
                "term_end": self.term.end.isoformat(),
                "term_years": self.term_years,
                "previous_catalog_version": self.previous_catalog_version,
                "price_change": self.catalog_version != self.previous_catalog_version,
            },
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False)


def quote_renewal(
    version: CatalogVersion,
    configuration: Configuration,
    currency: str,
    *,
    term: BillingPeriod,
    previous_version: str,
    first_period: BillingPeriod | None = None,
    effective_at: dt.datetime,
) -> RenewalQuote:
    """Price the renewal of ``configuration`` for ``term`` under ``version``.

    ``configuration.renewal`` should be true (it is what earns the loyalty discount) and
    ``configuration.term_years`` the new term's length. ``first_period`` is given when the new
    term starts at once (an expired subscription): its full amount is due now. Raises what
    :func:`~tierwise.pricing.recurring.price_configuration` raises (unknown plan or add-on,
    seats out of range, currency not priced, interval not sold).
    """
    priced = price_configuration(version, configuration, currency)
    recurring = recurring_price_of(version, configuration, currency)
    lines: tuple[QuoteLine, ...] = ()
    if first_period is not None:
        text = f"{first_period.start.isoformat()} to {first_period.end.isoformat()}"
        lines = tuple(
            QuoteLine(
                LineKind.CHARGE,
                item.key,
                f"{item.name}, renewal, {text}",
                first_period.start,
                first_period.end,
                Money(item.amount, currency),
            )
            for item in priced.items
            if item.amount
        )
    due = sum((line.amount.amount for line in lines), Decimal(0))
    combined = combined_percent(priced.rates)
    return RenewalQuote(
        timing=ChangeTiming.IMMEDIATE if first_period is not None else ChangeTiming.END_OF_TERM,
        effective_at=effective_at,
        term=term,
        term_years=configuration.term_years,
        lines=lines,
        due_now=Money(due, currency),
        recurring=recurring,
        discounts=priced.discounts,
        combined_discount_percent=combined,
        needs_approval=combined > version.discounts.max_without_approval_percent,
        price_path=price_path(priced, term.start, configuration.term_years),
        currency=currency,
        catalog_version=version.version,
        previous_catalog_version=previous_version,
    )
