"""Every route × every kind of caller → the expected status.

Callers: an ``admin``, ``read``, ``ingest`` key, account A's ``publishable`` key, no key, and a
revoked admin key. Expected: no key or a revoked key → 401; a scope that does not cover the
route → 403; otherwise the route's own answer. The routes run in one sequence per caller, in an
order where each admin call succeeds (the seat steps move the clock to make a seat dormant).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.conftest import Api

ANYONE = frozenset({"admin", "read", "ingest", "publishable", "none", "revoked"})
ADMIN = frozenset({"admin"})
READ = frozenset({"admin", "read"})
CHECK = frozenset({"admin", "read", "publishable"})


@dataclass(frozen=True)
class Step:
    name: str
    method: str
    path: str
    allowed: frozenset[str]
    ok: int
    body: dict[str, Any] | None = None
    before: Callable[[Api], None] | None = None


def _later(days: float) -> Callable[[Api], None]:
    return lambda api: api.clock.advance(days=days)


def _remember_grant(api: Api) -> None:
    """Name account A's first grant ``grant_a`` (the admin's "grant" step gave it); for callers
    whose grant step was refused there is none, and any id will do: they are refused first."""
    listed = api.client.get(
        f"/v1/accounts/{api.ids['acc_a']}/grants", headers=api.headers("admin")
    ).json()
    grants = [entry["id"] for entry in listed if entry["kind"] == "grant"]
    api.ids["grant_a"] = str(grants[0]) if grants else "1"


STEPS = [
    Step("live", "GET", "/health", ANYONE, 200),
    Step("ready", "GET", "/health/ready", ANYONE, 200),
    Step(
        "create account",
        "POST",
        "/v1/accounts",
        ADMIN,
        201,
        {"external_id": "crm-new", "name": "New", "currency": "EUR"},
    ),
    Step("list accounts", "GET", "/v1/accounts", READ, 200),
    Step("account page", "GET", "/v1/accounts/{acc_a}", READ, 200),
    Step("entitlements", "GET", "/v1/accounts/{acc_a}/entitlements", READ, 200),
    Step(
        "open subscription",
        "POST",
        "/v1/subscriptions",
        ADMIN,
        201,
        {"account": "crm-c", "plan": "team", "seats": 5},
    ),
    Step("get subscription", "GET", "/v1/subscriptions/{sub_a}", READ, 200),
    Step("quote", "POST", "/v1/subscriptions/{sub_a}/quote", READ, 200, {"plan": "business"}),
    Step("change", "POST", "/v1/subscriptions/{sub_a}/changes", ADMIN, 200, {"seats": 6}),
    Step("history", "GET", "/v1/subscriptions/{sub_a}/history", READ, 200),
    Step("check", "POST", "/v1/checks", CHECK, 200, {"account": "crm-a", "feature": "sso"}),
    Step(
        "batch check",
        "POST",
        "/v1/checks/batch",
        CHECK,
        200,
        {"account": "crm-a", "checks": [{"feature": "sso"}, {"feature": "projects", "usage": 3}]},
    ),
    Step(
        "grant",
        "POST",
        "/v1/subscriptions/{sub_a}/grants",
        ADMIN,
        200,
        {
            "feature": "projects",
            "value": 5,
            "starts": "2026-03-10T00:00:00Z",
            "ends": "2026-06-10T00:00:00Z",
            "reason": "launch",
        },
    ),
    Step(
        "override",
        "POST",
        "/v1/subscriptions/{sub_a}/overrides",
        ADMIN,
        200,
        {"feature": "guests", "value": 20, "reason": "negotiated"},
    ),
    Step("list grants", "GET", "/v1/accounts/{acc_a}/grants", READ, 200),
    Step(
        "end grant",
        "POST",
        "/v1/subscriptions/{sub_a}/grants/{grant_a}/end",
        ADMIN,
        200,
        {"reason": "launch over"},
        before=lambda api: _remember_grant(api),
    ),
    Step(
        "assign seat",
        "POST",
        "/v1/subscriptions/{sub_a}/seats",
        ADMIN,
        201,
        {"user": "ana@a.example"},
    ),
    Step("list seats", "GET", "/v1/subscriptions/{sub_a}/seats", READ, 200),
    Step(
        "seat activity",
        "POST",
        "/v1/subscriptions/{sub_a}/seats/ana@a.example/activity",
        ADMIN,
        200,
    ),
    Step(
        "dormant seats",
        "GET",
        "/v1/subscriptions/{sub_a}/seats/dormant",
        READ,
        200,
        before=_later(40),
    ),
    Step("seat notices", "POST", "/v1/subscriptions/{sub_a}/seats/notices", ADMIN, 200),
    Step(
        "reclaim seats",
        "POST",
        "/v1/subscriptions/{sub_a}/seats/reclaim",
        ADMIN,
        200,
        before=_later(8),
    ),
    Step(
        "restore seat", "POST", "/v1/subscriptions/{sub_a}/seats/ana@a.example/restore", ADMIN, 200
    ),
    Step("unassign seat", "DELETE", "/v1/subscriptions/{sub_a}/seats/ana@a.example", ADMIN, 200),
    Step(
        "start trial", "POST", "/v1/subscriptions/{sub_a}/trial", ADMIN, 200, {"plan": "business"}
    ),
    Step("revert trial", "POST", "/v1/subscriptions/{sub_a}/trial/revert", ADMIN, 200),
    Step(
        "trial for B", "POST", "/v1/subscriptions/{sub_b}/trial", ADMIN, 200, {"plan": "business"}
    ),
    Step("convert trial", "POST", "/v1/subscriptions/{sub_b}/trial/convert", ADMIN, 200),
    Step("suspend", "POST", "/v1/subscriptions/{sub_a}/suspend", ADMIN, 200, {"reason": "unpaid"}),
    Step("reinstate", "POST", "/v1/subscriptions/{sub_a}/reinstate", ADMIN, 200),
    Step("revoke", "POST", "/v1/subscriptions/{sub_a}/revoke", ADMIN, 200, {"reason": "fraud"}),
    Step("restore", "POST", "/v1/subscriptions/{sub_a}/restore", ADMIN, 200),
    Step("renew", "POST", "/v1/subscriptions/{sub_a}/renew", ADMIN, 200),
    Step("cancel", "POST", "/v1/subscriptions/{sub_a}/cancel", ADMIN, 200, {"at_period_end": True}),
    Step("undo", "POST", "/v1/subscriptions/{sub_a}/scheduled-change/undo", ADMIN, 200),
    Step(
        "issue license",
        "POST",
        "/v1/subscriptions/{sub_a}/license-files",
        ADMIN,
        201,
        {"ttl_days": 30},
    ),
    Step("verify license", "POST", "/v1/license-files/verify", READ, 200, {"license_file": "x"}),
    Step("license keys", "GET", "/v1/license-keys", READ, 200),
]

CALLERS = ["admin", "read", "ingest", "publishable", "none", "revoked"]


def expected_status(step: Step, caller: str) -> int:
    if step.allowed == ANYONE or caller in step.allowed:
        return step.ok
    return 401 if caller in ("none", "revoked") else 403


@pytest.mark.parametrize("caller", CALLERS)
def test_every_route_answers_each_caller_as_its_scope_allows(api: Api, caller: str) -> None:
    # given the world and one kind of caller
    expected = {step.name: expected_status(step, caller) for step in STEPS}

    # when the caller calls every route in turn
    answered: dict[str, int] = {}
    details: dict[str, str] = {}
    for step in STEPS:
        if step.before is not None:
            step.before(api)
        response = api.client.request(
            step.method,
            step.path.format(**api.ids),
            json=step.body,
            headers=api.headers(caller),
        )
        answered[step.name] = response.status_code
        if response.status_code != expected[step.name]:
            details[step.name] = response.text[:300]

    # then each route answered as the scope allows
    assert answered == expected, details


def test_a_refused_scope_changes_nothing(api: Api) -> None:
    # given a read key
    before = api.client.get(f"/v1/subscriptions/{api.ids['sub_a']}", headers=api.headers("admin"))

    # when it tries a change
    refused = api.client.post(
        f"/v1/subscriptions/{api.ids['sub_a']}/changes",
        json={"plan": "business"},
        headers=api.headers("read"),
    )

    # then it is refused and the subscription is as it was
    after = api.client.get(f"/v1/subscriptions/{api.ids['sub_a']}", headers=api.headers("admin"))
    assert refused.status_code == 403
    assert refused.json()["code"] == "insufficient_scope"
    assert after.json() == before.json()
