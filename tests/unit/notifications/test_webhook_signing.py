"""Standard Webhooks signing: a vector computed outside Python, and the reference library."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from tierwise.errors import InvalidInput
from tierwise.notifications.webhooks import (
    secret_from_bytes,
    secret_key,
    sign,
    signed_headers,
    unix_timestamp,
)

# The specification's example secret (24 bytes) and message. The expected signature was computed
# with openssl, independently of this code:
#   printf '%s' 'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}' \
#     | openssl dgst -sha256 -mac HMAC -macopt hexkey:31f290f6…a4b0 -binary | base64
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_signature_matches_the_openssl_vector() -> None:
    # when
    signature = sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY)

    # then
    assert signature == SPEC_SIGNATURE


def test_signature_is_hmac_sha256_over_id_timestamp_and_body() -> None:
    # given a secret of 32 known bytes
    raw = bytes(range(32))
    secret = secret_from_bytes(raw)

    # when
    signature = sign(secret, "msg_1", 1700000000, b'{"a":1}')

    # then it is HMAC-SHA256(raw, "msg_1.1700000000.{"a":1}") in base64, with the v1 prefix
    expected = hmac.new(raw, b'msg_1.1700000000.{"a":1}', hashlib.sha256).digest()
    assert signature == "v1," + base64.b64encode(expected).decode()


def test_headers_verify_with_the_standardwebhooks_library() -> None:
    # given a message signed now
    secret = secret_from_bytes(bytes(range(100, 132)))
    body = b'{"type":"trial.started","data":{"plan":"pro"}}'
    now = dt.datetime.now(dt.UTC)

    # when
    headers = signed_headers("msg_abc", now, body, [secret])

    # then the reference implementation accepts it and returns the payload
    assert Webhook(secret).verify(body, headers) == {
        "type": "trial.started",
        "data": {"plan": "pro"},
    }


def test_a_changed_body_or_another_secret_fails_verification() -> None:
    # given
    secret = secret_from_bytes(b"k" * 24)
    other = secret_from_bytes(b"x" * 24)
    body = b'{"n":1}'
    headers = signed_headers("msg_abc", dt.datetime.now(dt.UTC), body, [secret])

    # then
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(b'{"n":2}', headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(body, headers)


def test_during_a_rotation_both_secrets_verify() -> None:
    # given a message signed with the new and the previous secret
    new, old = secret_from_bytes(b"n" * 32), secret_from_bytes(b"o" * 32)
    body = b"{}"

    # when
    headers = signed_headers("msg_r", dt.datetime.now(dt.UTC), body, [new, old])

    # then
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(new).verify(body, headers) == {}
    assert Webhook(old).verify(body, headers) == {}


def test_the_timestamp_header_is_whole_unix_seconds() -> None:
    # given 2024-01-01T00:00:00.9Z = 1704067200.9 s after the epoch
    at = dt.datetime(2024, 1, 1, 0, 0, 0, 900_000, tzinfo=dt.UTC)

    # when
    headers = signed_headers("msg_t", at, b"{}", [secret_from_bytes(b"s" * 24)])

    # then
    assert headers["webhook-timestamp"] == "1704067200"
    assert headers["webhook-id"] == "msg_t"


@pytest.mark.parametrize(
    ("secret", "why"),
    [
        ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "no prefix"),
        ("whsec_not base64!", "not base64"),
        ("whsec_" + base64.b64encode(b"short").decode(), "too short"),
    ],
)
def test_malformed_secrets_are_refused(secret: str, why: str) -> None:
    with pytest.raises(InvalidInput) as error:
        secret_key(secret)
    assert error.value.field == "secret", why


def test_secrets_hold_24_to_64_bytes() -> None:
    with pytest.raises(InvalidInput):
        secret_from_bytes(b"x" * 23)
    with pytest.raises(InvalidInput):
        secret_from_bytes(b"x" * 65)
    assert secret_key(secret_from_bytes(b"x" * 64)) == b"x" * 64


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(InvalidInput):
        unix_timestamp(dt.datetime(2024, 1, 1))


@given(
    raw=st.binary(min_size=24, max_size=64),
    body=st.binary(max_size=200).map(lambda b: b.hex().encode()),
    message=st.from_regex(r"msg_[a-z0-9]{1,30}", fullmatch=True),
)
def test_every_signature_verifies_with_the_library(raw: bytes, body: bytes, message: str) -> None:
    # given any secret, id and (text) body
    secret = secret_from_bytes(raw)
    now = dt.datetime.now(dt.UTC)

    # when
    headers = signed_headers(message, now, body, [secret])

    # then the library recomputes the same signature
    Webhook(secret).verify(body, headers, json_parse=False)
