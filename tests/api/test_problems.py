"""Every error is RFC 9457 problem+json with a stable code, and the field where known."""

from __future__ import annotations

from tests.api.conftest import Api
from tierwise.api.problems import PROBLEM_JSON, status_of
from tierwise.errors import (
    ChangeNotAllowed,
    ConcurrentChange,
    InvalidInput,
    NotFound,
    SchemaOutdated,
    TierwiseError,
    UnknownPlan,
)

PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


def test_an_unknown_plan_is_422_naming_the_field(api: Api) -> None:
    # when a change names a plan the catalog does not have
    answer = api.client.post(
        f"/v1/subscriptions/{api.ids['sub_a']}/quote",
        json={"plan": "platinum"},
        headers=api.headers("admin"),
    )

    # then
    assert answer.status_code == 422
    assert answer.headers["content-type"] == PROBLEM_JSON
    body = answer.json()
    assert body.keys() >= PROBLEM_KEYS
    assert body["code"] == "unknown_plan"
    assert body["type"] == "/problems/unknown_plan"
    assert body["status"] == 422
    assert body["field"] == "to_plan"  # the quote engine names the target plan so


def test_a_malformed_request_lists_every_fault_by_field(api: Api) -> None:
    # when a batch check has a bad usage and a missing feature
    answer = api.client.post(
        "/v1/checks/batch",
        json={"account": "crm-a", "checks": [{"feature": "sso", "usage": -1}, {}]},
        headers=api.headers("admin"),
    )

    # then
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "invalid_request"
    assert {fault["field"] for fault in body["errors"]} == {
        "checks[0].usage",
        "checks[1].feature",
    }
    assert body["field"] in {"checks[0].usage", "checks[1].feature"}


def test_unknown_routes_and_missing_keys_are_problems_too(api: Api) -> None:
    # when
    nowhere = api.client.get("/v1/nowhere", headers=api.headers("admin"))
    anonymous = api.client.get("/v1/accounts")

    # then
    assert nowhere.status_code == 404
    assert nowhere.json()["code"] == "not_found"
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == PROBLEM_JSON
    assert anonymous.headers["WWW-Authenticate"] == 'Bearer realm="tierwise"'
    assert anonymous.json()["code"] == "unauthenticated"


def test_an_unexpected_failure_is_a_500_problem_that_tells_nothing_inside(api: Api) -> None:
    # given a route that fails in a way nobody planned for
    def explode() -> None:
        raise RuntimeError("password=hunter2 at /srv/secret/path.py line 9")

    api.client.app.add_api_route("/boom", explode)  # type: ignore[attr-defined]

    # when
    answer = api.client.get("/boom")

    # then
    assert answer.status_code == 500
    assert answer.headers["content-type"] == PROBLEM_JSON
    assert answer.json()["code"] == "internal_error"
    assert "hunter2" not in answer.text
    assert "secret" not in answer.text


def test_an_illegal_state_change_is_a_409(api: Api) -> None:
    # when an active subscription is reinstated
    answer = api.client.post(
        f"/v1/subscriptions/{api.ids['sub_a']}/reinstate", headers=api.headers("admin")
    )

    # then
    assert answer.status_code == 409
    assert answer.json()["code"] == "transition_not_allowed"


def test_statuses_of_the_error_tree() -> None:
    # given one error of each branch, then its status
    cases: list[tuple[TierwiseError, int]] = [
        (InvalidInput("x"), 422),
        (UnknownPlan("x"), 422),
        (NotFound("x"), 404),
        (ConcurrentChange("x"), 409),
        (ChangeNotAllowed("x"), 409),
        (SchemaOutdated("x"), 503),
        (TierwiseError("x"), 400),
    ]
    assert [status_of(error) for error, _ in cases] == [status for _, status in cases]
