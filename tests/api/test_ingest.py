"""Usage ingest through the app: CloudEvents and Segment routes, exactly-once counting, late
events, field-named errors, and scopes. (The same routes against a running server, with the
real client libraries, are in ``tests/e2e/test_ingest_server.py``.)

The world of ``tests/api/conftest.py``: accounts ``crm-a``, ``crm-b`` (team plans) and
``crm-c``; the clock stands at 2026-03-10 12:00 UTC.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
from typing import Any

from tests.api.conftest import Api
from tierwise.api.ingestion import Ingestion
from tierwise.catalog.model import Meter
from tierwise.usage.meters import Window, measure_by_account

BATCH = "application/cloudevents-batch+json"
SINGLE = "application/cloudevents+json"
MARCH = Window(dt.datetime(2026, 3, 1, tzinfo=dt.UTC), dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
API_CALLS = Meter(event="api.call")


def cloud_event(event_id: str, *, account: str = "crm-a", **extra: Any) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": "https://app.example.com",
        "type": "api.call",
        "time": "2026-03-09T08:00:00Z",
        "tierwiseaccount": account,
        **extra,
    }


def post_events(api: Api, events: object, *, media: str = BATCH, who: str = "ingest") -> Any:
    return api.client.post(
        "/v1/events",
        content=json.dumps(events).encode(),
        headers=api.headers(who, **{"Content-Type": media}),
    )


def write_key(api: Api, who: str = "ingest") -> dict[str, str]:
    token = base64.b64encode(f"{api.tokens[who]}:".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def usage(api: Api, account: str = "crm-a") -> dict[str, Any]:
    answer = api.client.get(f"/v1/accounts/{account}/usage", headers=api.headers("read"))
    assert answer.status_code == 200, answer.text
    return {meter["feature"]: meter for meter in answer.json()["meters"]}


def ingestion(api: Api) -> Ingestion:
    found: Ingestion = api.client.app.state.ingestion  # type: ignore[attr-defined]
    return found


def test_a_cloudevents_batch_is_stored_and_its_replay_counted_once(api: Api) -> None:
    # given a batch of three api.call events of account A
    events = [cloud_event(f"e-{i}") for i in range(3)]

    # when it is posted, and posted again (a retry after a lost answer)
    first = post_events(api, events)
    replay = post_events(api, events)

    # then the first stores three, the replay none, and the month's total is 3
    assert first.status_code == 200, first.text
    assert first.json() == {"accepted": 3, "inserted": 3, "duplicates": 0}
    assert replay.json() == {"accepted": 3, "inserted": 0, "duplicates": 3}
    assert usage(api)["api_calls"]["value"] == 3
    assert ingestion(api).store.count() == 3


def test_a_batch_with_a_bad_event_in_the_middle_stores_nothing_and_its_retry_counts_once(
    api: Api,
) -> None:
    # given a batch of five whose fourth event has an unreadable time
    events = [cloud_event(f"h-{i}") for i in range(5)]
    events[3]["time"] = "yesterday"

    # when it is posted, then fixed and retried twice
    refused = post_events(api, events)
    stored_after_refusal = ingestion(api).store.count()
    events[3]["time"] = "2026-03-09T09:00:00Z"
    retried = post_events(api, events)
    again = post_events(api, events)

    # then the refusal names the field and stored nothing; the retry stores each event once
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "invalid_event"
    assert refused.json()["field"] == "[3].time"
    assert stored_after_refusal == 0
    assert retried.json() == {"accepted": 5, "inserted": 5, "duplicates": 0}
    assert again.json()["inserted"] == 0
    assert usage(api)["api_calls"]["value"] == 5


def test_duplicates_inside_one_batch_count_once(api: Api) -> None:
    # given a batch that carries the same event twice
    events = [cloud_event("d-1"), cloud_event("d-2"), cloud_event("d-1")]

    # when it is posted
    answer = post_events(api, events)

    # then two events are stored, one is a duplicate
    assert answer.json() == {"accepted": 3, "inserted": 2, "duplicates": 1}
    assert usage(api)["api_calls"]["value"] == 2


def test_a_single_structured_event_and_a_binary_mode_event_are_accepted(api: Api) -> None:
    # given one structured event and one binary-mode event (attributes in ce-* headers)
    structured = cloud_event("s-1")
    binary_headers = api.headers(
        "ingest",
        **{
            "ce-specversion": "1.0",
            "ce-id": "b-1",
            "ce-source": "https://app.example.com",
            "ce-type": "api.call",
            "ce-time": "2026-03-09T10:00:00Z",
            "ce-tierwiseaccount": "crm-a",
            "Content-Type": "application/json",
        },
    )

    # when both are posted
    first = post_events(api, structured, media=SINGLE)
    second = api.client.post(
        "/v1/events", content=b'{"endpoint": "/v1/boards"}', headers=binary_headers
    )

    # then both are stored, with the binary event's data as its properties
    assert first.json() == {"accepted": 1, "inserted": 1, "duplicates": 0}
    assert second.status_code == 200, second.text
    assert second.json()["inserted"] == 1
    stored = {event.id: event for event in ingestion(api).store.events()}
    assert dict(stored["b-1"].properties) == {"endpoint": "/v1/boards"}
    assert stored["b-1"].account == "crm-a"
    assert usage(api)["api_calls"]["value"] == 2


def test_another_media_type_is_refused_with_415(api: Api) -> None:
    # when a batch is sent as plain JSON without ce-* headers
    answer = post_events(api, [cloud_event("x-1")], media="application/json")

    # then it is refused and names the header
    assert answer.status_code == 415
    assert answer.json()["field"] == "Content-Type"
    assert ingestion(api).store.count() == 0


def test_a_late_event_lands_in_its_own_period(api: Api) -> None:
    # given the clock in March, and an event that happened in February arriving now
    late = cloud_event("late-1", time="2026-02-27T23:59:59Z")

    # when it is posted with a March event
    post_events(api, [late, cloud_event("now-1")])

    # then March counts one, and February (by the event's own time) counts the late one
    assert usage(api)["api_calls"]["value"] == 1
    by_period = ingestion(api).store.meter_totals_by_period(
        API_CALLS,
        Window(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2026, 4, 1, tzinfo=dt.UTC)),
    )
    assert {start.month: total.value for (_, start), total in by_period.items()} == {2: 1, 3: 1}


def test_the_usage_total_follows_each_append(api: Api) -> None:
    # given a total read once (and so cached)
    post_events(api, [cloud_event("c-1")])
    assert usage(api)["api_calls"]["value"] == 1

    # when more events of the account arrive
    post_events(api, [cloud_event("c-2"), cloud_event("c-3")])

    # then the next read sees them, and still agrees with the raw events
    assert usage(api)["api_calls"]["value"] == 3
    expected = measure_by_account(API_CALLS, ingestion(api).store.events(), MARCH)
    assert expected["crm-a"].value == 3


def test_segment_calls_with_a_write_key_answer_like_segment(api: Api) -> None:
    # given a track call carrying the account in context.groupId
    track = {
        "userId": "ana",
        "event": "api.call",
        "messageId": "m-1",
        "timestamp": "2026-03-09T08:00:00Z",
        "context": {"groupId": "crm-a"},
    }

    # when it is sent twice with the write key as the Basic user name
    first = api.client.post("/v1/track", json=track, headers=write_key(api))
    second = api.client.post("/v1/track", json=track, headers=write_key(api))

    # then both answers are Segment's, and it is counted once
    assert first.status_code == second.status_code == 200
    assert first.json() == {"success": True}
    assert usage(api)["api_calls"]["value"] == 1


def test_a_track_call_without_a_group_counts_for_the_group_its_user_joined(api: Api) -> None:
    # given a group call that puts ben into account B
    group = {"userId": "ben", "groupId": "crm-b", "messageId": "g-1"}
    api.client.post("/v1/group", json=group, headers=write_key(api))

    # when ben's track calls name no account, in a separate call and inside a batch
    lone = {"userId": "ben", "event": "api.call", "messageId": "t-1"}
    api.client.post("/v1/track", json=lone, headers=write_key(api))
    batch = {"batch": [{**lone, "type": "track", "messageId": "t-2"}]}
    answer = api.client.post("/v1/batch", json=batch, headers=write_key(api))

    # then both count for account B, and are stored with it
    assert answer.json() == {"success": True}
    assert usage(api, "crm-b")["api_calls"]["value"] == 2
    stored = {event.id: event.account for event in ingestion(api).store.events()}
    assert stored == {"g-1": "crm-b", "t-1": "crm-b", "t-2": "crm-b"}


def test_group_memberships_survive_a_restart_of_the_store(api: Api) -> None:
    # given a stored group call
    api.client.post(
        "/v1/group", json={"userId": "cy", "groupId": "crm-a", "messageId": "g-9"},
        headers=write_key(api),
    )  # fmt: skip

    # when the store is closed and opened again (as at a restart)
    ingestion(api).close()
    ingestion(api).open()

    # then the membership is read back from the stored events
    assert ingestion(api).account_of_user("cy") == "crm-a"


def test_a_bad_call_in_a_segment_batch_refuses_the_batch_naming_the_member(api: Api) -> None:
    # given a batch whose second call has no messageId
    calls = [
        {"type": "track", "userId": "u", "event": "api.call", "messageId": "ok-1",
         "context": {"groupId": "crm-a"}},
        {"type": "track", "userId": "u", "event": "api.call", "context": {"groupId": "crm-a"}},
    ]  # fmt: skip

    # when it is sent
    answer = api.client.post("/v1/batch", json={"batch": calls}, headers=write_key(api))

    # then nothing is stored and the field is named
    assert answer.status_code == 422
    assert answer.json()["field"] == "batch[1].messageId"
    assert ingestion(api).store.count() == 0


def test_a_gzipped_segment_batch_is_read(api: Api) -> None:
    # given a batch compressed as Segment's libraries do with gzip=True
    body = {"batch": [{"type": "track", "userId": "u", "event": "api.call", "messageId": "z-1",
                       "context": {"groupId": "crm-a"}}]}  # fmt: skip
    headers = {**write_key(api), "Content-Encoding": "gzip", "Content-Type": "application/json"}

    # when it is sent
    answer = api.client.post(
        "/v1/batch", content=gzip.compress(json.dumps(body).encode()), headers=headers
    )

    # then it is stored
    assert answer.status_code == 200, answer.text
    assert usage(api)["api_calls"]["value"] == 1


def test_only_ingest_and_admin_keys_may_send_usage(api: Api) -> None:
    # when each kind of caller sends one event (with a fresh id each time)
    statuses = {
        who: post_events(api, [cloud_event(f"k-{who}")], who=who).status_code
        for who in ("admin", "ingest", "read", "publishable", "none", "revoked")
    }
    segment = {
        who: api.client.post(
            "/v1/track",
            json={"userId": "u", "event": "api.call", "messageId": f"w-{who}"},
            headers=write_key(api, who),
        ).status_code
        for who in ("admin", "ingest", "read", "publishable", "revoked")
    }

    # then only the ingest and admin keys are let in
    assert statuses == {
        "admin": 200, "ingest": 200, "read": 403, "publishable": 403, "none": 401, "revoked": 401,
    }  # fmt: skip
    assert segment == {"admin": 200, "ingest": 200, "read": 403, "publishable": 403, "revoked": 401}
    assert api.client.post("/v1/track", json={}).status_code == 401


def test_a_gauge_is_set_on_a_limit_feature_and_read_back(api: Api) -> None:
    # given account A's projects gauge set twice
    path = "/v1/accounts/crm-a/gauges/projects"
    api.client.put(path, json={"value": 4}, headers=api.headers("ingest"))
    api.clock.advance(minutes=1)
    last = api.client.put(path, json={"value": 7}, headers=api.headers("ingest"))

    # when it is read back
    read = api.client.get(path, headers=api.headers("read"))
    listed = api.client.get("/v1/accounts/crm-a/usage", headers=api.headers("read"))

    # then the last value wins
    assert last.status_code == 200, last.text
    assert read.json()["value"] == 7
    assert read.json()["account_id"] == api.ids["acc_a"]
    assert read.json()["updated_at"] == "2026-03-10T12:01:00Z"
    assert [(g["feature"], g["value"]) for g in listed.json()["gauges"]] == [("projects", 7)]


def test_a_gauge_on_a_feature_that_is_not_a_limit_is_refused_naming_the_feature(api: Api) -> None:
    # when gauges are set on a metered, a boolean and an unknown feature, and a negative value
    answers = [
        api.client.put(
            f"/v1/accounts/crm-a/gauges/{feature}", json={"value": value},
            headers=api.headers("ingest"),
        )
        for feature, value in (("api_calls", 1), ("sso", 1), ("nope", 1), ("projects", -1))
    ]  # fmt: skip

    # then each is 422 naming the field at fault
    assert [a.status_code for a in answers] == [422, 422, 422, 422]
    assert [a.json()["field"] for a in answers] == ["feature", "feature", "feature", "value"]


def test_gauges_of_unknown_accounts_and_scopes(api: Api) -> None:
    # when a gauge is set for an account that does not exist, and with a read key
    missing = api.client.put(
        "/v1/accounts/crm-zz/gauges/projects", json={"value": 1}, headers=api.headers("ingest")
    )
    read_key = api.client.put(
        "/v1/accounts/crm-a/gauges/projects", json={"value": 1}, headers=api.headers("read")
    )
    never_set = api.client.get("/v1/accounts/crm-a/gauges/guests", headers=api.headers("read"))
    ingest_reads = api.client.get("/v1/accounts/crm-a/usage", headers=api.headers("ingest"))

    # then: 404, 403, 404 and 403
    assert (missing.status_code, read_key.status_code) == (404, 403)
    assert (never_set.status_code, ingest_reads.status_code) == (404, 403)


def test_a_publishable_key_cannot_read_another_accounts_usage(api: Api) -> None:
    # when account A's publishable key asks for B's usage
    answer = api.client.get("/v1/accounts/crm-b/usage", headers=api.headers("publishable"))

    # then it is refused by scope (publishable keys only check entitlements)
    assert answer.status_code == 403


def _routes_only(api: Api) -> Any:
    """The ingest routes on a bare FastAPI app sharing the app's runtime and ingestion: no
    ingest front, FastAPI's own request path."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from tierwise.api.problems import install_problem_handlers
    from tierwise.api.routers import ingest

    app = FastAPI()
    app.state.runtime = api.client.app.state.runtime  # type: ignore[attr-defined]
    app.state.ingestion = ingestion(api)
    install_problem_handlers(app)
    app.include_router(ingest.router)
    return TestClient(app, raise_server_exceptions=False)


def test_the_ingest_front_answers_what_the_declared_operations_answer(api: Api) -> None:
    # given the app (with its ingest front) and the same ingestion behind FastAPI's routing only
    plain = _routes_only(api)
    batch = json.dumps([cloud_event(f"f-{i}") for i in range(3)]).encode()
    segment = json.dumps(
        {
            "batch": [
                {
                    "type": "track",
                    "userId": "u1",
                    "event": "api.call",
                    "messageId": "m-1",
                    "context": {"groupId": "crm-a"},
                }
            ]
        }
    ).encode()
    requests: list[tuple[str, dict[str, str], bytes]] = [
        ("/v1/events", {**api.headers("ingest"), "Content-Type": BATCH}, batch),
        ("/v1/events", {**api.headers("ingest"), "Content-Type": BATCH}, batch),  # replay
        ("/v1/events", {**api.headers("ingest"), "Content-Type": "text/plain"}, batch),
        ("/v1/events", {**api.headers("ingest"), "Content-Type": BATCH}, b"[{]"),
        ("/v1/events", {**api.headers("ingest"), "Content-Type": BATCH}, b'[{"id": 1}]'),
        ("/v1/events", {**api.headers("read"), "Content-Type": BATCH}, batch),  # wrong scope
        ("/v1/events", {"Content-Type": BATCH}, batch),  # no key
        ("/v1/batch", {**write_key(api), "Content-Type": "application/json"}, segment),
        ("/v1/batch", {**write_key(api), "Content-Type": "application/json"}, b'{"batch": 1}'),
        ("/v1/track", {**write_key(api), "Content-Type": "application/json"}, b"{}"),
        ("/v1/batch", {"Authorization": "Basic !!", "Content-Type": "application/json"}, segment),
        ("/v1/batch", {**write_key(api, "read"), "Content-Type": "application/json"}, segment),
    ]

    for path, headers, body in requests:
        # when both answer the same request (the front's first, so that a replay is a replay)
        fast = api.client.post(path, content=body, headers=headers)
        slow = plain.post(path, content=body, headers=headers)

        # then status, media type and body agree (the store saw the events first from the front)
        assert (fast.status_code, fast.headers["content-type"]) == (
            slow.status_code,
            slow.headers["content-type"],
        ), (path, body, fast.text, slow.text)
        if fast.status_code == 200 and path == "/v1/events":
            assert slow.json() == {**fast.json(), "inserted": 0, "duplicates": 3}
        else:
            assert fast.json() == slow.json(), (path, body)
    assert usage(api)["api_calls"]["value"] == 4  # three events and one track call, once each
