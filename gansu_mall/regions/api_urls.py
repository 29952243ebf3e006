from django.urls import path

from gansu_mall.regions import api

urlpatterns = [
    path("regions/", api.RegionListApi.as_view(), name="region-list"),
    path("regions/<str:code>/", api.RegionDetailApi.as_view(), name="region-detail"),
]
