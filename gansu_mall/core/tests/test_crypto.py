import pytest
from cryptography.fernet import Fernet

from gansu_mall.core.crypto import decrypt, encrypt, keyed_hash


def test_round_trip_and_randomised_ciphertext():
    first, second = encrypt("62122119900101123X"), encrypt("62122119900101123X")
    assert first != second
    assert "6212211990" not in first
    assert decrypt(first) == decrypt(second) == "62122119900101123X"


def test_keys_can_be_rotated(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    token = encrypt("6222021234567890123")
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert decrypt(token) == "6222021234567890123"
    settings.FIELD_ENCRYPTION_KEYS = [new]
    with pytest.raises(ValueError, match="cannot decrypt"):
        decrypt(token)


def test_keyed_hash_is_stable_per_purpose_and_key(settings):
    a = keyed_hash("91620100MA01234567", purpose="identity")
    assert a == keyed_hash("91620100MA01234567", purpose="identity")
    assert a != keyed_hash("91620100MA01234567", purpose="bank")
    assert len(a) == 64
    settings.IDENTITY_HASH_KEY = "another-key"
    assert keyed_hash("91620100MA01234567", purpose="identity") != a
