"""The playbook model: offers, cadence, the CSM save play, onboarding milestones and priors.

This is the shape of ``playbook.yaml`` as a growth team writes it (reference: ``docs/playbook.md``).
Like the catalog, models are frozen Pydantic models with ``extra="forbid"`` (a misspelt key is an
error naming the field) and every field is described, so ``tierwise playbook schema`` gives editors
completion and hover help. Rules across the document and against the catalog (unknown plans,
triggers naming unknown signals, incentives the discount policy does not have...) live in
:mod:`tierwise.offers.playbook_rules`, which reports every problem at once.

Expressions (``trigger``, ``near_miss``, ``at_risk``, a milestone's ``condition``) are kept as text
here and parsed by validation; numbers are Decimal (the YAML reader never makes a float).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "DEFAULT_PRIORS",
    "AddOnTarget",
    "AnnualIntervalTarget",
    "AnnualPrepayIncentive",
    "Assumption",
    "Audience",
    "BundleTarget",
    "Cadence",
    "Channel",
    "CooldownDays",
    "CsmMessage",
    "EmailMessage",
    "InAppMessage",
    "Incentive",
    "LifecycleStage",
    "LoyaltyIncentiveRef",
    "Messages",
    "Milestone",
    "MoneyAssumption",
    "MoreSeatsTarget",
    "MultiYearTermTarget",
    "Objection",
    "Offer",
    "OfferStatus",
    "OutcomeCopy",
    "Placement",
    "PlanTarget",
    "Playbook",
    "QuietPeriods",
    "RiskAssumption",
    "SavePlay",
    "SeatVolumeIncentive",
    "Target",
    "TargetKind",
    "TermDiscountIncentive",
    "TrialIncentive",
    "ValidityWindow",
    "Valuation",
    "ValuationBasis",
    "ValueCase",
    "ValueModel",
    "ValueQuantity",
]

#: Keys of offers, milestones and placements: lowercase, digits, ``_`` and ``-``.
KEY_PATTERN = r"^[a-z][a-z0-9_\-]*$"
Key = Annotated[str, Field(pattern=KEY_PATTERN, max_length=64)]
Share = Annotated[Decimal, Field(gt=0, le=1)]
Probability = Annotated[Decimal, Field(ge=0, le=1)]
Text = Annotated[str, Field(min_length=1)]
CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class _Frozen(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, use_attribute_docstrings=True
    )


class OfferStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    ACTIVE = "active"  # the only status that is ever decided
    RETIRED = "retired"


class TargetKind(StrEnum):
    PLAN = "plan"
    ADD_ON = "add_on"
    BUNDLE = "bundle"
    MORE_SEATS = "more_seats"
    ANNUAL_INTERVAL = "annual_interval"
    MULTI_YEAR_TERM = "multi_year_term"


class Channel(StrEnum):
    IN_APP = "in_app"
    EMAIL = "email"
    CSM = "csm"


class LifecycleStage(StrEnum):
    ONBOARDING = "onboarding"
    ADOPTING = "adopting"
    EXPANDING = "expanding"
    MATURE = "mature"
    AT_RISK = "at_risk"
    RENEWAL_WINDOW = "renewal_window"


# -- targets -------------------------------------------------------------------------------------


class PlanTarget(_Frozen):
    """Move to a higher plan (tier)."""

    kind: Literal["plan"] = "plan"
    plan: Key = Field(description="Key of the catalog plan offered.")


class AddOnTarget(_Frozen):
    """Add an add-on to the current plan."""

    kind: Literal["add_on"] = "add_on"
    add_on: Key = Field(description="Key of the catalog add-on offered.")


class BundleTarget(_Frozen):
    """Move to a bundle: its plan plus its add-ons."""

    kind: Literal["bundle"] = "bundle"
    bundle: Key = Field(description="Key of the catalog bundle offered.")


class MoreSeatsTarget(_Frozen):
    """Buy more seats: a fixed number more, or enough to bring utilisation down to a share."""

    kind: Literal["more_seats"] = "more_seats"
    add_seats: int | None = Field(default=None, ge=1, description="Seats to add.")
    to_utilisation: Share | None = Field(
        default=None,
        description=(
            "Seats so that assigned / seats is at most this share (0.8 = 80 %), rounded up to"
            " whole seats."
        ),
    )

    @model_validator(mode="after")
    def _one_way(self) -> MoreSeatsTarget:
        if (self.add_seats is None) == (self.to_utilisation is None):
            raise ValueError("give exactly one of add_seats or to_utilisation")
        return self


class AnnualIntervalTarget(_Frozen):
    """Switch from monthly or quarterly to yearly billing (the annual prepay saving)."""

    kind: Literal["annual_interval"] = "annual_interval"


class MultiYearTermTarget(_Frozen):
    """Commit to a contract term of several years (term discount, loyalty on renewals)."""

    kind: Literal["multi_year_term"] = "multi_year_term"
    years: int = Field(ge=2, le=5, description="Contract term offered, in years.")


Target = Annotated[
    PlanTarget
    | AddOnTarget
    | BundleTarget
    | MoreSeatsTarget
    | AnnualIntervalTarget
    | MultiYearTermTarget,
    Field(discriminator="kind"),
]


# -- audience and value case -----------------------------------------------------------------------


class Audience(_Frozen):
    """Who may get the offer; an empty list means anyone. Every listed dimension must match."""

    plans: tuple[Key, ...] = Field(default=(), description="Current plans (signal `plan`).")
    industries: tuple[str, ...] = Field(default=(), description="Signal `industry`.")
    size_bands: tuple[str, ...] = Field(default=(), description="Signal `size_band`.")
    regions: tuple[str, ...] = Field(default=(), description="Signal `region`.")
    roles: tuple[str, ...] = Field(default=(), description="Most common role, `role_mix`.")
    lifecycle_stages: tuple[LifecycleStage, ...] = Field(
        default=(), description="Signal `lifecycle_stage`."
    )


class OutcomeCopy(_Frozen):
    """What the customer achieves, in their words; the most specific copy is shown."""

    default: Text = Field(description="Outcome copy for everyone else.")
    industries: dict[str, Text] = Field(
        default_factory=dict, description="Copy per industry; wins over roles and default."
    )
    roles: dict[str, Text] = Field(default_factory=dict, description="Copy per role.")

    def for_audience(self, industry: str | None, role: str | None) -> str:
        """The copy for an account: its industry's, else its role's, else the default."""
        if industry is not None and industry in self.industries:
            return self.industries[industry]
        if role is not None and role in self.roles:
            return self.roles[role]
        return self.default


class Assumption(_Frozen):
    """A stated number of the value model, with where it comes from."""

    value: Annotated[Decimal, Field(ge=0)] = Field(description="The number assumed.")
    source: Text = Field(description="Where the number comes from (study, benchmark, survey).")


class MoneyAssumption(_Frozen):
    """A stated amount per currency, with where it comes from."""

    amounts: dict[CurrencyCode, Annotated[Decimal, Field(ge=0)]] = Field(
        min_length=1, description="The amount per currency; every catalog currency is needed."
    )
    source: Text = Field(description="Where the amounts come from.")


class ValueQuantity(_Frozen):
    """The account's own number that drives the value: a signal, read per month."""

    signal: str = Field(min_length=1, description="A number signal of the registry.")
    label: Text = Field(description="What it counts, e.g. 'automation runs this month'.")


class ValueModel(_Frozen):
    """Time saved and money value from the account's own numbers (formulas: docs/playbook.md).

    ``hours = quantity × minutes_per_unit × share / 60``; ``money = hours × hourly_cost``.
    """

    quantity: ValueQuantity = Field(description="The account's own driver of value.")
    minutes_per_unit: Assumption = Field(description="Minutes saved per unit of the quantity.")
    share: Assumption | None = Field(
        default=None, description="Share of that work the upgrade takes over (0..1); 1 if absent."
    )
    hourly_cost: MoneyAssumption = Field(description="Loaded cost of one hour of the users' time.")
    setup_hours: Assumption | None = Field(
        default=None, description="One-time hours to set the upgrade up; 0 if absent."
    )


class ValueCase(_Frozen):
    """Why the offer helps: outcome copy per audience, and an optional value model."""

    outcome: OutcomeCopy = Field(description="Outcome copy per audience.")
    model: ValueModel | None = Field(
        default=None, description="The ROI model; offers that save money state no model."
    )


# -- incentives ----------------------------------------------------------------------------------


class TermDiscountIncentive(_Frozen):
    """The catalog's term-length discount for ``years``."""

    kind: Literal["term_years"] = "term_years"
    years: int = Field(ge=1, description="A row of `discounts.term_years` in the catalog.")


class SeatVolumeIncentive(_Frozen):
    """The catalog's seat-volume discount (earned by the seat count)."""

    kind: Literal["seat_volume"] = "seat_volume"


class AnnualPrepayIncentive(_Frozen):
    """The catalog's annual prepay saving."""

    kind: Literal["annual_prepay"] = "annual_prepay"


class LoyaltyIncentiveRef(_Frozen):
    """The catalog's loyalty incentive for multi-year renewals."""

    kind: Literal["loyalty"] = "loyalty"


class TrialIncentive(_Frozen):
    """A trial of the target plan under the plan's trial policy."""

    kind: Literal["trial"] = "trial"


Incentive = Annotated[
    TermDiscountIncentive
    | SeatVolumeIncentive
    | AnnualPrepayIncentive
    | LoyaltyIncentiveRef
    | TrialIncentive,
    Field(discriminator="kind"),
]


# -- messages ------------------------------------------------------------------------------------


class InAppMessage(_Frozen):
    """Copy of an in-app placement; ``{signal}`` placeholders are filled per account."""

    headline: Text = Field(description="One short line.")
    body: Text = Field(description="Two or three sentences.")
    cta: Text = Field(description="Button label.")


class EmailMessage(_Frozen):
    """Copy of an email."""

    subject: Text = Field(description="Subject line.")
    body: Text = Field(description="Plain-text body.")


class Objection(_Frozen):
    """A concern a customer raises, and an honest answer."""

    objection: Text = Field(description="What the customer says.")
    answer: Text = Field(description="What the CSM can answer.")


class CsmMessage(_Frozen):
    """What a customer-success manager gets for the conversation."""

    talking_points: tuple[Text, ...] = Field(min_length=1, description="Points to raise.")
    objections: tuple[Objection, ...] = Field(default=(), description="Objections and answers.")


class Messages(_Frozen):
    """Copy per channel; every channel the offer uses needs its copy."""

    in_app: InAppMessage | None = Field(default=None, description="In-app copy.")
    email: EmailMessage | None = Field(default=None, description="Email copy.")
    csm: CsmMessage | None = Field(default=None, description="CSM talking points.")


# -- offers --------------------------------------------------------------------------------------


class ValidityWindow(_Frozen):
    """Days the offer may be decided: from ``starts`` to ``ends``, both included."""

    starts: dt.date | None = Field(default=None, description="First day; open when absent.")
    ends: dt.date | None = Field(default=None, description="Last day; open when absent.")

    def contains(self, day: dt.date) -> bool:
        return (self.starts is None or self.starts <= day) and (
            self.ends is None or day <= self.ends
        )


class Offer(_Frozen):
    """What we propose, to whom, when, why, with what incentive and in which words."""

    name: Text = Field(description="Name shown to people running the playbook.")
    status: OfferStatus = Field(description="draft, approved, active or retired.")
    priority: int = Field(default=0, description="Higher wins a tie of expected value.")
    valid: ValidityWindow = Field(default=ValidityWindow(), description="Validity window.")
    target: Target = Field(description="The change offered.")
    audience: Audience = Field(default=Audience(), description="Who may get it.")
    trigger: Text = Field(description="Condition over signals that says the account needs it now.")
    near_miss: str | None = Field(
        default=None, description="Condition for a gentle nudge when the trigger is close."
    )
    value: ValueCase = Field(description="The value case: outcome copy and value model.")
    incentive: Incentive | None = Field(
        default=None, description="A reference to the catalog's discount or trial policy."
    )
    channels: tuple[Channel, ...] = Field(min_length=1, description="Channels that may show it.")
    messages: Messages = Field(description="Copy per channel.")
    propensity: Probability | None = Field(
        default=None, description="Prior chance of acceptance; the playbook's per kind if absent."
    )


# -- cadence, save play, milestones, placements ---------------------------------------------------


class CooldownDays(_Frozen):
    """Days an offer is not shown again to an account after its answer."""

    declined: int = Field(default=45, ge=0, description="After the account declined it.")
    dismissed: int = Field(default=14, ge=0, description="After the account dismissed it.")


class QuietPeriods(_Frozen):
    """Times no upsell is shown at all."""

    first_days_after_signup: int = Field(
        default=14, ge=0, description="The first N days of an account (signal `tenure_days`)."
    )
    open_severe_ticket: bool = Field(
        default=True, description="While a high/urgent ticket is open (`open_severe_tickets`)."
    )
    running_trial: bool = Field(default=True, description="While a trial runs (`on_trial`).")


class Cadence(_Frozen):
    """Rules that protect the customer's attention."""

    max_offers_per_30_days: int = Field(
        default=2, ge=0, description="Most offers shown to one account in any 30 days."
    )
    cooldown_days: CooldownDays = Field(default=CooldownDays(), description="Per offer.")
    quiet: QuietPeriods = Field(default=QuietPeriods(), description="Quiet periods.")
    lifecycle: dict[LifecycleStage, tuple[TargetKind, ...]] = Field(
        default_factory=dict,
        description="Target kinds each lifecycle stage may get; a stage left out gets none.",
    )


class SavePlay(_Frozen):
    """What a CSM gets for an at-risk account, instead of any upsell."""

    name: Text = Field(description="Name of the play.")
    at_risk: Text = Field(description="Condition over signals that marks an account at risk.")
    goal: Text = Field(description="What the play is for, in one sentence.")
    talking_points: tuple[Text, ...] = Field(min_length=1, description="Points to raise.")
    actions: tuple[Text, ...] = Field(min_length=1, description="Concrete steps for the CSM.")


class Milestone(_Frozen):
    """An onboarding milestone: a condition over signals, or a count of one event type."""

    name: Text = Field(description="Name shown to CSMs.")
    condition: str | None = Field(default=None, description="Condition over signals.")
    event: str | None = Field(default=None, min_length=1, description="Event type counted.")
    at_least: int = Field(default=1, ge=1, description="Events of that type needed.")

    @model_validator(mode="after")
    def _one_way(self) -> Milestone:
        if (self.condition is None) == (self.event is None):
            raise ValueError("give exactly one of condition or event")
        return self


class Placement(_Frozen):
    """A slot in the product, an email or the CSM queue where offers appear."""

    channel: Channel = Field(description="in_app, email or csm.")
    description: Text = Field(description="Where it is and when it shows.")


class ValuationBasis(StrEnum):
    RUN_RATE = "run_rate"
    COMMITTED_REVENUE = "committed_revenue"


class RiskAssumption(_Frozen):
    """A stated share (0..1), with where it comes from."""

    value: Probability = Field(description="The share assumed, 0..1.")
    source: Text = Field(description="Where the number comes from (cohort, benchmark).")


class Valuation(_Frozen):
    """How ranking values a change before the prior is applied (formulas: docs/playbook.md).

    ``run_rate``: the annual run-rate delta. ``committed_revenue``: the expected revenue over the
    commitment, where revenue under contract counts in full and revenue not under contract
    counts at ``1 − uncommitted_at_risk``, per year of the horizon.
    """

    basis: ValuationBasis = Field(
        default=ValuationBasis.RUN_RATE, description="run_rate or committed_revenue."
    )
    uncommitted_at_risk: RiskAssumption | None = Field(
        default=None,
        description=(
            "Share of a year's revenue not under contract expected to be lost (churn,"
            " downgrades); required by committed_revenue."
        ),
    )

    @model_validator(mode="after")
    def _risk_given(self) -> Valuation:
        if self.basis is ValuationBasis.COMMITTED_REVENUE and self.uncommitted_at_risk is None:
            raise ValueError("committed_revenue needs uncommitted_at_risk")
        return self


#: Prior chance of acceptance per target kind when the playbook states none.
DEFAULT_PRIORS: dict[TargetKind, Decimal] = {
    TargetKind.PLAN: Decimal("0.05"),
    TargetKind.ADD_ON: Decimal("0.08"),
    TargetKind.BUNDLE: Decimal("0.04"),
    TargetKind.MORE_SEATS: Decimal("0.12"),
    TargetKind.ANNUAL_INTERVAL: Decimal("0.10"),
    TargetKind.MULTI_YEAR_TERM: Decimal("0.06"),
}


class Playbook(_Frozen):
    """The whole playbook document."""

    name: Text = Field(description="Name of the playbook.")
    version: Text = Field(default="1", description="Version label, for audit.")
    placements: dict[Key, Placement] = Field(
        min_length=1, description="Places offers appear, by key."
    )
    cadence: Cadence = Field(default=Cadence(), description="Cadence rules.")
    save_play: SavePlay = Field(description="The CSM save play for at-risk accounts.")
    milestones: dict[Key, Milestone] = Field(
        default_factory=dict, description="Onboarding milestones, counted in `milestones_reached`."
    )
    propensity: dict[TargetKind, Probability] = Field(
        default_factory=dict, description="Prior chance of acceptance per target kind."
    )
    valuation: Valuation = Field(
        default=Valuation(), description="How ranking values a change (run rate or commitment)."
    )
    offers: dict[Key, Offer] = Field(min_length=1, description="Offers by key.")

    def prior(self, key: str) -> Decimal:
        """The prior of offer ``key``: its own, else the playbook's for its kind, else a default."""
        offer = self.offers[key]
        if offer.propensity is not None:
            return offer.propensity
        kind = TargetKind(offer.target.kind)
        return self.propensity.get(kind, DEFAULT_PRIORS[kind])

    def active_offers(self, day: dt.date) -> dict[str, Offer]:
        """Offers with status active whose validity window contains ``day``, in key order."""
        return {
            key: offer
            for key, offer in sorted(self.offers.items())
            if offer.status is OfferStatus.ACTIVE and offer.valid.contains(day)
        }
