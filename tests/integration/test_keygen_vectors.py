"""Compatibility with Keygen's license files: the public test vectors and their stated outcomes.

The vectors live outside the repository, in ``../shared/vectors/keygen`` beside the clone (see
the README there). Locally their absence skips these tests; with ``CI=true`` it is a failure.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tierwise.adapters.crypto import Keyring, LicenseKeyCipher, VerifyingKey
from tierwise.cli.license import license_app
from tierwise.errors import (
    LicenseDecryptionFailed,
    LicenseExpired,
    LicenseNotYetValid,
    LicenseSignatureInvalid,
)
from tierwise.licensing.license_files import (
    ALG_ENCRYPTED,
    LicenseMeta,
    Standing,
    assess_validity,
    open_license_file,
    verify_license_file,
)

KEYGEN_API_PUBLIC_KEY = "775e65407f3d86de55efbac47d1bbeab79768a21a406e39976606a704984e7d1"
KEYGEN_API_LICENSE_KEY = "TEST-116A58-3F79F9-9F1982-9D63B1-V3"
EXAMPLE_PUBLIC_KEY = "e8601e48b69383ba520245fd07971e983d06d22c4257cfd82304601479cee788"
EXAMPLE_LICENSE_KEY = "B10760-1B177D-656D1F-C03298-9AF89E-V3"
UTC = dt.UTC


def _ms(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@pytest.fixture(scope="module")
def vectors() -> Path:
    """The Keygen vector folder; skipped when absent, except on CI where that is a failure."""
    folder = (
        Path(__file__).resolve().parents[2] / ".." / "shared" / "vectors" / "keygen"
    ).resolve()
    if not (folder / "README.md").is_file():
        reason = f"Keygen license-file vectors not found at {folder}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must have ../shared/vectors beside the clone")
        pytest.skip(f"{reason} (they live beside the clone, in ../shared/vectors)")
    return folder


def keygen_api() -> tuple[VerifyingKey, LicenseKeyCipher]:
    return VerifyingKey.from_hex(KEYGEN_API_PUBLIC_KEY), LicenseKeyCipher(KEYGEN_API_LICENSE_KEY)


def test_the_valid_keygen_file_verifies_and_decrypts(vectors: Path) -> None:
    # given
    key, cipher = keygen_api()
    text = (vectors / "keygen-api-valid.lic").read_text()
    # when
    verified = verify_license_file(
        text, verifier=key, cipher=cipher, now=dt.datetime(2030, 1, 1, tzinfo=UTC)
    )
    # then
    contents = verified.contents
    assert contents.alg == ALG_ENCRYPTED
    assert contents.meta == LicenseMeta(
        issued=_ms("2022-12-19T17:57:50.524Z"), expiry=None, ttl=None
    )
    assert verified.validity.standing is Standing.VALID
    assert contents.claims is None  # a foreign payload: Keygen's JSON:API document
    included = contents.payload["included"]
    assert len(included) == 5
    assert Counter(record["type"] for record in included)["entitlements"] == 3
    assert contents.payload["data"]["attributes"]["key"] == KEYGEN_API_LICENSE_KEY


def test_the_valid_keygen_file_is_refused_before_its_issue_time(vectors: Path) -> None:
    # given: a clock set one day before the file was issued
    key, cipher = keygen_api()
    text = (vectors / "keygen-api-valid.lic").read_text()
    before = _ms("2022-12-19T17:57:50.524Z") - dt.timedelta(days=1)
    # when / then
    with pytest.raises(LicenseNotYetValid) as caught:
        verify_license_file(text, verifier=key, cipher=cipher, now=before)
    assert "clock" in caught.value.message


def test_the_valid_keygen_file_is_accepted_within_the_clock_drift(vectors: Path) -> None:
    key, cipher = keygen_api()
    text = (vectors / "keygen-api-valid.lic").read_text()
    slightly_behind = _ms("2022-12-19T17:57:50.524Z") - dt.timedelta(minutes=4)
    verify_license_file(text, verifier=key, cipher=cipher, now=slightly_behind)


@pytest.mark.parametrize(
    "now",
    [
        _ms("2022-10-24T15:26:20.184Z"),  # the expiry instant itself
        _ms("2022-10-24T15:26:20.185Z"),
        dt.datetime(2023, 1, 1, tzinfo=UTC),
        dt.datetime(2100, 1, 1, tzinfo=UTC),
    ],
)
def test_the_expired_keygen_file_is_expired_at_any_later_time(
    vectors: Path, now: dt.datetime
) -> None:
    # given
    key, cipher = keygen_api()
    text = (vectors / "keygen-api-expired.lic").read_text()
    # when
    contents = open_license_file(text, verifier=key, cipher=cipher)
    # then
    assert contents.meta == LicenseMeta(
        issued=_ms("2022-10-24T14:26:20.184Z"), expiry=_ms("2022-10-24T15:26:20.184Z"), ttl=3600
    )
    with pytest.raises(LicenseExpired):
        verify_license_file(text, verifier=key, cipher=cipher, now=now)


def test_the_expired_keygen_file_was_valid_during_its_hour(vectors: Path) -> None:
    key, cipher = keygen_api()
    text = (vectors / "keygen-api-expired.lic").read_text()
    during = _ms("2022-10-24T15:00:00.000Z")
    assert verify_license_file(text, verifier=key, cipher=cipher, now=during).validity.usable


def test_the_tampered_keygen_file_is_refused_before_any_decryption(vectors: Path) -> None:
    # given: a wrong license key, so reaching decryption would raise a different error
    key, _ = keygen_api()
    text = (vectors / "keygen-api-tampered.lic").read_text()
    # when / then
    for cipher in (LicenseKeyCipher("NOT-THE-KEY"), None, LicenseKeyCipher(KEYGEN_API_LICENSE_KEY)):
        with pytest.raises(LicenseSignatureInvalid):
            open_license_file(text, verifier=key, cipher=cipher)


@pytest.mark.parametrize(
    ("now", "standing"),
    [
        (_ms("2025-08-27T21:10:47.535Z"), Standing.VALID),
        (_ms("2025-09-10T00:00:00.000Z"), Standing.VALID),
        (_ms("2025-09-26T21:10:47.534Z"), Standing.VALID),
        (_ms("2025-09-26T21:10:47.535Z"), Standing.EXPIRED),
        (dt.datetime(2026, 1, 1, tzinfo=UTC), Standing.EXPIRED),
        (_ms("2025-08-26T00:00:00.000Z"), Standing.NOT_YET_VALID),
    ],
)
def test_the_example_python_file_is_valid_in_its_window_only(
    vectors: Path, now: dt.datetime, standing: Standing
) -> None:
    # given
    text = (vectors / "example-python-license.lic").read_text()
    key, cipher = VerifyingKey.from_hex(EXAMPLE_PUBLIC_KEY), LicenseKeyCipher(EXAMPLE_LICENSE_KEY)
    # when
    contents = open_license_file(text, verifier=key, cipher=cipher)
    # then
    assert contents.meta == LicenseMeta(
        issued=_ms("2025-08-27T21:10:47.535Z"),
        expiry=_ms("2025-09-26T21:10:47.535Z"),
        ttl=2592000,  # 30 days x 86,400 s
    )
    assert assess_validity(contents.meta, now=now).standing is standing


@pytest.mark.parametrize(
    "name", ["keygen-api-valid.lic", "keygen-api-expired.lic", "example-python-license.lic"]
)
def test_a_wrong_license_key_gives_a_clear_decryption_error(vectors: Path, name: str) -> None:
    # given: both public keys trusted, so the signature passes and decryption is reached
    keyring = Keyring(
        [VerifyingKey.from_hex(KEYGEN_API_PUBLIC_KEY), VerifyingKey.from_hex(EXAMPLE_PUBLIC_KEY)]
    )
    text = (vectors / name).read_text()
    # when / then
    with pytest.raises(LicenseDecryptionFailed) as caught:
        open_license_file(text, verifier=keyring, cipher=LicenseKeyCipher("WRONG-LICENSE-KEY"))
    assert caught.value.message == "the license file cannot be decrypted with this license key"


def test_a_keygen_file_checked_with_another_vendors_key_has_an_invalid_signature(
    vectors: Path,
) -> None:
    text = (vectors / "example-python-license.lic").read_text()
    with pytest.raises(LicenseSignatureInvalid):
        open_license_file(text, verifier=VerifyingKey.from_hex(KEYGEN_API_PUBLIC_KEY))


# -- through the CLI --------------------------------------------------------------------------


def test_cli_verifies_the_valid_keygen_file_as_json(vectors: Path) -> None:
    # when
    result = CliRunner().invoke(
        license_app,
        [
            "verify",
            str(vectors / "keygen-api-valid.lic"),
            "--public-key",
            KEYGEN_API_PUBLIC_KEY,
            "--license-key",
            KEYGEN_API_LICENSE_KEY,
            "--at",
            "2024-01-01T00:00:00Z",
            "--json",
        ],
    )
    # then
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["valid"] is True
    assert report["standing"] == "valid"
    assert report["meta"] == {"issued": "2022-12-19T17:57:50.524Z", "expiry": None, "ttl": None}
    assert report["included"] == {"entitlements": 3, "policies": 1, "products": 1}


def test_cli_refuses_the_tampered_keygen_file_with_exit_1(vectors: Path) -> None:
    result = CliRunner().invoke(
        license_app,
        [
            "verify",
            str(vectors / "keygen-api-tampered.lic"),
            "--public-key",
            KEYGEN_API_PUBLIC_KEY,
            "--license-key",
            KEYGEN_API_LICENSE_KEY,
            "--json",
        ],
    )
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["code"] == "license_signature_invalid"
