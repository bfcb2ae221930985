"""Segments: size bands from the company size, and named segment rules over the account's labels.

A segment rule lists the labels it accepts per dimension (industry, size band, region, plan,
role mix); an empty list accepts anything, so ``SegmentRule("enterprise", size_bands=("1000+",))``
reads "every account of more than 1,000 people". An account belongs to every rule it matches;
its primary ``segment`` signal is the first match in the order given (a catch-all last keeps it
from being missing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tierwise.errors import InvalidInput
from tierwise.signals.conditions import SignalValues

__all__ = [
    "DEFAULT_SEGMENTS",
    "SIZE_BANDS",
    "SegmentRule",
    "primary_segment",
    "segments_of",
    "size_band",
]

#: (largest company size in the band, label); the last band is open-ended.
SIZE_BANDS: tuple[tuple[int | None, str], ...] = (
    (10, "1-10"),
    (50, "11-50"),
    (200, "51-200"),
    (1000, "201-1000"),
    (None, "1000+"),
)

#: The dimensions a rule can test, as (rule attribute, signal name).
DIMENSIONS: tuple[tuple[str, str], ...] = (
    ("industries", "industry"),
    ("size_bands", "size_band"),
    ("regions", "region"),
    ("plans", "plan"),
    ("roles", "role_mix"),
)


def size_band(company_size: int | None) -> str | None:
    """The band of a company size (people); ``None`` when the size is unknown."""
    if company_size is None:
        return None
    for largest, label in SIZE_BANDS:
        if largest is None or company_size <= largest:
            return label
    raise AssertionError("the last size band is open-ended")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class SegmentRule:
    """A named segment: the labels accepted per dimension; empty accepts any label."""

    key: str
    industries: tuple[str, ...] = ()
    size_bands: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    plans: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.key.isidentifier():
            raise InvalidInput(f"segment key {self.key!r} must be an identifier", field="key")
        known = {label for _, label in SIZE_BANDS}
        unknown = [band for band in self.size_bands if band not in known]
        if unknown:
            raise InvalidInput(f"unknown size band {unknown[0]!r}", field="size_bands")

    def accepted(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The constrained dimensions: (signal name, labels accepted)."""
        pairs = ((signal, getattr(self, attribute)) for attribute, signal in DIMENSIONS)
        return tuple((signal, labels) for signal, labels in pairs if labels)

    def matches(self, values: SignalValues) -> bool:
        """True when every constrained dimension's label is accepted (missing is not)."""
        return all(values.get(signal) in labels for signal, labels in self.accepted())


#: Segments by company size, with a catch-all for accounts whose size is unknown.
DEFAULT_SEGMENTS: tuple[SegmentRule, ...] = (
    SegmentRule("smb", size_bands=("1-10", "11-50")),
    SegmentRule("mid_market", size_bands=("51-200", "201-1000")),
    SegmentRule("enterprise", size_bands=("1000+",)),
    SegmentRule("unsized"),
)


def segments_of(values: SignalValues, rules: Sequence[SegmentRule]) -> tuple[str, ...]:
    """Keys of every segment the account belongs to, in rule order."""
    return tuple(rule.key for rule in rules if rule.matches(values))


def primary_segment(values: SignalValues, rules: Sequence[SegmentRule]) -> str | None:
    """The first segment the account matches, or ``None``."""
    return next((rule.key for rule in rules if rule.matches(values)), None)
