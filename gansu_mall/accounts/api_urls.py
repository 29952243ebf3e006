from django.urls import path

from gansu_mall.accounts import api

urlpatterns = [
    path("auth/register/", api.RegisterApi.as_view(), name="auth-register"),
    path("auth/token/", api.TokenApi.as_view(), name="auth-token"),
    path("auth/me/", api.MeApi.as_view(), name="auth-me"),
]
