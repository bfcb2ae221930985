"""Grants and overrides through the API: given, listed with their status, ended.

The world (tests/api/conftest.py) gives account A a Team subscription at 2026-03-10 12:00; the
example catalog's Team plan allows 50 projects and 10 guests.
"""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api


def _admin_post(api: Api, path: str, body: dict[str, Any] | None = None) -> Any:
    return api.client.post(path, json=body, headers=api.headers("admin"))


def _limit(api: Api, feature: str) -> Any:
    page = api.client.get(
        f"/v1/accounts/{api.ids['acc_a']}/entitlements", headers=api.headers("admin")
    ).json()
    return page["values"][feature]


def _grant_and_override(api: Api) -> tuple[int, int]:
    sub = api.ids["sub_a"]
    granted = _admin_post(
        api,
        f"/v1/subscriptions/{sub}/grants",
        {
            "feature": "projects",
            "value": 5,
            "starts": "2026-03-01T00:00:00Z",
            "ends": "2026-06-01T00:00:00Z",
            "reason": "launch push",
        },
    )
    overridden = _admin_post(
        api,
        f"/v1/subscriptions/{sub}/overrides",
        {"feature": "guests", "value": 20, "reason": "negotiated"},
    )
    assert granted.status_code == overridden.status_code == 200, granted.text + overridden.text
    listed = api.client.get(
        f"/v1/accounts/{api.ids['acc_a']}/grants", headers=api.headers("read")
    ).json()
    ids = {entry["kind"]: entry["id"] for entry in listed}
    return ids["grant"], ids["override"]


def test_grants_and_overrides_are_listed_with_their_status(api: Api) -> None:
    # given a grant of 5 more projects for March-May and an open-ended override of 20 guests
    _grant_and_override(api)

    # when a read key lists account A's entries
    listed = api.client.get("/v1/accounts/crm-a/grants", headers=api.headers("read"))

    # then both are there, active, in the order they were given, with their windows
    assert listed.status_code == 200
    shown = [
        (e["kind"], e["feature"], e["value"], e["starts"], e["ends"], e["status"], e["reason"])
        for e in listed.json()
    ]
    assert shown == [
        (
            "grant",
            "projects",
            5,
            "2026-03-01T00:00:00+00:00",
            "2026-06-01T00:00:00+00:00",
            "active",
            "launch push",
        ),
        ("override", "guests", 20, None, None, "active", "negotiated"),
    ]


def test_ending_a_grant_takes_its_extra_away_and_keeps_it_in_the_history(api: Api) -> None:
    # given the grant: Team's 50 projects + 5 granted = 55
    grant_id, _ = _grant_and_override(api)
    assert _limit(api, "projects") == 55

    # when an admin ends it ten days later
    api.clock.advance(days=10)
    ended = _admin_post(
        api,
        f"/v1/subscriptions/{api.ids['sub_a']}/grants/{grant_id}/end",
        {"reason": "launch over"},
    )

    # then the limit is Team's own again, the grant is listed as ended only with all=true,
    # and the history names the end with its reason
    assert ended.status_code == 200, ended.text
    assert _limit(api, "projects") == 50
    path = f"/v1/accounts/{api.ids['acc_a']}/grants"
    current = api.client.get(path, headers=api.headers("read")).json()
    everything = api.client.get(path, params={"all": "true"}, headers=api.headers("read")).json()
    assert [e["kind"] for e in current] == ["override"]
    assert [(e["kind"], e["status"]) for e in everything] == [
        ("grant", "ended"),
        ("override", "active"),
    ]
    history = api.client.get(
        f"/v1/subscriptions/{api.ids['sub_a']}/history", headers=api.headers("read")
    ).json()
    kinds = [(entry["transition"], entry["reason"]) for entry in history]
    assert ("grant.end", "launch over") in kinds


def test_ending_twice_or_an_unknown_id_is_refused_and_changes_nothing(api: Api) -> None:
    # given the grant, ended once
    grant_id, _ = _grant_and_override(api)
    path = f"/v1/subscriptions/{api.ids['sub_a']}/grants"
    api.clock.advance(days=1)
    assert _admin_post(api, f"{path}/{grant_id}/end").status_code == 200
    before = api.client.get(
        f"/v1/subscriptions/{api.ids['sub_a']}", headers=api.headers("admin")
    ).json()

    # when it is ended again, and an id the account does not have is ended
    api.clock.advance(days=1)
    again = _admin_post(api, f"{path}/{grant_id}/end")
    unknown = _admin_post(api, f"{path}/999999/end")

    # then both are refused with problem+json naming the field, and nothing changed
    assert again.status_code == 409, again.text
    assert unknown.status_code == 404, unknown.text
    assert again.headers["content-type"].startswith("application/problem+json")
    assert unknown.json()["code"] == "not_found"
    after = api.client.get(
        f"/v1/subscriptions/{api.ids['sub_a']}", headers=api.headers("admin")
    ).json()
    assert after == before
