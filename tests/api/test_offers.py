"""In-app offers over the demo company: real time after paywall hits, and key isolation."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tierwise import bootstrap
from tierwise.adapters.catalog_files import load_catalog_path
from tierwise.api.app import create_app
from tierwise.api.offer_desk import OfferDesk
from tierwise.api.problems import install_problem_handlers
from tierwise.api.routers import offers
from tierwise.api.runtime import ApiOptions, ApiRuntime
from tierwise.config import Settings
from tierwise.demo.build import build_company
from tierwise.demo.company import CompanySpec
from tierwise.licensing.events import JsonObject
from tierwise.services.api_keys import Scope
from tierwise.services.decisions import Decisions, LiveView

ROOT = Path(__file__).resolve().parents[2]
AS_OF = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
NOW = AS_OF + dt.timedelta(hours=10)


@dataclass
class World:
    client: TestClient
    settings: Settings
    decisions: list[dict[str, Any]]
    tokens: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data_dir = tmp_path_factory.mktemp("offers")
    catalog_path = ROOT / "examples" / "catalog.yaml"
    catalog = load_catalog_path(catalog_path)
    build_company(data_dir, catalog, CompanySpec(accounts=100))
    settings = Settings(
        data_dir=data_dir,
        database_url=None,
        catalog=catalog_path,
        playbook=ROOT / "examples" / "playbook.yaml",
        key_secret="offer-tests-secret-0123456789abcdef",
        api_rate_limit=0,
    )
    engine = bootstrap.ledger_engine(settings)
    decided = bootstrap.build_decisions(catalog, settings, engine=engine).decide(
        AS_OF, started_at=AS_OF
    )
    keys = bootstrap.build_api_keys(settings, engine=engine)
    app = create_app(settings, options=ApiOptions(key_cache_seconds=0, clock=lambda: NOW))
    with TestClient(app, raise_server_exceptions=False) as client:
        tokens = {"admin": keys.create(Scope.ADMIN, at=NOW).secret}
        yield World(client, settings, [dict(d) for d in decided.decisions], tokens)
    engine.dispose()


def _quiet_team_accounts(world: World) -> list[dict[str, Any]]:
    """Healthy, settled Team accounts with nothing to show in-app and no SSO paywall hits."""
    return [
        d
        for d in world.decisions
        if d["plan"] == "team"
        and "evaluated" in d
        and d["lifecycle_stage"] in ("expanding", "mature")
    ]


def _quiet_team_account(world: World) -> dict[str, Any]:
    return _quiet_team_accounts(world)[0]


def test_sso_paywall_hits_turn_into_an_offer_in_real_time(world: World) -> None:
    # given a quiet Team account and its publishable key
    account = _quiet_team_account(world)
    key = bootstrap.build_api_keys(world.settings).create(
        Scope.PUBLISHABLE, at=NOW, account_id=account["account_id"]
    )
    auth = {"Authorization": f"Bearer {key.secret}"}
    path = f"/v1/accounts/{account['external_id']}/offers"
    before = world.client.get(path, params={"placement": "limit_banner"}, headers=auth)
    # when the product hits the SSO paywall three times
    for _ in range(3):
        checked = world.client.post(
            "/v1/checks", json={"account": account["external_id"], "feature": "sso"}, headers=auth
        )
        assert checked.status_code == 200, checked.text
        assert checked.json()["allowed"] is False
    after = world.client.get(path, params={"placement": "limit_banner"}, headers=auth)
    # then there was nothing to show, and now the SSO offer shows with the live count
    assert before.status_code == 200, before.text
    assert before.json()["offer"] is None
    assert after.status_code == 200, after.text
    offer = after.json()["offer"]
    assert offer["offer"] == "business_for_sso"
    assert offer["trigger"]["clauses"][0]["detail"] == "paywall_sso = 3 ≥ 3 ✓"
    assert offer["message"]["headline"] == "Single sign-on is in Business"
    assert "3 times this month" in offer["message"]["body"]
    assert offer["quote"]["timing"] == "immediate"
    assert offer["value"]["outcome"]


def test_a_publishable_key_sees_only_its_own_accounts_offers(world: World) -> None:
    # given A's publishable key and another account B
    a, b = world.decisions[0], world.decisions[1]
    key = bootstrap.build_api_keys(world.settings).create(
        Scope.PUBLISHABLE, at=NOW, account_id=a["account_id"]
    )
    auth = {"Authorization": f"Bearer {key.secret}"}
    # when
    own = world.client.get(
        f"/v1/accounts/{a['external_id']}/offers",
        params={"placement": "limit_banner"},
        headers=auth,
    )
    other = world.client.get(
        f"/v1/accounts/{b['external_id']}/offers",
        params={"placement": "limit_banner"},
        headers=auth,
    )
    missing = world.client.get(
        "/v1/accounts/nobody/offers", params={"placement": "limit_banner"}, headers=auth
    )
    post_other = world.client.post(
        f"/v1/accounts/{b['external_id']}/offers/business_for_sso/outcomes",
        json={"outcome": "dismissed", "placement": "limit_banner"},
        headers=auth,
    )
    # then another account is answered exactly like one that does not exist
    assert own.status_code == 200, own.text
    assert other.status_code == missing.status_code == post_other.status_code == 404
    assert other.json()["code"] == missing.json()["code"]


def test_a_dismissal_holds_the_offer_back(world: World) -> None:
    # given an account with an in-app offer
    decision = next(d for d in world.decisions if d["chosen"].get("in_app", {}).get("offer"))
    offer = decision["chosen"]["in_app"]["offer"]
    path = f"/v1/accounts/{decision['external_id']}/offers"
    # when the customer dismisses it
    recorded = world.client.post(
        f"{path}/{offer}/outcomes",
        json={"outcome": "dismissed", "placement": "limit_banner"},
        headers=world.auth("admin"),
    )
    now = world.client.get(path, params={"placement": "limit_banner"}, headers=world.auth("admin"))
    # then the same offer is not shown again during its cool-down
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["channel"] == "in_app"
    assert now.status_code == 200
    shown = now.json()["offer"]
    assert shown is None or shown["offer"] != offer


def test_an_unknown_placement_is_refused_with_its_field(world: World) -> None:
    # when
    answer = world.client.get(
        f"/v1/accounts/{world.decisions[0]['external_id']}/offers",
        params={"placement": "sidebar"},
        headers=world.auth("admin"),
    )
    # then
    assert answer.status_code == 422
    assert answer.json()["field"] == "placement"


def test_an_offer_the_quote_engine_refuses_is_left_out_not_a_server_error(world: World) -> None:
    # given accounts with an in-app offer, asked 45 days after the run: the monthly billing
    # periods have all ended by then and no renewal was recorded, so the quote engine refuses
    # their changes ("outside the current billing period") — on each channel where the candidate
    # stands (in_app first, then email or csm); yearly periods are still running
    later = create_app(
        world.settings,
        options=ApiOptions(key_cache_seconds=0, clock=lambda: NOW + dt.timedelta(days=45)),
    )
    offered = [d for d in world.decisions if d["chosen"].get("in_app", {}).get("offer")]
    with TestClient(later, raise_server_exceptions=False) as client:
        # when
        answers = [
            client.get(
                f"/v1/accounts/{d['external_id']}/offers",
                params={"placement": "limit_banner"},
                headers=world.auth("admin"),
            )
            for d in offered
        ]
    # then every one is answered (none is a 500): the refused ones with no offer and why, the
    # others with their offer quoted as of that day
    assert [a.status_code for a in answers] == [200] * len(offered), [a.text for a in answers]
    refused = [a.json() for a in answers if a.json()["offer"] is None]
    quoted = [a.json()["offer"] for a in answers if a.json()["offer"] is not None]
    assert refused, "no account's quote was refused: the case is not exercised"
    assert {a["reason"] for a in refused} == {"no offer fits this account now"}
    assert all(o["quote"]["effective_at"].startswith("2027-01-04") for o in quoted)


def _router_only(world: World) -> TestClient:
    """The offers router on a bare FastAPI app: no front, FastAPI's own request path."""
    app = FastAPI()
    app.state.runtime = world.client.app.state.runtime  # type: ignore[attr-defined]
    install_problem_handlers(app)
    app.include_router(offers.router)
    return TestClient(app, raise_server_exceptions=False)


def test_the_front_answers_what_the_declared_operation_answers(world: World) -> None:
    # given the app (with its front), the same runtime behind FastAPI's routing only, and keys
    plain = _router_only(world)
    a, b = world.decisions[2], world.decisions[3]
    keys = bootstrap.build_api_keys(world.settings)
    tokens = {
        "publishable": keys.create(Scope.PUBLISHABLE, at=NOW, account_id=a["account_id"]).secret,
        "ingest": keys.create(Scope.INGEST, at=NOW).secret,
        "read": keys.create(Scope.READ, at=NOW).secret,
        "unknown": "tw_read_nothere00000_" + "x" * 32,
    }
    own, other = (
        f"/v1/accounts/{a['external_id']}/offers",
        f"/v1/accounts/{b['external_id']}/offers",
    )
    requests: list[tuple[str | None, str, str]] = [
        ("publishable", own, "placement=limit_banner"),
        ("publishable", f"/v1/accounts/{a['account_id']}/offers", "placement=limit_banner"),
        ("publishable", other, "placement=limit_banner"),  # another account: 404
        ("publishable", "/v1/accounts/nobody/offers", "placement=limit_banner"),
        ("read", other, "placement=weekly_digest"),
        ("read", other, "placement=sidebar"),  # unknown placement: 422
        ("read", other, ""),  # missing: 422
        ("read", other, "placement="),  # too short: 422
        ("read", other, "placement=" + "p" * 65),  # too long: 422
        ("read", other, "placement=sidebar&placement=limit_banner"),  # the last one counts
        ("read", "/v1/accounts/nobody/offers", "placement=sidebar"),  # 404 before the placement
        ("ingest", own, "placement=limit_banner"),  # wrong scope: 403
        ("unknown", own, ""),  # 401 before the query
        (None, own, "placement=limit_banner"),
    ]
    statuses = []
    for who, path, query in requests:
        headers = {} if who is None else {"Authorization": f"Bearer {tokens[who]}"}
        # when both answer the same request
        fast = world.client.get(f"{path}?{query}", headers=headers)
        slow = plain.get(f"{path}?{query}", headers=headers)
        # then status, media type and body are the same
        assert (fast.status_code, fast.headers["content-type"], fast.json()) == (
            slow.status_code,
            slow.headers["content-type"],
            slow.json(),
        ), (who, path, query)
        statuses.append(fast.status_code)
    assert statuses == [200, 200, 404, 404, 200, 422, 422, 422, 422, 200, 404, 403, 401, 401]


def test_a_denial_re_evaluates_the_offers_on_the_write_path(world: World) -> None:
    # given a quiet Team account read once, and every re-evaluation from now on counted
    account = _quiet_team_accounts(world)[1]
    runtime: ApiRuntime = world.client.app.state.runtime  # type: ignore[attr-defined]
    path = f"/v1/accounts/{account['external_id']}/offers?placement=limit_banner"
    assert world.client.get(path, headers=world.auth("admin")).json()["offer"] is None
    decisions = world.client.portal.call(runtime.offers.decisions)  # type: ignore[union-attr]
    made: list[tuple[object, ...]] = []
    evaluate = decisions.evaluate

    def counted(view: LiveView, now: dt.datetime) -> JsonObject:
        made.append(view.key)
        return evaluate(view, now)

    decisions.evaluate = counted  # type: ignore[method-assign]
    try:
        # when the product hits the SSO paywall three times, and the writes have settled
        for _ in range(3):
            checked = world.client.post(
                "/v1/checks",
                json={"account": account["external_id"], "feature": "sso"},
                headers=world.auth("admin"),
            )
            assert checked.json()["allowed"] is False
        world.client.portal.call(runtime.offers.settled)  # type: ignore[union-attr]
        on_write = len(made)
        after = world.client.get(path, headers=world.auth("admin"))
    finally:
        del decisions.evaluate
    # then the re-evaluation was made when the denials were recorded (at most one per denial),
    # and the reader found it made: the SSO offer with the live count, nothing evaluated on read
    assert 1 <= on_write <= 3
    assert len(made) == on_write
    assert after.json()["offer"]["offer"] == "business_for_sso"
    assert after.json()["offer"]["trigger"]["clauses"][0]["detail"] == "paywall_sso = 3 ≥ 3 ✓"


def test_a_kept_answer_is_encoded_once_and_a_new_marker_makes_a_new_one(world: World) -> None:
    # given a quiet Team account, and every answer shaped from now on counted
    account = _quiet_team_accounts(world)[3]
    runtime: ApiRuntime = world.client.app.state.runtime  # type: ignore[attr-defined]
    path = f"/v1/accounts/{account['external_id']}/offers?placement=limit_banner"
    decisions = world.client.portal.call(runtime.offers.decisions)  # type: ignore[union-attr]
    shaped: list[str] = []
    placed = decisions.placed

    def counted(view: LiveView, decided: JsonObject, placement: str) -> JsonObject:
        shaped.append(placement)
        return placed(view, decided, placement)

    decisions.placed = counted  # type: ignore[method-assign]
    try:
        # when it is read three times, then hits the SSO paywall three times and is read again
        reads = [world.client.get(path, headers=world.auth("admin")) for _ in range(3)]
        for _ in range(3):
            world.client.post(
                "/v1/checks",
                json={"account": account["external_id"], "feature": "sso"},
                headers=world.auth("admin"),
            )
        world.client.portal.call(runtime.offers.settled)  # type: ignore[union-attr]
        after = world.client.get(path, headers=world.auth("admin"))
    finally:
        del decisions.placed
    # then the three reads got the same bytes, shaped once; the new counters made a new answer
    assert len({read.content for read in reads}) == 1
    assert reads[0].json()["offer"] is None
    assert after.json()["offer"]["offer"] == "business_for_sso"
    assert shaped.count("limit_banner") == 2


def test_a_gauge_set_through_a_synchronous_route_re_evaluates_on_the_write_path(
    world: World,
) -> None:
    # given a quiet Team account read once, and every re-evaluation from now on counted
    account = _quiet_team_accounts(world)[2]
    runtime: ApiRuntime = world.client.app.state.runtime  # type: ignore[attr-defined]
    path = f"/v1/accounts/{account['external_id']}/offers?placement=limit_banner"
    first = world.client.get(path, headers=world.auth("admin"))
    assert first.status_code == 200, first.text
    decisions = world.client.portal.call(runtime.offers.decisions)  # type: ignore[union-attr]
    made: list[str] = []
    evaluate = decisions.evaluate

    def counted(view: LiveView, now: dt.datetime) -> JsonObject:
        made.append(view.stored.account_id)
        return evaluate(view, now)

    decisions.evaluate = counted  # type: ignore[method-assign]
    try:
        # when the product reports 40 projects (a gauge, set in a worker thread), and the write
        # has settled
        put = world.client.put(
            f"/v1/accounts/{account['external_id']}/gauges/projects",
            json={"value": 40},
            headers=world.auth("admin"),
        )
        assert put.status_code == 200, put.text
        world.client.portal.call(runtime.offers.settled)  # type: ignore[union-attr]
        on_write = list(made)
        after = world.client.get(path, headers=world.auth("admin"))
    finally:
        del decisions.evaluate
    # then the account was re-evaluated once, on the write, and the read used it
    assert on_write == [account["account_id"]]
    assert made == on_write
    assert after.status_code == 200, after.text


def test_readers_share_one_re_evaluation_and_others_do_not_wait_for_it(world: World) -> None:
    # given a fresh decisions service whose re-evaluations are held until released
    catalog = load_catalog_path(ROOT / "examples" / "catalog.yaml")
    decisions: Decisions = bootstrap.build_decisions(catalog, world.settings)
    desk = OfferDesk(lambda: decisions, clock=lambda: NOW)
    first, second = world.decisions[4]["account_id"], world.decisions[5]["account_id"]
    release = threading.Event()
    made: list[str] = []
    evaluate = decisions.evaluate

    def held(view: LiveView, now: dt.datetime) -> JsonObject:
        made.append(view.stored.account_id)
        if view.stored.account_id == first:
            assert release.wait(10)
        return evaluate(view, now)

    decisions.evaluate = held  # type: ignore[method-assign]

    async def scenario() -> tuple[list[bytes], bool, bool]:
        await desk.answer(second, "limit_banner", NOW)  # the other account's answer is kept
        # when five readers of the first account arrive while its re-evaluation is held, and
        # the other account is asked meanwhile
        readers = [asyncio.ensure_future(desk.answer(first, "limit_banner", NOW)) for _ in range(5)]
        await asyncio.sleep(0.05)
        other = await asyncio.wait_for(desk.answer(second, "limit_banner", NOW), timeout=5)
        waiting = not any(reader.done() for reader in readers)
        release.set()
        bodies = await asyncio.gather(*readers)
        return bodies, waiting, bool(other)

    bodies, waiting, other_answered = asyncio.run(scenario())

    # then the other account was answered while the five waited, and the five got one answer
    # from one re-evaluation
    assert other_answered
    assert waiting
    assert made.count(first) == 1
    assert len(set(bodies)) == 1


def test_the_served_app_freezes_its_start_up_heap_and_a_test_app_does_not(world: World) -> None:
    # given nothing frozen, an app built as uvicorn's factory builds it (no options) and one
    # built with explicit options, as tests do
    gc.unfreeze()
    try:
        # when each starts
        with TestClient(create_app(world.settings, options=ApiOptions(clock=lambda: NOW))):
            left_alone = gc.get_freeze_count()
        with TestClient(create_app(world.settings)):
            frozen = gc.get_freeze_count()
    finally:
        gc.unfreeze()
    # then only the served app moved its start-up objects out of the collector's way
    assert left_alone == 0
    assert frozen > 10_000
