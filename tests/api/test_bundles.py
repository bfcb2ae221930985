"""Bundles through the API: bought on create and on change, shown on the subscription (both
stores). Agency studio = Team + automation pack ($49) + priority support ($99), 15 % off each."""

from __future__ import annotations

from .conftest import Api


def test_create_and_change_take_a_bundle_and_the_subscription_shows_it(api: Api) -> None:
    # when account B's subscription is canceled and a new one bought as the agency studio
    old = api.ids["sub_b"]
    canceled = api.client.post(
        f"/v1/subscriptions/{old}/cancel", json={}, headers=api.headers("admin")
    )
    assert canceled.status_code == 200, canceled.text
    created = api.client.post(
        "/v1/subscriptions",
        json={
            "account": "crm-b",
            "plan": "team",
            "seats": 5,
            "add_ons": ["automation_pack", "priority_support"],
            "bundle": "agency_studio",
        },
        headers=api.headers("admin"),
    )

    # then the first month is 51.00 + 41.65 + 84.15 = 176.80 and the terms name the bundle
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["quote"]["due_now"] == "176.80"
    sub = body["subject_id"]
    shown = api.client.get(f"/v1/subscriptions/{sub}", headers=api.headers("admin")).json()
    assert shown["terms"]["bundle"] == "agency_studio"

    # when account A's Team × 5 buys the bundle by a change, it is stored and in the history
    changed = api.client.post(
        f"/v1/subscriptions/{api.ids['sub_a']}/changes",
        json={"bundle": "agency_studio"},
        headers=api.headers("admin"),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["subscription"]["terms"]["bundle"] == "agency_studio"
    history = api.client.get(
        f"/v1/subscriptions/{api.ids['sub_a']}/history", headers=api.headers("admin")
    ).json()
    assert history[0]["after"]["terms"]["bundle"] == "agency_studio"
    assert "bundle" not in history[0]["before"]["terms"]


def test_a_bundle_without_its_parts_is_a_problem_naming_the_field(api: Api) -> None:
    # Team × 5 of account A with the compliance-ready bundle (Business + audit logs + residency)
    answer = api.client.post(
        f"/v1/subscriptions/{api.ids['sub_a']}/changes",
        json={"bundle": "compliance_ready", "plan": "team"},
        headers=api.headers("admin"),
    )
    assert answer.status_code == 422, answer.text
    assert "to_bundle" in answer.text
    assert "needs all its parts" in answer.text
