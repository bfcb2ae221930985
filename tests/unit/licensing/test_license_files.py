"""License files: container, claims, signatures before decryption, key ids, time rules.

The rules are pure; the keys are real Ed25519 keys and real AES-256-GCM from the crypto adapter,
because they run here and a fake signer could not prove the signature format.
"""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tierwise.adapters.crypto import Keyring, LicenseKeyCipher, SigningKey
from tierwise.errors import (
    InvalidInput,
    LicenseDecryptionFailed,
    LicenseExpired,
    LicenseFileInvalid,
    LicenseMalformed,
    LicenseNotYetValid,
    LicenseSignatureInvalid,
    LicenseUnknownKey,
)
from tierwise.licensing.license_files import (
    ALG_ENCRYPTED,
    ALG_SIGNED,
    LicenseAccount,
    LicenseClaims,
    LicenseEnvelope,
    LicenseMeta,
    Standing,
    TimeRules,
    assess_validity,
    format_envelope,
    issue_license_file,
    open_license_file,
    parse_envelope,
    verify_license_file,
)
from tierwise.licensing.license_validity import describe_span

UTC = dt.UTC
ISSUED = dt.datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
EXPIRY = dt.datetime(2026, 4, 1, 9, 30, tzinfo=UTC)
LICENSE_KEY = "ACME-0001-TEST"
# Generated once per test session: real keys, so signatures are really checked.
VENDOR = SigningKey.generate()
OTHER = SigningKey.generate()
BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def claims(**changes: object) -> LicenseClaims:
    fields: dict[str, object] = {
        "account": LicenseAccount(id="acc_42", name="Acme Boards", external_id="crm-9"),
        "plan": "business",
        "entitlements": {"sso": True, "projects": 200, "api_calls": "unlimited"},
        "seats": 25,
        "issued": ISSUED,
        "expiry": EXPIRY,
    }
    fields.update(changes)
    return LicenseClaims(**fields)  # type: ignore[arg-type]


def with_envelope(text: str, **changes: str | None) -> str:
    """Rewrite envelope fields of a license file (``None`` drops the field)."""
    envelope = parse_envelope(text)
    fields = {"enc": envelope.enc, "sig": envelope.sig, "alg": envelope.alg, "kid": envelope.kid}
    fields.update(changes)
    return format_envelope(LicenseEnvelope(**fields))  # type: ignore[arg-type]


# -- round trips ------------------------------------------------------------------------------


def test_a_signed_file_round_trips_its_claims_and_names_its_key() -> None:
    # given
    text = issue_license_file(claims(), signer=VENDOR)
    # when
    contents = open_license_file(text, verifier=VENDOR.public_key)
    # then
    assert contents.alg == ALG_SIGNED
    assert contents.kid == VENDOR.kid
    assert contents.claims == claims(kid=VENDOR.kid)
    assert contents.meta == LicenseMeta(issued=ISSUED, expiry=EXPIRY, ttl=31 * 86400)


def test_an_encrypted_file_round_trips_with_its_license_key() -> None:
    # given
    text = issue_license_file(claims(), signer=VENDOR, cipher=LicenseKeyCipher(LICENSE_KEY))
    # when
    contents = open_license_file(
        text, verifier=VENDOR.public_key, cipher=LicenseKeyCipher(LICENSE_KEY)
    )
    # then
    assert contents.alg == ALG_ENCRYPTED
    assert contents.claims == claims(kid=VENDOR.kid)
    ciphertext, iv, tag = (base64.b64decode(p) for p in parse_envelope(text).enc.split("."))
    assert (len(iv), len(tag)) == (12, 16)
    assert b"acc_42" not in ciphertext


def test_the_signature_covers_license_slash_plus_enc_as_written() -> None:
    # given
    envelope = parse_envelope(issue_license_file(claims(), signer=VENDOR))
    # when / then: checking it with the library directly, outside our verifier, succeeds
    VENDOR.public_key.key.verify(
        base64.b64decode(envelope.sig), b"license/" + envelope.enc.encode("ascii")
    )


def test_the_payload_keeps_keygens_meta_and_puts_our_fields_in_attributes() -> None:
    # given
    envelope = parse_envelope(issue_license_file(claims(), signer=VENDOR))
    # when
    payload = json.loads(base64.b64decode(envelope.enc))
    # then
    assert payload["meta"] == {
        "issued": "2026-03-01T09:30:00.000Z",
        "expiry": "2026-04-01T09:30:00.000Z",
        "ttl": 2678400,  # 31 days x 86,400 s
        "kid": VENDOR.kid,
        "format": "tierwise.license/1",
    }
    assert payload["data"]["type"] == "licenses"
    assert payload["data"]["attributes"]["account"] == {
        "id": "acc_42",
        "name": "Acme Boards",
        "external_id": "crm-9",
    }
    assert envelope.kid == VENDOR.kid


def test_signed_files_are_reproducible_byte_for_byte() -> None:
    # given / when
    first = issue_license_file(claims(), signer=VENDOR)
    second = issue_license_file(claims(), signer=VENDOR)
    # then
    assert first == second
    assert all(len(line) <= 60 for line in first.splitlines())


def test_a_perpetual_license_has_no_expiry_and_no_ttl() -> None:
    # given
    text = issue_license_file(claims(expiry=None), signer=VENDOR)
    # when
    verified = verify_license_file(
        text, verifier=VENDOR.public_key, now=dt.datetime(2099, 1, 1, tzinfo=UTC)
    )
    # then
    assert verified.contents.meta == LicenseMeta(issued=ISSUED, expiry=None, ttl=None)
    assert verified.validity.standing is Standing.VALID


entitlement_values = st.one_of(
    st.booleans(), st.integers(min_value=0, max_value=10**12), st.just("unlimited")
)


@settings(max_examples=60, deadline=None)
@given(
    entitlements=st.dictionaries(
        st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True), entitlement_values, max_size=8
    ),
    seats=st.integers(min_value=1, max_value=1_000_000),
    issued=st.datetimes(
        min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2200, 1, 1), timezones=st.just(UTC)
    ),
    ttl_ms=st.one_of(st.none(), st.integers(min_value=1, max_value=10 * 365 * 86_400_000)),
    name=st.one_of(st.none(), st.text(max_size=30)),
    encrypt=st.booleans(),
)
def test_any_claims_round_trip_through_a_file(
    entitlements: dict[str, bool | int | str],
    seats: int,
    issued: dt.datetime,
    ttl_ms: int | None,
    name: str | None,
    encrypt: bool,
) -> None:
    # given
    issued = issued.replace(microsecond=issued.microsecond // 1000 * 1000)
    expiry = None if ttl_ms is None else issued + dt.timedelta(milliseconds=ttl_ms)
    original = LicenseClaims(
        account=LicenseAccount(id="acc_1", name=name),
        plan="pro",
        entitlements=entitlements,  # type: ignore[arg-type]
        seats=seats,
        issued=issued,
        expiry=expiry,
    )
    cipher = LicenseKeyCipher(LICENSE_KEY) if encrypt else None
    # when
    contents = open_license_file(
        issue_license_file(original, signer=VENDOR, cipher=cipher),
        verifier=VENDOR.public_key,
        cipher=cipher,
    )
    # then
    assert contents.claims == LicenseClaims(
        account=original.account,
        plan="pro",
        entitlements=entitlements,  # type: ignore[arg-type]
        seats=seats,
        issued=issued,
        expiry=expiry,
        kid=VENDOR.kid,
    )
    assert contents.meta.ttl == (None if ttl_ms is None else ttl_ms // 1000)


# -- claims -----------------------------------------------------------------------------------


def test_claims_are_kept_in_utc_to_the_millisecond() -> None:
    # given: 11:30:00.123456 at +02:00 is 09:30:00.123 UTC once truncated to milliseconds
    paris = dt.timezone(dt.timedelta(hours=2))
    # when
    made = claims(issued=dt.datetime(2026, 3, 1, 11, 30, 0, 123456, tzinfo=paris))
    # then
    assert made.issued == dt.datetime(2026, 3, 1, 9, 30, 0, 123000, tzinfo=UTC)
    assert made.issued.tzinfo is UTC


def test_ttl_is_the_whole_seconds_from_issue_to_expiry() -> None:
    # given: 30 days = 30 x 86,400 s = 2,592,000 s, plus 0.999 s that does not make a whole second
    made = claims(expiry=ISSUED + dt.timedelta(days=30, milliseconds=999))
    # then
    assert made.ttl == 2_592_000


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"seats": 0}, "seats"),
        ({"seats": True}, "seats"),
        ({"plan": " "}, "plan"),
        ({"issued": dt.datetime(2026, 3, 1)}, "issued"),
        ({"expiry": ISSUED}, "expiry"),
        ({"expiry": ISSUED - dt.timedelta(days=1)}, "expiry"),
        ({"entitlements": {"projects": 1.5}}, "entitlements.projects"),
        ({"entitlements": {"sso": "yes"}}, "entitlements.sso"),
        ({"account": "acc_42"}, "account"),
    ],
)
def test_bad_claims_are_refused_and_name_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        claims(**changes)
    assert caught.value.field == field


def test_an_empty_account_id_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        LicenseAccount(id="")
    assert caught.value.field == "account.id"


def test_claims_that_name_another_key_than_the_signer_are_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        issue_license_file(claims(kid=OTHER.kid), signer=VENDOR)
    assert caught.value.field == "kid"


# -- keys and rotation ------------------------------------------------------------------------


def test_a_keyring_of_two_keys_verifies_files_of_both() -> None:
    # given: the old key and the new key during a rotation
    keyring = Keyring([VENDOR.public_key, OTHER.public_key])
    old = issue_license_file(claims(), signer=VENDOR)
    new = issue_license_file(claims(plan="enterprise"), signer=OTHER)
    # when
    old_contents = open_license_file(old, verifier=keyring)
    new_contents = open_license_file(new, verifier=keyring)
    # then
    assert (old_contents.kid, new_contents.kid) == (VENDOR.kid, OTHER.kid)
    assert new_contents.claims is not None
    assert new_contents.claims.plan == "enterprise"


def test_a_file_signed_by_a_key_outside_the_keyring_is_refused_as_unknown() -> None:
    # given: the old key was retired from the keyring
    text = issue_license_file(claims(), signer=VENDOR)
    # when / then
    with pytest.raises(LicenseUnknownKey) as caught:
        open_license_file(text, verifier=Keyring([OTHER.public_key]))
    assert caught.value.code == "license_unknown_key"
    assert VENDOR.kid in caught.value.message


def test_a_file_without_a_kid_is_tried_with_every_key_of_the_keyring() -> None:
    # given: Keygen's files carry no kid; ours stripped of it must still verify
    text = with_envelope(issue_license_file(claims(), signer=OTHER), kid=None)
    # when
    contents = open_license_file(text, verifier=Keyring([VENDOR.public_key, OTHER.public_key]))
    # then
    assert contents.kid == OTHER.kid


def test_a_file_without_a_kid_and_no_matching_key_has_an_invalid_signature() -> None:
    text = with_envelope(issue_license_file(claims(), signer=OTHER), kid=None)
    with pytest.raises(LicenseSignatureInvalid):
        open_license_file(text, verifier=VENDOR.public_key)


def test_pointing_the_kid_at_another_trusted_key_breaks_the_signature() -> None:
    # given: the unsigned envelope kid is rewritten to name the other trusted key
    text = with_envelope(issue_license_file(claims(), signer=VENDOR), kid=OTHER.kid)
    # when / then
    with pytest.raises(LicenseSignatureInvalid):
        open_license_file(text, verifier=Keyring([VENDOR.public_key, OTHER.public_key]))


def test_a_signed_kid_that_differs_from_the_verifying_key_is_refused() -> None:
    # given: a payload signed by VENDOR whose signed meta.kid claims to be OTHER
    payload = json.loads(
        base64.b64decode(parse_envelope(issue_license_file(claims(), signer=VENDOR)).enc)
    )
    payload["meta"]["kid"] = OTHER.kid
    enc = base64.b64encode(json.dumps(payload).encode()).decode()
    sig = base64.b64encode(VENDOR.sign(b"license/" + enc.encode())).decode()
    text = format_envelope(LicenseEnvelope(enc=enc, sig=sig, alg=ALG_SIGNED))
    # when / then
    with pytest.raises(LicenseMalformed) as caught:
        open_license_file(text, verifier=VENDOR.public_key)
    assert caught.value.field == "meta.kid"


# -- tampering and decryption -----------------------------------------------------------------


def substitute(text: str, index: int, offset: int) -> str:
    """Replace the base64 character at ``index`` with another one (``offset`` 1..63 away)."""
    replacement = BASE64[(BASE64.index(text[index]) + offset) % 64]
    return text[:index] + replacement + text[index + 1 :]


SIGNED_FILE = issue_license_file(claims(), signer=VENDOR)
ENCRYPTED_FILE = issue_license_file(claims(), signer=VENDOR, cipher=LicenseKeyCipher(LICENSE_KEY))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.sampled_from([SIGNED_FILE, ENCRYPTED_FILE]),
    part=st.sampled_from(["enc", "sig"]),
    position=st.floats(min_value=0, max_value=1, exclude_max=True),
    offset=st.integers(min_value=1, max_value=63),
)
def test_changing_any_character_of_enc_or_sig_is_refused(
    text: str, part: str, position: float, offset: int
) -> None:
    # given
    envelope = parse_envelope(text)
    value = getattr(envelope, part)
    indexes = [i for i, char in enumerate(value) if char in BASE64]
    index = indexes[int(position * len(indexes))]
    tampered = with_envelope(text, **{part: substitute(value, index, offset)})
    # when / then
    with pytest.raises(LicenseFileInvalid) as caught:
        open_license_file(
            tampered, verifier=VENDOR.public_key, cipher=LicenseKeyCipher(LICENSE_KEY)
        )
    assert caught.value.code in {"license_signature_invalid", "license_malformed"}


@settings(max_examples=300, deadline=None)
@given(
    text=st.sampled_from([SIGNED_FILE, ENCRYPTED_FILE]),
    position=st.floats(min_value=0, max_value=1, exclude_max=True),
    offset=st.integers(min_value=1, max_value=63),
)
def test_changing_any_character_of_the_armoured_body_is_refused(
    text: str, position: float, offset: int
) -> None:
    # given: a character of the base64 body (not the header, footer or line breaks)
    first_body, last_body = text.index("\n") + 1, text.rindex("-----END")
    indexes = [i for i in range(first_body, last_body) if text[i] in BASE64]
    tampered = substitute(text, indexes[int(position * len(indexes))], offset)
    # when / then
    with pytest.raises(LicenseFileInvalid):
        open_license_file(
            tampered, verifier=VENDOR.public_key, cipher=LicenseKeyCipher(LICENSE_KEY)
        )


def test_a_tampered_encrypted_file_is_refused_before_any_decryption() -> None:
    # given: a changed ciphertext, and a license key that could not decrypt it anyway
    envelope = parse_envelope(ENCRYPTED_FILE)
    tampered = with_envelope(ENCRYPTED_FILE, enc=substitute(envelope.enc, 5, 1))
    # when / then: the answer is about the signature, so decryption was never reached
    with pytest.raises(LicenseSignatureInvalid):
        open_license_file(tampered, verifier=VENDOR.public_key, cipher=LicenseKeyCipher("WRONG"))
    with pytest.raises(LicenseSignatureInvalid):
        open_license_file(tampered, verifier=VENDOR.public_key, cipher=None)


def test_the_wrong_license_key_gives_a_clear_decryption_error() -> None:
    with pytest.raises(LicenseDecryptionFailed) as caught:
        open_license_file(
            ENCRYPTED_FILE, verifier=VENDOR.public_key, cipher=LicenseKeyCipher("WRONG")
        )
    assert caught.value.code == "license_decryption_failed"
    assert "license key" in caught.value.message


def test_an_encrypted_file_without_a_license_key_asks_for_one() -> None:
    with pytest.raises(LicenseDecryptionFailed) as caught:
        open_license_file(ENCRYPTED_FILE, verifier=VENDOR.public_key)
    assert caught.value.field == "license_key"


# -- malformed containers ---------------------------------------------------------------------


def armour(body: bytes) -> str:
    encoded = base64.b64encode(body).decode()
    return f"-----BEGIN LICENSE FILE-----\n{encoded}\n-----END LICENSE FILE-----\n"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        SIGNED_FILE.replace("BEGIN LICENSE FILE", "BEGIN CERTIFICATE"),
        SIGNED_FILE.replace("-----END LICENSE FILE-----\n", ""),
        "-----BEGIN LICENSE FILE-----\n!!!!\n-----END LICENSE FILE-----\n",
        armour(b"not json"),
        armour(b"[1, 2]"),
        armour(b'{"enc": "eA==", "sig": "eA=="}'),
        armour(b'{"enc": "eA==", "sig": "eA==", "alg": 7}'),
        armour(b'{"enc": "eA==", "sig": "eA==", "alg": "base64+ed25519", "extra": 1}'),
        armour(b'{"enc": "eA==", "sig": "eA==", "alg": "base64+ed25519", "kid": 5}'),
        with_envelope(SIGNED_FILE, alg="rsa-sha256"),
        with_envelope(ENCRYPTED_FILE, alg=ALG_SIGNED),
    ],
)
def test_malformed_files_are_refused_as_malformed(text: str) -> None:
    with pytest.raises(LicenseMalformed) as caught:
        open_license_file(text, verifier=VENDOR.public_key, cipher=LicenseKeyCipher(LICENSE_KEY))
    assert caught.value.code == "license_malformed"


def test_surrounding_whitespace_and_crlf_line_ends_are_accepted() -> None:
    # given: a file that went through a Windows editor and an e-mail body
    text = "\n\n" + SIGNED_FILE.replace("\n", "\r\n") + "\n\n"
    # when
    contents = open_license_file(text, verifier=VENDOR.public_key)
    # then
    assert contents.claims == claims(kid=VENDOR.kid)


# -- time rules -------------------------------------------------------------------------------

META = LicenseMeta(issued=ISSUED, expiry=EXPIRY, ttl=31 * 86400)
RULES = TimeRules(clock_drift=dt.timedelta(minutes=5), grace=dt.timedelta(days=7))


@pytest.mark.parametrize(
    ("now", "standing"),
    [
        (ISSUED - dt.timedelta(days=1), Standing.NOT_YET_VALID),
        (ISSUED - dt.timedelta(minutes=5, milliseconds=1), Standing.NOT_YET_VALID),
        (ISSUED - dt.timedelta(minutes=5), Standing.VALID),  # exactly the allowed drift
        (ISSUED, Standing.VALID),
        (EXPIRY - dt.timedelta(milliseconds=1), Standing.VALID),
        (EXPIRY, Standing.IN_GRACE),  # expiry is the first instant not covered
        (EXPIRY + dt.timedelta(days=7) - dt.timedelta(milliseconds=1), Standing.IN_GRACE),
        (EXPIRY + dt.timedelta(days=7), Standing.EXPIRED),
        (EXPIRY + dt.timedelta(days=3650), Standing.EXPIRED),
    ],
)
def test_standing_follows_drift_expiry_and_grace(now: dt.datetime, standing: Standing) -> None:
    assert assess_validity(META, now=now, rules=RULES).standing is standing


def test_without_grace_a_license_is_expired_at_its_expiry() -> None:
    validity = assess_validity(META, now=EXPIRY)
    assert validity.standing is Standing.EXPIRED
    assert validity.code == "license_expired"
    assert "2026-04-01T09:30:00.000Z" in validity.reason


def test_in_grace_is_usable_and_says_when_grace_ends() -> None:
    validity = assess_validity(META, now=EXPIRY + dt.timedelta(days=1), rules=RULES)
    assert validity.usable
    assert validity.code == "license_in_grace"
    assert validity.grace_ends == EXPIRY + dt.timedelta(days=7)


def test_a_perpetual_license_is_valid_at_any_later_time() -> None:
    meta = LicenseMeta(issued=ISSUED, expiry=None, ttl=None)
    assert assess_validity(meta, now=dt.datetime(9999, 1, 1, tzinfo=UTC)).usable


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (dt.timedelta(0), "0s"),
        (dt.timedelta(minutes=5), "5m"),
        (dt.timedelta(days=14), "14d"),
        (dt.timedelta(days=1, hours=12, seconds=30), "1d12h30s"),
    ],
)
def test_spans_are_described_as_people_write_them(span: dt.timedelta, text: str) -> None:
    assert describe_span(span) == text


def test_now_must_be_timezone_aware() -> None:
    with pytest.raises(InvalidInput) as caught:
        assess_validity(META, now=dt.datetime(2026, 3, 2))
    assert caught.value.field == "now"


@pytest.mark.parametrize("bad", [{"clock_drift": dt.timedelta(-1)}, {"grace": dt.timedelta(-1)}])
def test_negative_drift_or_grace_is_refused(bad: dict[str, dt.timedelta]) -> None:
    with pytest.raises(InvalidInput):
        TimeRules(**bad)


def test_verify_raises_coded_errors_when_not_usable() -> None:
    # given
    text = issue_license_file(claims(), signer=VENDOR)
    # when / then
    with pytest.raises(LicenseExpired) as expired:
        verify_license_file(text, verifier=VENDOR.public_key, now=EXPIRY + dt.timedelta(days=1))
    with pytest.raises(LicenseNotYetValid) as early:
        verify_license_file(text, verifier=VENDOR.public_key, now=ISSUED - dt.timedelta(hours=1))
    assert (expired.value.code, early.value.code) == ("license_expired", "license_not_yet_valid")
    assert "clock drift of 5m: check this machine's clock" in early.value.message


def test_verify_returns_a_license_in_grace_so_the_product_can_warn() -> None:
    text = issue_license_file(claims(), signer=VENDOR)
    verified = verify_license_file(
        text, verifier=VENDOR.public_key, now=EXPIRY + dt.timedelta(days=2), rules=RULES
    )
    assert verified.validity.standing is Standing.IN_GRACE
