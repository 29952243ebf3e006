"""Pages of the commerce bureau's dashboards (see views.py)."""

from django.urls import path

from gansu_mall.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("bureau/", views.overview, name="overview"),
    path("bureau/dashboard/places/<str:code>/", views.place, name="place"),
    path("bureau/dashboard/categories/", views.categories, name="categories"),
    path("bureau/dashboard/categories/<slug:slug>/", views.categories, name="category"),
    path("bureau/dashboard/operations/", views.operations, name="operations"),
    path("bureau/dashboard/export/<slug:slug>.<str:fmt>", views.export, name="export"),
    path("bureau/dashboard/report/<str:month>/", views.report, name="report"),
]
