"""Signals as the decision store keeps them: Arrow IPC chunks, one row per account.

A decide run stores every account's signals. A JSON document per account would turn a million
accounts into a hundred million Python values and gigabytes of text; instead the engine's Arrow
rows are cut into chunks of :data:`CHUNK_ROWS` accounts, each written as one LZ4-compressed Arrow
IPC stream (about 200 bytes per account), with the names of the vectorised conditions in the
schema's metadata. Reading one account back decodes its chunk and turns that one row into the
JSON form ``explain`` and the real-time path read (:func:`~tierwise.services.decisions.signals_json`
plus ``$fired``, the conditions the vectorised pass saw fire).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import pyarrow as pa

from tierwise.licensing.events import JsonObject
from tierwise.services.decisions import signals_json

__all__ = [
    "CHUNK_ROWS",
    "DecodedChunk",
    "condition_column_name",
    "decode_row",
    "encode_chunk",
]

#: Accounts per stored chunk: small enough that one account's read decodes little.
CHUNK_ROWS = 1_024
_CONDITIONS = b"tierwise.conditions"
#: LZ4: about 190 bytes per account, and one chunk reads in about 1 ms; zstd would take 110
#: bytes but about 3 ms (it sets up each of the chunk's ~300 column buffers), and the real-time
#: route reads one chunk per account it has not seen since the run.
_OPTIONS = pa.ipc.IpcWriteOptions(compression="lz4")


def condition_column_name(index: int) -> str:
    """The column holding the ``index``-th condition's verdict in the engine's rows."""
    return f"_c{index}"


def encode_chunk(rows: pa.Table, conditions: Sequence[str]) -> bytes:
    """``rows`` (signal columns, then one boolean column per condition, named by
    :func:`condition_column_name`) as one compressed Arrow IPC stream."""
    table = rows.replace_schema_metadata({_CONDITIONS: json.dumps(list(conditions)).encode()})
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema, options=_OPTIONS) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


class DecodedChunk:
    """A stored chunk read back, whose rows become stored signals JSON one at a time."""

    def __init__(self, payload: bytes) -> None:
        with pa.ipc.open_stream(payload) as reader:
            self._table = reader.read_all()
        metadata = self._table.schema.metadata or {}
        names: list[str] = json.loads(metadata.get(_CONDITIONS, b"[]"))
        self._verdicts = {condition_column_name(i): name for i, name in enumerate(names)}

    def row(self, row: int) -> JsonObject:
        """Row ``row`` as stored signals JSON, with ``$fired``."""
        values = self._table.slice(row, 1).to_pylist()[0]
        fired = sorted(name for column, name in self._verdicts.items() if values.pop(column, False))
        data = signals_json(values)
        data["$fired"] = list(fired)
        return data


def decode_row(payload: bytes, row: int) -> JsonObject:
    """Row ``row`` of a stored chunk as stored signals JSON, with ``$fired``."""
    return DecodedChunk(payload).row(row)
