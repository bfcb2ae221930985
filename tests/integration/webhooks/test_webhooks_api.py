"""The webhook endpoints API (``/v1/webhook-endpoints``) on the real app, SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tierwise import bootstrap
from tierwise.adapters.crypto import SigningKey
from tierwise.adapters.sql import upgrade_database
from tierwise.api.app import create_app
from tierwise.api.routers import webhooks
from tierwise.api.runtime import ApiOptions
from tierwise.config import Settings
from tierwise.services.api_keys import Scope

from .receiver import Receiver

CATALOG = Path(__file__).resolve().parents[3] / "examples" / "catalog.yaml"
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


@dataclass
class Api:
    client: TestClient
    admin: dict[str, str]
    bound_admin: dict[str, str]
    reader: dict[str, str]


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    upgrade_database(database_url)
    key_file = tmp_path / "signing.pem"
    key_file.write_bytes(SigningKey.generate().to_pem())
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        catalog=CATALOG,
        key_secret="webhook-api-tests-0123456789abcdef",
        signing_key=key_file,
        api_rate_limit=0,
    )
    app = create_app(settings, options=ApiOptions(key_cache_seconds=0, clock=lambda: NOW))
    app.include_router(webhooks.router)  # as app.py is asked to
    engine = bootstrap.ledger_engine(settings)
    keys = bootstrap.build_api_keys(settings, engine=engine)

    def bearer(scope: Scope, account: str | None = None) -> dict[str, str]:
        secret = keys.create(scope, at=NOW, account_id=account).secret
        return {"Authorization": f"Bearer {secret}"}

    with TestClient(app, raise_server_exceptions=False) as client:
        admin = bearer(Scope.ADMIN)
        created = client.post(
            "/v1/accounts",
            json={"external_id": "crm-a", "name": "A", "currency": "USD"},
            headers=admin,
        )
        assert created.status_code == 201, created.text
        account = created.json()["subject_id"]
        yield Api(client, admin, bearer(Scope.ADMIN, account), bearer(Scope.READ))
    engine.dispose()


def test_create_list_disable_enable_rotate(api: Api, receiver: Receiver) -> None:
    # when
    created = api.client.post(
        "/v1/webhook-endpoints",
        json={"url": receiver.url, "event_types": ["trial.*"], "description": "crm"},
        headers=api.admin,
    )
    endpoint_id = created.json()["id"]
    listed = api.client.get("/v1/webhook-endpoints", headers=api.admin)
    disabled = api.client.post(
        f"/v1/webhook-endpoints/{endpoint_id}/disable", json={"reason": "moving"}, headers=api.admin
    )
    enabled = api.client.post(f"/v1/webhook-endpoints/{endpoint_id}/enable", headers=api.admin)
    rotated = api.client.post(
        f"/v1/webhook-endpoints/{endpoint_id}/rotate-secret", json={}, headers=api.admin
    )
    log = api.client.get(f"/v1/webhook-endpoints/{endpoint_id}/attempts", headers=api.admin)

    # then
    assert created.status_code == 201, created.text
    assert created.json()["secret"].startswith("whsec_")
    assert listed.json()[0]["event_types"] == ["trial.*"]
    assert "secret" not in listed.json()[0]
    assert (disabled.json()["status"], disabled.json()["disabled_reason"]) == ("disabled", "moving")
    assert enabled.json()["status"] == "enabled"
    assert rotated.json()["secret"] not in (created.json()["secret"], None)
    # 12:00 + 24 h overlap by default
    assert rotated.json()["previous_secret_until"] == "2026-03-11T12:00:00+00:00"
    assert log.json() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.com/x"}, "url"),
        ({"url": "https://example.com/x", "event_types": ["trial.begun"]}, "event_types"),
    ],
)
def test_bad_input_is_a_problem_naming_the_field(
    api: Api, body: dict[str, object], field: str
) -> None:
    answer = api.client.post("/v1/webhook-endpoints", json=body, headers=api.admin)
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["field"] == field


def test_only_unbound_admin_keys_manage_endpoints(api: Api) -> None:
    # given
    body = {"url": "https://example.com/hooks"}

    # when
    as_reader = api.client.post("/v1/webhook-endpoints", json=body, headers=api.reader)
    as_bound = api.client.get("/v1/webhook-endpoints", headers=api.bound_admin)
    missing = api.client.get("/v1/webhook-endpoints/ep_nope", headers=api.admin)

    # then
    assert as_reader.status_code == 403
    assert as_bound.status_code == 403
    assert as_bound.json()["code"] == "insufficient_scope"
    assert missing.status_code == 404
