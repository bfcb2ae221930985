"""How a decide run's accounts are stored: per chunk their ids and decisions, per run key pages.

A run of a million accounts used to write a row per account (ids, decision JSON, where its
signals are) into ``decisions``: three B-trees of a million entries each, filled in the random
order of the ledger's account ids, took most of the store stage. Instead, beside each signal
chunk (:mod:`tierwise.adapters.signal_chunks`) the store keeps the chunk's **accounts**: account
id, external id and decision (JSON text, null when nothing fired) per row, one packed Arrow
stream (:func:`encode_accounts`); and to find an account by either id, sorted **key pages**
(:func:`key_pages`): every account id (and, separately, every external id) of the run in byte
order, :data:`PAGE_KEYS` a page, with the (chunk, row) it is at. A page row in SQL holds its
first key as UTF-8 bytes, so ``first_key <= key`` ordered by ``first_key`` is byte order on
every database (no collation), the same order Arrow sorted the keys in.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterator, Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from tierwise.adapters.signal_chunks import read_stream, write_stream
from tierwise.licensing.events import JsonObject

__all__ = [
    "PAGE_KEYS",
    "DecodedAccounts",
    "KeyPage",
    "encode_accounts",
    "key_pages",
]

#: Keys per page: a page is read to find one account (about 0.1 ms), and a million accounts
#: make 245 pages of each kind.
PAGE_KEYS = 4_096
_ACCOUNTS = pa.schema(
    [("account_id", pa.string()), ("external_id", pa.string()), ("decision", pa.binary())]
)
_PAGE = pa.schema([("key", pa.string()), ("chunk", pa.int32()), ("row", pa.int32())])


def encode_accounts(
    account_ids: pa.Array, external_ids: pa.Array, decisions: Sequence[bytes | None]
) -> bytes:
    """A chunk's accounts in row order (two string arrays), each with its decision as UTF-8
    JSON (or null)."""
    return write_stream(
        pa.table([account_ids, external_ids, pa.array(decisions, pa.binary())], schema=_ACCOUNTS)
    )


class DecodedAccounts:
    """A chunk's accounts read back (:func:`encode_accounts`); values are read as asked."""

    def __init__(self, payload: bytes) -> None:
        table = read_stream(payload)
        self._account_ids = table["account_id"]
        self._external_ids = table["external_id"]
        self._decisions = table["decision"]

    def __len__(self) -> int:
        return len(self._account_ids)

    def account_id(self, row: int) -> str:
        value: str = self._account_ids[row].as_py()
        return value

    def external_id(self, row: int) -> str:
        value: str = self._external_ids[row].as_py()
        return value

    def decision(self, row: int) -> JsonObject | None:
        """Row ``row``'s decision (read with the standard library, as JSON columns are)."""
        return _document(self._decisions[row].as_py())

    def rows(self) -> list[tuple[str, str, JsonObject | None]]:
        """Every row's account id, external id and decision, in row order."""
        return [
            (account_id, external_id, _document(text))
            for account_id, external_id, text in zip(
                self._account_ids.to_pylist(),
                self._external_ids.to_pylist(),
                self._decisions.to_pylist(),
                strict=True,
            )
        ]


def _document(text: bytes | None) -> JsonObject | None:
    if text is None:
        return None
    document: JsonObject = json.loads(text)
    return document


def key_pages(
    keys: pa.Array,
    chunks: npt.NDArray[np.int32],
    rows: npt.NDArray[np.int32],
    size: int = PAGE_KEYS,
    *,
    unique: str | None = None,
) -> Iterator[tuple[int, bytes, bytes]]:
    """(page number, first key as UTF-8, packed page) of ``keys`` sorted in byte order, each
    with the chunk and row of its account, ``size`` keys a page. With ``unique`` (the keys'
    name), a key that repeats is refused (:class:`ValueError` naming it)."""
    table = pa.table([keys, pa.array(chunks), pa.array(rows)], schema=_PAGE)
    if len(keys) > 1 and not pc.all(pc.less_equal(keys[:-1], keys[1:])).as_py():
        # (External ids come sorted: the engine's rows are in external id order.)
        table = table.take(pc.sort_indices(keys))
    ordered = table["key"]
    if unique is not None and len(ordered) > 1:
        repeats = pc.equal(ordered[:-1], ordered[1:])
        if pc.any(repeats).as_py():
            first = ordered[pc.index(repeats, True).as_py()].as_py()
            raise ValueError(f"{unique} {first!r} is in the run twice")
    for page, start in enumerate(range(0, len(keys), size)):
        part = table.slice(start, size)
        first_key: str = part["key"][0].as_py()
        yield page, first_key.encode(), write_stream(part)


class KeyPage:
    """A key page read back: where each of its keys is."""

    def __init__(self, payload: bytes) -> None:
        table = read_stream(payload)
        self._keys = table["key"]
        self._chunks = table["chunk"]
        self._rows = table["row"]

    def find(self, key: str) -> tuple[int, int] | None:
        """(chunk, row) of ``key``, or ``None`` when it is not on this page."""
        # Binary search over the sorted keys: a dozen values read, not a scan of the page.
        # (Python orders str by code point, which is the byte order of their UTF-8.)
        at = bisect.bisect_left(self._keys, key, key=_text)
        if at == len(self._keys) or self._keys[at].as_py() != key:
            return None
        return int(self._chunks[at].as_py()), int(self._rows[at].as_py())


def _text(scalar: pa.StringScalar) -> str:
    text: str = scalar.as_py()
    return text
