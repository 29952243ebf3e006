"""Pages of accounts: sign up, sign in, sign out, change password, profile."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from gansu_mall.accounts import selectors, services
from gansu_mall.accounts.api import shops_of
from gansu_mall.accounts.forms import LoginForm, PasswordChangeFormLocalized, SignupForm
from gansu_mall.accounts.models import Role
from gansu_mall.core.errors import ApplicationError
from gansu_mall.core.forms import add_service_errors


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET), then back to the storefront."""

    next_page = reverse_lazy("core:home")


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("core:home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_register(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"],
            )
        except ApplicationError as exc:
            add_service_errors(form, exc, {"password": "password1"})
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request, _("Welcome, %(name)s. Your account is ready.") % {"name": user.username}
            )
            return redirect("core:home")
    return render(request, "accounts/signup.html", {"form": form})


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeFormLocalized(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password has been changed."))
        return redirect("accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = selectors.user_get_with_roles(user_id=request.user.pk)
    assert user is not None  # noqa: S101 - signed in
    role_labels = {role.value: role.label for role in Role}
    return render(
        request,
        "accounts/profile.html",
        {
            "profile_user": user,
            "roles": [role_labels[name] for name in user.role_names],
            "scope": list(user.scope_regions.all()),
            "shops": shops_of(user),
        },
    )
