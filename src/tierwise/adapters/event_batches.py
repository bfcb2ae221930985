"""Appending a batch of events given as columns
(:class:`~tierwise.usage.event_columns.EventColumns`) to the event store, with the store's own
exactly-once rule.

The batch is staged in one statement (each column bound as one list parameter) and handed to
:func:`~tierwise.adapters.event_store.insert_new_events` inside one
:meth:`~tierwise.adapters.event_store.EventStore.transaction`: the same set-based anti-join as
:meth:`EventStore.append`, so a batch is stored whole or not at all, and a key already stored (or
repeated inside the batch) is counted as a duplicate.
"""

from __future__ import annotations

from tierwise.adapters.event_store import AppendResult, EventStore, insert_new_events
from tierwise.usage.event_columns import EventColumns, to_micros

__all__ = ["append_columns"]

_STAGE = """
CREATE OR REPLACE TEMP TABLE incoming AS
SELECT unnest(range(len($id)::BIGINT)) AS seq, unnest($source) AS source, unnest($id) AS id,
       unnest($type) AS type, unnest($account) AS account, unnest($subject) AS subject,
       make_timestamp(unnest($time))::TIMESTAMPTZ AS time, unnest($properties) AS properties,
       make_timestamp($received)::TIMESTAMPTZ AS received_at
"""


def append_columns(store: EventStore, columns: EventColumns) -> AppendResult:
    """Store the batch's new events, all or nothing."""
    if not len(columns):
        return AppendResult(inserted=0, duplicates=0)
    parameters = {
        "source": columns.source,
        "id": columns.id,
        "type": columns.type,
        "account": columns.account,
        "subject": columns.subject,
        "time": columns.time,
        "properties": columns.properties,
        "received": to_micros(columns.received_at),
    }
    with store.transaction() as con:
        con.execute(_STAGE, parameters)
        result = insert_new_events(con, "incoming")
        con.execute("DROP TABLE incoming")
    return result
