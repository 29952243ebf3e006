"""Encryption at rest for personal numbers (ID numbers, bank accounts) and keyed hashes for lookups.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from the ``cryptography`` package) under
FIELD_ENCRYPTION_KEYS: the first key encrypts, every key decrypts, so keys can be rotated. Ciphertexts are
randomised, so equality lookups use :func:`keyed_hash` (HMAC-SHA256 under IDENTITY_HASH_KEY) instead: the
database can enforce "one identity, one shop" without holding the number in clear.

Without explicit keys both are derived from SECRET_KEY with HKDF (the demo and the tests); a production
deployment should set them, since rotating SECRET_KEY would otherwise make stored numbers unreadable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models


def _derive(purpose: bytes, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=b"gansu-mall", info=purpose).derive(
        settings.SECRET_KEY.encode()
    )


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if keys:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    return MultiFernet([Fernet(base64.urlsafe_b64encode(_derive(b"field-encryption")))])


def _cipher() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS), settings.SECRET_KEY)


def encrypt(plaintext: str) -> str:
    return _cipher().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("cannot decrypt: wrong FIELD_ENCRYPTION_KEYS?") from exc


def keyed_hash(value: str, *, purpose: str) -> str:
    """A stable, non-reversible fingerprint of ``value`` for uniqueness checks (hex, 64 chars)."""
    key = settings.IDENTITY_HASH_KEY.encode() if settings.IDENTITY_HASH_KEY else _derive(b"identity-hash")
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column holding ciphertext; Python sees plaintext. Not searchable: pair it with a keyed hash."""

    def from_db_value(self, value: str | None, expression: object, connection: object) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: object) -> str | None:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))
