"""Message copy with simple ``{name}`` placeholders: no template engine, nothing to execute.

A placeholder is a signal name of the registry (``{util_projects}``) or one of the offer's own
values (:data:`OFFER_PLACEHOLDERS`, filled from the decision: ``{hours_saved}``...). ``{{`` and
``}}`` write a literal brace. Anything else between braces is a problem found at validation, so
rendering never meets an unknown name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from tierwise.offers.expression_evaluation import normalise_value, show_value

__all__ = ["OFFER_PLACEHOLDERS", "PlaceholderIssue", "placeholders", "render"]

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

_TOKEN: Final = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_NAME: Final = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class PlaceholderIssue:
    """A malformed placeholder: its 0-based column and what is wrong."""

    position: int
    message: str


def placeholders(text: str) -> tuple[tuple[tuple[str, int], ...], tuple[PlaceholderIssue, ...]]:
    """The ``(name, column)`` of every placeholder in ``text``, and every malformed one."""
    found: list[tuple[str, int]] = []
    issues: list[PlaceholderIssue] = []
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        name = match.group(1)
        if name is None:
            issues.append(
                PlaceholderIssue(match.start(), f"a lone {token!r}: write {token * 2} for a brace")
            )
        elif not _NAME.match(name.strip()) or name != name.strip():
            issues.append(
                PlaceholderIssue(
                    match.start(), f"{token!r} is not a placeholder: write {{signal_name}}"
                )
            )
        else:
            found.append((name, match.start()))
    return tuple(found), tuple(issues)


def _shown(value: object) -> str:
    if isinstance(value, str):
        return value
    normalised = normalise_value(value)
    if normalised is None:
        return "—"
    if isinstance(normalised, Decimal | bool):
        return show_value(normalised)
    return str(normalised)


def render(text: str, values: Mapping[str, object]) -> str:
    """``text`` with every placeholder replaced by its value (a missing or null value as —)."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        name = match.group(1)
        return token if name is None else _shown(values.get(name))

    return _TOKEN.sub(replace, text)
