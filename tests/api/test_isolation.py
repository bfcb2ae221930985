"""Cross-account isolation: a key bound to account A never sees or changes account B.

Another account's record answers exactly like a record that does not exist (404, same body
but for the id), so a key cannot even learn which other accounts exist.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api
from tierwise.services.api_keys import Scope

# (method, path, body) of every route that names an account or a subscription.
ACCOUNT_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/v1/accounts/{account}", None),
    ("GET", "/v1/accounts/{account}/entitlements", None),
    ("GET", "/v1/accounts/{account}/grants", None),
    ("POST", "/v1/checks", {"account": "{account}", "feature": "sso"}),
    ("POST", "/v1/checks/batch", {"account": "{account}", "checks": [{"feature": "sso"}]}),
    ("POST", "/v1/subscriptions", {"account": "{account}", "plan": "team", "seats": 5}),
]
SUBSCRIPTION_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/v1/subscriptions/{subscription}", None),
    ("POST", "/v1/subscriptions/{subscription}/quote", {"plan": "business"}),
    ("POST", "/v1/subscriptions/{subscription}/changes", {"seats": 7}),
    ("POST", "/v1/subscriptions/{subscription}/scheduled-change/undo", None),
    ("GET", "/v1/subscriptions/{subscription}/history", None),
    ("POST", "/v1/subscriptions/{subscription}/trial", {"plan": "business"}),
    ("POST", "/v1/subscriptions/{subscription}/trial/convert", None),
    ("POST", "/v1/subscriptions/{subscription}/trial/revert", None),
    ("POST", "/v1/subscriptions/{subscription}/suspend", {"reason": "x"}),
    ("POST", "/v1/subscriptions/{subscription}/reinstate", None),
    ("POST", "/v1/subscriptions/{subscription}/revoke", {"reason": "x"}),
    ("POST", "/v1/subscriptions/{subscription}/restore", None),
    ("POST", "/v1/subscriptions/{subscription}/renew", None),
    ("POST", "/v1/subscriptions/{subscription}/cancel", None),
    (
        "POST",
        "/v1/subscriptions/{subscription}/grants",
        {
            "feature": "projects",
            "value": 1,
            "starts": "2026-03-10T00:00:00Z",
            "ends": "2026-04-10T00:00:00Z",
            "reason": "x",
        },
    ),
    (
        "POST",
        "/v1/subscriptions/{subscription}/overrides",
        {"feature": "guests", "value": 9, "reason": "x"},
    ),
    ("POST", "/v1/subscriptions/{subscription}/grants/1/end", {"reason": "x"}),
    ("GET", "/v1/subscriptions/{subscription}/seats", None),
    ("POST", "/v1/subscriptions/{subscription}/seats", {"user": "eve@b.example"}),
    ("DELETE", "/v1/subscriptions/{subscription}/seats/eve@b.example", None),
    ("POST", "/v1/subscriptions/{subscription}/seats/eve@b.example/activity", None),
    ("GET", "/v1/subscriptions/{subscription}/seats/dormant", None),
    ("POST", "/v1/subscriptions/{subscription}/seats/notices", None),
    ("POST", "/v1/subscriptions/{subscription}/seats/reclaim", None),
    ("POST", "/v1/subscriptions/{subscription}/seats/eve@b.example/restore", None),
    ("POST", "/v1/subscriptions/{subscription}/license-files", None),
]


def _fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, dict):
        return {key: _fill(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, names) for item in value]
    return value


def _call(api: Api, token: str, route: tuple[str, str, Any], names: dict[str, str]):
    method, path, body = route
    return api.client.request(
        method,
        path.format(**names),
        json=_fill(body, names),
        headers={"Authorization": f"Bearer {token}"},
    )


@pytest.mark.parametrize(
    "route", ACCOUNT_ROUTES + SUBSCRIPTION_ROUTES, ids=lambda r: f"{r[0]} {r[1]}"
)
def test_a_key_bound_to_account_a_gets_404_for_b_like_for_nothing(api: Api, route: Any) -> None:
    # given an admin key bound to account A (the strongest key that can be bound)
    token = api.new_key(Scope.ADMIN, account=api.ids["acc_a"])
    before = api.client.get("/v1/accounts/crm-b", headers=api.headers("admin")).json()

    # when it names B's account / subscription, and then ones that do not exist
    for_b = _call(api, token, route, {"account": "crm-b", "subscription": api.ids["sub_b"]})
    missing = _call(api, token, route, {"account": "crm-zz", "subscription": "sub_zz"})

    # then B's records answer exactly like missing ones, and B is unchanged
    assert for_b.status_code == missing.status_code == 404
    assert for_b.json()["code"] == missing.json()["code"] == "not_found"
    shown = for_b.json()["detail"].replace("crm-b", "?").replace(api.ids["sub_b"], "?")
    assert shown == missing.json()["detail"].replace("crm-zz", "?").replace("sub_zz", "?")
    after = api.client.get("/v1/accounts/crm-b", headers=api.headers("admin")).json()
    assert after == before


def test_the_same_key_works_on_its_own_account(api: Api) -> None:
    # given a read key bound to A
    token = api.new_key(Scope.READ, account=api.ids["acc_a"])
    auth = {"Authorization": f"Bearer {token}"}

    # when it reads A
    page = api.client.get("/v1/accounts/crm-a", headers=auth)
    listed = api.client.get("/v1/accounts", headers=auth)

    # then it sees A, and only A in the list
    assert page.status_code == 200
    assert [item["id"] for item in listed.json()] == [api.ids["acc_a"]]


def test_a_publishable_key_checks_its_own_account_and_nothing_else(api: Api) -> None:
    # given account A's publishable key
    auth = api.headers("publishable")

    # when it checks A, then B (exists), then an account that does not exist
    own = api.client.post("/v1/checks", json={"account": "crm-a", "feature": "sso"}, headers=auth)
    other = api.client.post("/v1/checks", json={"account": "crm-b", "feature": "sso"}, headers=auth)
    nobody = api.client.post(
        "/v1/checks", json={"account": "crm-q", "feature": "sso"}, headers=auth
    )

    # then A is answered, and B looks exactly like nobody
    assert own.status_code == 200
    assert own.json()["feature"] == "sso"
    assert other.status_code == nobody.status_code == 404
    assert other.json()["detail"].replace("crm-b", "?") == nobody.json()["detail"].replace(
        "crm-q", "?"
    )
