"""Commits with ``Idempotency-Key`` happen once; ``If-Match`` refuses a stale version."""

from __future__ import annotations

from tests.api.conftest import Api


def test_a_replayed_change_returns_the_first_receipt_and_applies_once(api: Api) -> None:
    # given a change sent with an idempotency key
    path = f"/v1/subscriptions/{api.ids['sub_a']}/changes"
    headers = api.headers("admin", **{"Idempotency-Key": "upgrade-1"})
    first = api.client.post(path, json={"plan": "business"}, headers=headers)

    # when the client retries it later (same key, same body)
    api.clock.advance(minutes=5)
    again = api.client.post(path, json={"plan": "business"}, headers=headers)

    # then the answer is the first receipt, marked as a replay, and one transition exists
    assert first.status_code == again.status_code == 200
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["replayed"] is True
    assert again.json()["version"] == first.json()["version"] == 2
    assert again.json()["subscription"] == first.json()["subscription"]
    history = api.client.get(
        f"/v1/subscriptions/{api.ids['sub_a']}/history", headers=api.headers("admin")
    )
    assert [entry["version"] for entry in history.json()] == [2, 1]


def test_the_same_key_with_another_body_is_refused(api: Api) -> None:
    # given a change made under a key
    path = f"/v1/subscriptions/{api.ids['sub_a']}/changes"
    headers = api.headers("admin", **{"Idempotency-Key": "k-1"})
    api.client.post(path, json={"seats": 6}, headers=headers)

    # when the key is reused for another change
    reused = api.client.post(path, json={"seats": 9}, headers=headers)

    # then it is a conflict, and the second change did not happen
    assert reused.status_code == 409
    assert reused.json()["code"] == "idempotency_key_reused"
    current = api.client.get(f"/v1/subscriptions/{api.ids['sub_a']}", headers=api.headers("admin"))
    assert current.json()["terms"]["seats"] == 6


def test_creating_an_account_twice_with_one_key_creates_one_account(api: Api) -> None:
    # given an account creation with an idempotency key
    body = {"external_id": "crm-idem", "name": "Idem", "currency": "USD"}
    headers = api.headers("admin", **{"Idempotency-Key": "acct-1"})

    # when it is sent twice
    first = api.client.post("/v1/accounts", json=body, headers=headers)
    second = api.client.post("/v1/accounts", json=body, headers=headers)

    # then both answer with the same account
    assert first.status_code == second.status_code == 201
    assert second.json()["subject_id"] == first.json()["subject_id"]
    assert second.json()["replayed"] is True


def test_if_match_with_a_stale_version_is_a_conflict_and_changes_nothing(api: Api) -> None:
    # given the subscription's ETag, then a change by someone else
    path = f"/v1/subscriptions/{api.ids['sub_a']}"
    etag = api.client.get(path, headers=api.headers("admin")).headers["ETag"]
    api.client.post(f"{path}/changes", json={"seats": 6}, headers=api.headers("admin"))

    # when a change is sent with the old ETag
    stale = api.client.post(
        f"{path}/changes", json={"seats": 8}, headers=api.headers("admin", **{"If-Match": etag})
    )

    # then it is refused and the other change stands
    assert etag == '"1"'
    assert stale.status_code == 409
    assert stale.json()["code"] == "concurrent_change"
    assert api.client.get(path, headers=api.headers("admin")).json()["terms"]["seats"] == 6
