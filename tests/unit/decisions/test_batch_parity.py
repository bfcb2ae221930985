"""The batch path and the per-account path decide the same: random accounts, one property.

For random subscriptions (any plan, interval, seats, add-ons, term, currency, bundle; billing
periods that sometimes no longer hold the day, so the quote engine refuses), random signals
around the playbook's thresholds and random offer histories (shows, declines, dismissals in the
last 60 days), :func:`~tierwise.services.decision_batch.decide_batch` must give every fired
account exactly ``outcome_of(decide_account(...))``, and the batch summary must equal the
summary counted account by account.

The conditions' verdicts are made with the per-account evaluator from the same values, as the
vectorised pass makes them (that pass is property-tested against the evaluator elsewhere), so
this test isolates what the batch computes: eligibility, cadence, change, value, quote refusal,
ranking, the choice per channel, and the outcome documents shared by equal accounts.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tierwise.adapters.catalog_files import load_catalog_path
from tierwise.adapters.playbook_files import load_playbook_path
from tierwise.adapters.signal_chunks import condition_column_name
from tierwise.adapters.signal_engine import ArrowSignalRows
from tierwise.catalog.model import BillingInterval
from tierwise.offers.cadence import OfferEvent, OfferOutcome
from tierwise.offers.expression_evaluation import evaluate
from tierwise.offers.expression_types import signals_in
from tierwise.offers.playbook import LifecycleStage
from tierwise.pricing.quotes import CurrentSubscription
from tierwise.services import decision_batch
from tierwise.services.decision_batch import decide_batch
from tierwise.services.decision_making import DecisionRules, decide_account
from tierwise.services.decision_ports import AccountRecord
from tierwise.services.decisions import outcome_of, summarise, summarise_batch

ROOT = Path(__file__).resolve().parents[3]
AS_OF = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)


def _rules() -> DecisionRules:
    catalog = load_catalog_path(ROOT / "examples" / "catalog.yaml")
    checked = load_playbook_path(ROOT / "examples" / "playbook.yaml", catalog.latest)
    assert checked.playbook is not None
    assert checked.conditions is not None
    return DecisionRules(checked.playbook, checked.conditions, catalog)


RULES = _rules()
VERSION = RULES.catalog.latest
CONDITIONS = RULES.conditions_for(AS_OF.date())
#: Every signal a condition reads, and those the batch reads for eligibility and cadence.
TEXTS = {
    "lifecycle_stage": [stage.value for stage in LifecycleStage],
    "industry": ["software", "agency", "healthcare", "retail"],
    "size_band": ["1-10", "11-50", "51-200", "201-1000", "1000+"],
    "region": ["EU", "US", "APAC"],
    "role_mix": ["admin", "member", "engineer"],
}
FLAGS = ("on_trial",)
READ = set().union(*(signals_in(expression) for expression in CONDITIONS.values())) | {
    "seats_assigned",
    "trial_used_days_ago",
    "tenure_days",
    "open_severe_tickets",
}
NUMBERS = sorted(READ - set(TEXTS) - set(FLAGS) - {"plan"})

numbers = st.one_of(
    st.none(),
    st.integers(0, 8),
    st.sampled_from([0.1, 0.5, 0.6, 0.66, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0, 1.2]),
    st.sampled_from([30, 45, 60, 85, 90, 120, 400, 800]),
)
#: Signals whose usual values keep most accounts out of the save play and the quiet periods,
#: so that offers are ranked and chosen (each still reaches its other side sometimes).
USUAL = {
    "health_score": st.one_of(st.none(), st.sampled_from([30, 60, 80, 85, 90, 95, 99])),
    "open_severe_tickets": st.one_of(st.none(), st.sampled_from([0, 0, 0, 0, 1])),
    "tenure_days": st.sampled_from([None, 5, 100, 400, 400, 720, 800, 800]),
    "failed_payments_30d": st.sampled_from([None, 0, 0, 0, 2]),
    "nps": st.sampled_from([None, None, 9, 10, 5]),
    "on_trial": st.one_of(st.none(), st.sampled_from([False, False, False, True])),
    "lifecycle_stage": st.one_of(
        st.sampled_from(["expanding", "mature", "renewal_window", "adopting"]),
        st.sampled_from([None, *TEXTS["lifecycle_stage"]]),
    ),
    "trial_used_days_ago": st.sampled_from([None, None, 30, 400]),
}
subscriptions = st.builds(
    CurrentSubscription,
    plan=st.sampled_from(sorted(VERSION.plans)),
    interval=st.sampled_from([BillingInterval.MONTH, BillingInterval.YEAR]),
    currency=st.sampled_from(VERSION.currencies),
    # up to 40 days back: a monthly period may no longer hold the day (the quote is refused)
    period_start=st.sampled_from([0, 3, 19, 25, 35, 40]).map(
        lambda d: AS_OF.date() - dt.timedelta(days=d)
    ),
    seats=st.integers(1, 60),
    add_ons=st.lists(st.sampled_from(sorted(VERSION.add_ons)), unique=True, max_size=2).map(tuple),
    term_years=st.integers(1, 3),
    renewal=st.booleans(),
    bundle=st.one_of(st.none(), st.sampled_from(sorted(VERSION.bundles))),
)
events = st.lists(
    st.builds(
        OfferEvent,
        offer=st.sampled_from(sorted(RULES.playbook.offers)),
        outcome=st.sampled_from(list(OfferOutcome)),
        on=st.integers(0, 60).map(lambda d: AS_OF.date() - dt.timedelta(days=d)),
    ),
    max_size=4,
)
#: A "ready" account: healthy, past its quiet periods, in a stage that gets most offers, with
#: usage near or past the thresholds, so several offers compete and are ranked.
READY = {
    "health_score": st.sampled_from([85, 90, 99]),
    "open_severe_tickets": st.just(0),
    "tenure_days": st.sampled_from([400, 800]),
    "on_trial": st.just(False),
    "failed_payments_30d": st.just(0),
    "nps": st.sampled_from([None, 9]),
    "lifecycle_stage": st.sampled_from(["expanding", "mature", "renewal_window"]),
    "trial_used_days_ago": st.sampled_from([None, 400]),
}
hot = st.sampled_from([0.7, 0.85, 0.9, 0.95, 1.0, 1.2, 3, 5, 8, 30, 60])
ready = st.fixed_dictionaries(
    {
        **dict.fromkeys(NUMBERS, hot),
        **{name: st.sampled_from(v) for name, v in TEXTS.items()},
        **READY,
    }
)
signals = st.one_of(
    st.fixed_dictionaries(
        {
            **dict.fromkeys(NUMBERS, numbers),
            **{name: st.one_of(st.none(), st.sampled_from(v)) for name, v in TEXTS.items()},
            **{name: st.one_of(st.none(), st.booleans()) for name in FLAGS},
            **USUAL,
        }
    ),
    ready,
)
accounts = st.lists(st.tuples(subscriptions, signals, events), min_size=4, max_size=30)
#: Mostly ready accounts: both halves of a split batch rank several valued candidates.
ready_accounts = st.lists(
    st.tuples(subscriptions, st.one_of(ready, ready, signals), events), min_size=8, max_size=30
)


def _rows(
    drawn: list[tuple[CurrentSubscription, dict[str, Any], list[OfferEvent]]],
) -> tuple[ArrowSignalRows, dict[str, list[OfferEvent]]]:
    names = list(CONDITIONS)
    records: dict[str, AccountRecord] = {}
    history: dict[str, list[OfferEvent]] = {}
    columns: dict[str, list[Any]] = {"account_id": [], "external_id": []}
    columns |= {name: [] for name in [*NUMBERS, *TEXTS, *FLAGS, "plan"]}
    columns |= {condition_column_name(i): [] for i in range(len(names))}
    for number, (subscription, values, past) in enumerate(drawn):
        account = f"acc_{number:03d}"
        records[account] = AccountRecord(
            account_id=account,
            external_id=f"ext_{number:03d}",
            name=f"Account {number}",
            currency=subscription.currency,
            catalog_version=VERSION.version,
            subscription_id=f"sub_{number:03d}",
            subscription=subscription,
        )
        history[account] = past
        values = values | {"plan": subscription.plan}
        columns["account_id"].append(account)
        columns["external_id"].append(f"ext_{number:03d}")
        for name, value in values.items():
            columns[name].append(value)
        for i, expression in enumerate(CONDITIONS.values()):
            columns[condition_column_name(i)].append(evaluate(expression, values).fired)
    numeric = set(NUMBERS)
    textual = {*TEXTS, "plan", "account_id", "external_id"}
    table = pa.table(
        {
            name: pa.array(
                data,
                pa.float64() if name in numeric else pa.string() if name in textual else pa.bool_(),
            )
            for name, data in columns.items()
        }
    )
    signal_columns = ["account_id", "external_id", *NUMBERS, *TEXTS, *FLAGS, "plan"]
    return ArrowSignalRows(table, names, signal_columns, records), history


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=accounts)
def test_the_batch_gives_every_fired_account_the_per_account_outcome(
    drawn: list[tuple[CurrentSubscription, dict[str, Any], list[OfferEvent]]],
) -> None:
    rows, history = _rows(drawn)
    # when
    batch = decide_batch(RULES, rows, history, AS_OF)
    # then every fired account has exactly the per-account path's outcome, and no other does
    expected = {}
    for _, signals in rows.fired():
        account = signals.account.account_id
        decision = decide_account(
            RULES, signals, history[account], AS_OF, fired=signals.fired, render=False
        )
        expected[account] = outcome_of(decision)
    assert dict(batch) == expected
    assert summarise_batch(batch, accounts=len(rows)) == summarise(
        expected.values(), accounts=len(rows)
    )


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=ready_accounts)
def test_the_batch_split_over_two_processes_decides_the_same(
    drawn: list[tuple[CurrentSubscription, dict[str, Any], list[OfferEvent]]],
) -> None:
    rows, history = _rows(drawn)
    # when half the accounts are decided in a forked process
    split = decide_batch(RULES, rows, history, AS_OF, processes=2)
    # then the outcomes are the single process's, which are the per-account path's (above)
    single = decide_batch(RULES, rows, history, AS_OF, processes=1)
    assert dict(split) == dict(single)
    assert summarise_batch(split, accounts=len(rows)) == summarise_batch(single, accounts=len(rows))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=ready_accounts)
def test_accounts_the_forked_process_failed_on_are_decided_in_this_one(
    drawn: list[tuple[CurrentSubscription, dict[str, Any], list[OfferEvent]]],
) -> None:
    rows, history = _rows(drawn)
    single = decide_batch(RULES, rows, history, AS_OF, processes=1)
    parent = os.getpid()
    decide_offer = decision_batch._decide_offer

    def failing_when_forked(*args: Any) -> Any:
        if os.getpid() != parent:
            raise RuntimeError("the forked process fails")
        return decide_offer(*args)

    # given a forked process that fails on the first offer it decides
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(decision_batch, "_decide_offer", failing_when_forked)
        # when
        split = decide_batch(RULES, rows, history, AS_OF, processes=2)
    # then this process decides those offers itself
    assert dict(split) == dict(single)
