from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gansu_mall.core.errors import ApplicationError
from gansu_mall.core.forms import add_service_errors
from gansu_mall.notifications import selectors, services
from gansu_mall.notifications.forms import PreferencesForm
from gansu_mall.notifications.messages import render as render_text

PAGE_SIZE = 100


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    items = [
        (notification, *render_text(notification.kind, notification.params))
        for notification in selectors.notifications_for(user=request.user)[:PAGE_SIZE]
    ]
    return render(request, "notifications/list.html", {"items": items})


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_read(user=request.user)
    return redirect("notifications:list")


@login_required
@require_POST
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one of the caller's notifications read, then go to its link (``open``) or back to the list."""
    notification = selectors.notification_get_for_user(user=request.user, notification_id=notification_id)
    if notification is None:
        raise Http404
    services.notifications_mark_read(user=request.user, ids=[notification.pk])
    link = notification.link
    if request.POST.get("open") and link and url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return redirect(link)
    return redirect("notifications:list")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    current = selectors.preferences_for(user=user)
    form = PreferencesForm(request.POST or None, preferences=current, initial={"language": user.language})
    if request.method == "POST" and form.is_valid():
        try:
            services.preferences_update(
                user=user, groups=form.groups(), language=form.cleaned_data["language"]
            )
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})
