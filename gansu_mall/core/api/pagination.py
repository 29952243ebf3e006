from rest_framework.pagination import PageNumberPagination as _DrfPageNumberPagination


class PageNumberPagination(_DrfPageNumberPagination):
    """``?page=N&page_size=M`` (at most 100) → ``{count, next, previous, results}``."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class LargePagePagination(PageNumberPagination):
    """For short reference lists (regions, categories) that a client wants in one page."""

    page_size = 100
