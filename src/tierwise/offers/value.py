"""The value model: time saved, money value, payback and ROI from the account's own numbers.

Every number is Decimal and every assumption states its source. With ``q`` the account's own
quantity per month (a signal, e.g. automation runs this month; negative read as 0), and the
assumptions ``minutes_per_unit``, ``share`` (1 if absent), ``hourly_cost`` (in the account's
currency) and ``setup_hours`` (0 if absent)::

    hours_saved_per_month  = q × minutes_per_unit × share / 60
    money_value_per_month  = hours_saved_per_month × hourly_cost
    first_year_cost        = added_annual_cost + setup_hours × hourly_cost
    payback_months         = first_year_cost / money_value_per_month
    roi_percent            = (12 × money_value_per_month − first_year_cost) / first_year_cost × 100

``added_annual_cost`` is what the upgrade adds to a year of the account's bill (the ranking's
annual revenue delta). Results are computed from the exact intermediate values and rounded once:
hours to 0.1 (HALF_UP), money to the currency's minor unit, payback months to 0.1, ROI to 0.1 %.
When the upgrade adds no cost (``first_year_cost ≤ 0``) payback is 0 months and ROI has no
meaning (``None``); when it costs something but saves no time, payback is ``None`` (never).
Without a value for the quantity signal there is no estimate at all: no number is invented.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from tierwise.money import Money
from tierwise.offers.expression_evaluation import normalise_value, show_value
from tierwise.offers.playbook import ValueModel

__all__ = ["ValueEstimate", "estimate_value"]

_TENTH: Final = Decimal("0.1")
_SIXTY: Final = Decimal(60)
_TWELVE: Final = Decimal(12)
_HUNDRED: Final = Decimal(100)


@dataclass(frozen=True, slots=True)
class ValueEstimate:
    """The value case in numbers, and the reasoning in plain lines (assumptions with sources)."""

    quantity: Decimal
    hours_saved_per_month: Decimal
    money_value_per_month: Money
    first_year_cost: Money
    payback_months: Decimal | None
    roi_percent: Decimal | None
    reasoning: tuple[str, ...]

    def placeholders(self) -> dict[str, str]:
        """The values messages may use: ``{hours_saved}``, ``{money_value}``..."""
        return {
            "hours_saved": show_value(self.hours_saved_per_month),
            "money_value": self.money_value_per_month.format(),
            "payback_months": "—"
            if self.payback_months is None
            else show_value(self.payback_months),
            "roi_percent": "—" if self.roi_percent is None else show_value(self.roi_percent),
        }


def _tenth(value: Decimal) -> Decimal:
    return value.quantize(_TENTH, ROUND_HALF_UP)


def estimate_value(
    model: ValueModel,
    signals: Mapping[str, object],
    added_annual_cost: Money,
) -> ValueEstimate | None:
    """The estimate for one account, in ``added_annual_cost``'s currency; ``None`` without data.

    Raises ``KeyError`` when ``hourly_cost`` has no amount in that currency (validation checks
    that every catalog currency has one).
    """
    raw = normalise_value(signals.get(model.quantity.signal))
    if not isinstance(raw, Decimal) or not raw.is_finite():
        return None
    currency = added_annual_cost.currency
    quantity = max(raw, Decimal(0))
    share = model.share.value if model.share is not None else Decimal(1)
    setup_hours = model.setup_hours.value if model.setup_hours is not None else Decimal(0)
    hourly = model.hourly_cost.amounts[currency]
    hours = quantity * model.minutes_per_unit.value * share / _SIXTY
    money = hours * hourly
    cost = added_annual_cost.amount + setup_hours * hourly
    if cost <= 0:
        payback: Decimal | None = Decimal(0)
        roi: Decimal | None = None
    else:
        payback = _tenth(cost / money) if money > 0 else None
        roi = _tenth((_TWELVE * money - cost) / cost * _HUNDRED)
    hourly_money = Money(hourly, currency).rounded()
    reasoning = (
        f"{model.quantity.label}: {show_value(quantity)} (signal {model.quantity.signal})",
        f"{show_value(model.minutes_per_unit.value)} minutes saved each "
        f"({model.minutes_per_unit.source})",
        f"share of the work taken over: {show_value(share)}"
        + (f" ({model.share.source})" if model.share is not None else " (all of it)"),
        f"an hour costs {hourly_money.format()} ({model.hourly_cost.source})",
        f"one-time setup: {show_value(setup_hours)} hours"
        + (f" ({model.setup_hours.source})" if model.setup_hours is not None else ""),
    )
    return ValueEstimate(
        quantity=quantity,
        hours_saved_per_month=_tenth(hours),
        money_value_per_month=Money(money, currency).rounded(),
        first_year_cost=Money(cost, currency).rounded(),
        payback_months=payback,
        roi_percent=roi,
        reasoning=reasoning,
    )
