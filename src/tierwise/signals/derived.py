"""Signals derived by rules from the measured ones: health, red flags, stage and segment.

The analytics engine computes the same columns vectorised from the same
:class:`DerivationRules`; in real time (after a paywall hit, with live counters) a caller updates
the measured values of one account and calls :func:`derive` to bring the derived ones up to date.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tierwise.signals.conditions import SignalValue, SignalValues, number
from tierwise.signals.health import DEFAULT_HEALTH, HealthModel
from tierwise.signals.lifecycle import LifecycleThresholds, lifecycle_stage
from tierwise.signals.red_flags import RedFlagThresholds, red_flags
from tierwise.signals.segments import DEFAULT_SEGMENTS, SegmentRule, primary_segment

__all__ = ["DEFAULT_RULES", "DerivationRules", "derive", "util_max"]


@dataclass(frozen=True, slots=True)
class DerivationRules:
    """Everything the derived signals depend on; one value shared by both evaluation paths."""

    health: HealthModel = DEFAULT_HEALTH
    red_flags: RedFlagThresholds = field(default_factory=RedFlagThresholds)
    lifecycle: LifecycleThresholds = field(default_factory=LifecycleThresholds)
    segments: tuple[SegmentRule, ...] = DEFAULT_SEGMENTS


#: The default health model, thresholds and segments.
DEFAULT_RULES = DerivationRules()


def util_max(values: SignalValues) -> float | None:
    """The highest utilisation of any limit or metered feature (``util_<feature>``)."""
    utils = [
        value
        for name in values
        if name.startswith("util_") and name != "util_max"
        if (value := number(values, name)) is not None
    ]
    return max(utils, default=None)


def derive(values: SignalValues, rules: DerivationRules = DEFAULT_RULES) -> dict[str, SignalValue]:
    """The values with ``util_max``, ``health_score``, ``red_flags``, ``lifecycle_stage`` and
    ``segment`` (re)computed, in that order (the stage reads health and flags)."""
    result: dict[str, SignalValue] = dict(values)
    result["util_max"] = util_max(result)
    result["health_score"] = rules.health.score(result).total
    result["red_flags"] = len(red_flags(result, rules.red_flags))
    result["lifecycle_stage"] = lifecycle_stage(result, rules.lifecycle).value
    result["segment"] = primary_segment(result, rules.segments)
    return result
