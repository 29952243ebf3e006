from django.urls import path

from gansu_mall.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("password/", views.password_change, name="password_change"),
    path("profile/", views.profile, name="profile"),
]
