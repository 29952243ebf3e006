"""The shipping fee of one shop's order: the hub's fee table (logistics) for the SKUs the Lanzhou New Area
hub ships — by destination province and weight, with the cold-chain surcharge when any of them is chilled or
frozen — plus the shop's own rule for the SKUs it ships itself."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from catalog.models import FulfilledBy, Storage
from gansu_mall.core.money import to_money
from logistics.selectors import shipping_quote, shop_shipping_fee

COLDEST = {Storage.AMBIENT: 0, Storage.CHILLED: 1, Storage.FROZEN: 2}


@dataclass(frozen=True)
class ShippedLine:
    weight_grams: int
    quantity: int
    line_total: Decimal
    fulfilled_by: str
    storage: str


def shipping_fee(
    *, vendor_id: int, lines: list[ShippedLine], province_code: str, express: bool = False
) -> Decimal:
    """Hub lines are quoted together as one parcel (the coldest storage among them decides the cold
    chain), plus the express surcharge when the buyer chose express; shop lines pay the shop's rule once. 409 ``cold_chain_unavailable`` when the hub cannot send
    chilled or frozen goods to that province."""
    hub = [line for line in lines if line.fulfilled_by == FulfilledBy.HUB]
    own = [line for line in lines if line.fulfilled_by != FulfilledBy.HUB]
    fee = Decimal("0")
    if hub:
        storage = max((line.storage for line in hub), key=lambda s: COLDEST.get(s, 0))
        weight = sum(line.weight_grams * line.quantity for line in hub)
        quote = shipping_quote(province_code=province_code, weight_grams=weight, storage=storage)
        fee += quote.fee + (quote.express_surcharge if express else 0)
    if own:
        items_total = sum((line.line_total for line in own), Decimal("0"))
        fee += shop_shipping_fee(vendor_id=vendor_id, items_total=items_total, province_code=province_code)
    return to_money(fee)
