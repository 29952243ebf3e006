"""Tests of vendors.identity: USCC, resident ID number and bank account validation and masking.

Valid codes are built here with small check-character helpers written independently of the module, so
a bug in the module's own computation cannot make its tests pass. No database.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

from vendors.identity import (
    IdentityError,
    IdNumberInfo,
    mask_bank_account,
    mask_id_number,
    normalize_uscc,
    validate_bank_account,
    validate_id_number,
    validate_uscc,
)

# --- independent helpers --------------------------------------------------------------------------

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc(first17: str) -> str:
    """first17 plus its GB 32100-2015 check character (weights 3**i mod 31)."""
    assert len(first17) == 17
    total = 0
    for i, char in enumerate(first17):
        total += ALPHABET.index(char) * pow(3, i, 31)
    check = 31 - total % 31
    if check == 31:
        check = 0
    return first17 + ALPHABET[check]


def wrong_last(code: str) -> str:
    """code with its last character replaced by another (still allowed) character."""
    return code[:-1] + ("0" if code[-1] != "0" else "1")


def id_number(first17: str) -> str:
    """first17 plus its GB 11643-1999 check character (ISO 7064 MOD 11-2)."""
    assert len(first17) == 17
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    return first17 + "10X98765432"[total % 11]


def message(error: pytest.ExceptionInfo[IdentityError]) -> str:
    with translation.override("en"):
        return str(error.value.message)


TODAY = date(2025, 6, 1)


def test_helpers_agree_with_published_examples() -> None:
    # The example of python-stdnum's documentation and zh.wikipedia, and a GB 11643 example.
    assert uscc("91110000600037341") == "91110000600037341L"
    assert id_number("11010519491231002") == "11010519491231002X"


# --- Unified Social Credit Code -------------------------------------------------------------------

ENTERPRISE = uscc("91620100" + "MA72AB3C4")  # market regulation, enterprise, 兰州市
COOPERATIVE = uscc("93" + "621221" + "MA73X0K1P")  # farmers' specialised cooperative, 成县
VILLAGE_COMMITTEE = uscc("N2" + "621221" + "K2M6R8T0Q")  # grass-roots self-governing organisation
MILITARY = uscc("A1" + "620100" + "0A1B2C3D4")  # registered by the Central Military Commission
TRADE_UNION = uscc("Y1" + "620102" + "8E7F6G5H4")  # trade union
LETTER_AUTHORITY_CODES = [VILLAGE_COMMITTEE, MILITARY, TRADE_UNION]


@pytest.mark.parametrize(
    "code",
    [ENTERPRISE, COOPERATIVE, VILLAGE_COMMITTEE, MILITARY, TRADE_UNION, "91110000600037341L"],
)
def test_valid_uscc(code: str) -> None:
    assert validate_uscc(code) == code


@pytest.mark.parametrize("code", LETTER_AUTHORITY_CODES)
def test_letter_authority_codes_rejected_by_stdnum_accepted_by_us(code: str) -> None:
    assert not stdnum_uscc.is_valid(code)
    assert validate_uscc(code) == code


@pytest.mark.parametrize(
    "code",
    [
        ENTERPRISE,
        COOPERATIVE,
        "91110000600037341L",
        uscc("92621221" + "L12345678"),
        wrong_last(ENTERPRISE),
        wrong_last(COOPERATIVE),
        "91110000600037341",
    ],
)
def test_agrees_with_stdnum_for_codes_starting_with_9(code: str) -> None:
    try:
        ours = validate_uscc(code) == code
    except IdentityError:
        ours = False
    assert ours is stdnum_uscc.is_valid(code)


def test_uscc_normalized() -> None:
    spaced = " " + ENTERPRISE[:2].lower() + " " + ENTERPRISE[2:8] + "-" + ENTERPRISE[8:].lower() + "\n"
    assert normalize_uscc(spaced) == ENTERPRISE
    assert validate_uscc(spaced) == ENTERPRISE
    assert validate_uscc("91110000600037341l") == "91110000600037341L"


@pytest.mark.parametrize("code", ["", "91110000600037341", "91110000600037341LL", ENTERPRISE + "0"])
def test_uscc_wrong_length(code: str) -> None:
    with pytest.raises(IdentityError) as error:
        validate_uscc(code)
    assert error.value.field == "uscc"
    assert message(error) == "A Unified Social Credit Code has 18 characters."


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_uscc_forbidden_letters(letter: str) -> None:
    code = ENTERPRISE[:9] + letter + ENTERPRISE[10:]
    with pytest.raises(IdentityError) as error:
        validate_uscc(code)
    assert error.value.field == "uscc"
    assert message(error) == "The Unified Social Credit Code contains a character that is not allowed."


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_uscc_forbidden_letter_as_check_character(letter: str) -> None:
    with pytest.raises(IdentityError) as error:
        validate_uscc(ENTERPRISE[:17] + letter)
    assert message(error) == "The Unified Social Credit Code contains a character that is not allowed."


def test_uscc_non_digit_division_code() -> None:
    code = uscc("9162A100" + "MA72AB3C4")
    with pytest.raises(IdentityError) as error:
        validate_uscc(code)
    assert error.value.field == "uscc"
    assert "administrative division code" in message(error)


@pytest.mark.parametrize("code", [ENTERPRISE, COOPERATIVE, VILLAGE_COMMITTEE, "91110000600037341L"])
def test_uscc_wrong_check_character(code: str) -> None:
    with pytest.raises(IdentityError) as error:
        validate_uscc(wrong_last(code))
    assert error.value.field == "uscc"
    assert message(error) == "The check character of this Unified Social Credit Code is wrong."


def test_uscc_check_character_zero() -> None:
    # Find a body whose check value is 31, which the standard maps to "0".
    body = next(f"9162010000000{n:04d}" for n in range(10000) if uscc(f"9162010000000{n:04d}").endswith("0"))
    code = uscc(body)
    assert code.endswith("0")
    assert validate_uscc(code) == code


def test_error_is_a_value_error_with_field_and_message() -> None:
    with pytest.raises(ValueError, match="18 characters"):
        validate_uscc("123")


# --- Resident ID number ---------------------------------------------------------------------------

CHENG_XIAN_1990 = id_number("62122119900101123")  # 成县, current code since 2004
WUDU_XIAN_1990 = id_number("62262119900101124")  # 武都县, retired in 2004 (now 武都区 621202)
WUDU_QU_X = id_number("62120219900101123")  # 武都区, ends in X


def test_id_fixtures() -> None:
    assert CHENG_XIAN_1990 == "621221199001011239"
    assert WUDU_QU_X == "62120219900101123X"


def test_valid_id_number_current_county() -> None:
    info = validate_id_number(CHENG_XIAN_1990, today=TODAY)
    assert info == IdNumberInfo(
        number="621221199001011239", birth_date=date(1990, 1, 1), gender="male", region_code="621221"
    )


def test_current_county_code_newer_than_birth_rejected_by_stdnum_accepted_by_us() -> None:
    # 621221 only exists since 2004; someone born in 1990 and first issued an ID in 成县 after 2004
    # carries it. python-stdnum checks the code against the birth year and rejects the number.
    assert not stdnum_ric.is_valid(CHENG_XIAN_1990)
    assert validate_id_number(CHENG_XIAN_1990, today=TODAY).region_code == "621221"


def test_retired_county_code_accepted() -> None:
    info = validate_id_number(WUDU_XIAN_1990, today=TODAY)
    assert info.region_code == "622621"
    assert info.gender == "female"
    assert info.birth_date == date(1990, 1, 1)


def test_retired_county_code_after_its_retirement_rejected_by_stdnum_accepted_by_us() -> None:
    # Codes are not re-checked against the division history: a retired code stays acceptable.
    number = id_number("62262120050101123")
    assert not stdnum_ric.is_valid(number)
    assert validate_id_number(number, today=TODAY).region_code == "622621"


def test_check_character_x_and_lowercase() -> None:
    assert validate_id_number(WUDU_QU_X, today=TODAY).number == "62120219900101123X"
    info = validate_id_number(" 621202-19900101-123x ", today=TODAY)
    assert info.number == "62120219900101123X"
    assert info.gender == "male"


def test_today_defaults_to_current_date() -> None:
    assert validate_id_number(CHENG_XIAN_1990).birth_date == date(1990, 1, 1)


def test_birth_today_is_accepted() -> None:
    number = id_number("62010220250601002")
    assert validate_id_number(number, today=TODAY).birth_date == TODAY


def _id_error(value: str) -> pytest.ExceptionInfo[IdentityError]:
    with pytest.raises(IdentityError) as error:
        validate_id_number(value, today=TODAY)
    assert error.value.field == "id_number"
    return error


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (CHENG_XIAN_1990[:17], "A resident ID number has 18 characters."),
        (CHENG_XIAN_1990 + "1", "A resident ID number has 18 characters."),
        ("", "A resident ID number has 18 characters."),
        (id_number("62122119900230123"), "The birth date in this ID number is not a real date."),
        (id_number("62122119901301123"), "The birth date in this ID number is not a real date."),
        (id_number("62122119900100123"), "The birth date in this ID number is not a real date."),
        (id_number("62122120250602123"), "The birth date in this ID number is in the future."),
        (id_number("62122118991231123"), "The birth date in this ID number is before 1900."),
        (wrong_last(CHENG_XIAN_1990), "The check character of this ID number is wrong."),
        ("62120219900101123" + "0", "The check character of this ID number is wrong."),
        (id_number("99122119900101123"), "The ID number does not start with a province code."),
        (id_number("00000019900101123"), "The ID number does not start with a province code."),
        ("6212211990010112X9", "An ID number has 17 digits followed by a digit or X."),
        ("62122119900101123A", "An ID number has 17 digits followed by a digit or X."),
    ],
)
def test_invalid_id_numbers(value: str, expected: str) -> None:
    assert message(_id_error(value)) == expected


@pytest.mark.parametrize(
    "prefix", ["11", "15", "21", "23", "31", "37", "41", "46", "50", "54", "61", "65", "71", "81", "82"]
)
def test_province_prefixes_accepted(prefix: str) -> None:
    number = id_number(prefix + "010219900101123")
    assert validate_id_number(number, today=TODAY).region_code == prefix + "0102"


@pytest.mark.parametrize(
    "prefix", ["10", "16", "20", "24", "30", "38", "40", "47", "55", "60", "66", "70", "72", "80", "83", "91"]
)
def test_non_province_prefixes_rejected(prefix: str) -> None:
    _id_error(id_number(prefix + "010219900101123"))


# --- Masking and bank accounts --------------------------------------------------------------------


def test_mask_id_number() -> None:
    assert mask_id_number("62122119900101123X") == "6212**********123X"
    assert len(mask_id_number("62122119900101123X")) == 18
    assert mask_id_number("62122119900101123x") == "6212**********123X"
    assert mask_id_number("12345678") == "********"
    assert mask_id_number("") == ""


def test_mask_bank_account() -> None:
    assert mask_bank_account("6222021234567890123") == "**** **** **** 0123"
    assert mask_bank_account("6222 0212 3456 7890 123") == "**** **** **** 0123"
    assert mask_bank_account("1234") == "**** **** **** 1234"
    assert mask_bank_account("123") == "****"
    assert mask_bank_account("") == "****"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("6222021234567890123", "6222021234567890123"),  # UnionPay, 19 digits
        ("6222 0212 3456 7890", "6222021234567890"),  # UnionPay, 16 digits, spaces removed
        ("6222021234567890124", "6222021234567890124"),  # not Luhn-valid, still accepted
        ("123456789012", "123456789012"),  # 12 digits, corporate
        ("1" * 30, "1" * 30),
        (" 2703 0101 0400 0123 45 ", "270301010400012345"),  # corporate, not Luhn
    ],
)
def test_valid_bank_accounts(value: str, expected: str) -> None:
    assert validate_bank_account(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12345678901", "A bank account number has 12 to 30 digits."),
        ("1" * 31, "A bank account number has 12 to 30 digits."),
        ("", "A bank account number may only contain digits."),
        ("6222-0212-3456-7890", "A bank account number may only contain digits."),
        ("62220212345678901A", "A bank account number may only contain digits."),
        ("６２２２０２１２３４５６７８９０", "A bank account number may only contain digits."),  # full-width
    ],
)
def test_invalid_bank_accounts(value: str, expected: str) -> None:
    with pytest.raises(IdentityError) as error:
        validate_bank_account(value)
    assert error.value.field == "bank_account"
    assert message(error) == expected


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield
