"""The demo company's usage, support, survey and payment events, written to the event store in bulk.

Millions of events are never Python objects: the generator hands DuckDB a few small tables (one
row per person, per account-day of metered usage, per ticket or survey answer) and DuckDB expands
them into events with set-based SQL. Randomness inside SQL comes from ``hash`` of stable keys
(person, day, ordinal), never from a random generator, so the same company always yields the
same events — ids, types and times included. The rows go through the store's own exactly-once
insert (:func:`~tierwise.adapters.event_store.insert_new_events`) in one transaction.

Event conventions (types and properties; see docs/signals.md):

================================  ===============================================================
``board.viewed`` …                everyday activity of a person (``subject``)
``feature.used``                  a person used a boolean feature, ``{"feature": "sso"}``
``feature.gauge``                 a limit feature's gauge changed, ``{"feature": "projects",
                                  "value": 42}``
``automation.run``, ``api.call``  one event per unit of a counted meter (the catalog's meters)
``storage.measured``              the storage reading (weekly, daily in the last week),
                                  ``{"gigabytes": n}``
``user.identified``               a person's role, ``{"role": "it_admin"}``, when they join
``account.champion``              the account's champion, ``{"user_id": …}``
``support.ticket.opened|closed``  ``{"ticket_id": …, "severity": "low|normal|high|urgent"}``
``survey.nps``, ``survey.csat``   ``{"score": n}``
``payment.failed``                ``{"reason": "card_declined"}``
================================  ===============================================================
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb

from tierwise.adapters.event_store import AppendResult, EventStore, insert_new_events
from tierwise.demo.company import REGION_HOURS, CompanySpec, DemoCompany
from tierwise.demo.customers import Curve, DemoCustomer

__all__ = ["GAUGE", "SOURCE", "EventCounts", "load_events"]

#: The ``source`` of every demo event (the deduplication key is ``(source, id)``).
SOURCE = "demo://northwind-boards"
#: A limit feature's gauge reported by the product: ``{"feature": key, "value": n}``.
GAUGE = "feature.gauge"
_STAGE = """
CREATE OR REPLACE TEMP TABLE incoming (
    seq BIGINT, source VARCHAR, id VARCHAR, type VARCHAR, account VARCHAR, subject VARCHAR,
    time TIMESTAMPTZ, properties VARCHAR, received_at TIMESTAMPTZ
)
"""
_UNIT = "18446744073709551616.0"  # 2**64: hash(...) / _UNIT is uniform on [0, 1)


@dataclass(frozen=True, slots=True)
class EventCounts:
    """How many events of each family were generated, and what the store kept."""

    activity: int
    metered: int
    readings: int
    moments: int
    stored: AppendResult


def _two_points(curve: Curve, days: int) -> tuple[int, float, int, float]:
    points = curve.points
    if len(points) > 2:
        raise ValueError("demo curves have at most two points")
    (d0, v0), (d1, v1) = points[0], points[-1]
    if d1 <= d0:
        d1 = days
    return d0, v0, d1, v1


def _people_columns(company: DemoCompany) -> dict[str, list[Any]]:
    names = ("account", "person", "first", "last", "activity", "hour", "kinds")
    columns: dict[str, list[Any]] = {k: [] for k in (*names, "e0", "v0", "e1", "v1")}
    for customer in company.customers:
        e0, v0, e1, v1 = _two_points(customer.engagement, company.spec.days)
        for person in customer.people:
            columns["account"].append(customer.external_id)
            columns["person"].append(person.user)
            columns["first"].append(max(person.joined, 0))
            columns["last"].append(person.last_day)
            columns["activity"].append(person.activity)
            columns["hour"].append(float(REGION_HOURS[customer.region]))
            columns["kinds"].append(list(customer.activities))
            for name, value in (("e0", e0), ("v0", v0), ("e1", e1), ("v1", v1)):
                columns[name].append(value)
    return columns


def _metered_columns(company: DemoCompany) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = {k: [] for k in ("account", "type", "day", "units", "hour")}
    for customer in company.customers:
        for _, event_type, first, counts in customer.metered:
            for offset, units in enumerate(counts):
                if units:
                    columns["account"].append(customer.external_id)
                    columns["type"].append(event_type)
                    columns["day"].append(first + offset)
                    columns["units"].append(units)
                    columns["hour"].append(float(REGION_HOURS[customer.region]))
    return columns


def _reading_columns(company: DemoCompany) -> dict[str, list[Any]]:
    names = ("account", "type", "property", "first", "e0", "v0", "e1", "v1")
    columns: dict[str, list[Any]] = {k: [] for k in names}
    for customer in company.customers:
        for _, event_type, prop, curve in customer.readings:
            e0, v0, e1, v1 = _two_points(curve, company.spec.days)
            row = (customer.external_id, event_type, prop, max(e0, 0), e0, v0, e1, v1)
            for name, value in zip(names, row, strict=True):
                columns[name].append(value)
    return columns


_Moment = tuple[str, str, str, str | None, dt.datetime, str]


def _gauge_columns(company: DemoCompany) -> dict[str, list[Any]]:
    names = ("account", "feature", "first", "e0", "v0", "e1", "v1")
    columns: dict[str, list[Any]] = {k: [] for k in names}
    for customer in company.customers:
        for feature, curve in customer.gauges:
            e0, v0, e1, v1 = _two_points(curve, company.spec.days)
            row = (customer.external_id, feature, max(e0, 0), e0, v0, e1, v1)
            for name, value in zip(names, row, strict=True):
                columns[name].append(value)
    return columns


def _moments(customer: DemoCustomer, spec: CompanySpec) -> list[_Moment]:
    """(account, id, type, subject, time, properties JSON) of the account's dated facts."""
    account = customer.external_id
    rows: list[_Moment] = []

    def add(key: str, kind: str, subject: str | None, at: dt.datetime, **data: object) -> None:
        body = json.dumps(data, separators=(",", ":"))
        rows.append((account, f"{account}/{key}", kind, subject, at, body))

    hour = REGION_HOURS[customer.region] + 1
    for person in customer.people:
        joined = max(customer.created, spec.moment(person.joined, hour))
        add(f"identify/{person.user}", "user.identified", person.user, joined, role=person.role)
    champion = customer.champion
    add("champion", "account.champion", champion, customer.created, user_id=champion)
    for ticket in customer.tickets:
        key, body = f"ticket/{ticket.ticket_id}", {"ticket_id": ticket.ticket_id}
        body["severity"] = ticket.severity
        add(f"{key}/opened", "support.ticket.opened", ticket.user, ticket.opened, **body)
        if ticket.closed is not None:
            add(f"{key}/closed", "support.ticket.closed", None, ticket.closed, **body)
    for n, answer in enumerate(customer.surveys):
        add(f"survey/{n}", f"survey.{answer.kind}", answer.user, answer.at, score=answer.score)
    for n, payment in enumerate(customer.failed_payments):
        add(f"payment/{n}", "payment.failed", None, payment.at, reason="card_declined")
    return rows


def _register(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, list[Any]]) -> None:
    """Create temp table ``name`` from column lists in one statement (no per-row round trips)."""
    names = list(columns)
    select = ", ".join(f"unnest(${n}) AS {n}" for n in names)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {select}", columns)


def load_events(
    store: EventStore,
    company: DemoCompany,
    *,
    progress: Callable[[str], None] | None = None,
) -> EventCounts:
    """Generate and store every event of ``company`` in one transaction."""
    spec = company.spec
    start = dt.datetime.combine(spec.start, dt.time(), tzinfo=dt.UTC)
    note = progress or (lambda _: None)
    with store.transaction() as con:
        con.execute(_STAGE)
        params = {"start": start, "source": SOURCE}
        note("activity")
        _register(con, "demo_people", _people_columns(company))
        con.execute(
            f"""
            INSERT INTO incoming
            WITH days AS (
                SELECT range::INTEGER AS day,
                       CASE WHEN isodow($start::DATE + range::INTEGER) >= 6 THEN 0.2 ELSE 1.0 END
                           AS weekday
                FROM range({spec.days})
            ), person_days AS (
                SELECT p.account, p.person, p.hour, p.kinds, d.day,
                       p.activity * d.weekday * CASE
                           WHEN d.day <= p.e0 THEN p.v0
                           WHEN d.day >= p.e1 THEN p.v1
                           ELSE p.v0 + (p.v1 - p.v0) * (d.day - p.e0) / (p.e1 - p.e0) END
                           AS chance
                FROM demo_people p JOIN days d ON d.day BETWEEN p.first AND p.last
            ), active AS (
                SELECT *, hash(person, day, 't') % 32400 AS second FROM person_days
                WHERE hash(person, day, 'a') / {_UNIT} < chance
            ), typed AS (
                SELECT *, kinds[1 + (hash(person, day, 'k') % len(kinds))::INTEGER] AS kind
                FROM active
            )
            SELECT 0, $source, person || '/' || day, split_part(kind, ':', 1), account, person,
                   $start + to_days(day) + to_seconds(hour * 3600 + second::DOUBLE),
                   CASE WHEN contains(kind, ':')
                        THEN json_object('feature', split_part(kind, ':', 2))::VARCHAR
                        ELSE '{{}}' END,
                   $start + to_days(day) + to_seconds(hour * 3600 + second::DOUBLE + 2)
            FROM typed
            """,
            params,
        )
        activity = _count(con)
        note("metered usage")
        _register(con, "demo_metered", _metered_columns(company))
        con.execute(
            """
            INSERT INTO incoming
            WITH units AS (
                SELECT account, type, day, hour, unnest(range(units)) AS k FROM demo_metered
            )
            SELECT 0, $source, account || '/' || type || '/' || day || '/' || k, type, account,
                   NULL, moment, '{}', moment + INTERVAL 2 SECOND
            FROM (
                SELECT *, $start + to_days(day) + to_seconds(
                    hour * 3600 + (hash(account, type, day, k) % 43200)::DOUBLE) AS moment
                FROM units
            )
            """,
            params,
        )
        metered = _count(con) - activity
        note("readings")
        _register(con, "demo_readings", _reading_columns(company))
        con.execute(
            f"""
            INSERT INTO incoming
            SELECT 0, $source, r.account || '/' || r.type || '/' || d.range, r.type, r.account,
                   NULL, $start + to_days(d.range::INTEGER) + to_seconds(3600 * 3),
                   json_object(r.property, round(CASE
                       WHEN d.range <= r.e0 THEN r.v0
                       WHEN d.range >= r.e1 THEN r.v1
                       ELSE r.v0 + (r.v1 - r.v0) * (d.range - r.e0) / (r.e1 - r.e0)
                       END, 1))::VARCHAR,
                   $start + to_days(d.range::INTEGER) + to_seconds(3600 * 3 + 2)
            FROM demo_readings r JOIN range({spec.days}) d
                ON d.range >= r.first AND (d.range % 7 = 0 OR d.range >= {spec.days - 7})
            """,
            params,
        )
        note("gauges")
        _register(con, "demo_gauges", _gauge_columns(company))
        con.execute(
            f"""
            INSERT INTO incoming
            WITH daily AS (
                SELECT g.account, g.feature, d.range::INTEGER AS day, round(CASE
                       WHEN d.range <= g.e0 THEN g.v0
                       WHEN d.range >= g.e1 THEN g.v1
                       ELSE g.v0 + (g.v1 - g.v0) * (d.range - g.e0) / (g.e1 - g.e0) END)::BIGINT
                       AS value
                FROM demo_gauges g JOIN range({spec.days}) d ON d.range >= g.first
            ), changes AS (
                SELECT *, lag(value) OVER (PARTITION BY account, feature ORDER BY day) AS before
                FROM daily
            )
            SELECT 0, $source, account || '/gauge/' || feature || '/' || day, $gauge, account,
                   NULL, $start + to_days(day) + to_seconds(3600 * 4),
                   json_object('feature', feature, 'value', value)::VARCHAR,
                   $start + to_days(day) + to_seconds(3600 * 4 + 2)
            FROM changes WHERE before IS NULL OR before <> value
            """,
            params | {"gauge": GAUGE},
        )
        readings = _count(con) - activity - metered
        note("moments")
        moments = [row for customer in company.customers for row in _moments(customer, spec)]
        if moments:
            con.execute(
                """
                INSERT INTO incoming
                SELECT 0, $source, unnest($id), unnest($type), unnest($account),
                       unnest($subject), unnest($time), unnest($properties),
                       unnest($time) + INTERVAL 2 SECOND
                """,
                {
                    "source": SOURCE,
                    "account": [m[0] for m in moments],
                    "id": [m[1] for m in moments],
                    "type": [m[2] for m in moments],
                    "subject": [m[3] for m in moments],
                    "time": [m[4] for m in moments],
                    "properties": [m[5] for m in moments],
                },
            )
        note("storing")
        con.execute(
            "CREATE OR REPLACE TEMP TABLE numbered AS "
            "SELECT row_number() OVER () AS seq, * EXCLUDE (seq) FROM incoming"
        )
        stored = insert_new_events(con, "numbered")
        con.execute("DROP TABLE incoming")
        con.execute("DROP TABLE numbered")
        for table in ("demo_people", "demo_metered", "demo_readings", "demo_gauges"):
            con.execute(f"DROP TABLE {table}")
    return EventCounts(activity, metered, readings, len(moments), stored)


def _count(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT count(*) FROM incoming").fetchone()
    return int(row[0]) if row else 0
