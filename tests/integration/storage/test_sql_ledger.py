"""The ledger on real storage (SQLite and PostgreSQL): transitions, money, replays, refusals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from tierwise.adapters.sql import tables as t
from tierwise.errors import (
    ChangeNotAllowed,
    IdempotencyKeyReused,
    NotFound,
    SeatsOutOfRange,
    TierwiseError,
    UnknownPlan,
)
from tierwise.services import commands as c
from tierwise.services.ledger import Ledger

from .consistency import assert_consistent


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def _open(ledger: Ledger, plan: str = "team", seats: int = 5, **fields: object) -> str:
    account = ledger.handle(
        c.CreateAccount(
            at=at("2026-03-10"),
            external_id=f"crm-{plan}-{seats}",
            name="Acme",
            currency="USD",
            industry="agency",
            company_size=40,
            attributes={"crm_tier": "gold"},
        )
    ).subject_id
    return ledger.handle(
        c.CreateSubscription(
            at=at("2026-03-10"),
            account=account,
            plan=plan,
            seats=seats,
            **fields,  # type: ignore[arg-type]
        )
    ).subject_id


def _counts(engine: Engine) -> tuple[int, ...]:
    with engine.connect() as db:
        return tuple(
            db.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (t.accounts, t.subscriptions, t.history, t.outbox, t.idempotency_keys)
        )


def test_transitions_and_their_money(ledger: Ledger, engine: Engine) -> None:
    # given Team × 5 from 2026-03-10 (period to 2026-04-10, 31 days)
    sub_id = _open(ledger)

    # when upgraded on 2026-03-25, then a downgrade is scheduled and tick passes the period end
    up = ledger.handle(
        c.ChangeSubscription(at=at("2026-03-25"), subscription_id=sub_id, plan="business")
    )
    down = ledger.handle(
        c.ChangeSubscription(at=at("2026-03-26"), subscription_id=sub_id, plan="team")
    )
    ledger.handle(c.Tick(at=at("2026-04-10T00:00:01")))

    # then: 16 unused days: −60.00 × 16/31 = −30.97, +125.00 × 16/31 = +64.52, due 33.55
    assert up.data["quote"]["due_now"] == "33.55"
    assert [line["amount"] for line in up.data["quote"]["lines"]] == ["-30.97", "64.52"]
    assert down.data["quote"]["timing"] == "end_of_term"
    history = ledger.history(sub_id)
    assert [e.transition for e in history] == ["change", "change.schedule", "change", "create"]
    assert history[0].after["terms"]["plan"] == "team"
    assert history[0].at == at("2026-04-10")
    assert history[2].quote == up.data["quote"]
    assert history[3].quote is not None
    assert history[3].quote["due_now"] == "60.00"
    assert assert_consistent(engine) == 4


def test_idempotent_replays(ledger: Ledger, engine: Engine) -> None:
    # given
    sub_id = _open(ledger)
    change = c.ChangeSubscription(
        at=at("2026-03-20"), subscription_id=sub_id, seats=9, idempotency_key="order-77"
    )

    # when
    first = ledger.handle(change)
    replay = ledger.handle(change)

    # then
    assert replay.replayed
    assert replay.data == first.data
    assert [e.transition for e in ledger.history(sub_id)] == ["change", "create"]
    with pytest.raises(IdempotencyKeyReused):
        ledger.handle(
            c.ChangeSubscription(
                at=at("2026-03-20"), subscription_id=sub_id, seats=10, idempotency_key="order-77"
            )
        )
    assert assert_consistent(engine) == 2


def test_trial_start_then_revert_keeps_everything(ledger: Ledger, engine: Engine) -> None:
    # given a subscription with add-on, settings, named seats; its account with attributes
    sub_id = _open(ledger, add_ons=("automation_pack",), settings={"sso_domain": "acme.test"})
    ledger.handle(c.AssignSeat(at=at("2026-03-11"), subscription_id=sub_id, user="ana"))
    account_id = ledger.history(sub_id)[0].account_id
    before = ledger.account_page(account_id, at("2026-03-12"))

    # when
    ledger.handle(c.StartTrial(at=at("2026-03-12"), subscription_id=sub_id, plan="business"))
    ledger.handle(c.RevertTrial(at=at("2026-03-13"), subscription_id=sub_id))
    after = ledger.account_page(account_id, at("2026-03-12"))

    # then
    ignore = {"version", "last_trial_at"}

    def strip(page: dict[str, Any]) -> dict[str, Any]:
        subscription = page["subscriptions"][0]["subscription"]
        return {k: v for k, v in subscription.items() if k not in ignore}

    assert strip(after) == strip(before)
    assert after["subscriptions"][0]["seats"] == before["subscriptions"][0]["seats"]
    assert after["account"] == before["account"]
    assert after["entitlements"]["values"] == before["entitlements"]["values"]
    assert_consistent(engine)


@pytest.mark.parametrize(
    ("command", "error"),
    [
        (
            lambda s: c.ChangeSubscription(at=at("2026-03-20"), subscription_id=s, plan="gold"),
            UnknownPlan,
        ),
        (
            lambda s: c.ChangeSubscription(at=at("2026-03-20"), subscription_id=s, seats=2),
            SeatsOutOfRange,
        ),
        (
            lambda s: c.ChangeSubscription(at=at("2026-03-20"), subscription_id=s, term_years=1),
            ChangeNotAllowed,
        ),
        (
            lambda s: c.CreateSubscription(at=at("2026-03-20"), account="nobody", plan="team"),
            NotFound,
        ),
    ],
)
def test_bad_input_changes_nothing(
    ledger: Ledger,
    engine: Engine,
    command: Callable[[str], c.Command],
    error: type[TierwiseError],
) -> None:
    # given a two-year Team × 5 (a one-year term would be "shorter": illegal)
    sub_id = _open(ledger, term_years=2)
    counts = _counts(engine)

    # when / then
    with pytest.raises(error) as caught:
        ledger.handle(command(sub_id))
    assert isinstance(caught.value, TierwiseError)
    assert _counts(engine) == counts
    assert ledger.history(sub_id)[0].transition == "create"


def test_grants_and_signals_are_stored(ledger: Ledger, engine: Engine) -> None:
    # given Team (50 projects, nudge at 80 % = 40) with a grant of 10 more projects
    sub_id = _open(ledger)
    ledger.handle(
        c.GrantEntitlement(
            at=at("2026-03-11"),
            subscription_id=sub_id,
            feature="projects",
            value=10,
            starts=at("2026-03-11"),
            ends=at("2026-04-11"),
            reason="pilot",
        )
    )
    account_id = ledger.history(sub_id)[0].account_id

    # when the product checks at 49 + 1 (60 × 80 % = 48: soft-limit zone), twice, then SSO
    nudged = ledger.check(account_id, "projects", at("2026-03-12"), usage=49)
    ledger.check(account_id, "projects", at("2026-03-12"), usage=50)
    denied = ledger.check(account_id, "sso", at("2026-03-12"))

    # then the limit includes the grant; one soft-limit signal (entry) and one denial are kept
    assert (nudged.allowed, nudged.limit, nudged.in_soft_limit_zone) == (True, 60, True)
    assert not denied.allowed
    with engine.connect() as db:
        kinds = db.execute(
            select(t.signals.c.feature, t.signals.c.kind).order_by(t.signals.c.id)
        ).all()
    assert [tuple(k) for k in kinds] == [("projects", "soft_limit"), ("sso", "denied")]
    assert_consistent(engine)
