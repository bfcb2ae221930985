"""Appending a batch of events given as columns
(:class:`~tierwise.usage.event_columns.EventColumns`) to the event store, with the store's own
exactly-once rule.

The column lists become one Arrow table (a handful of C-level conversions, no per-event Python
work) that DuckDB reads in place; :meth:`~tierwise.adapters.event_store.EventStore.append_table`
deduplicates it through the writer's key index and stores it in one transaction, so a batch is
stored whole or not at all, and a key already stored (or repeated inside the batch) is counted as
a duplicate.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from tierwise.adapters.event_store import EVENT_SCHEMA, AppendResult, EventStore
from tierwise.usage.event_columns import EventColumns, to_micros

__all__ = ["append_batches", "append_columns", "columns_table"]


def columns_table(columns: EventColumns) -> pa.Table:
    """The batch as an Arrow table with the store's columns (:data:`EVENT_SCHEMA`)."""
    micros = EVENT_SCHEMA.field("time").type
    received = pa.scalar(to_micros(columns.received_at), micros)
    return pa.table(
        {
            "source": pa.array(columns.source, pa.string()),
            "id": pa.array(columns.id, pa.string()),
            "type": pa.array(columns.type, pa.string()),
            "account": pa.array(columns.account, pa.string()),
            "subject": pa.array(columns.subject, pa.string()),
            "time": pa.array(columns.time, micros),
            "properties": pa.array(columns.properties, pa.string()),
            "received_at": pa.repeat(received, len(columns)),
        },
        schema=EVENT_SCHEMA,
    )


def append_columns(store: EventStore, columns: EventColumns) -> AppendResult:
    """Store the batch's new events, all or nothing."""
    return store.append_table(columns_table(columns))


def append_batches(store: EventStore, batches: Sequence[EventColumns]) -> list[AppendResult]:
    """Store several batches' new events in one transaction, as if appended in order (see
    :meth:`~tierwise.adapters.event_store.EventStore.append_tables`): one result per batch."""
    return store.append_tables([columns_table(columns) for columns in batches])
