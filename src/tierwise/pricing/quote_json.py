"""The JSON shape of a quote (the ``tierwise quote --json`` contract, see ``docs/quotes.md``).

Dates and datetimes are ISO 8601; amounts are decimal strings at the currency's minor unit
(``"1234.50"``, ``"11910"`` for JPY); percents are plain decimal strings (``"10"``, ``"16.67"``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tierwise.pricing.discounts import AppliedDiscount
    from tierwise.pricing.quotes import PricePathYear, Quote, QuoteLine
    from tierwise.pricing.recurring import RecurringPrice

__all__ = ["discount_dict", "line_dict", "price_path_dicts", "quote_as_dict", "recurring_dict"]


def _percent(value: Decimal) -> str:
    return format(value, "f")


def discount_dict(discount: AppliedDiscount) -> dict[str, Any]:
    """One applied discount: policy, reason, percent, amount."""
    return {
        "policy": discount.policy,
        "reason": discount.reason,
        "percent": _percent(discount.percent),
        "amount": discount.amount.to_str(),
    }


def line_dict(line: QuoteLine) -> dict[str, Any]:
    """One prorated line: kind, item, description, the days it covers, amount."""
    return {
        "kind": line.kind.value,
        "item": line.item,
        "description": line.description,
        "period_start": line.period_start.isoformat(),
        "period_end": line.period_end.isoformat(),
        "amount": line.amount.to_str(),
    }


def recurring_dict(recurring: RecurringPrice) -> dict[str, Any]:
    """The recurring price: the billed interval, monthly and yearly billing side by side."""
    listed = recurring.list_monthly
    return {
        "interval": recurring.interval.value,
        "per_period": recurring.per_period.to_str(),
        "before_discounts": recurring.before_discounts.to_str(),
        "monthly": recurring.monthly.to_str(),
        "annual": recurring.annual.to_str(),
        "savings": recurring.savings.to_str(),
        "savings_percent": _percent(recurring.savings_percent),
        "list_monthly": None if listed is None else listed.to_str(),
    }


def price_path_dicts(path: tuple[PricePathYear, ...]) -> list[dict[str, Any]]:
    """What each contract year of a multi-year term costs, with its discounts."""
    return [
        {
            "year": year.year,
            "start": year.start.isoformat(),
            "end": year.end.isoformat(),
            "amount": year.amount.to_str(),
            "before_discounts": year.before_discounts.to_str(),
            "discounts": [discount_dict(d) for d in year.discounts],
        }
        for year in path
    ]


def quote_as_dict(quote: Quote) -> dict[str, Any]:
    """The quote as a JSON-ready dict of the CLI contract."""
    after = quote.subscription_after
    return {
        "timing": quote.timing.value,
        "effective_at": quote.effective_at.isoformat(),
        "rule": {
            "source": quote.rule.source,
            "explanation": quote.rule.explanation(),
            "direction": quote.rule.kind.direction.value,
            "interval_change": quote.rule.kind.interval_change.value,
            "term_change": quote.rule.kind.term_change.value,
        },
        "lines": [line_dict(line) for line in quote.lines],
        "net": quote.net.to_str(),
        "due_now": quote.due_now.to_str(),
        "credit_balance": quote.credit_balance.to_str(),
        "recurring": recurring_dict(quote.recurring),
        "discounts": [discount_dict(d) for d in quote.discounts],
        "combined_discount_percent": _percent(quote.combined_discount_percent),
        "needs_approval": quote.needs_approval,
        "price_path": price_path_dicts(quote.price_path),
        "currency": quote.currency,
        "catalog_version": quote.catalog_version,
        "subscription_after": {
            "plan": after.plan,
            "interval": after.interval.value,
            "seats": after.seats,
            "add_ons": list(after.add_ons),
            "period_start": after.period_start.isoformat(),
            "anchor_day": after.anchor_day,
            "term_years": after.term_years,
            "term_start": None if after.term_start is None else after.term_start.isoformat(),
            "bundle": after.bundle,
        },
    }
