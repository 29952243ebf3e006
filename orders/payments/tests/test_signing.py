"""Alipay's RSA2 scheme: the canonical string, signing and verification, key forms."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization

from orders.payments.signing import (
    canonical,
    generate_key_pair,
    load_private_key,
    load_public_key,
    rsa2_sign,
    rsa2_sign_content,
    rsa2_verify,
    rsa2_verify_content,
)

PARAMS = {
    "app_id": "2021000000000001",
    "method": "alipay.trade.page.pay",
    "charset": "utf-8",
    "timestamp": "2026-03-01 12:30:05",
    "biz_content": '{"out_trade_no":"P1","total_amount":"88.00","subject":"成县核桃 walnuts"}',
    "return_url": "",
    "sign_type": "RSA2",
}


@pytest.fixture(scope="module")
def pair() -> tuple[str, str]:
    return generate_key_pair()


@pytest.fixture(scope="module")
def other_pair() -> tuple[str, str]:
    return generate_key_pair()


def pem_body(pem: str) -> str:
    return "".join(line for line in pem.strip().splitlines() if not line.startswith("-----"))


def test_canonical_sorts_and_leaves_out_sign_sign_type_and_empty_values():
    params = {**PARAMS, "sign": "abc=="}
    assert canonical(params) == (
        "app_id=2021000000000001"
        '&biz_content={"out_trade_no":"P1","total_amount":"88.00","subject":"成县核桃 walnuts"}'
        "&charset=utf-8"
        "&method=alipay.trade.page.pay"
        "&timestamp=2026-03-01 12:30:05"
    )
    assert canonical({"b": "2", "a": "x&y=z", "c": ""}) == "a=x&y=z&b=2"
    assert canonical({}) == ""


def test_sign_and_verify_round_trip(pair):
    private_pem, public_pem = pair
    params = {**PARAMS, "sign": rsa2_sign(PARAMS, private_pem)}
    assert rsa2_verify(params, public_pem) is True
    # sign_type and empty values are not signed: changing them keeps the signature valid, as with Alipay.
    assert rsa2_verify({**params, "sign_type": "RSA"}, public_pem) is True
    assert rsa2_verify({k: v for k, v in params.items() if k != "return_url"}, public_pem) is True
    assert len(base64.b64decode(params["sign"])) == 256  # 2048-bit RSA


def test_signature_is_deterministic_pkcs1_v15(pair):
    private_pem, _public = pair
    assert rsa2_sign(PARAMS, private_pem) == rsa2_sign(dict(reversed(list(PARAMS.items()))), private_pem)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda p: {**p, "timestamp": "2026-03-01 12:30:06"}, id="tampered-value"),
        pytest.param(
            lambda p: {**p, "biz_content": p["biz_content"].replace("88.00", "0.01")}, id="tampered-amount"
        ),
        pytest.param(lambda p: {**p, "notify_url": "https://evil.example/"}, id="added-parameter"),
        pytest.param(lambda p: {k: v for k, v in p.items() if k != "charset"}, id="removed-parameter"),
        pytest.param(lambda p: {k: v for k, v in p.items() if k != "sign"}, id="missing-sign"),
        pytest.param(lambda p: {**p, "sign": ""}, id="empty-sign"),
        pytest.param(lambda p: {**p, "sign": "!!not base64!!"}, id="bad-base64"),
        pytest.param(lambda p: {**p, "sign": p["sign"][:-8] + "AAAAAAA="}, id="garbled"),
        pytest.param(lambda p: {**p, "sign": base64.b64encode(b"short").decode()}, id="wrong-length"),
    ],
)
def test_verify_fails_for_changed_parameters_or_signature(pair, change):
    private_pem, public_pem = pair
    params = {**PARAMS, "sign": rsa2_sign(PARAMS, private_pem)}
    assert rsa2_verify(change(params), public_pem) is False


def test_verify_fails_with_another_key(pair, other_pair):
    params = {**PARAMS, "sign": rsa2_sign(PARAMS, pair[0])}
    assert rsa2_verify(params, other_pair[1]) is False
    assert rsa2_verify({**PARAMS, "sign": rsa2_sign(PARAMS, other_pair[0])}, pair[1]) is False


def test_content_signature_covers_exact_text(pair):
    private_pem, public_pem = pair
    text = '{"code":"10000","msg":"Success","total_amount":"30.00"}'
    signature = rsa2_sign_content(text, private_pem)
    assert rsa2_verify_content(text, signature, public_pem) is True
    assert rsa2_verify_content(text.replace(":", ": "), signature, public_pem) is False
    assert rsa2_verify_content(text, "", public_pem) is False


def test_pem_and_bare_base64_key_forms_are_equivalent(pair):
    private_pem, public_pem = pair
    key = load_private_key(private_pem)
    pkcs1_private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    pkcs1_public = (
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1).decode()
    )
    private_forms = [
        private_pem,
        pem_body(private_pem),  # Alipay's console: the PKCS#8 body on one line
        pkcs1_private,
        pem_body(pkcs1_private),
        private_pem.replace("\n", "\\n"),  # pasted into an environment variable
    ]
    public_forms = [public_pem, pem_body(public_pem), pkcs1_public, pem_body(pkcs1_public)]
    expected = key.public_key().public_numbers()
    for form in private_forms:
        assert load_private_key(form).public_key().public_numbers() == expected
    for form in public_forms:
        assert load_public_key(form).public_numbers() == expected
    for private_form in private_forms:
        params = {**PARAMS, "sign": rsa2_sign(PARAMS, private_form)}
        assert all(rsa2_verify(params, public_form) for public_form in public_forms)


@pytest.mark.parametrize(
    "text", ["", "not a key", "QUJD", "-----BEGIN PUBLIC KEY-----\nQUJD\n-----END PUBLIC KEY-----"]
)
def test_unreadable_keys_are_refused(text):
    with pytest.raises(ValueError):  # noqa: PT011 - cryptography's own messages vary
        load_private_key(text)
    with pytest.raises(ValueError):  # noqa: PT011
        load_public_key(text)


def test_generated_key_pair_is_2048_bit_and_matching(pair):
    private_pem, public_pem = pair
    assert private_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert public_pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert load_private_key(private_pem).key_size == 2048
    assert (
        load_public_key(public_pem).public_numbers()
        == load_private_key(private_pem).public_key().public_numbers()
    )
