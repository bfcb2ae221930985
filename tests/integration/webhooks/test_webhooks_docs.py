"""``docs/webhooks.md`` stays true: every event type is documented, the example receiver works."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from tierwise.notifications.retries import DEFAULT_DELAYS
from tierwise.notifications.webhook_events import EVENT_TYPES
from tierwise.notifications.webhooks import secret_from_bytes, signed_headers

DOC = Path(__file__).resolve().parents[3] / "docs" / "webhooks.md"


def _text() -> str:
    return DOC.read_text(encoding="utf-8")


def test_every_event_type_is_documented() -> None:
    documented = set(re.findall(r"`([a-z_]+\.[a-z_]+)`", _text()))
    assert set(EVENT_TYPES) <= documented


def test_the_documented_schedule_is_the_default() -> None:
    # the table row "wait before it | 5 s | 30 s | 2 min | …"
    row = next(line for line in _text().splitlines() if line.startswith("| wait before it"))
    units = {"s": 1, "min": 60, "h": 3600}
    cells = [cell.strip().split() for cell in row.strip("|").split("|")[1:]]
    waits = [int(number) * units[unit] for number, unit in cells]
    assert waits == [int(delay.total_seconds()) for delay in DEFAULT_DELAYS]


def test_the_example_receiver_accepts_a_signed_message_and_refuses_a_forged_one() -> None:
    # given the documented receiver
    (source,) = re.findall(r"```python\n(.*?)```", _text(), flags=re.DOTALL)
    namespace: dict[str, Any] = {}
    exec(compile(source, str(DOC), "exec"), namespace)
    receive = namespace["receive"]
    secret = secret_from_bytes(b"documentation-example-key-32byte")
    body = b'{"data":{},"timestamp":"2026-03-10T12:00:00+00:00","type":"trial.started"}'
    headers = signed_headers("msg_doc", dt.datetime.now(dt.UTC), body, [secret])

    # then
    assert receive(secret, body, headers)["type"] == "trial.started"
    assert receive(secret, body.replace(b"started", b"ended"), headers) is None
