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
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa

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
    "SignalChunk",
    "SignalEngine",
    "SignalRequest",
    "SignalResult",
    "SignalRows",
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
class SignalChunk:
    """A run of consecutive rows of :class:`SignalRows` in the engine's stored form.

    ``payload`` is opaque to the services: the engine encodes it and the decision store keeps it
    as is and decodes one row of it on request (both adapters share the codec), so a million
    accounts' signals are stored without a Python object per value.
    """

    account_ids: tuple[str, ...]
    external_ids: tuple[str, ...]
    payload: bytes


class SignalRows(abc.ABC):
    """Every account's signals and fired conditions, one row per account in external id order,
    kept columnar by the engine: only what a caller asks for becomes Python objects.

    The decide run asks for the accounts where some condition fired (:meth:`fired`, streamed),
    counts the others, and hands :meth:`chunks` to the decision store; one row can be read back
    whole (:meth:`account`) to render its decision on request.
    """

    @abc.abstractmethod
    def __len__(self) -> int: ...

    @property
    @abc.abstractmethod
    def fired_count(self) -> int:
        """How many accounts had some condition fire."""

    @abc.abstractmethod
    def account(self, row: int) -> AccountSignals:
        """The signals of the account in ``row`` (0-based), with its fired conditions."""

    @abc.abstractmethod
    def record(self, row: int) -> AccountRecord:
        """The ledger's record of the account in ``row``."""

    @abc.abstractmethod
    def lifecycle_stage(self, row: int) -> str | None: ...

    @abc.abstractmethod
    def fired(
        self, start: int = 0, stop: int | None = None
    ) -> Iterator[tuple[int, AccountSignals]]:
        """(row, signals) of the accounts where some condition fired, in row order: the
        ``start``-th to the ``stop``-th of them (all by default)."""

    @abc.abstractmethod
    def fired_rows(self) -> npt.NDArray[np.int64]:
        """The rows (0-based, ascending) where some condition fired."""

    @abc.abstractmethod
    def values(self, name: str, rows: npt.NDArray[np.int64]) -> pa.Array:
        """Signal ``name`` in ``rows``, columnar (the batch decisions read a few signals of
        every fired account this way; an unknown name is all nulls)."""

    @abc.abstractmethod
    def verdicts(self, condition: str, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """Whether ``condition`` (a name of the request's conditions) fired in ``rows``; a
        condition that was not evaluated never fired."""

    @abc.abstractmethod
    def chunks(self) -> Iterator[SignalChunk]:
        """All rows in order, in the stored form, a bounded number of accounts at a time."""

    def __iter__(self) -> Iterator[AccountSignals]:
        """Every account's signals (builds one dict per account: for tests and small data)."""
        return (self.account(row) for row in range(len(self)))


@dataclass(frozen=True, slots=True)
class SignalResult:
    accounts: SignalRows
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
    """A decision as stored: the run it belongs to, what was decided, and its signals.

    ``decision`` is the run's outcome for the account in short (see
    :func:`tierwise.services.decisions.outcome_of`), or ``None`` when nothing fired in the
    vectorised pass; ``signals`` are the values it was made from (JSON, nulls left out, and
    ``$fired``: the conditions the vectorised pass saw fire). ``explain`` re-runs the full
    decision from them.
    """

    run_id: str
    account_id: str
    external_id: str
    as_of: dt.datetime
    decision: JsonObject | None
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
    def save_run(
        self, run: DecisionRun, decided: Mapping[str, JsonObject], signals: SignalRows
    ) -> None:
        """Store a run in one transaction: one decision per account of ``signals`` (``decided``
        by account id; an account not in it had nothing fire) with its signals."""

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
        """Every decision of a run, by external id (small runs: one object per account)."""

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
