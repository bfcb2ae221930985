"""``tierwise license keygen | issue | verify`` through Typer's runner, on real files and keys."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tierwise.adapters.crypto import Keyring, SigningKey
from tierwise.cli.license import license_app
from tierwise.licensing.license_files import parse_envelope


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(license_app, [str(arg) for arg in args])


def make_key(folder: Path, name: str = "vendor.pem") -> tuple[Path, str, str]:
    """Run ``keygen``; return the key path, the public key hex and the kid."""
    path = folder / name
    result = run("keygen", "--output", path, "--json")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    return path, printed["public_key"], printed["kid"]


ISSUE = (
    "--account",
    "acc_42",
    "--account-name",
    "Acme Boards",
    "--plan",
    "business",
    "--seats",
    "25",
    "-e",
    "sso=true",
    "-e",
    "projects=200",
    "-e",
    "api_calls=unlimited",
    "--issued-at",
    "2026-03-01T09:30:00Z",
)


def issue(key: Path, output: Path, *extra: str) -> Result:
    return run("issue", "--private-key", key, *ISSUE, "--output", output, *extra)


def verify_json(file: Path, public: str, *extra: str) -> tuple[int, dict[str, object]]:
    result = run("verify", file, "--public-key", public, "--json", *extra)
    return result.exit_code, json.loads(result.stdout)


# -- keygen -----------------------------------------------------------------------------------


def test_keygen_writes_a_private_key_only_its_owner_can_read(tmp_path: Path) -> None:
    # when
    path, public, kid = make_key(tmp_path)
    # then
    key = SigningKey.load(path.read_bytes())
    assert (key.public_key.to_hex(), key.kid) == (public, kid)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(kid) == 16


def test_keygen_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    # given
    path, _, first_kid = make_key(tmp_path)
    before = path.read_bytes()
    # when
    refused = run("keygen", "--output", path)
    forced = run("keygen", "--output", path, "--force", "--json")
    # then
    assert refused.exit_code == 2
    assert "--force" in refused.stderr
    assert forced.exit_code == 0
    assert json.loads(forced.stdout)["kid"] != first_kid
    assert path.read_bytes() != before


def test_keygen_appends_public_keys_to_a_keyring(tmp_path: Path) -> None:
    # given
    keyring = tmp_path / "trusted.keys"
    # when
    first = run("keygen", "-o", tmp_path / "a.pem", "--keyring", keyring, "--json")
    second = run("keygen", "-o", tmp_path / "b.pem", "--keyring", keyring, "--json")
    # then
    kids = {json.loads(result.stdout)["kid"] for result in (first, second)}
    assert {key.kid for key in Keyring.parse(keyring.read_text())} == kids
    assert len(kids) == 2


# -- issue and verify -------------------------------------------------------------------------


def test_issue_then_verify_shows_the_claims(tmp_path: Path) -> None:
    # given
    key, public, kid = make_key(tmp_path)
    licence = tmp_path / "acme.lic"
    # when
    issued = issue(key, licence, "--ttl", "365d")
    status, report = verify_json(licence, public, "--at", "2026-06-01T00:00:00Z")
    # then
    assert issued.exit_code == 0, issued.output
    assert status == 0
    assert report["standing"] == "valid"
    assert report["kid"] == kid
    assert report["meta"] == {
        "issued": "2026-03-01T09:30:00.000Z",
        "expiry": "2027-03-01T09:30:00.000Z",  # 2026-03-01 + 365 days (2026 is not a leap year)
        "ttl": 31_536_000,  # 365 x 86,400 s
    }
    assert report["claims"] == {
        "account": {"id": "acc_42", "name": "Acme Boards", "external_id": None},
        "plan": "business",
        "seats": 25,
        "entitlements": {"sso": True, "projects": 200, "api_calls": "unlimited"},
        "kid": kid,
    }


def test_verify_prints_a_table_for_people(tmp_path: Path) -> None:
    key, public, _ = make_key(tmp_path)
    licence = tmp_path / "acme.lic"
    issue(key, licence, "--perpetual")
    result = run("verify", licence, "--public-key", public)
    assert result.exit_code == 0
    assert "valid" in result.stdout
    assert "Acme Boards" in result.stdout
    assert "projects" in result.stdout


def test_issue_with_issued_at_is_reproducible(tmp_path: Path) -> None:
    key, _, _ = make_key(tmp_path)
    issue(key, tmp_path / "one.lic", "--expiry", "2027-01-01")
    issue(key, tmp_path / "two.lic", "--expiry", "2027-01-01")
    assert (tmp_path / "one.lic").read_text() == (tmp_path / "two.lic").read_text()


def test_issue_without_output_prints_the_file(tmp_path: Path) -> None:
    key, _, kid = make_key(tmp_path)
    result = run("issue", "--private-key", key, *ISSUE, "--perpetual")
    assert result.exit_code == 0
    assert parse_envelope(result.stdout).kid == kid


def test_issue_json_summarises_the_file_or_carries_it(tmp_path: Path) -> None:
    # given
    key, _, kid = make_key(tmp_path)
    # when
    written = run(
        "issue", "--private-key", key, *ISSUE, "--ttl", "1h", "-o", tmp_path / "a.lic", "--json"
    )
    printed = run("issue", "--private-key", key, *ISSUE, "--ttl", "1h", "--json")
    # then
    summary = json.loads(written.stdout)
    assert summary == {
        "output": str(tmp_path / "a.lic"),
        "kid": kid,
        "alg": "base64+ed25519",
        "meta": {
            "issued": "2026-03-01T09:30:00.000Z",
            "expiry": "2026-03-01T10:30:00.000Z",
            "ttl": 3600,
        },
    }
    carried = json.loads(printed.stdout)
    assert carried["license_file"] == (tmp_path / "a.lic").read_text()


def test_an_encrypted_file_needs_its_license_key(tmp_path: Path) -> None:
    # given
    key, public, _ = make_key(tmp_path)
    licence = tmp_path / "acme.lic"
    issue(key, licence, "--ttl", "30d", "--encrypt-with", "ACME-LK-1")
    at = ("--at", "2026-03-02")
    # when
    with_key = verify_json(licence, public, "--license-key", "ACME-LK-1", *at)
    without_key = verify_json(licence, public, *at)
    wrong_key = verify_json(licence, public, "--license-key", "ACME-LK-2", *at)
    # then
    assert with_key[0] == 0
    assert parse_envelope(licence.read_text()).alg == "aes-256-gcm+ed25519"
    assert without_key == (1, without_key[1])
    assert without_key[1]["code"] == "license_decryption_failed"
    assert wrong_key[0] == 1
    assert wrong_key[1]["code"] == "license_decryption_failed"


@pytest.mark.parametrize(
    ("at", "grace", "status", "standing"),
    [
        ("2026-02-28T00:00:00Z", "0s", 1, "not_yet_valid"),  # a day before it was issued
        ("2026-03-01T09:27:00Z", "0s", 0, "valid"),  # 3 minutes early: within the 5-minute drift
        ("2026-03-31T09:29:59Z", "0s", 0, "valid"),
        ("2026-03-31T09:30:00Z", "0s", 1, "expired"),  # issued + 30 days
        ("2026-04-05T00:00:00Z", "7d", 0, "in_grace"),  # grace runs to 2026-04-07T09:30Z
        ("2026-04-08T00:00:00Z", "7d", 1, "expired"),
    ],
)
def test_verify_applies_clock_drift_expiry_and_grace(
    tmp_path: Path, at: str, grace: str, status: int, standing: str
) -> None:
    # given
    key, public, _ = make_key(tmp_path)
    licence = tmp_path / "acme.lic"
    issue(key, licence, "--ttl", "30d")
    # when
    exit_code, report = verify_json(licence, public, "--at", at, "--grace", grace)
    # then
    assert (exit_code, report["standing"]) == (status, standing)


def test_a_keyring_verifies_old_and_new_keys_and_refuses_unknown_ones(tmp_path: Path) -> None:
    # given: a rotation from the old key to the new one, and a stranger's key
    old_key, old_public, _ = make_key(tmp_path, "old.pem")
    new_key, new_public, new_kid = make_key(tmp_path, "new.pem")
    stranger, _, _ = make_key(tmp_path, "stranger.pem")
    keyring = tmp_path / "trusted.keys"
    keyring.write_text(f"# vendor keys\n{old_public}  # 2025\n\n{new_public}\n")
    for name, key in (("old.lic", old_key), ("new.lic", new_key), ("odd.lic", stranger)):
        issue(key, tmp_path / name, "--perpetual")
    # when
    results = {
        name: run("verify", tmp_path / name, "--keyring", keyring, "--json")
        for name in ("old.lic", "new.lic", "odd.lic")
    }
    # then
    assert results["old.lic"].exit_code == 0
    assert json.loads(results["new.lic"].stdout)["kid"] == new_kid
    assert results["odd.lic"].exit_code == 1
    assert json.loads(results["odd.lic"].stdout)["code"] == "license_unknown_key"


def test_a_tampered_file_is_refused_with_exit_1(tmp_path: Path) -> None:
    # given: one character of the armoured body changed
    key, public, _ = make_key(tmp_path)
    licence = tmp_path / "acme.lic"
    issue(key, licence, "--perpetual")
    lines = licence.read_text().splitlines()
    lines[3] = ("B" if lines[3][10] == "A" else "A").join([lines[3][:10], lines[3][11:]])
    licence.write_text("\n".join(lines) + "\n")
    # when
    result = run("verify", licence, "--public-key", public)
    # then
    assert result.exit_code == 1
    assert "license_" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_issue_takes_the_plans_entitlements_from_the_catalog(tmp_path: Path) -> None:
    # given: the example catalog's business plan, with one entitlement overridden
    catalog = Path(__file__).resolve().parents[2] / "examples" / "catalog.yaml"
    key, public, _ = make_key(tmp_path)
    licence = tmp_path / "acme.lic"
    # when
    issued = issue(key, licence, "--perpetual", "--catalog", str(catalog), "-e", "guests=150")
    status, report = verify_json(licence, public)
    # then
    assert issued.exit_code == 0, issued.output
    assert status == 0
    claims = report["claims"]
    assert isinstance(claims, dict)
    assert claims["entitlements"] == {
        "projects": 200,  # the -e option of ISSUE overrides the catalog's "unlimited"
        "automation_runs": 25000,
        "api_calls": "unlimited",  # likewise, over the catalog's 250000
        "storage_gb": 1000,
        "guests": 150,
        "advanced_reports": True,
        "sso": True,
    }


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        (("--plan", "platinum"), "unknown_plan"),
        (("--seats", "2"), "seats_out_of_range"),  # business takes at least 5 seats
    ],
)
def test_issue_checks_plan_and_seats_against_the_catalog(
    tmp_path: Path, extra: tuple[str, ...], code: str
) -> None:
    catalog = Path(__file__).resolve().parents[2] / "examples" / "catalog.yaml"
    key, _, _ = make_key(tmp_path)
    result = issue(key, tmp_path / "acme.lic", "--perpetual", "--catalog", str(catalog), *extra)
    assert result.exit_code == 2
    assert code in result.stderr
    assert not (tmp_path / "acme.lic").exists()


# -- bad usage --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        (),  # no --ttl, --expiry or --perpetual
        ("--ttl", "30d", "--perpetual"),
        ("--ttl", "thirty days"),
        ("--expiry", "next tuesday"),
        ("--expiry", "2020-01-01"),  # before the issue time
        ("--perpetual", "-e", "projects=lots"),
        ("--perpetual", "-e", "Projects=1"),
        ("--perpetual", "--seats", "0"),
    ],
)
def test_bad_issue_options_exit_2_and_write_nothing(tmp_path: Path, extra: tuple[str, ...]) -> None:
    # given
    key, _, _ = make_key(tmp_path)
    licence = tmp_path / "acme.lic"
    # when
    result = issue(key, licence, *extra)
    # then
    assert result.exit_code == 2, result.output
    assert "error" in result.stderr
    assert not licence.exists()
    assert isinstance(result.exception, SystemExit)


def test_issue_with_an_unreadable_private_key_exits_2(tmp_path: Path) -> None:
    (tmp_path / "junk.pem").write_text(
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
    )
    for key in (tmp_path / "junk.pem", tmp_path / "missing.pem"):
        result = issue(key, tmp_path / "acme.lic", "--perpetual")
        assert result.exit_code == 2
        assert "private_key" in result.stderr


@pytest.mark.parametrize(
    "options",
    [
        (),  # no key at all
        ("--public-key", "ab" * 32, "--keyring", "trusted.keys"),
        ("--public-key", "not-hex"),
        ("--public-key", "abcd"),
        ("--keyring", "missing.keys"),
        ("--public-key", "ab" * 32, "--grace", "soon"),
        ("--public-key", "ab" * 32, "--at", "yesterday"),
    ],
)
def test_bad_verify_options_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: tuple[str, ...]
) -> None:
    # given
    monkeypatch.chdir(tmp_path)
    key, _, _ = make_key(tmp_path)
    issue(key, tmp_path / "acme.lic", "--perpetual")
    # when
    result = run("verify", tmp_path / "acme.lic", *options)
    # then
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)


def test_verifying_a_missing_file_exits_2(tmp_path: Path) -> None:
    result = run("verify", tmp_path / "nothing.lic", "--public-key", "ab" * 32)
    assert result.exit_code == 2
    assert "cannot read" in result.stderr
