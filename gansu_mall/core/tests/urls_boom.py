"""The real URLs plus endpoints that fail on purpose, for the error-envelope tests."""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gansu_mall.urls import urlpatterns as real_urlpatterns


class BoomApi(APIView):
    def get(self, request: Request) -> Response:
        raise RuntimeError("secret internal detail")


def boom_page(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret internal detail")


urlpatterns = [
    path("api/v1/_boom/", BoomApi.as_view()),
    path("api/v1/_boom_plain/", boom_page),
    path("_boom/", boom_page),
    *real_urlpatterns,
]

handler500 = "gansu_mall.core.views.server_error"
handler404 = "gansu_mall.core.views.page_not_found"
