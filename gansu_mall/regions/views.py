"""Bureau page: Gansu's counties and their poverty-relief flag."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gansu_mall.accounts.models import Role
from gansu_mall.accounts.permissions import role_required
from gansu_mall.accounts.selectors import user_region_scope
from gansu_mall.core.errors import ApplicationError
from gansu_mall.regions import selectors, services
from gansu_mall.regions.models import Region, RegionLevel


@role_required(Role.BUREAU, Role.ADMIN)
@require_http_methods(["GET"])
def county_list(request: HttpRequest) -> HttpResponse:
    scope = user_region_scope(user=request.user)
    prefectures = [
        p
        for p in selectors.prefectures_with_counties()
        if scope is None or any(c.code in scope for c in p.children.all())
    ]
    return render(request, "regions/county_list.html", {"prefectures": prefectures, "scope": scope})


@role_required(Role.BUREAU, Role.ADMIN)
@require_http_methods(["POST"])
def county_set_poverty_relief(request: HttpRequest, code: str) -> HttpResponse:
    region = get_object_or_404(Region, code=code, level=RegionLevel.COUNTY, code__startswith="62")
    scope = user_region_scope(user=request.user)
    if scope is not None and region.code not in scope:
        raise Http404
    wanted = request.POST.get("poverty_relief") == "on"
    source = request.POST.get("source", "")
    error = ""
    try:
        region = services.region_set_poverty_relief(
            region=region, poverty_relief=wanted, source=source, actor_id=request.user.pk
        )
    except ApplicationError as exc:
        error = str(exc.message)
    if request.htmx:
        return render(request, "regions/_county_row.html", {"county": region, "error": error})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Saved: %(county)s.") % {"county": region.display_name})
    return redirect("regions:county_list")
