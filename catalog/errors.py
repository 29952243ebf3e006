from enum import StrEnum


class CatalogErrorCode(StrEnum):
    QUALIFICATION_REQUIRED = "qualification_required"
    HUB_STOCK = "hub_stock"
    SHOP_NOT_ACTIVE = "shop_not_active"
    BATCH_SHORT = "batch_short"
    OUT_OF_STOCK = "out_of_stock"
    CATEGORY_IN_USE = "category_in_use"
