"""Standard Webhooks signing: the three headers that let a receiver trust a delivery.

What the Standard Webhooks specification asks for, as implemented here:

* a secret is ``whsec_`` followed by the base64 of 24 to 64 random bytes; the signing key is the
  decoded bytes (the prefix and the base64 are only its printable form);
* the signed content is ``{webhook-id}.{webhook-timestamp}.{body}``, the timestamp being whole
  Unix seconds of the attempt and the body the exact bytes sent;
* the signature is ``v1,`` followed by the base64 of HMAC-SHA256(key, content); while a secret is
  being rotated, one signature per secret is sent, separated by spaces, so receivers holding
  either secret accept the message.

The ``webhook-id`` stays the same across retries of one message, so receivers deduplicate on it;
the timestamp changes with each attempt and lets them refuse replays of old messages.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
from collections.abc import Sequence

from tierwise.errors import InvalidInput

__all__ = [
    "MAX_SECRET_BYTES",
    "MIN_SECRET_BYTES",
    "SECRET_PREFIX",
    "WEBHOOK_ID",
    "WEBHOOK_SIGNATURE",
    "WEBHOOK_TIMESTAMP",
    "secret_from_bytes",
    "secret_key",
    "sign",
    "signed_headers",
    "unix_timestamp",
]

SECRET_PREFIX = "whsec_"
MIN_SECRET_BYTES = 24
MAX_SECRET_BYTES = 64
WEBHOOK_ID = "webhook-id"
WEBHOOK_TIMESTAMP = "webhook-timestamp"
WEBHOOK_SIGNATURE = "webhook-signature"


def secret_from_bytes(raw: bytes) -> str:
    """The printable secret for ``raw`` key bytes (24 to 64 of them, drawn by the caller)."""
    if not MIN_SECRET_BYTES <= len(raw) <= MAX_SECRET_BYTES:
        raise InvalidInput(
            f"a webhook secret has {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes, not {len(raw)}",
            field="secret",
        )
    return SECRET_PREFIX + base64.b64encode(raw).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The HMAC key inside a ``whsec_…`` secret; anything else is refused."""
    if not secret.startswith(SECRET_PREFIX):
        raise InvalidInput(f"a webhook secret starts with {SECRET_PREFIX!r}", field="secret")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except binascii.Error:
        raise InvalidInput("a webhook secret is base64 after its prefix", field="secret") from None
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        raise InvalidInput(
            f"a webhook secret holds {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes", field="secret"
        )
    return key


def unix_timestamp(at: dt.datetime) -> int:
    """Whole seconds since the Unix epoch of an aware instant (the ``webhook-timestamp``)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInput("a webhook timestamp needs an aware datetime", field="at")
    return int(at.timestamp())


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256>`` of ``{message_id}.{timestamp}.{body}`` under ``secret``."""
    content = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signed_headers(
    message_id: str, at: dt.datetime, body: bytes, secrets: Sequence[str]
) -> dict[str, str]:
    """The ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` headers of one attempt.

    ``secrets`` is the endpoint's current secret, then any earlier one still accepted during a
    rotation; each contributes one signature.
    """
    if not secrets:
        raise InvalidInput("a webhook is signed with at least one secret", field="secret")
    timestamp = unix_timestamp(at)
    return {
        WEBHOOK_ID: message_id,
        WEBHOOK_TIMESTAMP: str(timestamp),
        WEBHOOK_SIGNATURE: " ".join(sign(s, message_id, timestamp, body) for s in secrets),
    }
