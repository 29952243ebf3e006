"""The hub's starting data: the Lanzhou New Area hub (LZXQ), a few bins, and its shipping-fee table.

Loaded by the data migration (with historical models) and by tests whose database is flushed. The fees are
the platform's starting values, chosen to be plausible for parcels from Lanzhou — not any carrier's
tariff; platform staff edit them at /platform/shipping-rates/. Re-running never overwrites an edited rate.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple

HUB = {
    "code": "LZXQ",
    "name": "兰州新区综合保税区仓",
    "name_en": "Lanzhou New Area hub",
    "county": "620171",  # 兰州新区 (Lanzhou New Area)
    "cold_chain": True,
}

BINS = [
    *((f"A-01-{level:02d}", "ambient") for level in range(1, 5)),
    *((f"A-02-{level:02d}", "ambient") for level in range(1, 5)),
    ("C-01-01", "chilled"),
    ("C-01-02", "chilled"),
    ("C-01-03", "chilled"),
    ("F-01-01", "frozen"),
]


class Rate(NamedTuple):
    first_fee: str
    additional_fee: str
    cold_chain_surcharge: str
    days: int
    remote: bool = False
    cold_chain: bool = True


_LOCAL = Rate("6.00", "2.00", "8.00", 1)
_NEAR = Rate("8.00", "3.00", "10.00", 2)
_MIDDLE = Rate("10.00", "4.00", "12.00", 3)
_FAR = Rate("12.00", "5.00", "15.00", 3)
_FARTHER = Rate("12.00", "5.00", "15.00", 4)

# Province code → rate. Gansu cheapest; its neighbours Ningxia, Shaanxi and Sichuan next; the centre;
# the east, south and north-east; remote areas (higher fees, no cold chain); Hong Kong, Macau, Taiwan.
RATES: dict[str, Rate] = {
    "620000": _LOCAL,  # 甘肃
    "640000": _NEAR,  # 宁夏
    "610000": _NEAR,  # 陕西
    "510000": _NEAR,  # 四川
    "500000": _MIDDLE,  # 重庆
    "140000": _MIDDLE,  # 山西
    "410000": _MIDDLE,  # 河南
    "420000": _MIDDLE,  # 湖北
    "520000": _MIDDLE,  # 贵州
    "530000": _MIDDLE,  # 云南
    "110000": _FAR,  # 北京
    "120000": _FAR,  # 天津
    "130000": _FAR,  # 河北
    "370000": _FAR,  # 山东
    "320000": _FAR,  # 江苏
    "310000": _FAR,  # 上海
    "330000": _FAR,  # 浙江
    "340000": _FAR,  # 安徽
    "360000": _FAR,  # 江西
    "430000": _FAR,  # 湖南
    "440000": _FAR,  # 广东
    "450000": _FAR,  # 广西
    "350000": _FARTHER,  # 福建
    "210000": _FARTHER,  # 辽宁
    "220000": _FARTHER,  # 吉林
    "230000": Rate("14.00", "6.00", "18.00", 5),  # 黑龙江
    "630000": Rate("15.00", "8.00", "0.00", 3, remote=True, cold_chain=False),  # 青海
    "150000": Rate("15.00", "8.00", "0.00", 4, remote=True, cold_chain=False),  # 内蒙古
    "650000": Rate("20.00", "10.00", "0.00", 5, remote=True, cold_chain=False),  # 新疆
    "460000": Rate("18.00", "8.00", "0.00", 5, remote=True, cold_chain=False),  # 海南
    "540000": Rate("25.00", "12.00", "0.00", 7, remote=True, cold_chain=False),  # 西藏
    "810000": Rate("30.00", "15.00", "0.00", 6, remote=True, cold_chain=False),  # 香港
    "820000": Rate("30.00", "15.00", "0.00", 6, remote=True, cold_chain=False),  # 澳门
    "710000": Rate("35.00", "18.00", "0.00", 7, remote=True, cold_chain=False),  # 台湾
}


def load_hub(warehouse_model: Any, bin_model: Any, rate_model: Any) -> Any:
    """Create the hub, its bins and its rates where missing; existing rows are left as staff left them."""
    hub, _ = warehouse_model.objects.get_or_create(
        code=HUB["code"],
        defaults={
            "name": HUB["name"],
            "name_en": HUB["name_en"],
            "county_id": HUB["county"],
            "cold_chain": HUB["cold_chain"],
        },
    )
    for code, zone in BINS:
        bin_model.objects.get_or_create(warehouse=hub, code=code, defaults={"zone": zone})
    for province, rate in RATES.items():
        rate_model.objects.get_or_create(
            warehouse=hub,
            province_id=province,
            defaults={
                "first_weight_grams": 1000,
                "first_fee": Decimal(rate.first_fee),
                "additional_unit_grams": 1000,
                "additional_fee": Decimal(rate.additional_fee),
                "cold_chain_surcharge": Decimal(rate.cold_chain_surcharge),
                "remote": rate.remote,
                "cold_chain_available": rate.cold_chain,
                "days": rate.days,
            },
        )
    return hub
