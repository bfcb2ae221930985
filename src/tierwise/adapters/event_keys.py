"""The writer's index of stored event keys: which ``(source, id)`` pairs the event store holds.

Why an index in the writer's memory
    Deduplication must ask, for every event of a batch, "is this ``(source, id)`` stored?". A
    set-based anti-join against ``usage_events`` answers it by scanning every stored key, so each
    batch costs more as the store grows (27 ms per 1,000 events at 800,000 stored, seconds at ten
    million). DuckDB's own unique index (ART) was measured too: a plain insert into it costs
    15–40 ms per 1,000 keys at ten million, and ``INSERT OR IGNORE`` with a single conflict falls
    back to about a second. DuckDB lets one process write the file, and every write of that
    process goes through :class:`~tierwise.adapters.event_store.EventStore`, so the writer can
    keep the answer itself.

What it holds
    One 64-bit DuckDB ``hash(source, id)`` per stored event, with the event's ``rowid``: 16 bytes
    per event (160 MB at ten million events), sorted by hash in two numpy arrays, plus a dict of
    the keys added since the arrays were last rebuilt (folded in once it reaches 1/32 of them, so
    the copying stays a small constant per event). A directory on the hashes' top bits (one start
    offset per bucket of four to eight keys: one to two more bytes per event) narrows each probe to
    its bucket before a short binary search inside it. A plain binary search over ten million
    hashes touches some 23 cache lines per probe, twice (first and last match), and at that size
    those are memory misses: 3.2 ms of CPU per 1,000 probes against 0.5 ms at an empty store;
    through the directory a probe reads the bucket's start and one or two cache lines.

Why it stays exact
    Every stored key's hash is in the index (it is built from the table when first needed, and
    every later write either adds its keys after its commit or is caught up from the table's new
    rows — see :meth:`EventStore.append_table`). So a key whose hash is absent is new — no
    further check. A key whose hash is present is only a *candidate*: the store reads the stored
    rows at the candidates' rowids and compares the actual ``source`` and ``id``; a candidate
    that matches none of them (a hash collision: at ten million stored events, a batch of 1,000
    new events meets one with a chance of about 1,000 × 10^7 / 2^64, one in two billion) is
    checked against the whole table. The hash decides nothing on its own.
"""

from __future__ import annotations

import duckdb
import numpy as np
import numpy.typing as npt

__all__ = ["KeyIndex", "key_hashes"]

Hashes = npt.NDArray[np.uint64]
Rows = npt.NDArray[np.int64]

#: The recent keys are folded into the sorted arrays when they reach this share of them …
_FOLD_SHARE = 32
#: … but never before this many (small stores would otherwise rebuild on every batch).
_FOLD_MIN = 65_536
#: Keys per bucket of the directory over the sorted hashes, on average.
_BUCKET_KEYS = 8
#: The directory never has fewer buckets than 2 ** this.
_MIN_BITS = 4


def key_hashes(con: duckdb.DuckDBPyConnection, relation: str, *, where: str = "TRUE") -> Hashes:
    """DuckDB's ``hash(source, id)`` of each row of ``relation``, in the relation's order."""
    found = con.execute(f"SELECT hash(source, id) AS h FROM {relation} WHERE {where}").fetchnumpy()
    return np.asarray(found["h"], dtype=np.uint64)


class KeyIndex:
    """Hashes of the stored ``(source, id)`` keys with the rowid of each key's row."""

    def __init__(self, hashes: Hashes, rows: Rows) -> None:
        order = np.argsort(hashes, kind="stable")
        self._hashes: Hashes = hashes[order]
        self._rows: Rows = rows[order]
        self._shift, self._starts = _directory(self._hashes)
        self._recent: dict[int, int] = {}
        #: Stored events the index covers.
        self.count = len(hashes)
        #: The rowid DuckDB gives the next appended row (rows are only ever appended).
        self.next_row = int(rows.max()) + 1 if len(rows) else 0

    @classmethod
    def of_table(cls, con: duckdb.DuckDBPyConnection, *, from_row: int = 0) -> KeyIndex:
        """The index of the rows of ``usage_events`` (from rowid ``from_row``) ``con`` sees."""
        found = con.execute(
            "SELECT hash(source, id) AS h, rowid AS r FROM usage_events WHERE rowid >= $1",
            [from_row],
        ).fetchnumpy()
        return cls(np.asarray(found["h"], dtype=np.uint64), np.asarray(found["r"], dtype=np.int64))

    def __len__(self) -> int:
        return len(self._hashes) + len(self._recent)

    @property
    def nbytes(self) -> int:
        """Memory of the sorted arrays and their directory (the recent dict adds about 100 bytes
        per key)."""
        return int(self._hashes.nbytes + self._rows.nbytes + self._starts.nbytes)

    def candidates(self, hashes: Hashes) -> dict[int, list[int]]:
        """For each position of ``hashes`` whose hash is known: the rowids stored under it."""
        found: dict[int, list[int]] = {}
        stored = self._hashes
        if len(stored) and len(hashes):
            first = self._first_at_least(hashes)
            at = np.minimum(first, len(stored) - 1)
            hit = np.flatnonzero((first < len(stored)) & (stored[at] == hashes))
            rows = self._rows[first[hit]].tolist()
            found = {position: [row] for position, row in zip(hit.tolist(), rows, strict=True)}
            # a hash stored more than once (two keys, one hash) sits in consecutive slots
            follow = first[hit] + 1
            inside = follow < len(stored)
            again = hit[inside][stored[follow[inside]] == hashes[hit[inside]]]
            for position in again.tolist():
                slot = int(first[position]) + 1
                while slot < len(stored) and stored[slot] == hashes[position]:
                    found[position].append(int(self._rows[slot]))
                    slot += 1
        recent = self._recent
        if recent and not recent.keys().isdisjoint(values := hashes.tolist()):
            for position, value in enumerate(values):
                row = recent.get(value)
                if row is not None:
                    found.setdefault(position, []).append(row)
        return found

    def _first_at_least(self, hashes: Hashes) -> Rows:
        """Per probe, the first slot of the sorted hashes whose hash is not below it, searched
        inside the probe's bucket only (every slot of an equal hash is in that bucket; a probe
        above its whole bucket gets the bucket's end, which holds a larger hash or nothing)."""
        buckets = (hashes >> np.uint64(self._shift)).astype(np.intp)
        low = self._starts[buckets]
        high = self._starts[buckets + 1]
        stored = self._hashes
        open_ = np.flatnonzero(low < high)
        while len(open_):
            lo, hi = low[open_], high[open_]
            middle = (lo + hi) >> 1
            above = stored[middle] < hashes[open_]
            low[open_] = np.where(above, middle + 1, lo)
            high[open_] = np.where(above, hi, middle)
            open_ = open_[low[open_] < high[open_]]
        return low

    def entries(self) -> tuple[Hashes, Rows]:
        """Every key's hash and rowid (sorted by hash once folded)."""
        self._fold()
        return self._hashes, self._rows

    def add(self, hashes: Hashes, rows: Rows) -> None:
        """Record newly stored keys: their hashes and the rowids of their rows."""
        if not len(hashes):
            return
        values, rowids = hashes.tolist(), rows.tolist()
        if len(set(values)) == len(values) and self._recent.keys().isdisjoint(values):
            self._recent.update(zip(values, rowids, strict=True))
        else:  # a hash met again: the sorted arrays keep both keys
            for value, row in zip(values, rowids, strict=True):
                if value in self._recent:
                    self._fold()
                self._recent[value] = row
        self.count += len(hashes)
        self.next_row = max(self.next_row, int(rows.max()) + 1)
        if len(self._recent) >= max(_FOLD_MIN, len(self._hashes) // _FOLD_SHARE):
            self._fold()

    def _fold(self) -> None:
        if not self._recent:
            return
        hashes = np.fromiter(self._recent.keys(), dtype=np.uint64, count=len(self._recent))
        rows = np.fromiter(self._recent.values(), dtype=np.int64, count=len(self._recent))
        order = np.argsort(hashes, kind="stable")
        hashes, rows = hashes[order], rows[order]
        at = np.searchsorted(self._hashes, hashes)
        self._hashes = np.insert(self._hashes, at, hashes)
        self._rows = np.insert(self._rows, at, rows)
        self._shift, self._starts = _directory(self._hashes)
        self._recent = {}


def _directory(hashes: Hashes) -> tuple[int, Rows]:
    """The shift that leaves a hash's bucket number (its top bits) and each bucket's first slot
    in the sorted ``hashes`` (one more entry: the end), for about :data:`_BUCKET_KEYS` keys per
    bucket."""
    bits = max(_MIN_BITS, (len(hashes) // _BUCKET_KEYS).bit_length())
    shift = 64 - bits
    counts = np.bincount((hashes >> np.uint64(shift)).astype(np.intp), minlength=1 << bits)
    starts = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    return shift, starts
