"""Storefront pages of the catalog: search with filters and facets, product pages; the seller's products."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from catalog import bulk, selectors, services, trace
from catalog.filters import ProductFilter
from catalog.forms import ProductDetailsForm, ProductForm, SkuFormSet, SkuStockForm, SynonymForm
from catalog.images import MAX_IMAGES, product_image_add, product_image_move
from catalog.models import Batch, Sku, Storage, Synonym
from catalog.reference import reference, reference_pinned
from catalog.search import SORT_MAX, SortedIds, search_facets_and_page, search_matches_sql, search_tiers
from gansu_mall.accounts.models import Role
from gansu_mall.accounts.permissions import role_required
from gansu_mall.core.api.pagination import (
    COUNT_CACHE_MIN,
    COUNT_CACHE_SECONDS,
    CachedCountPaginator,
    ChainedResults,
    ids_only,
)
from gansu_mall.core.cache import public_cache
from gansu_mall.core.errors import ApplicationError
from gansu_mall.core.forms import add_service_errors
from orders.views_group_buys import product_group_buys
from orders.views_reviews import product_reviews
from vendors.selectors import vendor_get_for_staff


@dataclass(frozen=True)
class Facets:
    by_category: dict[str, int]
    by_prefecture: dict[str, int]
    total: int
    first_tier: int  # results whose own name matches (a search ordered by relevance shows them first)


def _facets_of(rows: Any) -> Facets:
    """Facets from (category, county[, relevance], n) rows; by county: the prefecture from the reference."""
    ref = reference()
    top_of = ref.top_slug_of()
    by_category: dict[str, int] = {}
    by_prefecture: dict[str, int] = {}
    total = first_tier = 0
    for category_id, county, *relevance, n in rows:
        prefecture = ref.prefecture_of.get(county, "")
        by_category[top_of[category_id]] = by_category.get(top_of[category_id], 0) + n
        by_prefecture[prefecture] = by_prefecture.get(prefecture, 0) + n
        total += n
        first_tier += n if relevance and relevance[0] else 0
    return Facets(by_category, by_prefecture, total, first_tier)


def _facets(results: Any) -> Facets:
    """Counts of the results by top-level category and by prefecture, and with them the total and the size
    of the first relevance tier, all from one grouped query: the page needs no count query of its own
    (cached like large counts: a minute, when there are COUNT_CACHE_MIN results or more)."""
    tiers = "relevance" in results.query.annotations
    fields = ["category_id", "origin_county_id", *(["relevance"] if tiers else [])]
    grouped = results.order_by().values_list(*fields).annotate(n=Count("id"))
    try:
        sql, sql_params = grouped.query.sql_with_params()
    except EmptyResultSet:  # a query that cannot match (an empty search)
        return Facets({}, {}, 0, 0)
    key = "facets:" + hashlib.sha256(f"{sql}|{sql_params!r}".encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return cached
    facets = _facets_of(grouped)
    if facets.total >= COUNT_CACHE_MIN:
        cache.set(key, facets, COUNT_CACHE_SECONDS)
    return facets


def _search_facets(results: Any, start: int, stop: int) -> tuple[Facets, list[int] | None]:
    """``_facets`` of a search in relevance order, with the ids of the slice [start:stop) read by the same
    statement when the facets are not cached (``search_facets_and_page``); None for the ids when they were
    (the caller reads its page off the tiers)."""
    matches = search_matches_sql(results)
    if matches is None:  # a query that cannot match (an empty search)
        return Facets({}, {}, 0, 0), []
    key = "search-facets:" + hashlib.sha256(f"{matches[0]}|{matches[1]!r}".encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return cached, None
    rows, ids = search_facets_and_page(matches, start=start, stop=stop)
    facets = _facets_of(rows)
    if facets.total >= COUNT_CACHE_MIN:
        cache.set(key, facets, COUNT_CACHE_SECONDS)
    return facets, ids


class _KnownPage:
    """Results of which one slice, [start:stop), is known already (read with the facets); any other slice
    is taken from the results ``rest()`` builds (only then)."""

    ordered = True

    def __init__(self, rest: Callable[[], Any], start: int, stop: int, ids: list[int]) -> None:
        self._rest, self.start, self.stop, self.ids = rest, start, stop, ids

    def __getitem__(self, item: slice) -> Any:
        if isinstance(item, slice) and (item.start or 0) == self.start and item.stop <= self.stop:
            return self.ids[: item.stop - self.start]
        return self._rest()[item]


PER_PAGE = 20


def _page_number(value: str | None) -> int | None:
    """The page asked for, when it is a plain page number (the paginator settles anything else)."""
    try:
        number = int(value or 1)
    except ValueError:
        return None
    return number if number >= 1 else None


SEARCH_FORM_KEYS = (
    "category",
    "origin_prefecture",
    "min_price",
    "max_price",
    "gi",
    "poverty_relief",
    "in_stock",
    "ordering",
)


@require_GET
@public_cache
def search(request: HttpRequest) -> HttpResponse:
    """/search/?q=… with the filters of the API; htmx requests get the results block only."""
    with reference_pinned():  # the category tree, synonyms and prefectures: read once for the request
        return _search(request)


def _search(request: HttpRequest) -> HttpResponse:
    params = request.GET.copy()
    if "q" in params and "search" not in params:
        params["search"] = params["q"]
    products = selectors.products_public_bare()  # ids and values only: the cards are read by their ids
    if "ordering" not in params and not params.get("search"):
        products = products.order_by("-sales", "-id")
    filtered = ProductFilter(params, queryset=products)
    results = filtered.qs
    # A search in relevance order ("relevance" is missing when the query has no words: " ", "!!!").
    relevance_order = "ordering" not in params and "relevance" in results.query.annotations
    ordered: Any
    if relevance_order:
        number = _page_number(request.GET.get("page")) or 1
        start, stop = (number - 1) * PER_PAGE, number * PER_PAGE
        facets, page_ids = _search_facets(results, start, stop)
        counts = [facets.first_tier, facets.total - facets.first_tier]

        def tiers() -> ChainedResults:
            # Each tier as ids: a small one (a filtered search) read whole and sorted, a large one off the
            # popularity index (see catalog.search.SORT_MAX).
            parts = [
                SortedIds(tier) if size <= SORT_MAX else ids_only(tier)
                for tier, size in zip(search_tiers(results), counts, strict=True)
            ]
            return ChainedResults(parts, counts=counts)

        ordered = tiers() if page_ids is None else _KnownPage(tiers, start, stop, page_ids)
    else:
        facets = _facets(results)
        ordered = ids_only(results)
    paginator = CachedCountPaginator(ordered, PER_PAGE)
    paginator.count = facets.total  # type: ignore[misc]  # known from the facets: no count query
    page = paginator.get_page(request.GET.get("page"))
    by_category, by_prefecture = facets.by_category, facets.by_prefecture
    ref = reference()
    # Every key the form reads, so that each lookup in the template is a plain dict hit (a missing key of a
    # QueryDict sends the template engine through dir() of the QueryDict, once per facet row).
    form_params = {key: request.GET.get(key, "") for key in SEARCH_FORM_KEYS}
    cards = selectors.product_list_items(product_ids=list(page))  # links: one reverse() for all (the tag)
    context: dict[str, Any] = {
        "q": request.GET.get("q", ""),
        "page": page,
        "cards": cards,
        "count": page.paginator.count,
        # Facet rows as (value, label, count, chosen), ready to print: the template does no lookups there.
        "facets_categories": [
            (c.slug, c.display_name, str(by_category.get(c.slug, 0)), form_params["category"] == c.slug)
            for c in ref.top_categories()
        ],
        "facets_prefectures": [
            (
                p.code,
                p.display_name,
                str(by_prefecture.get(p.code, 0)),
                form_params["origin_prefecture"] == p.code,
            )
            for p in ref.prefectures
        ],
        "params": form_params,
        "storage_choices": Storage.choices,
        "query_without_page": "&".join(f"{k}={v}" for k, v in request.GET.items() if k != "page"),
    }
    template = "catalog/_results.html" if request.htmx else "catalog/search.html"
    return render(request, template, context)


@require_GET
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The product with its lots; orders adds its reviews and group-buy offers (views may cross apps)."""
    product = selectors.product_get_public(product_id=pk)
    batches = Batch.objects.filter(sku__product=product, blocked=False).order_by("-harvested_on", "-id")[:5]
    context = {"product": product, "batches": batches}
    context.update(product_reviews(request, product))
    context.update(product_group_buys(request, product))
    return render(request, "catalog/product.html", context)


# --- Seller centre: products ----------------------------------------------------------------------


def _show_errors(form: ProductForm | ProductDetailsForm, error: ApplicationError) -> None:
    """Field errors on their fields; SKU errors ("skus.0.price") on top, naming the row."""
    if not error.fields:
        form.add_error(None, str(error.message))
        return
    for name, messages_ in error.fields.items():
        parts = name.split(".")
        for message in messages_:
            if parts[0] == "skus" and len(parts) > 1 and parts[1].isdigit():
                form.add_error(
                    None, _("SKU row %(row)d: %(error)s") % {"row": int(parts[1]) + 1, "error": message}
                )
            else:
                form.add_error(name if name in form.fields else None, message)


@login_required
def seller_products(request: HttpRequest, slug: str) -> HttpResponse:
    """The shop's products; POST imports a CSV or XLSX file (all rows or none)."""
    vendor, _role = vendor_get_for_staff(user=request.user, slug=slug, allow_delegate=True)
    import_errors: list[bulk.RowError] = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise bulk.ImportRefused([bulk.RowError(0, "file", _("Choose a file."))])
            created = bulk.import_products(vendor=vendor, upload=upload)
        except bulk.ImportRefused as refused:
            import_errors = refused.errors
        else:
            messages.success(request, _("Imported %(count)d products.") % {"count": created})
            return redirect("catalog:seller_products", slug=vendor.slug)
    products = selectors.products_of_shop_for_staff(user=request.user, slug=slug).order_by(
        "-created_at", "-id"
    )
    return render(
        request,
        "catalog/seller_products.html",
        {"vendor": vendor, "products": products, "import_errors": import_errors, "columns": bulk.COLUMNS},
        status=400 if import_errors else 200,
    )


@login_required
@require_GET
def seller_products_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    vendor, _role = vendor_get_for_staff(user=request.user, slug=slug, allow_delegate=True)
    if fmt == "xlsx":
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response = HttpResponse(bulk.export_xlsx(vendor), content_type=content_type)
    elif fmt == "csv":
        response = HttpResponse(bulk.export_csv(vendor), content_type="text/csv; charset=utf-8")
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{vendor.slug}-products.{fmt}"'
    return response


@login_required
def seller_product_new(request: HttpRequest, slug: str) -> HttpResponse:
    vendor, _role = vendor_get_for_staff(user=request.user, slug=slug, allow_delegate=True)
    form = ProductForm(request.POST or None)
    formset = SkuFormSet(request.POST or None, prefix="skus")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        skus = [
            services.SkuInput(**{k: v for k, v in row.items() if k != "DELETE"})
            for row in formset.cleaned_data
            if row and row.get("code")
        ]
        try:
            product = services.product_create(
                vendor=vendor, data=services.ProductInput(**form.cleaned_data, skus=skus)
            )
        except ApplicationError as exc:
            _show_errors(form, exc)
        else:
            messages.success(request, _("Product saved."))
            return redirect("catalog:seller_product_edit", slug=vendor.slug, pk=product.pk)
    return render(
        request, "catalog/seller_product_form.html", {"vendor": vendor, "form": form, "formset": formset}
    )


@login_required
def seller_product_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    product, _role = selectors.product_get_for_staff(user=request.user, product_id=pk)
    if product.vendor.slug != slug:
        return redirect("catalog:seller_product_edit", slug=product.vendor.slug, pk=product.pk)
    action = request.POST.get("action", "")
    details = ProductDetailsForm(
        request.POST if action == "details" else None,
        initial={
            "name": product.name,
            "name_en": product.name_en,
            "category": product.category.slug,
            "origin_county_code": product.origin_county_id,
            "storage": product.storage,
            "shelf_life_days": product.shelf_life_days,
            "gi_certificate": product.gi_certificate,
            "description": product.description,
            "description_en": product.description_en,
        },
    )
    if request.method == "POST" and action == "details":
        if details.is_valid():
            try:
                services.product_update(product=product, changes=details.cleaned_data)
            except ApplicationError as exc:
                _show_errors(details, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("catalog:seller_product_edit", slug=slug, pk=pk)
        return render(
            request,
            "catalog/seller_product_edit.html",
            {"product": product, "vendor": product.vendor, "details": details},
            status=400,
        )
    if request.method == "POST":
        try:
            if action in ("activate", "draft"):
                services.product_update(
                    product=product, changes={"status": "active" if action == "activate" else "draft"}
                )
            elif action == "deactivate":
                services.product_deactivate(product=product)
            elif action == "image":
                upload = request.FILES.get("image")
                if upload is None:
                    raise ApplicationError(code="validation_error", message=_("Choose a photo to upload."))
                product_image_add(product=product, upload=upload)
            elif action == "image_move":
                steps = {"earlier": -1, "later": 1, "cover": -MAX_IMAGES}
                direction = request.POST.get("direction", "")
                if direction not in steps:
                    raise ApplicationError(code="validation_error", message=_("Choose where the photo goes."))
                product_image_move(
                    product=product, image_id=int(request.POST.get("image", "0") or 0), step=steps[direction]
                )
            elif action == "sku":
                sku = product.skus.get(pk=int(request.POST.get("sku", "0") or 0))
                stock_form = SkuStockForm(request.POST)
                if stock_form.is_valid():
                    services.sku_update(
                        sku=sku, **{k: v for k, v in stock_form.cleaned_data.items() if v is not None}
                    )
                else:
                    raise ApplicationError(
                        code="validation_error",
                        message=" ".join(str(e) for errors in stock_form.errors.values() for e in errors),
                    )
        except (ApplicationError, Sku.DoesNotExist, ValueError) as exc:
            messages.error(request, str(getattr(exc, "message", exc)))
        else:
            messages.success(request, _("Saved."))
        return redirect("catalog:seller_product_edit", slug=slug, pk=pk)
    return render(
        request,
        "catalog/seller_product_edit.html",
        {"product": product, "vendor": product.vendor, "details": details},
    )


# --- Traceability ---------------------------------------------------------------------------------


@require_GET
def trace_page(request: HttpRequest, code: str) -> HttpResponse:
    batch = trace.trace_get(trace_code=code)
    return render(request, "catalog/trace.html", {"batch": batch, "events": list(batch.events.all())})


@require_GET
def trace_qr(request: HttpRequest, code: str) -> HttpResponse:
    batch = trace.trace_get(trace_code=code)
    url = request.build_absolute_uri(reverse("catalog:trace", args=[batch.trace_code]))
    response = HttpResponse(trace.qr_png(url), content_type="image/png")
    response["Cache-Control"] = "public, max-age=86400"
    return response


# --- Bureau: search synonyms ----------------------------------------------------------------------


@role_required(Role.BUREAU, Role.ADMIN)
def bureau_synonyms(request: HttpRequest) -> HttpResponse:
    form = SynonymForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("delete"):
            synonym = Synonym.objects.filter(pk=request.POST["delete"]).first()
            if synonym is not None:
                services.synonym_delete(synonym=synonym)
                messages.success(request, _("Removed. The search index is being rebuilt."))
            return redirect("catalog:bureau_synonyms")
        if form.is_valid():
            try:
                services.synonym_add(**form.cleaned_data)
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Added. The search index is being rebuilt."))
                return redirect("catalog:bureau_synonyms")
    return render(
        request,
        "catalog/bureau_synonyms.html",
        {"form": form, "synonyms": Synonym.objects.order_by("canonical", "term")},
    )
