from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from gansu_mall.notifications import selectors, services
from gansu_mall.notifications.messages import render as render_text


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    items = [
        (notification, *render_text(notification.kind, notification.params))
        for notification in selectors.notifications_for(user=request.user)[:100]
    ]
    return render(request, "notifications/list.html", {"items": items})


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_read(user=request.user)
    return redirect("notifications:list")
