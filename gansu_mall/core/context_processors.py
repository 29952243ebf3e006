from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    """Values the base layout needs on every page."""
    return {"SITE_NAME": settings.SITE_NAME, "DEBUG": settings.DEBUG, "SEARCH_URL": SEARCH_URL}


# The storefront search page of API.md (catalog.views.search).
SEARCH_URL = "/search/"
