"""The plumbing shared by the transition and seat routes: actor, If-Match, Idempotency-Key."""

from __future__ import annotations

from tests.api.conftest import Api


def _history(api: Api) -> list[dict[str, object]]:
    path = f"/v1/subscriptions/{api.ids['sub_a']}/history"
    answer = api.client.get(path, headers=api.headers("admin"))
    assert answer.status_code == 200, answer.text
    entries: list[dict[str, object]] = answer.json()
    return entries


def test_a_transition_names_the_key_as_actor_and_keeps_the_reason(api: Api) -> None:
    # when account A's subscription is suspended with a reason
    path = f"/v1/subscriptions/{api.ids['sub_a']}/suspend"
    answer = api.client.post(path, json={"reason": "chargeback"}, headers=api.headers("admin"))
    # then the history's newest entry says who (the admin key) and why
    assert answer.status_code == 200, answer.text
    newest = _history(api)[0]
    assert newest["transition"] == "suspend"
    assert newest["reason"] == "chargeback"
    assert str(newest["actor"]).startswith("api:")


def test_a_transition_on_a_stale_version_is_refused(api: Api) -> None:
    # given version 1, then a suspension (version 2)
    path = f"/v1/subscriptions/{api.ids['sub_a']}"
    api.client.post(f"{path}/suspend", json={"reason": "x"}, headers=api.headers("admin"))
    # when a reinstate still based on version 1 arrives, then one based on version 2
    stale = api.client.post(
        f"{path}/reinstate", headers=api.headers("admin", **{"If-Match": '"1"'})
    )
    fresh = api.client.post(
        f"{path}/reinstate", headers=api.headers("admin", **{"If-Match": 'W/"2"'})
    )
    # then the first is a conflict and the second applies
    assert stale.status_code == 409
    assert stale.json()["code"] == "concurrent_change"
    assert fresh.status_code == 200, fresh.text
    assert [e["version"] for e in _history(api)] == [3, 2, 1]


def test_a_malformed_if_match_names_the_header_but_a_bad_body_is_reported_first(api: Api) -> None:
    # given an If-Match that is not a version
    path = f"/v1/subscriptions/{api.ids['sub_a']}/suspend"
    headers = api.headers("admin", **{"If-Match": "yesterday"})
    # when sent with a valid body, and with a body missing its reason
    with_body = api.client.post(path, json={"reason": "x"}, headers=headers)
    without = api.client.post(path, json={}, headers=headers)
    # then the header is named in the first, the body in the second; nothing changed
    assert with_body.status_code == 422
    assert (with_body.json()["code"], with_body.json()["field"]) == ("invalid_input", "If-Match")
    assert without.status_code == 422
    assert without.json()["code"] == "invalid_request"
    assert [e["version"] for e in _history(api)] == [1]


def test_seat_changes_replay_under_their_idempotency_key(api: Api) -> None:
    # given a seat assigned and freed, each under its own key
    seats = f"/v1/subscriptions/{api.ids['sub_a']}/seats"
    assign = api.headers("admin", **{"Idempotency-Key": "seat-ana"})
    free = api.headers("admin", **{"Idempotency-Key": "free-ana"})
    first = api.client.post(seats, json={"user": "ana@a.example"}, headers=assign)
    freed = api.client.delete(f"{seats}/ana@a.example", headers=free)
    # when both are sent again
    again = api.client.post(seats, json={"user": "ana@a.example"}, headers=assign)
    freed_again = api.client.delete(f"{seats}/ana@a.example", headers=free)
    # then both answers are the first receipts, marked as replays, and the seat stays free
    assert (first.status_code, freed.status_code) == (201, 200), (first.text, freed.text)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert freed_again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["version"] == first.json()["version"]
    listed = api.client.get(seats, headers=api.headers("admin")).json()
    assert [s["status"] for s in listed if s["user"] == "ana@a.example"] == ["unassigned"]
