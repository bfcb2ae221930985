"""JSON columns: orjson writes, the standard library reads, and both agree on every document."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, insert, select

from tierwise.adapters.sql import tables as t
from tierwise.adapters.sql.engine import json_text

_documents = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(_documents)
def test_every_json_document_reads_back_as_the_standard_library_wrote_it(document: Any) -> None:
    # given any JSON document (integers of any size, unicode text, nesting)
    # when it is written by json_text and read by json.loads
    # then it is the document json.dumps would have stored
    assert json.loads(json_text(document)) == json.loads(json.dumps(document))


class _Colour(enum.StrEnum):
    RED = "red"


@dataclasses.dataclass
class _Point:
    x: int


def test_what_the_standard_library_wrote_differently_is_written_as_it_wrote_it() -> None:
    # given a str enum member and integer keys (json.dumps: member's value, keys as text)
    document = {"colour": _Colour.RED, 1: "one"}
    # when it is written
    text = json_text(document)
    # then it reads back as json.dumps wrote it
    assert json.loads(text) == {"colour": "red", "1": "one"}


@pytest.mark.parametrize("value", [dt.date(2026, 3, 10), _Point(1), {1, 2}])
def test_what_the_standard_library_refused_is_still_refused(value: object) -> None:
    # given a value json.dumps refuses (orjson alone would write dates and dataclasses)
    # when it is written, then it is refused as before
    with pytest.raises(TypeError):
        json_text({"value": value})


def test_a_document_stored_with_the_engine_reads_back_whole(engine: Engine) -> None:
    # given a receipt with unicode, an integer past 64 bits and nulls
    receipt = {"name": "Zürich GmbH", "big": 2**70, "quote": None, "lines": [{"n": 1.5}]}
    row = {"key": "k", "command": "C", "fingerprint": "f", "receipt": receipt}
    # when the engine stores it and reads it back
    with engine.begin() as connection:
        connection.execute(
            insert(t.idempotency_keys), row | {"at": dt.datetime(2026, 3, 10, tzinfo=dt.UTC)}
        )
    with engine.connect() as connection:
        stored = connection.execute(select(t.idempotency_keys.c.receipt)).scalar_one()
    # then it is the same document, the big integer exact
    assert stored == receipt
