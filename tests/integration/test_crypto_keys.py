"""The crypto adapter: key ids, key files, keyrings and the license-key cipher, on real crypto."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tierwise.adapters.crypto import Keyring, LicenseKeyCipher, SigningKey, VerifyingKey, key_id
from tierwise.errors import InvalidInput, LicenseDecryptionFailed

KEY = SigningKey.generate()
OTHER = SigningKey.generate()


def test_the_key_id_is_16_hex_digits_of_sha256_of_the_raw_public_key() -> None:
    raw = bytes.fromhex(KEY.public_key.to_hex())
    assert KEY.kid == hashlib.sha256(raw).hexdigest()[:16] == key_id(raw)


@pytest.mark.parametrize("encoding", ["pem", "hex"])
def test_a_private_key_survives_its_file_format(encoding: str) -> None:
    # given
    data = KEY.to_pem() if encoding == "pem" else KEY.to_hex().encode()
    # when
    loaded = SigningKey.load(b"\n" + data + b"\n")
    # then: same key, so the same (deterministic) signature
    assert loaded.kid == KEY.kid
    assert loaded.sign(b"license/x") == KEY.sign(b"license/x")


def test_a_pem_of_another_kind_of_key_is_refused() -> None:
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(InvalidInput) as caught:
        SigningKey.load(pem)
    assert "Ed25519" in caught.value.message


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"zz" * 32,
        b"ab" * 31,
        b"-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----",
        b"\xff\xfe",
    ],
)
def test_junk_private_keys_are_refused_naming_the_field(data: bytes) -> None:
    with pytest.raises(InvalidInput) as caught:
        SigningKey.load(data)
    assert caught.value.field == "private_key"


@pytest.mark.parametrize("text", ["", "xyz", "ab" * 31, "ab" * 33])
def test_junk_public_keys_are_refused_naming_the_field(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        VerifyingKey.from_hex(text)
    assert caught.value.field == "public_key"


def test_a_public_key_round_trips_through_hex() -> None:
    assert VerifyingKey.from_hex(KEY.public_key.to_hex()).kid == KEY.kid


def test_a_verifying_key_answers_only_for_its_own_signatures_and_kid() -> None:
    message, signature = b"license/abc", KEY.sign(b"license/abc")
    key = KEY.public_key
    assert key.verify(message, signature, None) == KEY.kid
    assert key.verify(message, signature, KEY.kid) == KEY.kid
    assert key.verify(message, signature, OTHER.kid) is None
    assert key.verify(b"license/abd", signature, None) is None
    assert key.verify(message, b"\x00" * 64, None) is None


def test_a_keyring_file_has_one_key_a_line_with_comments() -> None:
    # given
    old, new = KEY.public_key.to_hex(), OTHER.public_key.to_hex()
    text = f"# tierwise vendor keys\n\n{old}   # 2025\n  {new}\n"
    # when
    keyring = Keyring.parse(text)
    # then
    assert len(keyring) == 2
    assert {key.kid for key in keyring} == {KEY.kid, OTHER.kid}
    assert keyring.knows(OTHER.kid)
    assert not keyring.knows("0000000000000000")


def test_a_keyring_checks_only_the_named_key() -> None:
    keyring = Keyring([KEY.public_key, OTHER.public_key])
    signature = OTHER.sign(b"license/abc")
    assert keyring.verify(b"license/abc", signature, None) == OTHER.kid
    assert keyring.verify(b"license/abc", signature, OTHER.kid) == OTHER.kid
    assert keyring.verify(b"license/abc", signature, KEY.kid) is None
    assert keyring.verify(b"license/abc", signature, "0000000000000000") is None


def test_a_bad_keyring_line_is_reported_with_its_number() -> None:
    with pytest.raises(InvalidInput) as caught:
        Keyring.parse(f"{KEY.public_key.to_hex()}\n# ok\nnot-a-key\n")
    assert "line 3" in caught.value.message


def test_an_empty_keyring_is_refused() -> None:
    with pytest.raises(InvalidInput):
        Keyring.parse("# nothing yet\n")


def test_the_cipher_key_is_sha256_of_the_license_key() -> None:
    # given
    ciphertext, iv, tag = LicenseKeyCipher("ACME-LK-1").encrypt(b'{"meta":{}}')
    # when: decrypting independently, with AES-256-GCM keyed by SHA-256("ACME-LK-1")
    plain = AESGCM(hashlib.sha256(b"ACME-LK-1").digest()).decrypt(iv, ciphertext + tag, None)
    # then
    assert plain == b'{"meta":{}}'
    assert (len(iv), len(tag)) == (12, 16)


def test_each_encryption_gets_a_fresh_iv() -> None:
    cipher = LicenseKeyCipher("ACME-LK-1")
    assert cipher.encrypt(b"same")[1] != cipher.encrypt(b"same")[1]


def test_the_wrong_license_key_or_a_changed_tag_fails_to_decrypt() -> None:
    ciphertext, iv, tag = LicenseKeyCipher("ACME-LK-1").encrypt(b"secret")
    with pytest.raises(LicenseDecryptionFailed):
        LicenseKeyCipher("ACME-LK-2").decrypt(ciphertext, iv, tag)
    with pytest.raises(LicenseDecryptionFailed):
        LicenseKeyCipher("ACME-LK-1").decrypt(ciphertext, iv, bytes(16))


def test_an_empty_license_key_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        LicenseKeyCipher("")
    assert caught.value.field == "license_key"
