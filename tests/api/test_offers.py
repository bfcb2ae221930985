"""In-app offers over the demo company: real time after paywall hits, and key isolation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tierwise import bootstrap
from tierwise.adapters.catalog_files import load_catalog_path
from tierwise.api.app import create_app
from tierwise.api.runtime import ApiOptions
from tierwise.config import Settings
from tierwise.demo.build import build_company
from tierwise.demo.company import CompanySpec
from tierwise.services.api_keys import Scope

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


def _quiet_team_account(world: World) -> dict[str, Any]:
    """A healthy, settled Team account with nothing to show in-app and no SSO paywall hits."""
    return next(
        d
        for d in world.decisions
        if d["plan"] == "team"
        and "evaluated" in d
        and d["lifecycle_stage"] in ("expanding", "mature")
    )


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
