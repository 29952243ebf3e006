from django.urls import path

from gansu_mall.dashboard import api

urlpatterns = [
    path("dashboard/summary/", api.DashboardSummaryApi.as_view(), name="dashboard-summary"),
    path("dashboard/tables/<str:slug>/", api.DashboardTableApi.as_view(), name="dashboard-table"),
]
