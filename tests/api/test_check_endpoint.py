"""The checks' hot path (``CheckFront``) answers exactly what the declared FastAPI operations
answer, in the documented shape, and reads bodies that arrive in pieces or are too large."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import orjson
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from starlette.types import Message

from tests.api.conftest import Api
from tierwise.api.check_endpoint import check_json
from tierwise.api.problems import install_problem_handlers
from tierwise.api.routers import entitlements
from tierwise.api.schemas import CheckOut
from tierwise.licensing.check_decisions import CheckDecision, Reason, UpsellHint
from tierwise.money import Money
from tierwise.services.api_keys import Scope


def _router_only(api: Api) -> TestClient:
    """The entitlements router on a bare FastAPI app: no front, FastAPI's own request path."""
    app = FastAPI()
    app.state.runtime = api.client.app.state.runtime  # type: ignore[attr-defined]
    install_problem_handlers(app)
    app.include_router(entitlements.router)
    return TestClient(app, raise_server_exceptions=False)


def test_the_front_answers_what_the_declared_operations_answer(api: Api) -> None:
    # given the app (with its front) and the same runtime behind FastAPI's routing only
    plain = _router_only(api)
    requests = [
        ("publishable", "/v1/checks", {"account": "crm-a", "feature": "sso"}),  # team: no sso
        ("publishable", "/v1/checks", {"account": "crm-a", "feature": "projects", "usage": 3}),
        ("publishable", "/v1/checks", {"account": "crm-a", "feature": "projects", "usage": 45}),
        ("publishable", "/v1/checks", {"account": "crm-a", "feature": "nope"}),
        ("publishable", "/v1/checks", {"account": "crm-b", "feature": "sso"}),  # other account
        ("read", "/v1/checks", {"account": api.ids["acc_b"], "feature": "sso", "requested": 0}),
        ("ingest", "/v1/checks", {"account": "crm-a", "feature": "sso"}),  # wrong scope
        ("none", "/v1/checks", {"account": "crm-a", "feature": "sso"}),
        ("revoked", "/v1/checks", {"account": "crm-a", "feature": "sso"}),
        ("read", "/v1/checks", {"account": "crm-c", "feature": "sso"}),  # no subscription
        ("read", "/v1/checks", {"account": "crm-a", "feature": "", "usage": -1}),
        (
            "publishable",
            "/v1/checks/batch",
            {"account": "crm-a", "checks": [{"feature": "sso"}, {"feature": "projects"}]},
        ),
        ("read", "/v1/checks/batch", {"account": "crm-a", "checks": []}),
    ]

    for who, path, body in requests:
        # when both answer the same request
        fast = api.client.post(path, json=body, headers=api.headers(who))
        slow = plain.post(path, json=body, headers=api.headers(who))

        # then status, media type and body agree
        assert (fast.status_code, fast.headers["content-type"]) == (
            slow.status_code,
            slow.headers["content-type"],
        ), (who, path, body, fast.text, slow.text)
        assert fast.json() == slow.json(), (who, path, body)


def test_the_encoded_decision_has_the_documented_shape() -> None:
    # given a denial with an upsell hint (money with its minor units)
    decision = CheckDecision(
        allowed=False,
        reason=Reason.LIMIT_REACHED,
        feature="projects",
        limit=50,
        usage=50,
        remaining=0,
        in_soft_limit_zone=True,
        in_grace_band=False,
        upsell=UpsellHint(
            kind="plan",
            key="business",
            name="Business",
            value="unlimited",
            monthly_price=Money(Decimal("99.00"), "USD"),
            added_monthly=Money(Decimal("50.00"), "USD"),
        ),
    )

    # when it is encoded for the front
    encoded = orjson.loads(check_json(decision))

    # then it equals the response model's JSON
    assert encoded == CheckOut.of(decision).model_dump(mode="json")
    assert encoded["upsell"]["added_monthly"] == {"amount": "50.00", "currency": "USD"}


def _post(api: Api, body_parts: list[bytes], token: str) -> tuple[int, bytes]:
    """POST /v1/checks straight to the ASGI app, the body in ``body_parts`` messages."""
    app = api.client.app
    messages: list[Message] = [
        {"type": "http.request", "body": part, "more_body": number < len(body_parts) - 1}
        for number, part in enumerate(body_parts)
    ]
    sent: list[Message] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/checks",
        "raw_path": b"/v1/checks",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"content-type", b"application/json"),
            (b"authorization", f"Bearer {token}".encode()),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 80),
    }

    async def receive() -> Message:
        return messages.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    async def call() -> None:
        await app(scope, receive, send)

    asyncio.run(call())
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def test_a_body_sent_in_pieces_is_read_whole(api: Api) -> None:
    # given a check body split into three messages
    token = api.new_key(Scope.READ)
    body = b'{"account": "crm-a", "feature": "projects", "usage": 3}'

    # when it is posted
    status, answer = _post(api, [body[:10], body[10:30], body[30:]], token)

    # then it is answered like a whole one: 3 of 50 used on Team, 47 left
    assert status == 200
    assert orjson.loads(answer)["remaining"] == 47


def test_a_body_over_the_limit_is_refused_with_413(api: Api) -> None:
    # given a body of 300 KiB in 100 KiB pieces (the front reads at most 256 KiB)
    token = api.new_key(Scope.READ)
    piece = b" " * (100 * 1024)

    # when it is posted
    status, answer = _post(api, [b'{"account": "crm-a",', piece, piece, piece + b"}"], token)

    # then a problem says so
    assert status == 413
    assert orjson.loads(answer)["code"] == "body_too_large"


def test_an_unexpected_failure_is_a_500_problem(api: Api) -> None:
    # given a database that lost its accounts table, and a reference not resolved before
    assert api.settings.database_url is not None
    engine = create_engine(api.settings.database_url)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE accounts RENAME TO accounts_lost"))
    engine.dispose()

    # when the account is checked
    answer = api.client.post(
        "/v1/checks", json={"account": "crm-b", "feature": "sso"}, headers=api.headers("read")
    )

    # then the answer is the app's own 500 problem, which says nothing of the inside
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "internal_error"
    assert "accounts" not in answer.text
