from django.urls import path

from gansu_mall.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
]
