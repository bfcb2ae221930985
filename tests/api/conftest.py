"""API tests: the real app (``create_app``) on a migrated SQLite file and on PostgreSQL.

``api`` builds a world through the API itself: account A (``crm-a``) and B (``crm-b``), each
with a team subscription, account C without one, and a key of every kind (A's publishable key
among them, a revoked admin key). The clock is fixed and moved by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tierwise import bootstrap
from tierwise.adapters.crypto import SigningKey
from tierwise.adapters.sql import upgrade_database
from tierwise.api.app import create_app
from tierwise.api.runtime import ApiOptions
from tierwise.config import Settings
from tierwise.services.api_keys import ApiKeys, Scope

EXAMPLE_CATALOG = Path(__file__).resolve().parents[2] / "examples" / "catalog.yaml"
START = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


class Clock:
    """The API's clock in tests: fixed until moved."""

    def __init__(self, now: dt.datetime = START) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@dataclass
class Api:
    client: TestClient
    keys: ApiKeys
    clock: Clock
    settings: Settings
    tokens: dict[str, str | None] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str, **extra: str) -> dict[str, str]:
        token = self.tokens[who]
        auth = {} if token is None else {"Authorization": f"Bearer {token}"}
        return {**auth, **extra}

    def new_key(self, scope: Scope, *, account: str | None = None, rate_limit: int | None = None):
        issued = self.keys.create(scope, at=self.clock(), account_id=account, rate_limit=rate_limit)
        return issued.secret


def make_settings(database_url: str, data_dir: Path) -> Settings:
    upgrade_database(database_url)
    key_file = data_dir / "signing.pem"
    key_file.write_bytes(SigningKey.generate().to_pem())
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        catalog=EXAMPLE_CATALOG,
        key_secret="api-tests-secret-0123456789abcdef",
        signing_key=key_file,
        api_rate_limit=0,
    )


def _build_world(api: Api) -> None:
    admin = api.new_key(Scope.ADMIN)
    api.tokens["admin"] = admin
    auth = {"Authorization": f"Bearer {admin}"}
    for name in ("a", "b", "c"):
        created = api.client.post(
            "/v1/accounts",
            json={"external_id": f"crm-{name}", "name": f"Account {name}", "currency": "USD"},
            headers=auth,
        )
        assert created.status_code == 201, created.text
        api.ids[f"acc_{name}"] = created.json()["subject_id"]
    for name in ("a", "b"):
        opened = api.client.post(
            "/v1/subscriptions",
            json={"account": f"crm-{name}", "plan": "team", "seats": 5},
            headers=auth,
        )
        assert opened.status_code == 201, opened.text
        api.ids[f"sub_{name}"] = opened.json()["subject_id"]
    api.tokens["read"] = api.new_key(Scope.READ)
    api.tokens["ingest"] = api.new_key(Scope.INGEST)
    api.tokens["publishable"] = api.new_key(Scope.PUBLISHABLE, account=api.ids["acc_a"])
    api.tokens["none"] = None
    revoked = api.keys.create(Scope.ADMIN, at=api.clock())
    api.keys.revoke(revoked.key.id, api.clock())
    api.tokens["revoked"] = revoked.secret


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def api(database_url: str, tmp_path: Path, clock: Clock) -> Iterator[Api]:
    settings = make_settings(database_url, tmp_path)
    app = create_app(settings, options=ApiOptions(key_cache_seconds=0, clock=clock))
    engine = bootstrap.ledger_engine(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        world = Api(client, bootstrap.build_api_keys(settings, engine=engine), clock, settings)
        _build_world(world)
        yield world
    engine.dispose()
