from gansu_mall.core.api.pagination import LargePagePagination, PageNumberPagination

__all__ = ["LargePagePagination", "PageNumberPagination"]
