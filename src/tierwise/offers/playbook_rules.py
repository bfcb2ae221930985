"""Whole-document validation of a playbook, against the catalog it sells: every problem at once.

Like the catalog (:mod:`tierwise.catalog.validation`), a playbook is checked in two passes over
the plain data a reader produced, and each problem gets its file and line from the
:class:`~tierwise.catalog.locations.SourceLocations`:

1. *structure* (:mod:`tierwise.offers.playbook_structure`): keys, types, enums, bounds;
2. *meaning*, on every offer, milestone and save play that parsed on its own:

===================== =========================================================================
code                  meaning
===================== =========================================================================
unknown_plan          a target, bundle or audience names a plan the catalog does not have
unknown_add_on        a target names an add-on the catalog does not have
unknown_bundle        a target names a bundle the catalog does not have
unknown_discount      an incentive names a discount the catalog's policy does not have
no_trial_policy       a trial incentive for a plan without a trial policy
incentive_mismatch    an incentive the target cannot earn (a term discount on a seat offer...)
missing_message       a channel the offer uses has no copy in ``messages``
no_placement          a channel the offer uses has no placement
missing_currency      a value model's hourly cost lacks a catalog currency
invalid_window        a validity window that ends before it starts
circular_milestone    a milestone condition reads ``milestones_reached`` itself
unknown_placeholder   a ``{name}`` in a message that is neither a signal nor an offer value
bad_placeholder       a brace that is not a placeholder (write ``{{`` for a brace)
(expression codes)    ``expression_syntax``, ``call_not_allowed``, ``attribute_not_allowed``,
                      ``index_not_allowed``, ``lambda_not_allowed``, ``dunder_not_allowed``,
                      ``expression_too_long``, ``expression_too_deep``, ``unknown_signal``,
                      ``type_mismatch``, ``null_misuse``, ``not_a_condition``
no_catalog (W)        no catalog given: references and per-feature signals are not checked
===================== =========================================================================

Signal names come from :func:`~tierwise.signals.definitions.signal_definitions` of the catalog
version; without a catalog any name shaped like a per-feature signal (``util_<key>``) is accepted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel, ValidationError

from tierwise.catalog.locations import SourceLocations
from tierwise.catalog.model import CatalogVersion
from tierwise.catalog.review import Findings
from tierwise.catalog.validation import sort_problems
from tierwise.errors import PlaybookInvalid, Problem
from tierwise.offers.expression_ast import Expression
from tierwise.offers.expression_types import check_condition, signal_types, signals_in
from tierwise.offers.messages import OFFER_PLACEHOLDERS, placeholders
from tierwise.offers.playbook import (
    AddOnTarget,
    AnnualIntervalTarget,
    AnnualPrepayIncentive,
    BundleTarget,
    LoyaltyIncentiveRef,
    Milestone,
    MultiYearTermTarget,
    Offer,
    PlanTarget,
    Playbook,
    SavePlay,
    SeatVolumeIncentive,
    TermDiscountIncentive,
    TrialIncentive,
)
from tierwise.offers.playbook_structure import structure_problems
from tierwise.signals.definitions import (
    ACCOUNT_SIGNALS,
    FEATURE_SIGNALS,
    SignalType,
    signal_definitions,
)

__all__ = ["PlaybookCheck", "PlaybookConditions", "check_playbook", "load_playbook"]


@dataclass(frozen=True, slots=True)
class PlaybookConditions:
    """Every condition of a valid playbook, parsed once (the decide pipeline reuses them)."""

    triggers: Mapping[str, Expression]
    near_misses: Mapping[str, Expression]
    at_risk: Expression
    milestones: Mapping[str, Expression] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PlaybookCheck:
    """Every problem of a playbook, and the playbook with its parsed conditions when usable."""

    problems: tuple[Problem, ...]
    playbook: Playbook | None
    conditions: PlaybookConditions | None

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def ok(self) -> bool:
        return self.playbook is not None


class _FeatureShaped(Mapping[str, SignalType]):
    """Account signals, plus any name shaped like a per-feature signal (no catalog given)."""

    def __init__(self) -> None:
        self._known = signal_types(ACCOUNT_SIGNALS)
        self._prefixes = sorted(
            ((prefix, kind) for prefix, _, kind, _ in FEATURE_SIGNALS),
            key=lambda item: -len(item[0]),
        )

    def __getitem__(self, name: str) -> SignalType:
        if name in self._known:
            return self._known[name]
        for prefix, kind in self._prefixes:
            if name.startswith(f"{prefix}_") and len(name) > len(prefix) + 1:
                return kind
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._known)

    def __len__(self) -> int:
        return len(self._known)


def check_playbook(
    data: Mapping[str, object],
    locations: SourceLocations | None = None,
    catalog: CatalogVersion | None = None,
    *,
    problems: Iterable[Problem] = (),
) -> PlaybookCheck:
    """Validate ``data`` (against ``catalog`` when given); the playbook if no problem is an error.

    ``problems`` are those the reader already found (syntax, duplicate keys).
    """
    findings = Findings(locations or SourceLocations())
    for code, path, message in structure_problems(Playbook, data):
        findings.error(code, path, message)
    rules = _Rules(findings, catalog)
    if catalog is None:
        findings.warning(
            "no_catalog", "", "no catalog given: plans, add-ons, incentives are not checked"
        )
    conditions = rules.run(data)
    found = sort_problems([*problems, *findings.problems])
    if any(p.severity == "error" for p in found) or conditions is None:
        return PlaybookCheck(found, None, None)
    return PlaybookCheck(found, Playbook.model_validate(data), conditions)


def load_playbook(
    data: Mapping[str, object],
    locations: SourceLocations | None = None,
    catalog: CatalogVersion | None = None,
    *,
    problems: Iterable[Problem] = (),
) -> PlaybookCheck:
    """Like :func:`check_playbook`, but raises ``PlaybookInvalid`` with every problem on errors."""
    check = check_playbook(data, locations, catalog, problems=problems)
    if check.playbook is None:
        raise PlaybookInvalid(list(check.problems))
    return check


def _parsed(model: type[BaseModel], raw: object) -> BaseModel | None:
    try:
        return model.model_validate(raw)
    except ValidationError:
        return None


def _mapping(raw: object) -> dict[str, object]:
    return {str(k): v for k, v in raw.items()} if isinstance(raw, Mapping) else {}


class _Rules:
    def __init__(self, findings: Findings, catalog: CatalogVersion | None) -> None:
        self.findings = findings
        self.catalog = catalog
        self.types: Mapping[str, SignalType] = (
            signal_types(signal_definitions(catalog)) if catalog is not None else _FeatureShaped()
        )

    def run(self, data: Mapping[str, object]) -> PlaybookConditions | None:
        triggers: dict[str, Expression] = {}
        near: dict[str, Expression] = {}
        placements = _mapping(data.get("placements"))
        channels = {
            str(raw.get("channel")) for raw in placements.values() if isinstance(raw, Mapping)
        }
        for key, raw in _mapping(data.get("offers")).items():
            offer = _parsed(Offer, raw)
            if isinstance(offer, Offer):
                self._offer(f"offers.{key}", offer, triggers, near, channels)
        milestones: dict[str, Expression] = {}
        for key, raw in _mapping(data.get("milestones")).items():
            milestone = _parsed(Milestone, raw)
            if isinstance(milestone, Milestone) and milestone.condition is not None:
                tree = self.condition(f"milestones.{key}.condition", milestone.condition)
                if tree is not None:
                    milestones[key] = tree
                    if "milestones_reached" in signals_in(tree):
                        self.findings.error(
                            "circular_milestone",
                            f"milestones.{key}.condition",
                            "a milestone cannot depend on milestones_reached, which counts it",
                        )
        play = _parsed(SavePlay, data.get("save_play"))
        at_risk = (
            self.condition("save_play.at_risk", play.at_risk)
            if isinstance(play, SavePlay)
            else None
        )
        if at_risk is None:
            return None
        return PlaybookConditions(triggers, near, at_risk, milestones)

    def condition(self, path: str, text: str) -> Expression | None:
        tree, issues = check_condition(text, self.types)
        for issue in issues:
            self.findings.error(
                issue.code, path, f"{issue.message} (column {issue.position + 1} of {text!r})"
            )
        return tree if not issues else None

    def _offer(
        self,
        path: str,
        offer: Offer,
        triggers: dict[str, Expression],
        near: dict[str, Expression],
        placements: set[str],
    ) -> None:
        key = path.rsplit(".", 1)[1]
        trigger = self.condition(f"{path}.trigger", offer.trigger)
        if trigger is not None:
            triggers[key] = trigger
        if offer.near_miss is not None:
            nudge = self.condition(f"{path}.near_miss", offer.near_miss)
            if nudge is not None:
                near[key] = nudge
        window = offer.valid
        if window.starts and window.ends and window.ends < window.starts:
            self.findings.error(
                "invalid_window", f"{path}.valid", "the validity window ends before it starts"
            )
        for channel in offer.channels:
            if getattr(offer.messages, channel.value) is None:
                self.findings.error(
                    "missing_message",
                    f"{path}.messages",
                    f"the offer uses channel {channel.value} but has no messages.{channel.value}",
                )
            if channel.value not in placements:
                self.findings.error(
                    "no_placement",
                    f"{path}.channels",
                    f"no placement shows channel {channel.value}",
                )
        self._placeholders(f"{path}.messages", offer.messages.model_dump())
        model = offer.value.model
        if model is not None:
            signal = model.quantity.signal
            kind = self.types.get(signal)
            where = f"{path}.value.model.quantity.signal"
            if kind is None:
                self.findings.error("unknown_signal", where, f"unknown signal {signal!r}")
            elif kind is not SignalType.NUMBER:
                self.findings.error("type_mismatch", where, f"{signal} is not a number signal")
            if self.catalog is not None:
                missing = [c for c in self.catalog.currencies if c not in model.hourly_cost.amounts]
                if missing:
                    self.findings.error(
                        "missing_currency",
                        f"{path}.value.model.hourly_cost.amounts",
                        f"no hourly cost in {', '.join(missing)}",
                    )
        if self.catalog is not None:
            self._references(path, offer, self.catalog)

    def _placeholders(self, path: str, value: object) -> None:
        if isinstance(value, str):
            found, issues = placeholders(value)
            for issue in issues:
                self.findings.error(
                    "bad_placeholder", path, f"{issue.message} (column {issue.position + 1})"
                )
            for placeholder in found:
                name, column = placeholder.name, placeholder.position + 1
                if name not in self.types and name not in OFFER_PLACEHOLDERS:
                    self.findings.error(
                        "unknown_placeholder",
                        path,
                        f"{{{name}}} (column {column}) is not a signal nor an offer value",
                    )
                elif (
                    placeholder.format is not None and self.types.get(name) is not SignalType.NUMBER
                ):
                    self.findings.error(
                        "bad_placeholder",
                        path,
                        f"{{{name}:{placeholder.format}}} (column {column}): a format applies "
                        "to number signals only",
                    )
        elif isinstance(value, Mapping):
            for key, item in value.items():
                self._placeholders(f"{path}.{key}", item)
        elif isinstance(value, list | tuple):
            for index, item in enumerate(value):
                self._placeholders(f"{path}.{index}", item)

    def _references(self, path: str, offer: Offer, catalog: CatalogVersion) -> None:
        error = self.findings.error
        target, where = offer.target, f"{path}.target"
        plan: str | None = None
        if isinstance(target, PlanTarget):
            if target.plan not in catalog.plans:
                error("unknown_plan", f"{where}.plan", f"unknown plan {target.plan!r}")
            else:
                plan = target.plan
        elif isinstance(target, AddOnTarget) and target.add_on not in catalog.add_ons:
            error("unknown_add_on", f"{where}.add_on", f"unknown add-on {target.add_on!r}")
        elif isinstance(target, BundleTarget):
            bundle = catalog.bundles.get(target.bundle)
            if bundle is None:
                error("unknown_bundle", f"{where}.bundle", f"unknown bundle {target.bundle!r}")
            else:
                plan = bundle.plan
        for index, key in enumerate(offer.audience.plans):
            if key not in catalog.plans:
                error("unknown_plan", f"{path}.audience.plans.{index}", f"unknown plan {key!r}")
        self._incentive(f"{path}.incentive", offer, catalog, plan)

    def _incentive(
        self, where: str, offer: Offer, catalog: CatalogVersion, plan: str | None
    ) -> None:
        incentive, target, policy = offer.incentive, offer.target, catalog.discounts
        error = self.findings.error
        if isinstance(incentive, TermDiscountIncentive):
            if not policy.term_years.get(incentive.years):
                error(
                    "unknown_discount",
                    f"{where}.years",
                    f"the catalog has no term discount for {incentive.years} years",
                )
            if not isinstance(target, MultiYearTermTarget) or target.years != incentive.years:
                error(
                    "incentive_mismatch",
                    where,
                    f"a {incentive.years}-year term discount needs a multi_year_term target of "
                    f"{incentive.years} years",
                )
        elif isinstance(incentive, SeatVolumeIncentive) and not policy.seat_volume:
            error("unknown_discount", where, "the catalog has no seat-volume discount")
        elif isinstance(incentive, AnnualPrepayIncentive):
            if policy.annual_prepay_percent is None:
                error("unknown_discount", where, "the catalog states no annual prepay saving")
            if not isinstance(target, AnnualIntervalTarget):
                error(
                    "incentive_mismatch",
                    where,
                    "the annual prepay saving needs an annual_interval target",
                )
        elif isinstance(incentive, LoyaltyIncentiveRef):
            loyalty = policy.loyalty
            if loyalty is None:
                error("unknown_discount", where, "the catalog has no loyalty incentive")
            elif not isinstance(target, MultiYearTermTarget) or (
                target.years < loyalty.min_term_years
            ):
                error(
                    "incentive_mismatch",
                    where,
                    f"the loyalty incentive needs a multi_year_term target of "
                    f"{loyalty.min_term_years} years or more",
                )
        elif isinstance(incentive, TrialIncentive):
            if not isinstance(target, PlanTarget | BundleTarget):
                error("incentive_mismatch", where, "a trial needs a plan or bundle target")
            elif plan is not None and catalog.plans[plan].trial is None:
                error("no_trial_policy", where, f"plan {plan} has no trial policy")
