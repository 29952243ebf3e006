from django.urls import path

from gansu_mall.regions import views

app_name = "regions"

urlpatterns = [
    path("", views.county_list, name="county_list"),
    path("<str:code>/poverty-relief/", views.county_set_poverty_relief, name="county_set_poverty_relief"),
]
