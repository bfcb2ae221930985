"""One account's decision: trigger → eligibility → cadence → ranking → best offer per channel.

"Fetch, then compute": :func:`decide_account` receives the account's signals, its offer history
and the playbook, and computes — no I/O, no clock. The result is a plain JSON document that keeps
every reason for and against:

* ``chosen``: per channel, the offer to make (or the gentle nudge of a near miss), with the
  trigger's clauses and the values they saw, its eligibility and cadence checks, the quote summary
  from the quote engine, the value case and the rendered copy; an at-risk account's CSM channel
  gets the save play instead;
* ``ranked``: every candidate with its expected value (prior × value: the annual revenue delta,
  or the committed-revenue value the playbook's ``valuation`` asks for, with its numbers);
* ``suppressed``: offers whose trigger (or near miss) fired but that may not be made, with each
  rule that failed;
* ``not_triggered``: offers whose trigger did not fire, with each clause and its value.

A near miss never competes with a real offer: it is ranked after every offer that fired, and only
in the least intrusive channel the offer uses (in-app, else email; never a CSM call).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from tierwise.catalog.model import CatalogVersion
from tierwise.catalog.versions import Catalog
from tierwise.errors import TierwiseError
from tierwise.licensing.events import Json, JsonObject
from tierwise.offers.cadence import OfferEvent, SavePlayRouting, cadence_checks, save_play_for
from tierwise.offers.checks import Checks
from tierwise.offers.eligibility import eligibility
from tierwise.offers.expression_ast import Expression
from tierwise.offers.expression_evaluation import Evaluation, evaluate, normalise_value, show_value
from tierwise.offers.messages import render
from tierwise.offers.playbook import Channel, Offer, Playbook, TargetKind, TrialIncentive
from tierwise.offers.playbook_rules import PlaybookConditions
from tierwise.offers.ranking import Candidate, rank, revenue_value
from tierwise.offers.targets import proposed_change, target_name, target_plan
from tierwise.offers.value import estimate_value
from tierwise.pricing.quotes import ProposedChange, Quote, quote_change
from tierwise.services.decision_ports import AccountSignals

__all__ = [
    "AT_RISK",
    "NUDGE_CHANNELS",
    "DecisionRules",
    "decide_account",
    "evaluation_json",
    "int_signal",
    "near_miss_name",
    "quote_summary",
    "trigger_name",
]

#: Name of the save play's condition among the vectorised conditions.
AT_RISK = "at_risk"
#: The channels a near miss's nudge may use, least intrusive first (never a CSM call).
NUDGE_CHANNELS = (Channel.IN_APP, Channel.EMAIL)


def trigger_name(offer: str) -> str:
    return f"trigger:{offer}"


def near_miss_name(offer: str) -> str:
    return f"near_miss:{offer}"


@dataclass(frozen=True, slots=True)
class DecisionRules:
    """The playbook (with its conditions parsed once) and the catalog it sells."""

    playbook: Playbook
    conditions: PlaybookConditions
    catalog: Catalog

    def conditions_for(self, day: dt.date) -> dict[str, Expression]:
        """Every condition the vectorised pass evaluates: triggers and near misses of the offers
        active on ``day``, and the save play's ``at_risk``."""
        named: dict[str, Expression] = {AT_RISK: self.conditions.at_risk}
        for key in self.playbook.active_offers(day):
            named[trigger_name(key)] = self.conditions.triggers[key]
            near = self.conditions.near_misses.get(key)
            if near is not None:
                named[near_miss_name(key)] = near
        return named


def evaluation_json(evaluation: Evaluation) -> JsonObject:
    """An evaluation with every clause, its verdict and the values it saw."""
    return {
        "fired": evaluation.fired,
        "clauses": [
            {
                "text": clause.text,
                "passed": clause.passed,
                "detail": clause.detail,
                "values": {name: show_value(value) for name, value in clause.values},
            }
            for clause in evaluation.clauses
        ],
    }


def _checks_json(checks: Checks) -> list[Json]:
    return [{"rule": c.rule, "passed": c.passed, "detail": c.detail} for c in checks.checks]


@dataclass(frozen=True, slots=True)
class _Considered:
    key: str
    offer: Offer
    strength: str  # "offer" or "nudge"
    trigger: Evaluation
    near_miss: Evaluation | None
    eligibility: Checks
    cadence: Checks
    change: ProposedChange | None
    candidate: Candidate | None
    problem: str | None = None
    quote: Quote | None = None


def int_signal(values: Mapping[str, object], name: str) -> int | None:
    """A whole-number signal (``seats_assigned``) as an int, or ``None`` when unknown."""
    value = normalise_value(values.get(name))
    return int(value) if isinstance(value, Decimal) and value.is_finite() else None


def _consider(
    rules: DecisionRules,
    version: CatalogVersion,
    key: str,
    offer: Offer,
    account: AccountSignals,
    routing: SavePlayRouting,
    history: Sequence[OfferEvent],
    as_of: dt.datetime,
    fired: frozenset[str] | None,
) -> _Considered | JsonObject:
    """The offer's whole path for one account; the ``not_triggered`` entry when it never fired.

    ``fired`` are the conditions the vectorised pass saw fire: an offer whose trigger and near
    miss are not among them is not evaluated again (``explain`` shows its clauses on request).
    """
    values = account.values
    day = as_of.date()
    if fired is not None and not {trigger_name(key), near_miss_name(key)} & fired:
        return {"offer": key, "name": offer.name, "trigger": {"fired": False, "clauses": []}}
    trigger = evaluate(rules.conditions.triggers[key], values)
    near_expression = rules.conditions.near_misses.get(key)
    near = None
    if not trigger.fired and near_expression is not None:
        near = evaluate(near_expression, values)
    if not trigger.fired and (near is None or not near.fired):
        entry: JsonObject = {"offer": key, "name": offer.name, "trigger": evaluation_json(trigger)}
        if near is not None:
            entry["near_miss"] = evaluation_json(near)
        return entry
    strength = "offer" if trigger.fired else "nudge"
    subscription = account.account.subscription
    kind = TargetKind(offer.target.kind)
    checks = eligibility(version, offer, subscription, values, day)
    cadence = cadence_checks(rules.playbook.cadence, key, kind, routing, values, history, day)
    if not (checks.passed and cadence.passed):
        return _Considered(key, offer, strength, trigger, near, checks, cadence, None, None)
    change = proposed_change(
        version, offer.target, subscription, seats_assigned=int_signal(values, "seats_assigned")
    )
    if change is None:
        return _Considered(
            key, offer, strength, trigger, near, checks, cadence, None, None, "nothing to change"
        )
    try:
        worth = revenue_value(version, subscription, change, rules.playbook.valuation)
    except TierwiseError as error:  # a change the catalog cannot price is not offered
        return _Considered(
            key, offer, strength, trigger, near, checks, cadence, change, None, str(error)
        )
    channels = offer.channels
    if strength == "nudge":
        gentle = next((c for c in NUDGE_CHANNELS if c in offer.channels), None)
        channels = () if gentle is None else (gentle,)
    candidate = Candidate(
        offer=key,
        kind=kind,
        priority=offer.priority,
        prior=rules.playbook.prior(key),
        annual_delta=worth.annual_delta,
        channels=channels,
        worth=worth,
    )
    if not channels:
        return _Considered(
            key,
            offer,
            strength,
            trigger,
            near,
            checks,
            cadence,
            change,
            None,
            "a near miss is shown only in-app or by email, and this offer uses neither",
        )
    return _Considered(key, offer, strength, trigger, near, checks, cadence, change, candidate)


def _outcome_copy(offer: Offer, values: Mapping[str, object]) -> str:
    copy = offer.value.outcome
    industry, role = values.get("industry"), values.get("role_mix")
    if isinstance(industry, str) and industry in copy.industries:
        return copy.industries[industry]
    if isinstance(role, str) and role in copy.roles:
        return copy.roles[role]
    return copy.default


def quote_summary(quote: Quote) -> JsonObject:
    """What a customer needs from the quote at a glance: when, what now, what after."""
    recurring = quote.recurring
    summary: JsonObject = {
        "timing": quote.timing.value,
        "effective_at": quote.effective_at.isoformat(),
        "due_now": quote.due_now.to_str(),
        "credit_balance": quote.credit_balance.to_str(),
        "currency": quote.currency,
        "new_recurring": {
            "interval": recurring.interval.value,
            "per_period": recurring.per_period.to_str(),
            "monthly": recurring.monthly.to_str(),
            "annual": recurring.annual.to_str(),
            "yearly_saving": recurring.savings.to_str(),
        },
        "discounts": [
            {"policy": d.policy, "reason": d.reason, "percent": format(d.percent, "f")}
            for d in quote.discounts
        ],
        "lines": [
            {
                "kind": line.kind.value,
                "description": line.description,
                "amount": line.amount.to_str(),
            }
            for line in quote.lines
        ],
        "rule": quote.rule.explanation(),
        "needs_approval": quote.needs_approval,
    }
    return summary


def _chosen(
    rules: DecisionRules,
    version: CatalogVersion,
    considered: _Considered,
    channel: Channel,
    account: AccountSignals,
) -> JsonObject:
    offer, candidate, quote = considered.offer, considered.candidate, considered.quote
    assert candidate is not None
    assert quote is not None
    values = account.values
    subscription = account.account.subscription
    estimate = (
        estimate_value(offer.value.model, values, candidate.annual_delta)
        if offer.value.model is not None
        else None
    )
    plan = target_plan(version, offer.target, subscription.plan)
    trial = version.plans[plan].trial
    filled: dict[str, object] = dict(values)
    filled["target_name"] = target_name(version, offer.target)
    filled["price_delta"] = (candidate.annual_delta * (Decimal(1) / Decimal(12))).rounded().format()
    if isinstance(offer.incentive, TrialIncentive) and trial is not None:
        filled["trial_days"] = trial.days
    if estimate is not None:
        filled.update(estimate.placeholders())
    message = _message(offer, channel, filled)
    value: JsonObject = {"outcome": _outcome_copy(offer, values)}
    if estimate is not None:
        value |= {
            "quantity": show_value(estimate.quantity),
            "hours_saved_per_month": show_value(estimate.hours_saved_per_month),
            "money_value_per_month": estimate.money_value_per_month.to_str(),
            "first_year_cost": estimate.first_year_cost.to_str(),
            "payback_months": None
            if estimate.payback_months is None
            else show_value(estimate.payback_months),
            "roi_percent": None
            if estimate.roi_percent is None
            else show_value(estimate.roi_percent),
            "reasoning": list(estimate.reasoning),
        }
    return {
        "offer": considered.key,
        "name": offer.name,
        "strength": considered.strength,
        "channel": channel.value,
        "target": {"kind": candidate.kind.value, "name": str(filled["target_name"])},
        "incentive": None if offer.incentive is None else offer.incentive.kind,
        "prior": format(candidate.prior, "f"),
        "annual_delta": candidate.annual_delta.to_str(),
        "revenue_value": candidate.ranked_value.to_str(),
        "valuation": list(candidate.valuation),
        "expected_value": candidate.expected_value.to_str(),
        "currency": candidate.annual_delta.currency,
        "trigger": evaluation_json(considered.trigger),
        "near_miss": None
        if considered.near_miss is None
        else evaluation_json(considered.near_miss),
        "eligibility": _checks_json(considered.eligibility),
        "cadence": _checks_json(considered.cadence),
        "quote": quote_summary(quote),
        "value": value,
        "message": message,
    }


def _named(considered: _Considered, channel: Channel) -> JsonObject:
    """A chosen offer without its rendering: what a large run stores and counts."""
    candidate = considered.candidate
    assert candidate is not None
    return {
        "offer": considered.key,
        "strength": considered.strength,
        "channel": channel.value,
        "target": {"kind": candidate.kind.value},
        "expected_value": candidate.expected_value.to_str(),
    }


def _message(offer: Offer, channel: Channel, values: Mapping[str, object]) -> JsonObject:
    messages = offer.messages
    if channel is Channel.IN_APP and messages.in_app is not None:
        m = messages.in_app
        return {
            "headline": render(m.headline, values),
            "body": render(m.body, values),
            "cta": render(m.cta, values),
        }
    if channel is Channel.EMAIL and messages.email is not None:
        e = messages.email
        return {"subject": render(e.subject, values), "body": render(e.body, values)}
    if channel is Channel.CSM and messages.csm is not None:
        return {
            "talking_points": [render(p, values) for p in messages.csm.talking_points],
            "objections": [
                {"objection": o.objection, "answer": o.answer} for o in messages.csm.objections
            ],
        }
    return {}


def _save_play(routing: SavePlayRouting, values: Mapping[str, object]) -> JsonObject:
    play = routing.play
    return {
        "name": play.name,
        "goal": play.goal,
        "talking_points": [render(p, values) for p in play.talking_points],
        "actions": list(play.actions),
        "at_risk": evaluation_json(routing.evaluation),
    }


def _suppressed(considered: _Considered) -> JsonObject:
    reasons = [f"{c.rule}: {c.detail}" for c in considered.eligibility.failed]
    reasons += [f"{c.rule}: {c.detail}" for c in considered.cadence.failed]
    if considered.problem is not None:
        reasons.append(considered.problem)
    stage = "eligibility" if considered.eligibility.failed else "cadence"
    if not considered.eligibility.failed and not considered.cadence.failed:
        stage = "change"
    return {
        "offer": considered.key,
        "name": considered.offer.name,
        "strength": considered.strength,
        "stage": stage,
        "reasons": reasons,
        "rules": [c.rule for c in (*considered.eligibility.failed, *considered.cadence.failed)],
        "trigger": evaluation_json(considered.trigger),
    }


def _ranked(candidates: Iterable[Candidate], strength: Mapping[str, str]) -> list[Json]:
    return [
        {
            "offer": c.offer,
            "strength": strength[c.offer],
            "expected_value": c.expected_value.to_str(),
            "revenue_value": c.ranked_value.to_str(),
            "annual_delta": c.annual_delta.to_str(),
            "prior": format(c.prior, "f"),
            "priority": c.priority,
            "channels": [ch.value for ch in c.channels],
        }
        for c in candidates
    ]


def decide_account(
    rules: DecisionRules,
    account: AccountSignals,
    history: Sequence[OfferEvent],
    as_of: dt.datetime,
    *,
    fired: frozenset[str] | None = None,
    render: bool = True,
) -> JsonObject:
    """Everything decided for one account at ``as_of``, with every reason (module docstring).

    With ``fired`` (the vectorised pass's conditions), offers that did not fire there are listed
    as not triggered without their clauses; without it every offer is evaluated clause by clause.
    Without ``render`` each chosen offer is only named (offer, strength, channel, target kind,
    expected value) and a save play only by its name: the same choice, without the copy, value
    case and quote summary — a large decide run stores no more, and renders a document on
    request.
    """
    record = account.account
    values = account.values
    day = as_of.date()
    version = rules.catalog.version(record.catalog_version)
    routing = save_play_for(rules.playbook.save_play, rules.conditions.at_risk, values)
    not_triggered: list[Json] = []
    considered: list[_Considered] = []
    for key, offer in rules.playbook.active_offers(day).items():
        result = _consider(rules, version, key, offer, account, routing, history, as_of, fired)
        if isinstance(result, _Considered):
            considered.append(result)
        else:
            not_triggered.append(result)
    viable = [c for c in considered if c.candidate is not None]
    by_key = {c.key: c for c in viable}
    #: offer key -> the candidate with its quote, or ``None`` once the quote engine refused it
    quoted: dict[str, _Considered | None] = {}

    def priced(key: str) -> _Considered | None:
        """The candidate with its quote (computed once, only for offers about to be chosen); a
        change the quote engine refuses leaves the candidates, with the reason, and is not
        tried again for the next channel (the refusal is remembered like a quote)."""
        if key in quoted:
            return quoted[key]
        item = by_key[key]
        assert item.change is not None
        try:
            quote = quote_change(version, record.subscription, item.change, as_of)
        except TierwiseError as error:
            failed = replace(item, candidate=None, problem=f"quote: {error}")
            considered[considered.index(item)] = failed
            quoted[key] = None
            return None
        quoted[key] = replace(item, quote=quote)
        return quoted[key]

    offers = rank(c.candidate for c in viable if c.strength == "offer" and c.candidate)
    nudges = rank(c.candidate for c in viable if c.strength == "nudge" and c.candidate)
    chosen: dict[str, Json] = {}
    for channel in Channel:
        if channel is Channel.CSM and routing.at_risk:
            chosen[channel.value] = {
                "save_play": _save_play(routing, values) if render else {"name": routing.play.name}
            }
            continue
        for candidate in (*offers, *nudges):
            if channel not in candidate.channels:
                continue
            item = priced(candidate.offer)
            if item is not None:
                chosen[channel.value] = (
                    _chosen(rules, version, item, channel, account)
                    if render
                    else _named(item, channel)
                )
                break
    failed_keys = {c.key for c in considered if c.candidate is None}
    offers = tuple(c for c in offers if c.offer not in failed_keys)
    nudges = tuple(c for c in nudges if c.offer not in failed_keys)
    strength = {c.key: c.strength for c in viable}
    return {
        "account_id": record.account_id,
        "external_id": record.external_id,
        "name": record.name,
        "as_of": as_of.isoformat(),
        "plan": record.subscription.plan,
        "currency": record.currency,
        "owner": record.owner,
        "at_risk": routing.at_risk,
        "lifecycle_stage": _text(values.get("lifecycle_stage")),
        "health_score": _shown(values.get("health_score")),
        "chosen": chosen,
        "ranked": _ranked((*offers, *nudges), strength),
        "suppressed": [_suppressed(c) for c in considered if c.candidate is None],
        "not_triggered": not_triggered,
    }


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _shown(value: object) -> str:
    return show_value(normalise_value(value))
