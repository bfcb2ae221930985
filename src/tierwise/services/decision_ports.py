"""Ports of the decisioning: the analytics engine that computes signals, and the decision store.

The decide use case (:mod:`tierwise.services.decisions`) fetches, then computes: the
:class:`SignalEngine` computes every account's signals as of a moment and evaluates the
playbook's conditions over all accounts at once (vectorised, on DuckDB or Spark); the
:class:`DecisionStore` keeps each run's decisions, the signals they were made from, and what
happened to the offers shown. Adapters implement both (``tierwise.adapters.signal_engine``,
``tierwise.adapters.sql.decision_store``); bootstrap wires them in.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from tierwise.licensing.events import JsonObject
from tierwise.offers.cadence import OfferEvent, OfferOutcome
from tierwise.offers.expression_ast import Expression
from tierwise.pricing.quotes import CurrentSubscription

__all__ = [
    "AccountRecord",
    "AccountSignals",
    "DecisionRun",
    "DecisionStore",
    "LiveAccount",
    "LiveCounters",
    "OutcomeRecord",
    "SignalEngine",
    "SignalRequest",
    "SignalResult",
    "StoredDecision",
]


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """What a decision needs to know about an account besides its signals."""

    account_id: str
    external_id: str
    name: str
    currency: str
    catalog_version: str
    subscription_id: str
    subscription: CurrentSubscription
    owner: str | None = None


@dataclass(frozen=True, slots=True)
class SignalRequest:
    """Signals as of ``as_of``, and the named conditions to evaluate over every account.

    ``event_milestones`` are (key, event type, count) milestones; ``condition_milestones`` are
    conditions over signals; both add up to ``milestones_reached``.
    """

    as_of: dt.datetime
    conditions: Mapping[str, Expression]
    event_milestones: Sequence[tuple[str, str, int]] = ()
    condition_milestones: Mapping[str, Expression] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AccountSignals:
    """One account's signals (name → value; absent is null) and the conditions that fired."""

    account: AccountRecord
    values: Mapping[str, object]
    fired: frozenset[str]


@dataclass(frozen=True, slots=True)
class SignalResult:
    accounts: tuple[AccountSignals, ...]
    engine: str  # "duckdb", "pyspark", …
    seconds: float


class SignalEngine(abc.ABC):
    """Computes signals for every account with a subscription in force, vectorised."""

    @abc.abstractmethod
    def compute(self, request: SignalRequest) -> SignalResult: ...


@dataclass(frozen=True, slots=True)
class DecisionRun:
    """One ``decide`` over all accounts."""

    run_id: str
    as_of: dt.datetime
    started_at: dt.datetime
    engine: str
    playbook: str
    summary: JsonObject


@dataclass(frozen=True, slots=True)
class StoredDecision:
    """A decision as stored: the run it belongs to, its JSON form, and its signals."""

    run_id: str
    account_id: str
    external_id: str
    as_of: dt.datetime
    decision: JsonObject
    signals: JsonObject


@dataclass(frozen=True, slots=True)
class OutcomeRecord:
    """What happened to an offer: shown, accepted, declined or dismissed, where and when."""

    account_id: str
    offer: str
    outcome: OfferOutcome
    at: dt.datetime
    channel: str
    placement: str | None = None

    def event(self) -> OfferEvent:
        return OfferEvent(self.offer, self.outcome, self.at.date())


class DecisionStore(abc.ABC):
    """Decision runs, the latest decision per account, and offer outcomes (for cadence)."""

    @abc.abstractmethod
    def save_run(self, run: DecisionRun, decisions: Sequence[StoredDecision]) -> None:
        """Store a run and all its decisions in one transaction."""

    @abc.abstractmethod
    def latest_run(self) -> DecisionRun | None: ...

    def latest_run_id(self) -> str | None:
        """The id of the newest run (the real-time path asks this often; make it cheap)."""
        run = self.latest_run()
        return None if run is None else run.run_id

    @abc.abstractmethod
    def runs(self) -> list[DecisionRun]:
        """The runs kept, newest first."""

    @abc.abstractmethod
    def decision(self, account: str, run_id: str | None = None) -> StoredDecision | None:
        """The account's (id or external id) decision in ``run_id``, else in the latest run."""

    @abc.abstractmethod
    def decisions(self, run_id: str) -> list[StoredDecision]:
        """Every decision of a run, by external id."""

    @abc.abstractmethod
    def record_outcome(self, outcome: OutcomeRecord) -> None: ...

    @abc.abstractmethod
    def outcomes(self, account_id: str | None = None) -> list[OutcomeRecord]:
        """Offer outcomes, oldest first (one account's, or everyone's)."""


@dataclass(frozen=True, slots=True)
class LiveAccount:
    """The ledger's view of an account now: its subscription in force, the paywall hits
    (denials and soft-limit entries) per feature since a moment, and its current gauges.

    ``marker`` changes whenever any of these change (a new paywall signal, a gauge set, a
    subscription change, an offer outcome recorded), so a cached real-time decision can be reused
    until it does.
    """

    record: AccountRecord
    paywall_since: Mapping[str, int]
    gauges: Mapping[str, int]
    marker: tuple[object, ...]


class LiveCounters(abc.ABC):
    """Reads what the ledger knows now, for the real-time path (one account, cheaply)."""

    @abc.abstractmethod
    def account(self, reference: str, since: dt.datetime) -> LiveAccount | None:
        """The account (id or external id) as the ledger has it now; ``None`` if unknown or
        without a subscription in force."""
