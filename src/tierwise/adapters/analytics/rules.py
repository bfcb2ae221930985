"""The derived signals, vectorised: the same rule objects as the per-account path.

:mod:`tierwise.signals` evaluates comparisons, health ramps, red flags, lifecycle stages and
segments on one account's mapping of values; this module turns the very same objects into Ibis
column expressions, operation for operation, so that both paths agree (a test compares them on
generated data). A missing value is false in a comparison, like in the per-account path.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
from ibis.expr import types as ir

from tierwise.signals.conditions import Comparison
from tierwise.signals.derived import DerivationRules
from tierwise.signals.health import HealthModel, Ramp
from tierwise.signals.lifecycle import LifecycleStage, LifecycleThresholds, lifecycle_rules
from tierwise.signals.red_flags import RedFlagThresholds, red_flag_rules
from tierwise.signals.segments import SegmentRule

#: Below any utilisation (usage is never negative): stands for "no value" inside GREATEST.
_NONE = -1.0e300

__all__ = [
    "comparison",
    "derive_columns",
    "health_points",
    "lifecycle_column",
    "red_flag_columns",
    "segment_column",
    "util_max_column",
]


def comparison(table: ir.Table, condition: Comparison) -> ir.BooleanValue:
    """``condition`` over a column; null (a missing signal) is false."""
    column = table[condition.signal]
    expected = ibis.literal(condition.value)
    op = condition.op
    if op == ">=":
        result = column >= expected
    elif op == ">":
        result = column > expected
    elif op == "<=":
        result = column <= expected
    elif op == "<":
        result = column < expected
    elif op == "==":
        result = column == expected
    else:
        result = column != expected
    return ibis.coalesce(result, ibis.literal(False))


def _ramp_input(table: ir.Table, ramp: Ramp) -> ir.FloatingValue:
    value = table[ramp.signal].cast("float64")
    if ramp.per is None:
        return value
    per = table[ramp.per].cast("float64")
    return ibis.ifelse(per == 0, ibis.null("float64"), value / per)


def _ramp_score(value: ir.FloatingValue, ramp: Ramp) -> ir.FloatingValue:
    raw = (value - ibis.literal(float(ramp.zero_at))) / ibis.literal(float(ramp.span))
    clamped = ibis.least(ibis.greatest(raw, ibis.literal(0.0)), ibis.literal(1.0))
    return clamped + ibis.literal(0.0)  # as in Ramp.score: no negative zero


def health_points(table: ir.Table, model: HealthModel) -> dict[str, ir.FloatingValue]:
    """``health_<factor>`` points per factor and ``health_score``, their sum."""
    columns: dict[str, ir.FloatingValue] = {}
    total: ir.FloatingValue = ibis.literal(0.0)
    for factor in model.factors:
        score: ir.FloatingValue = ibis.literal(float(factor.missing))
        for ramp in reversed(factor.ramps):  # the first ramp with a value wins
            value = _ramp_input(table, ramp)
            score = ibis.ifelse(value.isnull(), score, _ramp_score(value, ramp))
        points = ibis.literal(float(factor.weight)) * score
        columns[f"health_{factor.key}"] = points
        total = total + points
    columns["health_score"] = total
    return columns


def red_flag_columns(table: ir.Table, thresholds: RedFlagThresholds) -> dict[str, ir.Value]:
    """``red_flag_<code>`` booleans and ``red_flags``, their count."""
    columns: dict[str, ir.Value] = {}
    count: ir.IntegerValue = ibis.literal(0)
    for rule in red_flag_rules(thresholds):
        raised = comparison(table, rule.condition)
        columns[f"red_flag_{rule.code}"] = raised
        count = count + ibis.ifelse(raised, 1, 0)
    columns["red_flags"] = count
    return columns


def lifecycle_column(table: ir.Table, thresholds: LifecycleThresholds) -> ir.StringValue:
    """The first stage whose rule holds, else ``mature``."""
    branches = []
    for rule in lifecycle_rules(thresholds):
        holds = ibis.literal(False)
        for condition in rule.any_of:
            holds = holds | comparison(table, condition)
        branches.append((holds, rule.stage.value))
    return ibis.cases(*branches, else_=ibis.literal(LifecycleStage.MATURE.value))


def segment_column(table: ir.Table, rules: Sequence[SegmentRule]) -> ir.StringValue:
    """The first segment rule the account matches (null when none does)."""
    branches = []
    for rule in rules:
        matches = ibis.literal(True)
        for signal, labels in rule.accepted():
            matches = matches & ibis.coalesce(table[signal].isin(list(labels)), False)
        branches.append((matches, rule.key))
    if not branches:
        return ibis.null("string")
    return ibis.cases(*branches, else_=ibis.null("string"))


def util_max_column(table: ir.Table, features: Sequence[str]) -> ir.FloatingValue:
    """The greatest ``util_<feature>`` that is not null (null when all are).

    Written flat (one GREATEST over sentinels) rather than as nested conditionals, whose size
    would grow exponentially with the number of features once inlined."""
    if not features:
        return ibis.null("float64")
    floor = ibis.literal(_NONE)
    best = ibis.greatest(*(ibis.coalesce(table[f"util_{key}"], floor) for key in features))
    return ibis.ifelse(best == floor, ibis.null("float64"), best)


def derive_columns(table: ir.Table, features: Sequence[str], rules: DerivationRules) -> ir.Table:
    """``util_max``, health (with each factor's points), red flags, stage and segment, in the
    order :func:`tierwise.signals.derived.derive` computes them."""
    table = table.mutate(util_max=util_max_column(table, features))
    table = table.mutate(**health_points(table, rules.health))
    table = table.mutate(**red_flag_columns(table, rules.red_flags))
    return table.mutate(
        lifecycle_stage=lifecycle_column(table, rules.lifecycle),
        segment=segment_column(table, rules.segments),
    )
