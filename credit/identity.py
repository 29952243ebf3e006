"""The legal identities credit records are kept under: a USCC (GB 32100-2015) or a resident ID number
(GB 11643-1999).

Credit sits below vendors in the layers, so it cannot use ``vendors.identity``; these few pure functions
check the same check characters. The normalised code is what vendors hash too (``keyed_hash(code,
purpose="identity")``), so a subject's ``identity_hash`` equals the ``identity_hash`` of the shops of that
identity, and no number is stored in clear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from gansu_mall.core.crypto import keyed_hash

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_ID_RE = re.compile(r"^\d{17}[\dX]$")


@dataclass(frozen=True)
class Identity:
    code: str  # normalised
    kind: str  # "uscc" or "id_number"

    @property
    def hash(self) -> str:
        return identity_hash(self.code)

    @property
    def masked(self) -> str:
        return mask(self.code)


def normalize(value: str) -> str:
    """Drop spaces and hyphens, upper-case (as vendors do before hashing)."""
    return "".join((value or "").split()).replace("-", "").upper()


def identity_hash(code: str) -> str:
    return keyed_hash(normalize(code), purpose="identity")


def mask(code: str) -> str:
    """``9162************67``-style: the first four and the last two characters."""
    code = normalize(code)
    return code[:4] + "*" * max(len(code) - 6, 0) + code[-2:]


def uscc_check(body: str) -> str:
    """The 18th character of a USCC whose first 17 are ``body``."""
    total = sum(USCC_CHARSET.index(ch) * pow(3, i, 31) for i, ch in enumerate(body[:17]))
    return USCC_CHARSET[(31 - total % 31) % 31]


def id_number_check(body: str) -> str:
    """The 18th character of a resident ID number whose first 17 digits are ``body``."""
    return "10X98765432"[sum(int(ch) * pow(2, 17 - i, 11) for i, ch in enumerate(body[:17])) % 11]


def _uscc_valid(code: str) -> bool:
    return bool(_USCC_RE.match(code)) and uscc_check(code) == code[17]


def _id_number_valid(code: str) -> bool:
    if not _ID_RE.match(code):
        return False
    try:
        born = date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        return False
    return born.year >= 1900 and id_number_check(code) == code[17]


def parse_identity(value: str) -> Identity | None:
    """The identity a code names, or None when it is neither a valid ID number nor a valid USCC."""
    code = normalize(value)
    if _id_number_valid(code):
        return Identity(code=code, kind="id_number")
    if _uscc_valid(code):
        return Identity(code=code, kind="uscc")
    return None
