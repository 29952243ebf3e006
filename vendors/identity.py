"""Validation and masking of the Chinese legal identities a shop registers with.

Pure functions, no database: a shop's Unified Social Credit Code (统一社会信用代码, GB 32100-2015), the
resident ID number of its legal representative (公民身份号码, GB 11643-1999) and its settlement bank
account. Each validator returns the normalised value or raises :class:`IdentityError`, which names the
form field at fault and carries a translatable message.

python-stdnum (``stdnum.cn.uscc``, ``stdnum.cn.ric``) is deliberately *not* used to accept or reject
anything, because it is stricter than the standards in ways that turn away real, valid identities:

* ``stdnum.cn.uscc`` (2.2) demands that the first eight characters be digits, so it rejects every code
  whose registration authority (position 1) or entity type (position 2) is a letter, e.g. codes issued
  to grass-roots self-governing organisations (``N``), to organisations registered by the Central
  Military Commission (``A``) or to trade unions (``Y``). GB 32100-2015 allows any character of the
  code's character set in those positions.
* ``stdnum.cn.ric`` looks the first six digits up in its copy of the GB/T 2260 administrative division
  history and rejects the number unless that county code existed in the year of birth. But a resident
  ID number is assigned when it is first issued and never changes when counties are re-coded. Gansu
  re-coded many counties between 2001 and 2004 (Longnan, for instance, became a prefecture-level city
  in 2004, so 武都县 622621 became 武都区 621202 and 成县 622624 became 621221), so a person born in
  1990 who was first issued an ID in 成县 after 2004 legitimately carries 621221 although that code
  did not exist in 1990. We therefore only check that the region code is six digits starting with a
  real province prefix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

__all__ = [
    "IdNumberInfo",
    "IdentityError",
    "mask_bank_account",
    "mask_id_number",
    "normalize_uscc",
    "uscc_check_character",
    "validate_bank_account",
    "validate_id_number",
    "validate_uscc",
]

IdentityField = Literal["uscc", "id_number", "bank_account"]

CHINA_TZ = ZoneInfo("Asia/Shanghai")


class IdentityError(ValueError):
    """An identity value is invalid.

    ``field`` names the value at fault ("uscc", "id_number" or "bank_account") so that a form or
    serializer can attach ``message`` (a lazily translated string) to the right input.
    """

    def __init__(self, field: IdentityField, message: str | _StrPromise) -> None:
        super().__init__(message)
        self.field: IdentityField = field
        self.message: str | _StrPromise = message

    def __repr__(self) -> str:
        return f"IdentityError(field={self.field!r}, message={str(self.message)!r})"


def _compact(value: str) -> str:
    """Strip surrounding whitespace, drop inner spaces and hyphens, upper-case."""
    return "".join(value.split()).replace("-", "").upper()


# --- Unified Social Credit Code (GB 32100-2015) -------------------------------------------------------

#: The 31 characters a USCC may use: digits and the capital letters except I, O, Z, S and V (too easily
#: confused with 1, 0, 2, 5 and U). A character's value in the check computation is its index here.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

#: Weights of positions 1-17: 3**i mod 31.
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

USCC_LENGTH = 18


def normalize_uscc(value: str) -> str:
    """Return ``value`` stripped of whitespace, spaces and hyphens, upper-cased."""
    return _compact(value)


def uscc_check_character(first17: str) -> str:
    """Return the check character (position 18) for the first 17 characters of a USCC.

    GB 32100-2015: each character's value is its index in :data:`USCC_CHARSET`; multiply by the
    position's weight (3**i mod 31), sum, and take ``31 - (sum mod 31)``, where a result of 31 means 0.
    The check character is the charset character with that value. ``first17`` must be normalised and
    contain only charset characters.
    """
    total = sum(USCC_CHARSET.index(char) * weight for char, weight in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> str:
    """Validate a Unified Social Credit Code and return it normalised.

    GB 32100-2015 layout, 18 characters from :data:`USCC_CHARSET`:

    * position 1: registration authority (1 organisation departments, 5 civil affairs, 9 market
      regulation, Y others, also 2-8, A, N ...);
    * position 2: entity type within that authority (e.g. 91 enterprise, 92 individual business,
      93 farmers' specialised cooperative);
    * positions 3-8: the GB/T 2260 administrative division code of the registering authority, six
      digits;
    * positions 9-17: the GB 11714 organisation code (digits and charset letters);
    * position 18: check character, see :func:`uscc_check_character`.

    Any charset character is accepted in positions 1 and 2; the registration authority is not
    restricted to a list (unlike python-stdnum, see the module docstring). Raises
    :class:`IdentityError` with ``field="uscc"``.
    """
    code = normalize_uscc(value)
    if len(code) != USCC_LENGTH:
        raise IdentityError("uscc", _("A Unified Social Credit Code has 18 characters."))
    if any(char not in USCC_CHARSET for char in code):
        raise IdentityError(
            "uscc", _("The Unified Social Credit Code contains a character that is not allowed.")
        )
    if not code[2:8].isdigit():
        raise IdentityError(
            "uscc",
            _(
                "Characters 3 to 8 of a Unified Social Credit Code are an administrative division code "
                "and must be digits."
            ),
        )
    if code[17] != uscc_check_character(code[:17]):
        raise IdentityError("uscc", _("The check character of this Unified Social Credit Code is wrong."))
    return code


# --- Resident ID number (GB 11643-1999) ---------------------------------------------------------------

ID_NUMBER_LENGTH = 18

#: Weights of digits 1-17: 2**(17-i) mod 11 (ISO 7064 MOD 11-2).
ID_NUMBER_WEIGHTS = tuple(2 ** (17 - i) % 11 for i in range(17))

#: Check character for each value of the weighted sum mod 11.
ID_NUMBER_CHECK = "10X98765432"

#: The first two digits of every GB/T 2260 province-level division (71 Taiwan, 81 Hong Kong, 82 Macao).
PROVINCE_PREFIXES = frozenset(
    {
        *(str(n) for n in range(11, 16)),
        *(str(n) for n in range(21, 24)),
        *(str(n) for n in range(31, 38)),
        *(str(n) for n in range(41, 47)),
        *(str(n) for n in range(50, 55)),
        *(str(n) for n in range(61, 66)),
        "71",
        "81",
        "82",
    }
)

EARLIEST_BIRTH_DATE = date(1900, 1, 1)

Gender = Literal["male", "female"]


@dataclass(frozen=True, slots=True)
class IdNumberInfo:
    """What a valid resident ID number tells: the normalised number and its encoded facts."""

    number: str
    birth_date: date
    gender: Gender
    region_code: str


def id_number_check_character(first17: str) -> str:
    """Return the check character (position 18) for the first 17 digits of a resident ID number.

    GB 11643-1999 (ISO 7064 MOD 11-2): multiply digit i (0-based) by ``2**(17-i) mod 11``, sum, and
    look the sum mod 11 up in ``"10X98765432"``; X stands for 10.
    """
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_NUMBER_WEIGHTS, strict=True))
    return ID_NUMBER_CHECK[total % 11]


def validate_id_number(value: str, today: date | None = None) -> IdNumberInfo:
    """Validate an 18-character resident ID number and return what it encodes.

    GB 11643-1999 layout:

    * digits 1-6: address code, the GB/T 2260 county where the number was first issued. Only its
      shape and province prefix are checked: county codes are retired and re-used over time while ID
      numbers never change (see the module docstring);
    * digits 7-14: birth date ``YYYYMMDD``, a real date from 1900-01-01 up to ``today`` (China's civil
      date when not given);
    * digits 15-17: sequence code; digit 17 is odd for men, even for women;
    * character 18: check character, a digit or X (see :func:`id_number_check_character`).

    The number is normalised (whitespace and hyphens removed, x upper-cased). Raises
    :class:`IdentityError` with ``field="id_number"``.
    """
    number = _compact(value)
    if len(number) != ID_NUMBER_LENGTH:
        raise IdentityError("id_number", _("A resident ID number has 18 characters."))
    if not (number[:17].isdigit() and number[:17].isascii()) or number[17] not in "0123456789X":
        raise IdentityError("id_number", _("An ID number has 17 digits followed by a digit or X."))
    region_code = number[:6]
    if region_code[:2] not in PROVINCE_PREFIXES:
        raise IdentityError("id_number", _("The ID number does not start with a province code."))
    try:
        birth_date = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdentityError("id_number", _("The birth date in this ID number is not a real date.")) from None
    if today is None:
        today = datetime.now(CHINA_TZ).date()
    if birth_date < EARLIEST_BIRTH_DATE:
        raise IdentityError("id_number", _("The birth date in this ID number is before 1900."))
    if birth_date > today:
        raise IdentityError("id_number", _("The birth date in this ID number is in the future."))
    if number[17] != id_number_check_character(number[:17]):
        raise IdentityError("id_number", _("The check character of this ID number is wrong."))
    gender: Gender = "male" if int(number[16]) % 2 else "female"
    return IdNumberInfo(number=number, birth_date=birth_date, gender=gender, region_code=region_code)


def mask_id_number(value: str) -> str:
    """Mask a resident ID number for display: keep the first 4 and last 4 characters, star the rest.

    ``"62122119900101123X"`` becomes ``"6212**********123X"`` (same length). The first four digits
    only reveal the prefecture; the birth date and sequence are hidden. A value of 8 characters or
    fewer is starred entirely.
    """
    number = _compact(value)
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


# --- Bank accounts ------------------------------------------------------------------------------------

BANK_ACCOUNT_MIN_LENGTH = 12
BANK_ACCOUNT_MAX_LENGTH = 30


def validate_bank_account(value: str) -> str:
    """Validate a settlement bank account number and return it without spaces.

    Chinese account numbers have no common national format: personal UnionPay card numbers are 16-19
    digits starting with 62, while corporate settlement accounts (对公账户) are bank-specific and range
    from about 12 to 30 digits. So the only rule is 12-30 ASCII digits after removing spaces.

    There is deliberately no Luhn (mod 10) check: UnionPay card numbers usually satisfy it, but many
    corporate accounts do not, and even for 16-19 digit numbers starting with 62 nothing further is
    checked. Whether the account exists and belongs to the shop can only be confirmed by the bank
    (e.g. a small verification transfer). Raises :class:`IdentityError` with ``field="bank_account"``.
    """
    account = "".join(value.split())
    if not (account.isdigit() and account.isascii()):
        raise IdentityError("bank_account", _("A bank account number may only contain digits."))
    if not BANK_ACCOUNT_MIN_LENGTH <= len(account) <= BANK_ACCOUNT_MAX_LENGTH:
        raise IdentityError("bank_account", _("A bank account number has 12 to 30 digits."))
    return account


def mask_bank_account(value: str) -> str:
    """Mask a bank account number for display: ``"**** **** **** "`` plus its last 4 digits.

    ``"6222021234567890123"`` becomes ``"**** **** **** 0123"``. Spaces in the input are ignored; an
    input shorter than 4 characters gives ``"****"``.
    """
    account = "".join(value.split())
    if len(account) < 4:
        return "****"
    return "**** **** **** " + account[-4:]
