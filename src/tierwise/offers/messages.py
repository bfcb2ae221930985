"""Message copy with simple ``{name}`` placeholders: no template engine, nothing to execute.

A placeholder is a signal name of the registry (``{util_projects}``) or one of the offer's own
values (:data:`OFFER_PLACEHOLDERS`, filled from the decision: ``{hours_saved}``...). A number
signal may name how a reader wants to see it (:data:`FORMATS`): ``{active_growth_30d:percent}``
shows 0.3125 as ``31%``, ``{runout_days_api_calls:whole}`` shows 6.04 as ``6``; without a
format a number shows at most two decimals (copy is read by customers, not auditors).
``{{`` and ``}}`` write a literal brace. Anything else between braces is a problem found at
validation, so rendering never meets an unknown name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from tierwise.offers.expression_evaluation import normalise_value, show_value

__all__ = [
    "FORMATS",
    "OFFER_PLACEHOLDERS",
    "Placeholder",
    "PlaceholderIssue",
    "placeholders",
    "render",
]

#: Values of the offer itself a message may use, filled per decision.
OFFER_PLACEHOLDERS: Final = frozenset(
    {
        "target_name",  # name of the plan, add-on or bundle offered, or "yearly billing"...
        "hours_saved",  # value model: hours saved per month
        "money_value",  # value model: money value per month, formatted with its currency
        "payback_months",  # value model: months of value that pay for the first year
        "roi_percent",  # value model: first-year return in percent
        "price_delta",  # added recurring price per month, formatted
        "trial_days",  # length of the trial of the incentive
    }
)

#: How a number signal may be shown: ``{name:percent}`` (a ratio as a whole percent) or
#: ``{name:whole}`` (rounded to a whole number, halves up).
FORMATS: Final = frozenset({"percent", "whole"})

_TOKEN: Final = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_NAME: Final = re.compile(r"^([a-z][a-z0-9_]*)(?::([a-z]+))?$")
_COPY_PLACES: Final = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Placeholder:
    """A well-formed placeholder: the value's name, its format (if any) and 0-based column."""

    name: str
    format: str | None
    position: int


@dataclass(frozen=True, slots=True)
class PlaceholderIssue:
    """A malformed placeholder: its 0-based column and what is wrong."""

    position: int
    message: str


def placeholders(text: str) -> tuple[tuple[Placeholder, ...], tuple[PlaceholderIssue, ...]]:
    """Every well-formed placeholder in ``text``, and every malformed one."""
    found: list[Placeholder] = []
    issues: list[PlaceholderIssue] = []
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        inside = match.group(1)
        parts = None if inside is None else _NAME.match(inside)
        if inside is None:
            issues.append(
                PlaceholderIssue(match.start(), f"a lone {token!r}: write {token * 2} for a brace")
            )
        elif parts is None:
            issues.append(
                PlaceholderIssue(
                    match.start(), f"{token!r} is not a placeholder: write {{signal_name}}"
                )
            )
        elif parts.group(2) is not None and parts.group(2) not in FORMATS:
            known = ", ".join(sorted(FORMATS))
            issues.append(
                PlaceholderIssue(match.start(), f"{token!r} names no format: use one of {known}")
            )
        else:
            found.append(Placeholder(parts.group(1), parts.group(2), match.start()))
    return tuple(found), tuple(issues)


def _shown(value: object, shape: str | None) -> str:
    if isinstance(value, str):
        return value
    normalised = normalise_value(value)
    if normalised is None:
        return "—"
    if isinstance(normalised, Decimal):
        if shape == "percent":
            return f"{show_value((normalised * 100).quantize(Decimal(1), ROUND_HALF_UP))}%"
        if shape == "whole":
            return show_value(normalised.quantize(Decimal(1), ROUND_HALF_UP))
        return show_value(normalised.quantize(_COPY_PLACES, ROUND_HALF_UP))
    if isinstance(normalised, bool):
        return show_value(normalised)
    return str(normalised)


def render(text: str, values: Mapping[str, object]) -> str:
    """``text`` with every placeholder replaced by its value (a missing or null value as —)."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        inside = match.group(1)
        parts = None if inside is None else _NAME.match(inside)
        if parts is None:
            return token
        return _shown(values.get(parts.group(1)), parts.group(2))

    return _TOKEN.sub(replace, text)
