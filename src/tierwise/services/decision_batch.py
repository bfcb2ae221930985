"""Batch decisions: the outcome of every fired account of a decide run, computed column-wise.

:func:`~tierwise.services.decision_making.decide_account` decides one account in about half a
millisecond of Python, most of it re-evaluating clauses for the explanation, writing each rule's
detail and pricing. A run over a million accounts stores only each decision's *outcome*
(:func:`~tierwise.services.decisions.outcome_of`: the offer or save play per channel, the ranked
expected values, the rules that suppressed offers); the full document is rendered again from the
stored signals when someone asks for it.

:func:`decide_batch` computes exactly those outcomes for all fired accounts at once. Each step of
the per-account path is factored into the few inputs it reads, and the very function that path
calls runs once per distinct combination of them, its answer spread to every account sharing it:

========================= =================================================================
step                      runs once per distinct
========================= =================================================================
trigger, near miss        — (the vectorised pass's verdicts; ``at_risk`` likewise)
audience checks           plan and the listed audience signals
not already there         subscription configuration (and ``seats_assigned`` for more seats)
change policy             subscription configuration
trial window              subscription configuration and ``trial_used_days_ago``
quiet periods             ``tenure_days``, ``open_severe_tickets``, ``on_trial``
lifecycle                 ``lifecycle_stage``
frequency cap, cool-down  account with an offer history (the others pass both)
change and its value      configuration (and ``seats_assigned`` where the change reads it)
quote refused?            configuration and change (:func:`~tierwise.pricing.quotes.change_plan`),
                          and billing period (:func:`~tierwise.pricing.quotes.current_period`)
========================= =================================================================

A *configuration* is what the pricing reads of a subscription: catalog version, plan, add-ons,
seats, interval, term, renewal, bundle and currency. Ranking (expected value, then priority,
then key) and the choice per channel (the first ranked candidate using it whose quote the
engine accepts) are numpy operations over accounts × offers. Accounts whose outcome is the same
(apart from the account) share one outcome document, made once.

Accounts are independent until their outcomes are grouped: asked to (``processes=2``), a batch
decides half its fired accounts in a forked process. The verdicts and signals are read from the
Arrow rows once before the fork; each half is a batch of its own (records, rules, values,
quotes, ranking, choice), the forked half's arrays come back pickled, and the two halves'
values and currencies are numbered as one before the outcomes are grouped and their documents
made, once. It is not the default: each half repeats the work done once per distinct
configuration, change or rule input, and on the 2-vCPU box it was measured on the split did not
finish reliably sooner at a million accounts (load ≤ 1 besides it: 8.6, 9.0, 12.0, 13.8, 14.4 s
against 11.0, 11.1, 11.4, 14.8 s in one process, for 50-100 % more CPU), though it did at
300,000 (5.4, 5.9, 6.7 s against 7.0, 7.3, 9.0 s). The cyclic garbage collector is paused
during a batch.

The outcomes equal the per-account path's: a property test compares them on random accounts,
subscriptions and offer histories, another the split batch with the single-process one, and the
decide tests compare whole runs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import operator
import os
import pickle
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from tierwise.catalog.model import CatalogVersion
from tierwise.errors import TierwiseError
from tierwise.licensing.events import Json, JsonObject
from tierwise.money import Money
from tierwise.offers.cadence import (
    OfferEvent,
    cooldown_check,
    frequency_cap_check,
    lifecycle_check,
    quiet_checks,
)
from tierwise.offers.checks import RuleCheck
from tierwise.offers.eligibility import (
    audience_checks,
    change_policy_check,
    not_already_there,
    trial_window_check,
)
from tierwise.offers.playbook import (
    Channel,
    MoreSeatsTarget,
    Offer,
    Playbook,
    TargetKind,
    TrialIncentive,
)
from tierwise.offers.ranking import RevenueValue, revenue_value
from tierwise.offers.targets import proposed_change, reads_seats_assigned
from tierwise.pricing.quotes import (
    CurrentSubscription,
    ProposedChange,
    change_plan,
    current_period,
)
from tierwise.services.decision_making import (
    AT_RISK,
    NUDGE_CHANNELS,
    DecisionRules,
    int_signal,
    near_miss_name,
    trigger_name,
)
from tierwise.services.decision_ports import AccountRecord, SignalRows

__all__ = ["BatchOutcomes", "decide_batch"]

Codes = npt.NDArray[np.int64]
Flags = npt.NDArray[np.bool_]

#: Every rule that can suppress an offer, in the order the per-account path lists failures:
#: eligibility's, then cadence's (:mod:`tierwise.offers.eligibility`, :mod:`~.cadence`).
RULES: tuple[str, ...] = (
    "status",
    "validity",
    "audience.plans",
    "audience.industries",
    "audience.size_bands",
    "audience.regions",
    "audience.roles",
    "audience.lifecycle_stages",
    "not_already_there",
    "add_on_available",
    "change_policy",
    "trial_window",
    "at_risk",
    "quiet.signup",
    "quiet.severe_ticket",
    "quiet.trial",
    "lifecycle",
    "frequency_cap",
    "cooldown",
)
_BIT = {rule: 1 << i for i, rule in enumerate(RULES)}
#: Signals the audience lists read, by list (the plan comes from the subscription).
_AUDIENCE = (
    ("industries", "industry"),
    ("size_bands", "size_band"),
    ("regions", "region"),
    ("roles", "role_mix"),
    ("lifecycle_stages", "lifecycle_stage"),
)
_QUIET = ("tenure_days", "open_severe_tickets", "on_trial")

# What happened to an offer for an account.
_NOT_CONSIDERED, _SUPPRESSED, _OFFER, _NUDGE = 0, 1, 2, 3
# What a channel got: an offer's index, or one of these.
_NOTHING, _SAVE_PLAY = -1, -2
#: The channels' names in ``Channel`` order (the columns of the choice per channel).
_CHANNELS: tuple[str, ...] = tuple(channel.value for channel in Channel)


def _mask(checks: Sequence[RuleCheck] | Iterator[RuleCheck]) -> int:
    mask = 0
    for check in checks:
        if not check.passed:
            mask |= _BIT[check.rule]
    return mask


def _rules(mask: int) -> list[Json]:
    return [rule for rule in RULES if mask & _BIT[rule]]


class _Column:
    """One signal over the fired accounts, as codes of its distinct values (nulls included)."""

    __slots__ = ("codes", "values")

    def __init__(self, codes: Codes, values: list[Any]) -> None:
        self.codes = codes
        self.values = values

    @classmethod
    def read(cls, values: pa.Array | pa.ChunkedArray) -> _Column:
        encoded = pc.dictionary_encode(values, null_encoding="encode")
        if isinstance(encoded, pa.ChunkedArray):
            encoded = encoded.combine_chunks()
        codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        return cls(codes, encoded.dictionary.to_pylist())


@dataclass(frozen=True, slots=True)
class _Read:
    """The verdicts and signal columns of some fired accounts, read from the rows beforehand
    (a forked process then computes in Python and numpy only, never in Arrow)."""

    fired: Codes
    verdicts: dict[str, Flags]
    columns: dict[str, _Column]

    def part(self, start: int, stop: int) -> _Read:
        return _Read(
            self.fired[start:stop],
            {name: flags[start:stop] for name, flags in self.verdicts.items()},
            {
                name: _Column(column.codes[start:stop], column.values)
                for name, column in self.columns.items()
            },
        )


def _read(rules: DecisionRules, rows: SignalRows, fired: Codes, day: dt.date) -> _Read:
    """Every verdict and signal the batch reads of the fired accounts."""
    conditions = [AT_RISK]
    names = [*_QUIET, *_READ]
    for key, offer in rules.playbook.active_offers(day).items():
        conditions.append(trigger_name(key))
        if key in rules.conditions.near_misses:
            conditions.append(near_miss_name(key))
        names += [signal for field, signal in _AUDIENCE if getattr(offer.audience, field)]
    return _Read(
        fired,
        {name: np.asarray(rows.verdicts(name, fired), np.bool_) for name in conditions},
        {name: _Column.read(rows.values(name, fired)) for name in dict.fromkeys(names)},
    )


#: Combined codes below this are grouped by direct addressing (linear); above, by one sort.
_DENSE = 1 << 22


def _renumber(joint: Codes, room: int) -> tuple[Codes, Codes]:
    """Elements of ``joint`` (codes ``0 <= code < room``) grouped by equal code: (the group of
    each element, groups numbered in code order; the index of one element of each group — any
    one: its group's answer is the same for all of them)."""
    n = len(joint)
    if room <= _DENSE:
        member = np.full(room, -1, np.int64)
        member[joint] = np.arange(n, dtype=np.int64)
        present = np.flatnonzero(member >= 0)
        number = np.full(room, -1, np.int64)
        number[present] = np.arange(len(present), dtype=np.int64)
        return number[joint], member[present]
    _, first, inverse = np.unique(joint, return_index=True, return_inverse=True)
    return inverse.astype(np.int64).reshape(-1), first.astype(np.int64)


def _groups(keys: Sequence[Codes], rows: Codes) -> tuple[Codes, Codes]:
    """Accounts ``rows`` grouped by equal codes in every key: (group of each, one row of each
    group). The codes are combined into one number per account, renumbered on the way whenever
    the next product would not fit 62 bits."""
    joint = np.zeros(len(rows), np.int64)
    room = 1
    for key in keys:
        size = int(key.max()) + 1 if len(key) else 1
        if room * size >= 2**62:
            joint, firsts = _renumber(joint, room)
            room = len(firsts)
        joint = joint * size + key[rows]
        room *= size
    inverse, first = _renumber(joint, room)
    return inverse, rows[first]


def _per_group(
    keys: Sequence[Codes], rows: Codes, answer: Callable[[int], int], out: Codes
) -> None:
    """``out[row] = answer(one row of its group)`` for every row of ``rows``."""
    if not len(rows):
        return
    inverse, firsts = _groups(keys, rows)
    answers = np.array([answer(int(first)) for first in firsts], np.int64)
    out[rows] = answers[inverse]


class _Quote:
    """Whether the quote engine refuses a change to a configuration
    (:func:`~tierwise.pricing.quotes.change_plan`), asked only when a channel reaches an offer
    proposing it: most candidates ranked below another are never quoted."""

    __slots__ = ("_change", "_refused", "_subscription", "_version")

    def __init__(
        self, version: CatalogVersion, subscription: CurrentSubscription, change: ProposedChange
    ) -> None:
        self._version, self._subscription, self._change = version, subscription, change
        self._refused: bool | None = None

    def refused(self) -> bool:
        if self._refused is None:
            try:
                change_plan(self._version, self._subscription, self._change)
                self._refused = False
            except TierwiseError:
                self._refused = True
        return self._refused


@dataclass(frozen=True, slots=True)
class _Valued:
    """An offer's change for a group of accounts: its expected value (``None``: nothing to
    change, or a change the catalog cannot price), and its quote."""

    expected: Money | None
    quote: _Quote | None = None


#: What pricing reads of a subscription (with the catalog version and the account's currency),
#: and what its billing period is made of.
_CONFIGURATION = operator.attrgetter(
    "plan", "add_ons", "seats", "interval", "term_years", "renewal", "bundle", "currency"
)
_PERIOD = operator.attrgetter("period_start", "interval", "anchor_day")
_VERSION = operator.attrgetter("catalog_version")
_CURRENCY = operator.attrgetter("currency")
_SUBSCRIPTION = operator.attrgetter("subscription")


class _Accounts:
    """The fired accounts' subscriptions as codes: configuration, billing period, and the ledger
    record of one account of each (the functions called per group read only what they share).

    Accounts are first grouped by (catalog version, currency, subscription) — one dictionary
    look-up each, the subscription being a hashable value — and the configuration and the
    period are then read once per group, not once per account."""

    def __init__(self, rows: SignalRows, fired: Codes) -> None:
        self.records: list[AccountRecord] = list(map(rows.record, fired.tolist()))
        distinct: dict[tuple[str, str, CurrentSubscription], int] = {}
        whole = np.fromiter(
            (
                distinct.setdefault(key, len(distinct))
                for key in zip(
                    map(_VERSION, self.records),
                    map(_CURRENCY, self.records),
                    map(_SUBSCRIPTION, self.records),
                    strict=True,
                )
            ),
            np.int64,
            len(self.records),
        )
        # one account of each distinct subscription (any one: they read the same)
        member = np.zeros(len(distinct), np.int64)
        member[whole] = np.arange(len(whole), dtype=np.int64)
        configurations: dict[tuple[object, ...], int] = {}
        periods: dict[tuple[object, ...], int] = {}
        plans: dict[str, int] = {}
        self.configuration_records: list[AccountRecord] = []
        self.period_records: list[AccountRecord] = []
        configuration_of = np.empty(len(distinct), np.int64)
        period_of = np.empty(len(distinct), np.int64)
        plan_of: list[int] = []
        for code, (version, currency, subscription) in enumerate(distinct):
            record = self.records[int(member[code])]
            found = configurations.setdefault(
                (version, currency, _CONFIGURATION(subscription)), len(configurations)
            )
            if found == len(self.configuration_records):
                self.configuration_records.append(record)
                plan_of.append(plans.setdefault(subscription.plan, len(plans)))
            configuration_of[code] = found
            found = periods.setdefault(_PERIOD(subscription), len(periods))
            if found == len(self.period_records):
                self.period_records.append(record)
            period_of[code] = found
        self.configuration: Codes = configuration_of[whole]
        self.period: Codes = period_of[whole]
        self.plan: Codes = np.array(plan_of or [0], np.int64)[self.configuration]
        currencies: dict[str, int] = {}
        currency_of = [
            currencies.setdefault(currency, len(currencies)) for _, currency, _ in distinct
        ]
        #: the currencies, in the order of their codes
        self.currencies: list[str] = list(currencies)
        #: the account's currency, as a code (the outcomes of two currencies differ)
        self.currency: Codes = np.array(currency_of or [0], np.int64)[whole]


class _Batch:
    """The inputs of one batch and the answers shared by its offers."""

    def __init__(
        self,
        rules: DecisionRules,
        rows: SignalRows,
        history: Mapping[str, Sequence[OfferEvent]],
        as_of: dt.datetime,
        read: _Read,
    ) -> None:
        self.rules = rules
        self.as_of = as_of
        self.day = as_of.date()
        self.rows = rows
        self.fired: Codes = read.fired
        self._read = read
        self.n = len(self.fired)
        self.everyone: Codes = np.arange(self.n, dtype=np.int64)
        self.accounts = _Accounts(rows, self.fired)
        self.history = {
            i: history[record.account_id]
            for i, record in enumerate(self.accounts.records)
            if history.get(record.account_id)
        }
        self.history_rows: Codes = np.array(sorted(self.history), np.int64)
        self._columns: dict[str, _Column] = dict(read.columns)
        self._priced: dict[
            tuple[int, ProposedChange], tuple[RevenueValue | None, _Quote | None]
        ] = {}
        self.at_risk = self.verdict(AT_RISK)
        self.quiet = self._quiet()
        self.capped = self._capped()

    def verdict(self, condition: str) -> Flags:
        found = self._read.verdicts.get(condition)
        if found is None:
            found = np.asarray(self.rows.verdicts(condition, self.fired), np.bool_)
        return found

    def column(self, name: str) -> _Column:
        found = self._columns.get(name)
        if found is None:
            found = self._columns[name] = _Column.read(self.rows.values(name, self.fired))
        return found

    def signals(self, index: int, names: Sequence[str]) -> dict[str, object]:
        """The values of ``names`` for fired account ``index``."""
        values: dict[str, object] = {}
        for name in names:
            column = self.column(name)
            values[name] = column.values[column.codes[index]]
        return values

    def priced(
        self, key: tuple[int, ProposedChange], index: int
    ) -> tuple[RevenueValue | None, _Quote | None]:
        """The value of change ``key[1]`` to configuration ``key[0]`` (``None``: the catalog
        cannot price it) and its quote, for fired account ``index`` of that configuration;
        made once per batch: offers proposing the same change share it."""
        found = self._priced.get(key)
        if found is None:
            version, subscription = self.version(index), self.subscription(index)
            try:
                worth = revenue_value(version, subscription, key[1], self.rules.playbook.valuation)
            except TierwiseError:
                found = (None, None)
            else:
                found = (worth, _Quote(version, subscription, key[1]))
            self._priced[key] = found
        return found

    def version(self, index: int) -> CatalogVersion:
        return self.rules.catalog.version(self.accounts.records[index].catalog_version)

    def subscription(self, index: int) -> CurrentSubscription:
        return self.accounts.records[index].subscription

    def _quiet(self) -> Codes:
        cadence = self.rules.playbook.cadence
        out = np.zeros(self.n, np.int64)
        keys = [self.column(name).codes for name in _QUIET]
        _per_group(
            keys,
            self.everyone,
            lambda i: _mask(quiet_checks(cadence, self.signals(i, _QUIET))),
            out,
        )
        return out

    def _capped(self) -> Codes:
        """The frequency cap's failure bit per account (only accounts with a history can fail)."""
        cadence = self.rules.playbook.cadence
        out = np.zeros(self.n, np.int64)
        for index, events in self.history.items():
            out[index] = _mask([frequency_cap_check(cadence, events, self.day)])
        return out


def _offer_masks(batch: _Batch, key: str, offer: Offer, rows: Codes) -> Codes:
    """Every failed rule of ``offer`` for the fired accounts ``rows``, as bits of :data:`RULES`."""
    n = batch.n
    version_of, subscription_of = batch.version, batch.subscription
    configuration = batch.accounts.configuration
    masks = np.zeros(n, np.int64)
    # eligibility: status and validity hold for every offer the run decides (active on the day)
    listed = [signal for field, signal in _AUDIENCE if getattr(offer.audience, field)]
    part = np.zeros(n, np.int64)
    _per_group(
        [batch.accounts.plan, *(batch.column(s).codes for s in listed)],
        rows,
        lambda i: _mask(
            audience_checks(offer.audience, subscription_of(i), batch.signals(i, listed))
        ),
        part,
    )
    masks |= part
    seats: list[str] = ["seats_assigned"] if isinstance(offer.target, MoreSeatsTarget) else []
    _per_group(
        [configuration, *(batch.column(s).codes for s in seats)],
        rows,
        lambda i: _mask(
            not_already_there(version_of(i), offer, subscription_of(i), batch.signals(i, seats))
        ),
        part,
    )
    masks |= part
    _per_group(
        [configuration],
        rows,
        lambda i: _mask([change_policy_check(version_of(i), offer, subscription_of(i))]),
        part,
    )
    masks |= part
    if isinstance(offer.incentive, TrialIncentive):
        trial = ["trial_used_days_ago"]
        _per_group(
            [configuration, batch.column(trial[0]).codes],
            rows,
            lambda i: _mask(
                [
                    trial_window_check(
                        version_of(i), offer, subscription_of(i), batch.signals(i, trial), batch.day
                    )
                ]
            ),
            part,
        )
        masks |= part
    # cadence
    masks |= np.where(batch.at_risk, _BIT["at_risk"], 0)
    masks |= batch.quiet
    kind = TargetKind(offer.target.kind)
    cadence = batch.rules.playbook.cadence
    stage = ["lifecycle_stage"]
    _per_group(
        [batch.column(stage[0]).codes],
        rows,
        lambda i: _mask(
            [lifecycle_check(cadence, batch.signals(i, stage)["lifecycle_stage"], kind)]
        ),
        part,
    )
    masks |= part
    masks |= batch.capped
    for index in np.intersect1d(rows, batch.history_rows, assume_unique=True).tolist():
        masks[index] |= _mask([cooldown_check(cadence, key, batch.history[index], batch.day)])
    return masks


def _valued(batch: _Batch, key: str, offer: Offer, rows: Codes) -> tuple[Codes, list[_Valued]]:
    """The change, expected value and quote refusal of ``offer`` for ``rows``: (code per
    account, the distinct answers)."""
    rules = batch.rules
    prior = rules.playbook.prior(key)
    configuration = batch.accounts.configuration
    assigned = batch.column("seats_assigned")
    reads = np.array(
        [
            reads_seats_assigned(
                rules.catalog.version(r.catalog_version), offer.target, r.subscription.plan
            )
            for r in batch.accounts.configuration_records
        ],
        np.bool_,
    )
    # accounts whose change does not read seats_assigned share the code -1 for it
    seats_key = np.where(reads[configuration], assigned.codes, -1) + 1
    answers: list[_Valued] = []
    #: (configuration, change) -> its answer: accounts whose seats_assigned differ often get
    #: the same change
    known: dict[tuple[int, ProposedChange], int] = {}

    def answer(i: int) -> int:
        version, subscription = batch.version(i), batch.subscription(i)
        change = proposed_change(
            version,
            offer.target,
            subscription,
            seats_assigned=int_signal(batch.signals(i, ["seats_assigned"]), "seats_assigned"),
        )
        if change is None:
            answers.append(_Valued(None))
            return len(answers) - 1
        key = (int(configuration[i]), change)
        found = known.get(key)
        if found is None:
            worth, quote = batch.priced(key, i)
            expected = None if worth is None else (worth.value * prior).rounded()
            answers.append(_Valued(expected, quote))
            found = known[key] = len(answers) - 1
        return found

    codes = np.full(batch.n, -1, np.int64)
    _per_group([configuration, seats_key], rows, answer, codes)
    return codes, answers


@dataclass(frozen=True, slots=True)
class _Offers:
    """Per offer (columns) and fired account (rows): what happened, its failed rules, its
    expected value (a code into ``values``, and an order), and its candidate's answer (a code
    into ``answers`` of the column, which tells whether the quote is refused); whether the
    quote engine refuses each account's billing period."""

    keys: tuple[str, ...]
    status: Codes
    masks: Codes
    value: Codes
    order: Codes
    answer: Codes
    answers: list[list[_Valued]]
    values: list[Money]
    period_refused: Flags

    def refused(self, rows: Codes, columns: Codes) -> Flags:
        """Whether the quote of the candidate in (``rows[i]``, ``columns[i]``) is refused."""
        if not len(rows):
            return np.zeros(0, np.bool_)
        codes = self.answer[rows, columns]
        size = int(codes.max()) + 1
        pairs, inverse = np.unique(columns * size + codes, return_inverse=True)
        quotes = [self.answers[p // size][p % size].quote for p in pairs.tolist()]
        flags = np.array([quote is not None and quote.refused() for quote in quotes], np.bool_)
        refused: Flags = flags[inverse.reshape(-1)] | self.period_refused[rows]
        return refused


@dataclass(frozen=True, slots=True)
class _Decided:
    """One offer's rules, change and value for the fired accounts its trigger or near miss
    reached (``considered``): the failed rules of each, the accounts that passed them and the
    code of each one's answer among ``answers``."""

    considered: Codes
    mask: Codes
    passed: Codes
    codes: Codes
    answers: list[_Valued]


def _decide_offer(batch: _Batch, key: str, offer: Offer, considered: Codes) -> _Decided:
    mask = _offer_masks(batch, key, offer, considered)[considered]
    passed = considered[mask == 0]
    codes, answers = _valued(batch, key, offer, passed)
    return _Decided(considered, mask, passed, codes[passed], answers)


#: Signals the offers' rules read besides the audience lists.
_READ = ("seats_assigned", "trial_used_days_ago", "lifecycle_stage")


def _offers(batch: _Batch) -> _Offers:
    rules = batch.rules
    active = rules.playbook.active_offers(batch.day)
    keys = tuple(active)
    n, k = batch.n, len(keys)
    status = np.zeros((n, k), np.int64)
    masks = np.zeros((n, k), np.int64)
    value = np.full((n, k), -1, np.int64)
    answer = np.full((n, k), -1, np.int64)
    answers: list[list[_Valued]] = []
    known: dict[Money, int] = {}  # each distinct expected value, numbered
    period_refused = _period_refusals(batch)
    for column, (key, offer) in enumerate(active.items()):
        trigger = batch.verdict(trigger_name(key))
        near = (
            batch.verdict(near_miss_name(key))
            if key in rules.conditions.near_misses
            else np.zeros(n, np.bool_)
        )
        considered = np.flatnonzero(trigger | near).astype(np.int64)
        answers.append([])
        if not len(considered):
            continue
        done = _decide_offer(batch, key, offer, considered)
        masks[done.considered, column] = done.mask
        status[done.considered, column] = _SUPPRESSED
        answers[column] = done.answers
        # per answer: its expected value's index in ``values`` (-1: no candidate)
        index_of = np.full(len(done.answers), -1, np.int64)
        for code, valued in enumerate(done.answers):
            if valued.expected is not None:
                index_of[code] = known.setdefault(valued.expected, len(known))
        keep = index_of[done.codes] >= 0
        candidates, codes = done.passed[keep], done.codes[keep]
        if next((c for c in NUDGE_CHANNELS if c in offer.channels), None) is None:
            fired = trigger[candidates]  # a nudge would have no channel
            candidates, codes = candidates[fired], codes[fired]
        status[candidates, column] = np.where(trigger[candidates], _OFFER, _NUDGE)
        value[candidates, column] = index_of[codes]
        answer[candidates, column] = codes
    values = list(known)
    amounts = sorted({m.amount for m in values})
    rank = {amount: i for i, amount in enumerate(amounts)}
    order = np.array([rank[m.amount] for m in values] or [0], np.int64)
    ordered = np.where(value >= 0, order[np.maximum(value, 0)], -1)
    return _Offers(keys, status, masks, value, ordered, answer, answers, values, period_refused)


def _period_refusals(batch: _Batch) -> Flags:
    """Whether the quote engine refuses the account's billing period at ``as_of``."""
    refused = []
    for record in batch.accounts.period_records:
        try:
            current_period(record.subscription, batch.as_of)
            refused.append(False)
        except TierwiseError:
            refused.append(True)
    table = np.array(refused or [False], np.bool_)
    return table[batch.accounts.period] if batch.n else np.zeros(0, np.bool_)


def _choose(batch: _Batch, offers: _Offers) -> tuple[Codes, Codes, Flags]:
    """Rank the candidates and choose per channel: (ranking of offer columns per account,
    chosen column per channel, candidates dropped because their quote is refused)."""
    rules = batch.rules
    n, k = offers.status.shape
    active = [rules.playbook.offers[key] for key in offers.keys]
    static = np.argsort(
        np.array(sorted(range(k), key=lambda c: (-active[c].priority, offers.keys[c])), np.int64),
        kind="stable",
    )
    group = np.select([offers.status == _OFFER, offers.status == _NUDGE], [0, 1], default=2).astype(
        np.int64
    )
    tiles = np.broadcast_to(static, (n, k))
    ranking = np.lexsort((tiles, -offers.order, group), axis=1).astype(np.int64)
    uses = {
        channel: np.array([channel in offer.channels for offer in active], np.bool_)
        for channel in Channel
    }
    gentle = np.array(
        [next((c for c in NUDGE_CHANNELS if c in offer.channels), None) for offer in active],
        object,
    )
    chosen = np.full((n, len(Channel)), _NOTHING, np.int64)
    dropped = np.zeros((n, k), np.bool_)
    # candidates come first in each account's ranking (offers, then nudges): an account whose
    # next ranked column is not one has nothing left to choose from
    ranked_status = np.take_along_axis(offers.status, ranking, axis=1)
    for c, channel in enumerate(Channel):
        if channel is Channel.CSM:
            chosen[batch.at_risk, c] = _SAVE_PLAY
            left = np.flatnonzero(~batch.at_risk)
        else:
            left = np.arange(n, dtype=np.int64)
        offer_uses = uses[channel]
        nudge_uses = gentle == channel
        for position in range(k):
            status = ranked_status[left, position]
            left = left[status >= _OFFER]
            if not len(left):
                break
            status = status[status >= _OFFER]
            column = ranking[left, position]
            fits = np.where(status == _OFFER, offer_uses[column], nudge_uses[column])
            here = np.flatnonzero(fits & ~dropped[left, column])
            reached, reached_column = left[here], column[here]
            refused = offers.refused(reached, reached_column)
            dropped[reached[refused], reached_column[refused]] = True
            chosen[reached[~refused], c] = reached_column[~refused]
            still = np.ones(len(left), np.bool_)
            still[here[~refused]] = False
            left = left[still]
    return ranking, chosen, dropped


def _classes(blocks: Sequence[Codes]) -> tuple[Codes, Codes]:
    """Rows of the outcome matrix (``blocks`` side by side, rows aligned) grouped by equal
    rows: (class of each row, first row of each class).

    Each row is hashed to 64 bits (a sum of its columns times fixed odd numbers, wrapping), the
    hashes are grouped, and every row is compared with its class's first row; only if two
    different rows shared a hash does it group by the rows themselves (a sort of whole rows).
    The blocks are hashed and compared one at a time: the whole matrix (45 columns of a million
    rows) is put together only in that last case.
    """
    n = len(blocks[0])
    if not n:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    width = sum(block.shape[1] for block in blocks)
    odd = (np.random.default_rng(20261126).integers(1, 2**62, width) * 2 + 1).astype(np.uint64)
    hashed = np.zeros(n, np.uint64)
    start = 0
    with np.errstate(over="ignore"):
        for block in blocks:
            end = start + block.shape[1]
            hashed += (block.astype(np.uint64) * odd[start:end]).sum(axis=1, dtype=np.uint64)
            start = end
    _, first, classes = np.unique(hashed, return_index=True, return_inverse=True)
    classes = classes.astype(np.int64).reshape(-1)
    representative = first[classes]
    if all(np.array_equal(block, block[representative]) for block in blocks):
        return classes, first.astype(np.int64)
    outcome = np.hstack(blocks)
    _, first, classes = np.unique(outcome, axis=0, return_index=True, return_inverse=True)
    return classes.astype(np.int64).reshape(-1), first.astype(np.int64)


class BatchOutcomes(Mapping[str, JsonObject]):
    """Each fired account's outcome by account id; accounts with the same outcome share one
    document, which :meth:`__getitem__` completes with the account's external id."""

    def __init__(
        self,
        account_ids: Sequence[str],
        external_ids: Sequence[str],
        classes: Codes,
        documents: Sequence[JsonObject],
        counts: Sequence[int],
    ) -> None:
        self._index = {account: i for i, account in enumerate(account_ids)}
        self._external = external_ids
        self._classes = classes
        self.documents = documents
        self.counts = counts

    def __getitem__(self, account_id: str) -> JsonObject:
        i = self._index[account_id]
        return {"external_id": self._external[i]} | self.documents[int(self._classes[i])]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def external_ids_of(self, document: int) -> list[str]:
        """The external ids of the accounts whose outcome is ``documents[document]``."""
        return [self._external[int(i)] for i in np.flatnonzero(self._classes == document)]

    def weighted(self) -> Iterator[tuple[JsonObject, int]]:
        """Each distinct outcome (without its external id) and how many accounts have it."""
        return zip(self.documents, self.counts, strict=True)


@dataclass(frozen=True, slots=True)
class _Part:
    """The outcome of some fired accounts, as arrays: per account its ids, currency (a code into
    ``currencies``) and whether it is at risk; per account and offer column (``keys``) what
    happened, the failed rules, the expected value (a code into ``values``), whether the quote
    was refused; the ranking of the columns and the column chosen per channel."""

    keys: tuple[str, ...]
    account_ids: list[str]
    external_ids: list[str]
    currency: Codes
    currencies: list[str]
    at_risk: Flags
    status: Codes
    masks: Codes
    value: Codes
    dropped: Flags
    ranking: Codes
    chosen: Codes
    values: list[Money]


def _part(
    rules: DecisionRules,
    rows: SignalRows,
    history: Mapping[str, Sequence[OfferEvent]],
    as_of: dt.datetime,
    read: _Read,
) -> _Part:
    batch = _Batch(rules, rows, history, as_of, read)
    offers = _offers(batch)
    ranking, chosen, dropped = _choose(batch, offers)
    records = batch.accounts.records
    return _Part(
        offers.keys,
        [r.account_id for r in records],
        [r.external_id for r in records],
        batch.accounts.currency,
        batch.accounts.currencies,
        batch.at_risk,
        offers.status,
        offers.masks,
        offers.value,
        dropped,
        ranking,
        chosen,
        offers.values,
    )


def _codes(known: dict[Any, int], items: Sequence[Any], codes: Codes) -> Codes:
    """``codes`` into ``items`` as codes into ``known`` (the items numbered on, where new;
    ``-1`` stays)."""
    renumbered = np.array([known.setdefault(item, len(known)) for item in items] or [0], np.int64)
    return np.where(codes >= 0, renumbered[np.maximum(codes, 0)], -1)


def _joined(first: _Part, second: _Part) -> _Part:
    """Two parts' accounts, one after the other, their values and currencies numbered as one."""
    values = {money: i for i, money in enumerate(first.values)}
    value = _codes(values, second.values, second.value)
    currencies = {currency: i for i, currency in enumerate(first.currencies)}
    currency = _codes(currencies, second.currencies, second.currency)
    return _Part(
        first.keys,
        first.account_ids + second.account_ids,
        first.external_ids + second.external_ids,
        np.concatenate([first.currency, currency]),
        list(currencies),
        np.concatenate([first.at_risk, second.at_risk]),
        np.concatenate([first.status, second.status]),
        np.concatenate([first.masks, second.masks]),
        np.concatenate([first.value, value]),
        np.concatenate([first.dropped, second.dropped]),
        np.concatenate([first.ranking, second.ranking]),
        np.concatenate([first.chosen, second.chosen]),
        list(values),
    )


#: How the forked process's arrays travel (narrower than the int64 they are computed in).
_SENT = {
    "status": np.int8,
    "masks": np.int32,
    "value": np.int32,
    "ranking": np.int8,
    "chosen": np.int8,
}


def _forked(decide: Callable[[], _Part]) -> Callable[[], _Part | None]:
    """``decide()`` run in a forked process (its memory this one's, copy-on-write); the function
    returned waits for it and answers its part, or ``None`` if it failed."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the forked process; its result is tested
        code = 1
        try:
            os.close(read)
            part = decide()
            fields = {
                name: getattr(part, name).astype(_SENT[name])
                if name in _SENT
                else getattr(part, name)
                for name in _Part.__slots__
            }
            with os.fdopen(write, "wb") as out:
                pickle.dump(fields, out, protocol=pickle.HIGHEST_PROTOCOL)
            code = 0
        finally:
            os._exit(code)
    os.close(write)

    def join() -> _Part | None:
        with os.fdopen(read, "rb") as got:
            data = got.read()
        _, status = os.waitpid(pid, 0)
        if status != 0 or not data:
            return None
        fields = pickle.loads(data)
        for name in _SENT:
            fields[name] = fields[name].astype(np.int64)
        return _Part(**fields)

    return join


class _Documents:
    """Outcome documents of rows (without the external id, as ``outcome_of`` makes them); the
    entries they are made of are made once and shared by the documents they appear in."""

    def __init__(self, playbook: Playbook, part: _Part) -> None:
        self._offers = part
        self._texts = [money.to_str() for money in part.values]
        self._kinds = [playbook.offers[key].target.kind for key in part.keys]
        self._save_play: JsonObject = {"save_play": {"name": playbook.save_play.name}}
        self._entries: dict[tuple[object, ...], JsonObject] = {}

    def _chosen(self, column: int, strength: str, value: int) -> JsonObject:
        key = ("chosen", column, strength, value)
        found = self._entries.get(key)
        if found is None:
            found = self._entries[key] = {
                "offer": self._offers.keys[column],
                "strength": strength,
                "target": {"kind": self._kinds[column]},
                "expected_value": self._texts[value],
            }
        return found

    def _ranked(self, column: int, value: int) -> JsonObject:
        key = ("ranked", column, value)
        found = self._entries.get(key)
        if found is None:
            found = self._entries[key] = {
                "offer": self._offers.keys[column],
                "expected_value": self._texts[value],
            }
        return found

    def _suppressed(self, column: int, mask: int) -> JsonObject:
        key = ("suppressed", column, mask)
        found = self._entries.get(key)
        if found is None:
            found = self._entries[key] = {
                "offer": self._offers.keys[column],
                "rules": _rules(mask),
            }
        return found

    def of(self, row: int) -> JsonObject:
        offers = self._offers
        status = offers.status[row].tolist()
        value = offers.value[row].tolist()
        dropped = offers.dropped[row].tolist()
        masks = offers.masks[row].tolist()
        picked: JsonObject = {}
        for channel, column in zip(_CHANNELS, offers.chosen[row].tolist(), strict=True):
            if column == _SAVE_PLAY:
                picked[channel] = self._save_play
            elif column != _NOTHING:
                strength = "offer" if status[column] == _OFFER else "nudge"
                picked[channel] = self._chosen(column, strength, value[column])
        ranked: list[Json] = [
            self._ranked(column, value[column])
            for column in offers.ranking[row].tolist()
            if status[column] >= _OFFER and not dropped[column]
        ]
        suppressed: list[Json] = [
            self._suppressed(column, masks[column])
            for column in range(len(status))
            if status[column] == _SUPPRESSED or (status[column] >= _OFFER and dropped[column])
        ]
        return {
            "currency": offers.currencies[int(offers.currency[row])],
            "at_risk": bool(offers.at_risk[row]),
            "chosen": picked,
            "ranked": ranked,
            "suppressed": suppressed,
        }


@contextlib.contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """The cyclic garbage collector paused for the block (and resumed after, if it ran before).

    A batch allocates a million-odd long-lived objects (records, keys, answers) and almost no
    reference cycles; each time the allocations pass the collector's thresholds it walks every
    tracked object, the batch's and the signal rows', for nothing: about a quarter of the batch's
    CPU at 300,000 accounts. Everything the batch frees without a cycle is still freed at once.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def decide_batch(
    rules: DecisionRules,
    rows: SignalRows,
    history: Mapping[str, Sequence[OfferEvent]],
    as_of: dt.datetime,
    *,
    processes: int = 1,
) -> BatchOutcomes:
    """The outcome of every account of ``rows`` where some condition fired (module docstring):
    the same as ``outcome_of(decide_account(..., fired=..., render=False))`` account by account,
    with ``history`` the offer events before ``as_of`` by account id.

    ``processes=2`` decides half the fired accounts in a forked process where ``os.fork``
    exists (module docstring: for a machine with a CPU to spare); the outcomes are the same."""
    with _without_cycle_collection():
        return _decide(rules, rows, history, as_of, processes)


def _decide(
    rules: DecisionRules,
    rows: SignalRows,
    history: Mapping[str, Sequence[OfferEvent]],
    as_of: dt.datetime,
    processes: int,
) -> BatchOutcomes:
    fired = np.asarray(rows.fired_rows(), np.int64)
    read = _read(rules, rows, fired, as_of.date())
    n = len(fired)
    if processes > 1 and n > 1 and hasattr(os, "fork"):
        # accounts are independent until their outcomes are grouped: half in a forked process
        half = n // 2
        second = read.part(half, n)
        join = _forked(lambda: _part(rules, rows, history, as_of, second))
        mine = _part(rules, rows, history, as_of, read.part(0, half))
        theirs = join() or _part(rules, rows, history, as_of, second)
        part = _joined(mine, theirs)
    else:
        part = _part(rules, rows, history, as_of, read)
    shown = np.where(part.status >= _OFFER, part.value, -1)
    classes, first = _classes(
        [
            part.currency.reshape(n, 1),
            part.at_risk.reshape(n, 1).astype(np.int64),
            part.status,
            part.masks,
            shown,
            part.dropped.astype(np.int64),
            part.ranking,
            part.chosen,
        ]
    )
    counts = np.bincount(classes, minlength=len(first)).tolist()
    made = _Documents(rules.playbook, part)
    documents = [made.of(row) for row in first.tolist()]
    return BatchOutcomes(part.account_ids, part.external_ids, classes, documents, counts)
