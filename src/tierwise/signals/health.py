"""The health score: a weighted factor model whose every factor's points are shown.

Each factor turns one signal into a score between 0 and 1 along a :class:`Ramp` — a straight
line from ``zero_at`` (0) to ``full_at`` (1), clamped at both ends — and earns
``weight × score`` points. Weights add up to 100, so the total is 0..100. A ramp may read a
ratio of two signals (``mau`` per ``seats_assigned``); a factor may list fallback ramps (NPS,
else CSAT); when none of them has a value the factor scores ``missing``.

The arithmetic is written once here and mirrored operation for operation by the vectorised
version (``tierwise.adapters.analytics.rules``), so both paths give the same floating-point
results.
"""

from __future__ import annotations

from dataclasses import dataclass

from tierwise.errors import InvalidInput
from tierwise.signals.conditions import SignalValues, number

__all__ = ["DEFAULT_HEALTH", "FactorPoints", "HealthFactor", "HealthModel", "HealthScore", "Ramp"]


@dataclass(frozen=True, slots=True)
class Ramp:
    """Score 0 at ``zero_at``, 1 at ``full_at``, linear between, clamped outside.

    ``zero_at`` may be above ``full_at`` for signals where less is better (open tickets).
    """

    signal: str
    zero_at: float
    full_at: float
    per: str | None = None

    def __post_init__(self) -> None:
        if self.zero_at == self.full_at:
            raise InvalidInput("a ramp needs zero_at and full_at to differ", field="ramp")

    @property
    def span(self) -> float:
        return self.full_at - self.zero_at

    def input(self, values: SignalValues) -> float | None:
        """The value the ramp reads: the signal, or its ratio to ``per`` (missing when 0)."""
        value = number(values, self.signal)
        if value is None or self.per is None:
            return value
        denominator = number(values, self.per)
        if denominator is None or denominator == 0:
            return None
        return value / denominator

    def score(self, value: float) -> float:
        # + 0.0 turns a negative zero (0 / -2) into 0.0, so no factor shows "-0 points"
        return min(max((value - self.zero_at) / self.span, 0.0), 1.0) + 0.0


@dataclass(frozen=True, slots=True)
class HealthFactor:
    key: str
    label: str
    weight: float
    ramps: tuple[Ramp, ...]
    missing: float

    def __post_init__(self) -> None:
        if not self.ramps:
            raise InvalidInput(f"health factor {self.key!r} needs a ramp", field="ramps")
        if not 0 <= self.missing <= 1:
            raise InvalidInput("a missing score lies between 0 and 1", field="missing")
        if self.weight < 0:
            raise InvalidInput("a weight is not negative", field="weight")


@dataclass(frozen=True, slots=True)
class FactorPoints:
    """One factor's share of the score, with the value it read (``None``: missing)."""

    key: str
    label: str
    value: float | None
    score: float
    points: float
    weight: float


@dataclass(frozen=True, slots=True)
class HealthScore:
    total: float
    factors: tuple[FactorPoints, ...]


@dataclass(frozen=True, slots=True)
class HealthModel:
    """The factors and their weights; weights must add up to 100."""

    factors: tuple[HealthFactor, ...]

    def __post_init__(self) -> None:
        total = sum(factor.weight for factor in self.factors)
        if abs(total - 100) > 1e-9:
            raise InvalidInput(f"health weights add up to {total:g}, not 100", field="weights")
        keys = [factor.key for factor in self.factors]
        if len(set(keys)) != len(keys):
            raise InvalidInput("health factor keys must be distinct", field="factors")

    def with_weights(self, **weights: float) -> HealthModel:
        """The same factors with some weights changed (the result must still add up to 100)."""
        unknown = set(weights) - {factor.key for factor in self.factors}
        if unknown:
            raise InvalidInput(f"unknown health factor {sorted(unknown)[0]!r}", field="weights")
        return HealthModel(
            tuple(
                HealthFactor(f.key, f.label, weights.get(f.key, f.weight), f.ramps, f.missing)
                for f in self.factors
            )
        )

    def score(self, values: SignalValues) -> HealthScore:
        """The account's health: each factor's points and their sum."""
        parts: list[FactorPoints] = []
        total = 0.0
        for factor in self.factors:
            value, score = None, factor.missing
            for ramp in factor.ramps:
                value = ramp.input(values)
                if value is not None:
                    score = ramp.score(value)
                    break
            points = factor.weight * score
            total = total + points
            parts.append(
                FactorPoints(factor.key, factor.label, value, score, points, factor.weight)
            )
        return HealthScore(total, tuple(parts))


DEFAULT_HEALTH = HealthModel(
    (
        HealthFactor(
            "engagement",
            "Monthly active users per assigned seat (60 % or more is full marks)",
            25,
            (Ramp("mau", 0, 0.6, per="seats_assigned"),),
            0.5,
        ),
        HealthFactor(
            "usage_trend",
            "Usage in the last 30 days against the 30 before (a halving scores 0)",
            20,
            (Ramp("usage_change_30d", -0.5, 0),),
            0.5,
        ),
        HealthFactor(
            "adoption",
            "Share of entitled features in use (60 % or more is full marks)",
            15,
            (Ramp("adoption_breadth", 0, 0.6),),
            0,
        ),
        HealthFactor(
            "support",
            "Open high or urgent tickets (two or more score 0)",
            15,
            (Ramp("open_severe_tickets", 2, 0),),
            1,
        ),
        HealthFactor(
            "satisfaction",
            "Latest NPS (4 or less scores 0, 9 or more full), else CSAT (2 → 0, 4.5 → full)",
            15,
            (Ramp("nps", 4, 9), Ramp("csat", 2, 4.5)),
            0.5,
        ),
        HealthFactor(
            "payments",
            "Failed payments in the last 30 days (one scores 0)",
            10,
            (Ramp("failed_payments_30d", 1, 0),),
            1,
        ),
    )
)
