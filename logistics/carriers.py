"""The carriers of API.md, their names and the shape of their tracking numbers.

One table for the whole platform: shops shipping their own orders and the hub shipping its tasks validate
tracking numbers here (orders still has its own copy of the patterns and will switch to this module).
``cold_chain`` marks the carriers that run a cold chain network (refrigerated vehicles and stations): only
they are offered for chilled and frozen parcels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from django.utils import translation
from django.utils.translation import gettext as _

from gansu_mall.core.errors import invalid


@dataclass(frozen=True)
class Carrier:
    code: str
    name: str  # Chinese
    name_en: str
    pattern: re.Pattern[str]
    cold_chain: bool = False

    @property
    def display_name(self) -> str:
        return self.name_en if translation.get_language() == "en" else self.name


CARRIERS: Final[dict[str, Carrier]] = {
    carrier.code: carrier
    for carrier in (
        Carrier("ems", "中国邮政EMS", "China Post EMS", re.compile(r"^(?:[A-Z]{2}\d{9}[A-Z]{2}|\d{13})$")),
        Carrier("sf", "顺丰速运", "SF Express", re.compile(r"^SF\d{12,13}$"), cold_chain=True),
        Carrier("zto", "中通快递", "ZTO Express", re.compile(r"^(?:7[3-9]|6[2-8])\d{10,13}$")),
        Carrier("yto", "圆通速递", "YTO Express", re.compile(r"^YT\d{13,15}$")),
        Carrier("sto", "申通快递", "STO Express", re.compile(r"^77\d{11,13}$")),
        Carrier("yunda", "韵达快递", "Yunda Express", re.compile(r"^(?:31|43|46)\d{11,13}$")),
        Carrier("jd", "京东物流", "JD Logistics", re.compile(r"^JD[A-Z0-9]{11,18}$"), cold_chain=True),
        Carrier("jt", "极兔速递", "J&T Express", re.compile(r"^JT\d{13}$")),
    )
}


def carriers_for(*, cold_chain: bool) -> list[Carrier]:
    """Every carrier, or only those running a cold chain."""
    return [carrier for carrier in CARRIERS.values() if carrier.cold_chain or not cold_chain]


def validate_tracking(carrier: str, number: str) -> str:
    """The tracking number, normalised (upper case, no spaces), if it fits the carrier; else a 400
    ``validation_error`` naming ``carrier`` or ``tracking_number``."""
    code = (carrier or "").strip().lower()
    tracking = (number or "").strip().upper().replace(" ", "")
    if code not in CARRIERS:
        raise invalid({"carrier": [_("Choose a carrier: %(carriers)s.") % {"carriers": ", ".join(CARRIERS)}]})
    if not tracking:
        raise invalid({"tracking_number": [_("Give the tracking number.")]})
    if not CARRIERS[code].pattern.match(tracking):
        raise invalid({"tracking_number": [_("This is not a tracking number of that carrier.")]})
    return tracking
