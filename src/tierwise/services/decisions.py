"""Decisions over all accounts (``tierwise decide``), explanations, and the offer to show now.

:meth:`Decisions.decide` computes every account's signals as of ``as_of`` and evaluates every
trigger, near miss and the save play's ``at_risk`` over all accounts at once, through the
:class:`~tierwise.services.decision_ports.SignalEngine` (vectorised on DuckDB or Spark). Only the
accounts where some condition fired are decided in full, per account
(:func:`~tierwise.services.decision_making.decide_account`), which also re-evaluates their
conditions clause by clause for the explanation; every other account's decision is "nothing
fired", and :meth:`Decisions.explain` re-runs the full evaluation from the stored signals on
request. The run, each decision and the signals it was made from are stored, so ``explain`` and
the real-time endpoint read them later.

Real time (:meth:`Decisions.offer_now`): after an entitlement denial or a soft-limit entry the
account's stored signals are brought up to date with the ledger's live counters — paywall hits
since the run (``paywall_<feature>``, ``paywall_hits_30d``) and current gauges of limit features
(``usage_<feature>``, ``util_<feature>``) — and its triggers re-evaluated per account. The
result is kept until the ledger's marker for the account changes (a new signal, a gauge, a
subscription change), a new decide run lands, the day changes or an offer outcome is recorded.
"""

from __future__ import annotations

import collections
import datetime as dt
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, overload

from tierwise.errors import InvalidInput, NotFound
from tierwise.licensing.events import Json, JsonObject
from tierwise.offers.cadence import OfferEvent
from tierwise.offers.playbook import Channel
from tierwise.services.decision_batch import BatchOutcomes, decide_batch
from tierwise.services.decision_making import DecisionRules, decide_account
from tierwise.services.decision_ports import (
    AccountRecord,
    AccountSignals,
    DecisionRun,
    DecisionStore,
    LiveAccount,
    LiveCounters,
    OutcomeRecord,
    SignalEngine,
    SignalRequest,
    SignalRows,
    StoredDecision,
)
from tierwise.signals.definitions import SignalType, signal_definitions

__all__ = [
    "DecideResult",
    "Decisions",
    "RunDecisions",
    "outcome_of",
    "signals_from_json",
    "signals_json",
]

_CACHE_LIMIT = 50_000
#: Runs over at most this many accounts keep every decision document in memory; larger runs
#: keep only each decision's outcome and render a document when it is asked for.
_KEEP_DOCUMENTS = 20_000
#: How often (in accounts decided one by one) the progress callback is told.
_PROGRESS_EVERY = 5_000
#: How often the real-time path asks the store whether a newer decide run landed.
_RUN_RECHECK_SECONDS = 1.0


def signals_json(values: Mapping[str, object]) -> JsonObject:
    """Signals as JSON: numbers, texts, booleans; dates as ISO text; nulls left out."""
    data: JsonObject = {}
    for name, value in sorted(values.items()):
        if value is None or (isinstance(value, float) and value != value):  # NaN is null
            continue
        if isinstance(value, dt.date):
            data[name] = value.isoformat()
        elif isinstance(value, Decimal):
            data[name] = float(value) if value != value.to_integral_value() else int(value)
        elif isinstance(value, bool | int | float | str):
            data[name] = value
    return data


def signals_from_json(data: Mapping[str, Json], types: Mapping[str, SignalType]) -> dict[str, Any]:
    """The inverse of :func:`signals_json` (dates come back as dates, by the registry's types)."""
    values: dict[str, Any] = {}
    for name, value in data.items():
        if types.get(name) is SignalType.DATE and isinstance(value, str):
            values[name] = dt.date.fromisoformat(value)
        else:
            values[name] = value
    return values


class RunDecisions(Sequence[JsonObject]):
    """Every account's decision document of a run, in external id order.

    A small run keeps the documents it made. A large one (over :data:`_KEEP_DOCUMENTS`
    accounts) keeps the engine's columnar rows and each decision's outcome, and renders a
    document when it is read, by running the same per-account decision again from the same
    signals and history (the same data give the same document): a million full documents would
    not fit in memory.
    """

    def __init__(
        self, rows: SignalRows, kept: Mapping[int, JsonObject], render: Callable[[int], JsonObject]
    ) -> None:
        self._rows = rows
        self._kept = kept
        self._render = render

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> JsonObject: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[JsonObject]: ...

    def __getitem__(self, index: int | slice) -> JsonObject | Sequence[JsonObject]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        found = self._kept.get(index)
        return found if found is not None else self._render(index)

    def __iter__(self) -> Iterator[JsonObject]:
        return (self[i] for i in range(len(self)))

    def record(self, index: int) -> AccountRecord:
        """The ledger's record of the account of decision ``index`` (without its document)."""
        return self._rows.record(index)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class DecideResult:
    """A decide run: the stored run (with its summary) and every account's decision.

    ``decide_seconds`` is everything after the signals (deciding and storing);
    ``store_seconds`` the part of it spent storing the run; ``fired`` how many accounts had some
    condition fire and were decided per account.
    """

    run: DecisionRun
    decisions: RunDecisions
    signal_seconds: float
    decide_seconds: float
    store_seconds: float = 0.0
    fired: int = 0


def _quiet(record: AccountRecord, stage: str | None, as_of: dt.datetime) -> JsonObject:
    return {
        "account_id": record.account_id,
        "external_id": record.external_id,
        "name": record.name,
        "as_of": as_of.isoformat(),
        "plan": record.subscription.plan,
        "currency": record.currency,
        "owner": record.owner,
        "at_risk": False,
        "lifecycle_stage": stage,
        "health_score": None,
        "chosen": {},
        "ranked": [],
        "suppressed": [],
        "not_triggered": [],
        "evaluated": "vectorised: no trigger, near miss or at-risk condition fired",
    }


def outcome_of(decision: Mapping[str, Json]) -> JsonObject:
    """What a decision decided, in short: the offer (or save play) per channel, the ranked
    candidates' expected values, and the rules that suppressed offers. This is what a run
    stores per account and what its summary counts; ``explain`` renders the full document (every
    clause and value, quote, value case and copy) again from the stored signals."""
    chosen: JsonObject = {}
    items = decision["chosen"]
    assert isinstance(items, dict)
    for channel, item in items.items():
        assert isinstance(item, dict)
        if "save_play" in item:
            play = item["save_play"]
            assert isinstance(play, dict)
            chosen[channel] = {"save_play": {"name": play["name"]}}
            continue
        target = item["target"]
        assert isinstance(target, dict)
        chosen[channel] = {
            "offer": item["offer"],
            "strength": item["strength"],
            "target": {"kind": target["kind"]},
            "expected_value": item["expected_value"],
        }
    ranked = decision["ranked"]
    suppressed = decision["suppressed"]
    assert isinstance(ranked, list)
    assert isinstance(suppressed, list)
    return {
        "external_id": decision["external_id"],
        "currency": decision["currency"],
        "at_risk": decision["at_risk"],
        "chosen": chosen,
        "ranked": [
            {"offer": entry["offer"], "expected_value": entry["expected_value"]}
            for entry in ranked
            if isinstance(entry, dict)
        ],
        "suppressed": [
            {"offer": entry["offer"], "rules": entry["rules"]}
            for entry in suppressed
            if isinstance(entry, dict)
        ],
    }


class _Tally:
    """The counts of a run's summary, added up decision by decision (or by equal outcomes)."""

    def __init__(self) -> None:
        self.offers: collections.Counter[str] = collections.Counter()
        self.suppressed: collections.Counter[str] = collections.Counter()
        self.save_plays = self.nudges = self.with_offer = self.at_risk = 0

    def add(self, decision: Mapping[str, Json], count: int = 1) -> None:
        chosen = decision["chosen"]
        assert isinstance(chosen, dict)
        self.with_offer += bool(chosen) * count
        self.at_risk += bool(decision["at_risk"]) * count
        for channel, item in chosen.items():
            assert isinstance(item, dict)
            if "save_play" in item:
                self.save_plays += count
                continue
            target = item["target"]
            assert isinstance(target, dict)
            self.offers[f"{target['kind']}|{channel}|{item['strength']}"] += count
            self.nudges += (item["strength"] == "nudge") * count
        entries = decision["suppressed"]
        assert isinstance(entries, list)
        for entry in entries:
            assert isinstance(entry, dict)
            rules = entry["rules"]
            assert isinstance(rules, list)
            for rule in rules or ["change"]:
                self.suppressed[str(rule)] += count

    def summary(self, accounts: int, best: Mapping[str, list[_Best]], top: int) -> JsonObject:
        return {
            "accounts": accounts,
            "with_offer": self.with_offer,
            "at_risk": self.at_risk,
            "save_plays": self.save_plays,
            "nudges": self.nudges,
            "offers": dict(sorted(self.offers.items())),
            "suppressed": dict(sorted(self.suppressed.items(), key=lambda kv: (-kv[1], kv[0]))),
            "top": {
                currency: [
                    {"external_id": account, "offer": entry["offer"], "expected_value": str(value)}
                    for value, account, entry in sorted(ranked, key=lambda i: (-i[0], i[1]))[:top]
                ]
                for currency, ranked in sorted(best.items())
            },
        }


#: An account's best-ranked candidate: its expected value, the account, the ranked entry.
_Best = tuple[Decimal, str, Mapping[str, Json]]


def _first_ranked(decision: Mapping[str, Json]) -> tuple[Decimal, Mapping[str, Json]] | None:
    ranked = decision["ranked"]
    assert isinstance(ranked, list)
    if not ranked:
        return None
    first = ranked[0]
    assert isinstance(first, dict)
    return Decimal(str(first["expected_value"])), first


def summarise(
    decisions: Iterable[Mapping[str, Json]], *, accounts: int, top: int = 10
) -> JsonObject:
    """Counts for the run's summary table over ``accounts`` accounts, of which ``decisions``
    (full documents or their :func:`outcome_of`) are those where something fired: offers by
    target kind and channel, nudges, save plays, suppressions by rule, and per currency the
    accounts with the highest expected value (amounts in different currencies are never
    compared)."""
    tally = _Tally()
    best: dict[str, list[_Best]] = collections.defaultdict(list)
    for decision in decisions:
        tally.add(decision)
        found = _first_ranked(decision)
        if found is not None:
            value, first = found
            best[str(decision["currency"])].append((value, str(decision["external_id"]), first))
    return tally.summary(accounts, best, top)


def summarise_batch(outcomes: BatchOutcomes, *, accounts: int, top: int = 10) -> JsonObject:
    """:func:`summarise` of a batch's outcomes, counted once per distinct outcome: the same
    summary, without a document per account (only the best accounts' ids are looked up)."""
    tally = _Tally()
    by_currency: dict[str, list[tuple[Decimal, int, Mapping[str, Json]]]] = collections.defaultdict(
        list
    )
    for index, (document, count) in enumerate(outcomes.weighted()):
        tally.add(document, count)
        found = _first_ranked(document)
        if found is not None:
            by_currency[str(document["currency"])].append((found[0], index, found[1]))
    best: dict[str, list[_Best]] = {}
    for currency, classes in by_currency.items():
        classes.sort(key=lambda item: -item[0])
        taken: list[_Best] = []
        for value, index, first in classes:
            if len(taken) >= top and value < taken[-1][0]:
                break  # every account from here on ranks below the top ones
            taken += [(value, account, first) for account in outcomes.external_ids_of(index)]
        best[currency] = taken
    return tally.summary(accounts, best, top)


class Decisions:
    """Decide, explain, and answer the real-time question "which offer, now?"."""

    def __init__(
        self,
        rules: DecisionRules,
        engine: SignalEngine,
        store: DecisionStore,
        *,
        live: LiveCounters | None = None,
        new_run_id: Callable[[dt.datetime], str],
        keep_documents: int = _KEEP_DOCUMENTS,
    ) -> None:
        """A run over at most ``keep_documents`` accounts decides each fired account in full and
        keeps its document; a larger one decides column-wise (:meth:`decide`)."""
        self.rules = rules
        self._engine = engine
        self._store = store
        self._live = live
        self._new_run_id = new_run_id
        self._keep_documents = keep_documents
        version = rules.catalog.latest
        self._types = {d.name: d.type for d in signal_definitions(version)}
        self._cache: dict[tuple[object, ...], JsonObject] = {}
        self._lock = threading.Lock()
        self._run_id: str | None = None
        self._run_checked = -_RUN_RECHECK_SECONDS
        self._latest: dict[str, tuple[StoredDecision, dict[str, Any]]] = {}

    @property
    def signal_engine(self) -> SignalEngine:
        """The engine computing signals and vectorised conditions (parity tests use it)."""
        return self._engine

    # -- all accounts ---------------------------------------------------------------------------

    def request(self, as_of: dt.datetime) -> SignalRequest:
        milestones = self.rules.playbook.milestones
        return SignalRequest(
            as_of=as_of,
            conditions=self.rules.conditions_for(as_of.date()),
            event_milestones=tuple(
                (key, m.event, m.at_least) for key, m in milestones.items() if m.event is not None
            ),
            condition_milestones=dict(self.rules.conditions.milestones),
        )

    def decide(
        self,
        as_of: dt.datetime,
        *,
        started_at: dt.datetime,
        progress: Callable[[int, int], None] | None = None,
        processes: int = 1,
    ) -> DecideResult:
        """Decide for every account with a subscription in force, store the run, return it.

        Only the accounts where some condition fired in the vectorised pass are decided; every
        other account's decision is "nothing fired" and is never built unless read. A run that
        keeps its documents (at most ``keep_documents`` accounts) decides each fired account in
        full (:func:`~tierwise.services.decision_making.decide_account`); a larger one computes
        every fired account's outcome column-wise
        (:func:`~tierwise.services.decision_batch.decide_batch`, the same outcomes) and renders
        a document when it is read; with ``processes=2`` it decides half the fired accounts in a
        forked process (same outcomes; see :func:`~tierwise.services.decision_batch.decide_batch`).
        The store receives each fired account's :func:`outcome_of` and every account's signals
        in the engine's columnar form.
        """
        computed = self._engine.compute(self.request(as_of))
        rows = computed.accounts
        started = time.perf_counter()
        history: dict[str, list[OfferEvent]] = collections.defaultdict(list)
        for outcome in self._store.outcomes():
            if outcome.at < as_of:
                history[outcome.account_id].append(outcome.event())
        total = rows.fired_count
        kept: dict[int, JsonObject] = {}
        outcomes: Mapping[str, JsonObject]
        if len(rows) <= self._keep_documents:
            decided: dict[str, JsonObject] = {}
            for done, (row, signals) in enumerate(rows.fired(), start=1):
                decision = decide_account(
                    self.rules,
                    signals,
                    history.get(signals.account.account_id, ()),
                    as_of,
                    fired=signals.fired,
                )
                decided[signals.account.account_id] = outcome_of(decision)
                kept[row] = decision
                if progress is not None and (done % _PROGRESS_EVERY == 0 or done == total):
                    progress(done, total)
            for row in range(len(rows)):
                if row not in kept:
                    kept[row] = _quiet(rows.record(row), rows.lifecycle_stage(row), as_of)
            outcomes = decided
            summary = summarise(decided.values(), accounts=len(rows))
        else:
            batch = decide_batch(self.rules, rows, history, as_of, processes=processes)
            if progress is not None:
                progress(total, total)
            outcomes = batch
            summary = summarise_batch(batch, accounts=len(rows))
        fired_rows = frozenset(rows.fired_rows().tolist())

        def render(row: int) -> JsonObject:
            if row not in fired_rows:
                return _quiet(rows.record(row), rows.lifecycle_stage(row), as_of)
            signals = rows.account(row)
            return decide_account(
                self.rules,
                signals,
                history.get(signals.account.account_id, ()),
                as_of,
                fired=signals.fired,
            )

        run = DecisionRun(
            run_id=self._new_run_id(started_at),
            as_of=as_of,
            started_at=started_at,
            engine=computed.engine,
            playbook=f"{self.rules.playbook.name} {self.rules.playbook.version}",
            summary=summary,
        )
        storing = time.perf_counter()
        self._store.save_run(run, outcomes, rows)
        stored = time.perf_counter()
        with self._lock:
            self._cache.clear()
        return DecideResult(
            run,
            RunDecisions(rows, kept, render),
            computed.seconds,
            stored - started,
            stored - storing,
            total,
        )

    # -- one account ----------------------------------------------------------------------------

    def _stored(self, account: str, as_of: dt.datetime | None = None) -> StoredDecision:
        run_id = None
        if as_of is not None:
            run_id = next((r.run_id for r in self._store.runs() if r.as_of == as_of), None)
            if run_id is None:
                raise NotFound(
                    f"no decide run as of {as_of.date().isoformat()} is kept", field="as_of"
                )
        stored = self._store.decision(account, run_id)
        if stored is None:
            raise NotFound(
                f"no decision for account {account!r}: run `tierwise decide` first",
                field="account",
            )
        return stored

    def _history(self, account_id: str, before: dt.datetime) -> list[OfferEvent]:
        return [o.event() for o in self._store.outcomes(account_id) if o.at < before]

    def _account_signals(self, stored: StoredDecision) -> AccountSignals:
        """The stored signals, with the account's subscription as the ledger has it now."""
        data = dict(stored.signals)
        fired = data.pop("$fired", [])
        values = signals_from_json(data, self._types)
        record = self._live.account(stored.account_id, stored.as_of) if self._live else None
        if record is None:
            raise NotFound(f"account {stored.external_id!r} has no subscription in force")
        names = frozenset(str(name) for name in fired) if isinstance(fired, list) else frozenset()
        return AccountSignals(record.record, values, names)

    def explain(self, account: str, as_of: dt.datetime | None = None) -> JsonObject:
        """The account's latest decision with every reason: why this offer, why not the others.

        The full per-account evaluation, every clause of every offer, is run again from the
        stored signals and offer history of the run (the same data give the same decision; the
        run itself evaluated per account only what fired in the vectorised pass).
        """
        stored = self._stored(account, as_of)
        signals = self._account_signals(stored)
        history = self._history(stored.account_id, stored.as_of)
        decision = decide_account(self.rules, signals, history, stored.as_of)
        decision["signals"] = dict(stored.signals)
        decision["vectorised_fired"] = stored.signals.get("$fired", [])
        return decision

    def channel_of(self, placement: str) -> Channel:
        placements = self.rules.playbook.placements
        if placement not in placements:
            known = ", ".join(sorted(placements))
            raise InvalidInput(
                f"unknown placement {placement!r} (placements: {known})", field="placement"
            )
        return placements[placement].channel

    def _latest_stored(self, account: str) -> tuple[StoredDecision, dict[str, Any]]:
        """The account's decision in the newest run, with its parsed signals, kept in memory
        for that run (the store is asked for a newer run at most once a second)."""
        clock = time.monotonic()
        with self._lock:
            if clock - self._run_checked >= _RUN_RECHECK_SECONDS:
                run_id = self._store.latest_run_id()
                self._run_checked = clock
                if run_id != self._run_id:
                    self._run_id = run_id
                    self._latest.clear()
                    self._cache.clear()
            run_id = self._run_id
            found = self._latest.get(account)
        if found is not None:
            return found
        stored = self._store.decision(account, run_id) if run_id is not None else None
        if stored is None:
            raise NotFound(
                f"no decision for account {account!r}: run `tierwise decide` first",
                field="account",
            )
        data = dict(stored.signals)
        data.pop("$fired", None)
        found = (stored, signals_from_json(data, self._types))
        with self._lock:
            if len(self._latest) >= _CACHE_LIMIT:
                self._latest.clear()
            self._latest[account] = found
        return found

    def offer_now(self, account: str, placement: str, now: dt.datetime) -> JsonObject:
        """The offer to show in ``placement`` now, or none (with why), for one account: the live
        view, its re-evaluation (kept, or done now), the placement's answer."""
        self.channel_of(placement)  # an unknown placement is refused before any read
        view = self.live_view(account, now)
        decided = self.evaluated(view)
        if decided is None:
            decided = self.evaluate(view, now)
        return self.placed(view, decided, placement)

    def live_view(self, account: str, now: dt.datetime) -> LiveView:
        """The account's latest stored decision and signals with the ledger's live counters now
        (two indexed reads; the stored part is kept in memory per run), and the key of the
        re-evaluation they call for."""
        if self._live is None:
            raise NotFound("the real-time path needs the ledger's live counters")
        stored, values = self._latest_stored(account)
        live = self._live.account(stored.account_id, stored.as_of)
        if live is None:
            raise NotFound(f"account {account!r} has no subscription in force", field="account")
        key = (stored.run_id, stored.account_id, live.marker, now.date())
        return LiveView(stored, values, live, key)

    def evaluated(self, view: LiveView) -> JsonObject | None:
        """The re-evaluation ``view`` calls for, if it was made already (kept until the key
        changes: a new run, a change of the ledger's marker for the account, another day)."""
        with self._lock:
            return self._cache.get(view.key)

    def evaluate(self, view: LiveView, now: dt.datetime) -> JsonObject:
        """Re-evaluate the account's offers for ``view`` — trigger, eligibility, cadence,
        ranking, quote and value case, milliseconds of work — and keep the result under its key.
        Safe to call from several threads (the same key gives the same result)."""
        decided = self._decide_now(view.stored, view.values, view.live, now)
        with self._lock:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[view.key] = decided
        return decided

    def placed(self, view: LiveView, decided: JsonObject, placement: str) -> JsonObject:
        """The answer for ``placement`` from a re-evaluation: its channel's offer, or none with
        why (nothing fits, or the account is at risk and a person reaches out instead)."""
        channel = self.channel_of(placement)
        stored = view.stored
        chosen = decided["chosen"]
        assert isinstance(chosen, dict)
        item = chosen.get(channel.value)
        base: JsonObject = {
            "account_id": stored.account_id,
            "external_id": stored.external_id,
            "placement": placement,
            "channel": channel.value,
            "run_id": stored.run_id,
            "signals_as_of": stored.as_of.isoformat(),
            "decided_at": decided["as_of"],
        }
        if not isinstance(item, dict) or "save_play" in item:
            reason = (
                "at risk: a person reaches out instead"
                if decided["at_risk"]
                else "no offer fits this account now"
            )
            return base | {"offer": None, "reason": reason}
        return base | {"offer": item}

    def _decide_now(
        self, stored: StoredDecision, values: dict[str, Any], live: LiveAccount, now: dt.datetime
    ) -> JsonObject:
        values = overlay(values, live.paywall_since, live.gauges)
        history = self._history(stored.account_id, now + dt.timedelta(microseconds=1))
        signals = AccountSignals(live.record, values, frozenset())
        return decide_account(self.rules, signals, history, now)

    def record_outcome(self, outcome: OutcomeRecord) -> None:
        """Remember that an offer was shown, accepted, declined or dismissed (cadence reads it)."""
        if outcome.offer not in self.rules.playbook.offers:
            raise InvalidInput(f"unknown offer {outcome.offer!r}", field="offer")
        self._store.record_outcome(outcome)  # the live marker counts outcomes: caches see it


@dataclass(frozen=True, slots=True)
class LiveView:
    """One account as the real-time path sees it now: its decision in the latest run, the
    signals it was made from (parsed), and the ledger's live counters.

    ``key`` (run, account, the ledger's marker for the account, day) names the re-evaluation
    this calls for: equal keys give equal answers, so each is made once and kept.
    """

    stored: StoredDecision
    values: dict[str, Any]
    live: LiveAccount
    key: tuple[object, ...]


def overlay(
    values: Mapping[str, Any], paywall_since: Mapping[str, int], gauges: Mapping[str, int]
) -> dict[str, Any]:
    """Stored signals brought up to date with live counters (module docstring)."""
    updated = dict(values)
    for feature, hits in paywall_since.items():
        name = f"paywall_{feature}"
        updated[name] = (updated.get(name) or 0) + hits
        updated["paywall_hits_30d"] = (updated.get("paywall_hits_30d") or 0) + hits
    for feature, value in gauges.items():
        updated[f"usage_{feature}"] = value
        limit = updated.get(f"limit_{feature}")
        if isinstance(limit, int | float) and not isinstance(limit, bool) and limit > 0:
            updated[f"util_{feature}"] = value / limit
    return updated
