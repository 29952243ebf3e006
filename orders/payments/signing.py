"""Alipay's RSA2 signature scheme (SHA256withRSA, PKCS#1 v1.5, base64).

The signed content of a request or a notification is its parameters sorted by name, without ``sign`` and
``sign_type`` and without empty values, joined as ``k=v&k=v`` with the values as they are (not URL-encoded).
The signed content of a gateway response is the raw JSON text of its ``*_response`` value (see alipay.py).

Keys are accepted as full PEM text or as the bare base64 body that Alipay's console shows (PKCS#8 or
PKCS#1 for private keys, SubjectPublicKeyInfo or PKCS#1 for public keys).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from functools import lru_cache

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

EXCLUDED = frozenset({"sign", "sign_type"})
KEY_SIZE = 2048
_WHITESPACE = re.compile(r"\s+")


def canonical(params: Mapping[str, str]) -> str:
    """The string Alipay signs: sorted ``k=v`` pairs joined by ``&``, without sign, sign_type and empty values."""
    return "&".join(
        f"{name}={params[name]}" for name in sorted(params) if name not in EXCLUDED and params[name] != ""
    )


def _key_text(text: str) -> str:
    # Keys pasted into environment variables often carry literal "\n" sequences instead of line breaks.
    return text.replace("\\n", "\n").strip()


def _bare_der(text: str) -> bytes:
    try:
        return base64.b64decode(_WHITESPACE.sub("", text), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not a PEM key nor a base64 key body") from exc


@lru_cache(maxsize=32)
def load_private_key(text: str) -> rsa.RSAPrivateKey:
    """An RSA private key from PEM text or a bare base64 body (PKCS#8 or PKCS#1). ValueError if it is not one."""
    text = _key_text(text)
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            key = serialization.load_der_private_key(_bare_der(text), password=None)
    except (TypeError, UnsupportedAlgorithm) as exc:  # encrypted, or not a key type we know
        raise ValueError(f"not a usable private key: {exc}") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


@lru_cache(maxsize=32)
def load_public_key(text: str) -> rsa.RSAPublicKey:
    """An RSA public key from PEM text or a bare base64 body (SubjectPublicKeyInfo or PKCS#1)."""
    text = _key_text(text)
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode())
        else:
            der = _bare_der(text)
            try:
                key = serialization.load_der_public_key(der)
            except ValueError:  # a bare PKCS#1 body: cryptography reads that form from PEM only
                pem = (
                    b"-----BEGIN RSA PUBLIC KEY-----\n"
                    + base64.encodebytes(der)
                    + b"-----END RSA PUBLIC KEY-----\n"
                )
                key = serialization.load_pem_public_key(pem)
    except UnsupportedAlgorithm as exc:
        raise ValueError(f"not a usable public key: {exc}") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key


def private_key_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_key_pem(key: rsa.RSAPublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def generate_key_pair() -> tuple[str, str]:
    """A new 2048-bit RSA key pair as ``(private PEM (PKCS#8), public PEM (SubjectPublicKeyInfo))``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    return private_key_pem(key), public_key_pem(key.public_key())


def rsa2_sign_content(content: str, private_key_pem: str) -> str:
    """The base64 SHA256withRSA (PKCS#1 v1.5) signature of ``content`` encoded as UTF-8."""
    signature = load_private_key(private_key_pem).sign(content.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def rsa2_verify_content(content: str, signature: str, public_key_pem: str) -> bool:
    """Whether ``signature`` (base64) is a valid RSA2 signature of ``content``. Never raises for a bad signature."""
    if not signature:
        return False
    try:
        raw = base64.b64decode(_WHITESPACE.sub("", signature), validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        load_public_key(public_key_pem).verify(raw, content.encode(), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def rsa2_sign(params: Mapping[str, str], private_key_pem: str) -> str:
    """The RSA2 signature of a parameter set (see :func:`canonical`)."""
    return rsa2_sign_content(canonical(params), private_key_pem)


def rsa2_verify(params: Mapping[str, str], public_key_pem: str) -> bool:
    """Whether ``params["sign"]`` is a valid RSA2 signature of the other parameters. False, never an
    exception, for a missing, garbled or non-base64 signature."""
    signature = params.get("sign")
    if not isinstance(signature, str):
        return False
    return rsa2_verify_content(canonical(params), signature, public_key_pem)
