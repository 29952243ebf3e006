"""Pages of the commerce bureau's dashboards.

    /bureau/                                         the overview: figures against the previous period, the
                                                     series, places, categories, top products and shops, shop
                                                     types, destinations, logistics and credit
    /bureau/dashboard/places/<code>/                 a prefecture (its counties) or a county (its shops)
    /bureau/dashboard/categories/[<slug>/]           categories → subcategories and products
    /bureau/dashboard/export/<slug>.<csv|xlsx>       one table as a file; ``overview.xlsx``: all of the overview
    /bureau/dashboard/report/<YYYY-MM>/              the monthly report (that month against the month before),
                                                     made to be printed (A4)

Every page takes ``?date_from=&date_to=`` (YYYY-MM-DD; default the last 30 days) by GET, so ranges can be
bookmarked and the pages work without JavaScript; with htmx the range form and the presets swap ``#dashboard``
in place and push the URL. Bureau staff scoped to a prefecture or county see only their area (the scope goes
into every selector; a place outside it is a 404); provincial staff and admins see the whole province.
All figures come from ``dashboard.selectors`` (the rollups), so each page costs a constant number of queries.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date, timedelta
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gansu_mall.accounts.models import Role
from gansu_mall.accounts.permissions import role_required
from gansu_mall.core.errors import ApplicationError
from gansu_mall.core.forms import add_service_errors
from gansu_mall.dashboard import exports, selectors
from gansu_mall.dashboard.charts import chart_for_table, format_value, share_chart
from gansu_mall.dashboard.forms import RangeForm, month_bounds, presets
from gansu_mall.dashboard.tables import HOURS, INT, MONEY, RATE, Period, Scope, Table
from gansu_mall.regions.selectors import region_names

GRAINS = ("day", "week", "month")
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# --- Range, scope and context shared by the pages ---------------------------------------------------------


def _period(request: HttpRequest, today: date) -> tuple[RangeForm, Period | None]:
    """The range of ``?date_from=&date_to=`` (default: the last 30 days); on a refusal, the form carries
    the message and there is no period."""
    raw = {name: request.GET.get(name, "").strip()[:20] for name in ("date_from", "date_to")}
    try:
        period = selectors.period_from(
            date_from=raw["date_from"] or None, date_to=raw["date_to"] or None, today=today
        )
    except ApplicationError as error:
        form = RangeForm(raw)
        form.is_valid()
        add_service_errors(form, error)
        return form, None
    return RangeForm(
        {"date_from": f"{period.date_from:%Y-%m-%d}", "date_to": f"{period.date_to:%Y-%m-%d}"}
    ), period


def _query(period: Period) -> str:
    return f"date_from={period.date_from:%Y-%m-%d}&date_to={period.date_to:%Y-%m-%d}"


def _scope_name(request: HttpRequest, scope: Scope) -> str:
    if scope.provincial:
        return _("Gansu Province (all prefectures)")
    names = [region.display_name for region in request.user.scope_regions.all()]
    return "、".join(names) if names else _("your area")


def _context(request: HttpRequest, *, nav: str, scope: Scope, today: date) -> dict[str, Any]:
    form, period = _period(request, today)
    query = _query(period) if period else ""
    choices = []
    for preset in presets(today):
        preset_query = f"date_from={preset.date_from:%Y-%m-%d}&date_to={preset.date_to:%Y-%m-%d}"
        choices.append(
            {
                "key": preset.key,
                "label": preset.label,
                "query": preset_query,
                "current": preset_query == query,
            }
        )
    last_month = today.replace(day=1) - timedelta(days=1)
    return {
        "nav": nav,
        "form": form,
        "period": period,
        "previous": period.previous() if period else None,
        "query": query,
        "presets": choices,
        "scope_name": _scope_name(request, scope),
        "report_month": f"{last_month:%Y-%m}",
        "lang_param": request.GET.get("lang", ""),
    }


def _render(request: HttpRequest, full: str, partial: str, context: dict[str, Any]) -> HttpResponse:
    """The whole page, or only ``#dashboard``'s content for htmx. A refused range is a 400 page; to htmx it
    is a 200, because htmx 2 does not swap error responses and the form with its message must replace the
    figures of the previous range."""
    if request.htmx and not request.htmx.boosted:
        return render(request, partial, context)
    return render(request, full, context, status=200 if context["period"] else 400)


def _section(
    table: Table,
    *,
    value: str | None = None,
    style: str = "bars",
    limit: int | None = None,
    label: str | None = None,
    stacked: bool = False,
) -> dict[str, Any]:
    return {
        "table": table,
        "chart": chart_for_table(table, value=value, style=style, limit=limit, label=label),
        "stacked": stacked,
    }


def _grain(request: HttpRequest, period: Period) -> str:
    grain = request.GET.get("grain", "")
    if grain in GRAINS:
        return grain
    return "day" if period.days <= 62 else "week" if period.days <= 366 else "month"


def _facts(items: list[tuple[str, str, Any, str]]) -> list[dict[str, str]]:
    return [
        {"key": key, "label": label, "value": format_value(value, kind)} for key, label, value, kind in items
    ]


def _logistics_facts(logistics: Any) -> list[dict[str, str]]:
    return _facts(
        [
            ("queue-depth", _("Orders waiting at the hub"), logistics.queue_depth, INT),
            ("shipped", _("Orders shipped"), logistics.shipped, INT),
            ("on-time-rate", _("On-time shipping rate"), logistics.on_time_rate, RATE),
            ("hub-on-time-rate", _("Hub on-time shipping rate"), logistics.hub_on_time_rate, RATE),
            (
                "hours-to-ship",
                _("Average hours from payment to shipment"),
                logistics.average_hours_to_ship,
                HOURS,
            ),
        ]
    )


def _credit_facts(credit: Any) -> list[dict[str, str]]:
    return _facts(
        [
            ("red-list", _("Red list"), credit.red_list, INT),
            ("black-list", _("Black list"), credit.black_list, INT),
            ("open-objections", _("Open objections"), credit.open_objections, INT),
        ]
    )


def _overview_data(*, period: Period, scope: Scope, grain: str, full: bool = False) -> dict[str, Any]:
    """What the overview shows: the figures, the series, the prefectures, shops by type and destinations.
    ``full`` adds the breakdowns by category, top products and shops, logistics and credit (the monthly
    report and the overview's workbook); on the web they have pages of their own, so that the overview
    stays fast."""
    summary = selectors.overview(period=period, scope=scope)
    series = selectors.series_table(period=period, scope=scope, grain=grain)
    figures = {figure.key: figure for figure in summary.figures}
    destinations = _section(summary.destinations, value="gmv")
    if "domestic_gmv" in figures and "cross_border_gmv" in figures:
        destinations["chart"] = share_chart(
            title=_("Domestic and cross-border GMV"),
            items=[
                (_("Domestic"), figures["domestic_gmv"].value),
                (_("Cross-border"), figures["cross_border_gmv"].value),
            ],
            kind=MONEY,
        )
    sections = [_section(selectors.place_table(period=period, scope=scope, with_buyers=full), value="gmv")]
    if full:
        sections += _breakdown_sections(period=period, scope=scope)
    sections += [_section(summary.shops_by_type, value="shops"), destinations]
    data: dict[str, Any] = {
        "figures": summary.figures,
        "series": _section(series, value="gmv", style="columns", stacked=True),
        "sections": sections,
    }
    if full:
        data.update(_operations_data(period=period, scope=scope))
    return data


def _breakdown_sections(*, period: Period, scope: Scope) -> list[dict[str, Any]]:
    return [
        _section(selectors.category_table(period=period, scope=scope), value="gmv"),
        _section(selectors.top_table(period=period, scope=scope, what="products"), value="gmv"),
        _section(selectors.top_table(period=period, scope=scope, what="shops"), value="gmv"),
    ]


def _operations_data(*, period: Period, scope: Scope) -> dict[str, Any]:
    """Logistics (the hub queue now, shipments of the range) and credit (shops' grades, lists, objections)."""
    logistics = selectors.logistics(period=period, scope=scope)
    credit = selectors.credit(scope=scope)
    credit_table = credit.table or Table(slug="credit-grades", title=_("Credit grades of shops"), columns=[])
    return {
        "logistics": _section(logistics.shipped_per_day, value="shipped", style="columns", stacked=True),
        "logistics_facts": _logistics_facts(logistics),
        "credit": _section(credit_table, value="shops"),
        "credit_facts": _credit_facts(credit),
    }


# --- Pages ------------------------------------------------------------------------------------------------


@role_required(Role.BUREAU, Role.ADMIN)
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    scope = selectors.scope_for(user=request.user)
    context = _context(request, nav="overview", scope=scope, today=timezone.localdate())
    period = context["period"]
    if period:
        grain = _grain(request, period)
        context.update(_overview_data(period=period, scope=scope, grain=grain))
        context["grain"] = grain
        context["grain_chosen"] = request.GET.get("grain") == grain
        context["grains"] = [
            {"key": key, "label": label, "current": key == grain}
            for key, label in (("day", _("Daily")), ("week", _("Weekly")), ("month", _("Monthly")))
        ]
    return _render(request, "dashboard/overview.html", "dashboard/_overview.html", context)


@role_required(Role.BUREAU, Role.ADMIN)
@require_GET
def place(request: HttpRequest, code: str) -> HttpResponse:
    scope = selectors.scope_for(user=request.user)
    context = _context(request, nav="overview", scope=scope, today=timezone.localdate())
    period = context["period"]
    if period:
        table = selectors.place_table(period=period, scope=scope, code=code)  # Http404 outside the scope
        context["section"] = _section(table, value="gmv")
    context["crumbs"] = _place_crumbs(code)
    return _render(request, "dashboard/place.html", "dashboard/_place.html", context)


def _place_crumbs(code: str) -> list[dict[str, str]]:
    """Province › prefecture › county, each a link but the last (one query for the names)."""
    if not re.fullmatch(r"62\d{4}", code):
        raise Http404
    prefecture = code[:4] + "00"
    codes = [prefecture] if code == prefecture else [prefecture, code]
    names = region_names(codes=codes)
    if code not in names:
        raise Http404
    crumbs = [{"name": _("Gansu Province"), "url": reverse("dashboard:overview")}]
    crumbs += [{"name": names.get(c, c), "url": reverse("dashboard:place", args=[c])} for c in codes]
    return crumbs


@role_required(Role.BUREAU, Role.ADMIN)
@require_GET
def categories(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    scope = selectors.scope_for(user=request.user)
    context = _context(request, nav="categories", scope=scope, today=timezone.localdate())
    period = context["period"]
    if period:
        table = selectors.category_table(period=period, scope=scope, slug=slug)  # Http404: no such category
        sections = [_section(table, value="gmv")]
        if not slug:  # the breakdowns page: categories, then the best-selling products and shops
            sections += _breakdown_sections(period=period, scope=scope)[1:]
        if slug:
            sections.append(
                _section(selectors.product_table(period=period, scope=scope, slug=slug), value="gmv")
            )
        context["sections"] = sections
    context["slug"] = slug
    context["heading"] = sections[0]["table"].title if period and slug else slug or _("Sales by category")
    return _render(request, "dashboard/categories.html", "dashboard/_categories.html", context)


@role_required(Role.BUREAU, Role.ADMIN)
@require_GET
def operations(request: HttpRequest) -> HttpResponse:
    """Logistics and credit: the hub's queue, shipments and on-time rate of the range; shops' credit."""
    scope = selectors.scope_for(user=request.user)
    context = _context(request, nav="operations", scope=scope, today=timezone.localdate())
    if context["period"]:
        context.update(_operations_data(period=context["period"], scope=scope))
    return _render(request, "dashboard/operations.html", "dashboard/_operations.html", context)


@role_required(Role.BUREAU, Role.ADMIN)
@require_GET
def export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404
    scope = selectors.scope_for(user=request.user)
    today = timezone.localdate()
    form, period = _period(request, today)
    if period is None:
        errors = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    if slug == "overview":
        if fmt != "xlsx":
            raise Http404
        data = _overview_data(period=period, scope=scope, grain=_grain(request, period), full=True)
        tables = [
            data["series"]["table"],
            *(s["table"] for s in data["sections"]),
            data["logistics"]["table"],
            data["credit"]["table"],
        ]
        content = exports.tables_xlsx(tables, _("Gansu e-commerce overview"))
    else:
        table = selectors.table_for(slug=slug, period=period, scope=scope)  # Http404: unknown slug
        content = exports.table_csv(table) if fmt == "csv" else exports.tables_xlsx([table], table.title)
    safe_slug = re.sub(r"[^A-Za-z0-9_-]+", "-", slug).strip("-") or "table"
    name = f"gansu-dashboard-{safe_slug}-{period.date_from:%Y-%m-%d}-{period.date_to:%Y-%m-%d}.{fmt}"
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@role_required(Role.BUREAU, Role.ADMIN)
@require_GET
def report(request: HttpRequest, month: str) -> HttpResponse:
    match = re.fullmatch(r"(\d{4})-(\d{2})", month)
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 2000:
        raise Http404
    first, last = month_bounds(int(match[1]), int(match[2]))
    today = timezone.localdate()
    if first > today:
        raise Http404
    scope = selectors.scope_for(user=request.user)
    period = Period(first, last)
    previous_last = first - timedelta(days=1)
    previous = Period(*month_bounds(previous_last.year, previous_last.month))
    data = _overview_data(period=period, scope=scope, grain="day", full=True)
    data["figures"] = _against(data["figures"], selectors.overview(period=previous, scope=scope).figures)
    context = {
        "nav": "report",
        "period": period,
        "previous": previous,
        "month": month,
        "query": _query(period),
        "scope_name": _scope_name(request, scope),
        "report_month": month,
        "previous_month": f"{previous_last:%Y-%m}",
        "next_month": f"{last + timedelta(days=1):%Y-%m}" if last < today else "",
        "generated": timezone.localtime(),
        **data,
    }
    return render(request, "dashboard/report.html", context)


def _against(figures: list[Any], previous: list[Any]) -> list[Any]:
    """The figures compared with those of another period (the calendar month before, which is not always
    as long as the month: ``overview`` compares with the period of the same length just before)."""
    before = {figure.key: figure.value for figure in previous}
    return [
        dataclasses.replace(
            figure,
            previous=before.get(figure.key),
            change=selectors.change(figure.value, before.get(figure.key)),
        )
        for figure in figures
    ]
