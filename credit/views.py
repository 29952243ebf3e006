"""Pages of the credit registry: the public credit page of a shop (with the owner's objections), the
department's records, entry and CSV import, and the bureau's records, objections, red and black lists.

Views are the orchestrating layer: shops are resolved to legal identities here (credit.api helpers).
"""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from credit import selectors, services
from credit.api import owned_identity_hashes, vendor_credit, vendor_for_credit
from credit.forms import ImportForm, ObjectionForm, RecordFilterForm, RecordForm, ResolveForm
from credit.models import Category, CreditObjection, CreditRecord
from gansu_mall.accounts.models import Role
from gansu_mall.accounts.permissions import role_required
from gansu_mall.core.errors import ApplicationError
from gansu_mall.core.forms import add_service_errors
from gansu_mall.core.storage import private_file_response
from vendors.models import Vendor

PAGE_SIZE = 50
WRITERS = (Role.DEPARTMENT, Role.BUREAU, Role.ADMIN)
RULE_LABELS = {
    "serious_violation": gettext_lazy("an unexpired serious-violation record"),
    "court_enforcement": gettext_lazy("an unexpired court-enforcement record"),
    "grade_d": gettext_lazy("grade D"),
    "grade_a_clean_2_years": gettext_lazy("grade A and no negative record in the last 2 years"),
    "base": gettext_lazy("base score"),
    "positive": gettext_lazy("positive record"),
    "negative": gettext_lazy("negative record"),
}


def _category_label(code: str) -> str:
    return str(Category(code).label) if code in Category.values else code


def _components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "rule": str(RULE_LABELS.get(c["rule"], c["rule"])),
            "category": _category_label(c["category"]) if c.get("category") else "",
            "severity": c.get("severity", ""),
            "weight": c["weight"],
            "points": c["points"],
        }
        for c in components
    ]


def _reasons(reasons: list[dict[str, Any]], wanted: str) -> list[str]:
    return [str(RULE_LABELS.get(r["rule"], r["rule"])) for r in reasons if r.get("list") == wanted]


def _behaviour_rows(records: list[CreditRecord]) -> list[dict[str, Any]]:
    """The figures of the monthly platform-behaviour records, as the credit page's table shows them."""
    rows = []
    for record in records:
        figures = record.figures or {}
        rows.append(
            {
                "month": record.period,
                "record": record,
                "orders_paid": figures.get("orders_paid", 0),
                "orders_due": figures.get("orders_due", 0),
                "shipped_on_time": figures.get("shipped_on_time", 0),
                "on_time_percent": figures.get("on_time_percent"),
                "shop_cancellations": figures.get("shop_cancellations", 0),
                "refunds": figures.get("refunds", 0),
                "refund_percent": figures.get("refund_percent"),
                "disputes": figures.get("disputes", 0),
                "dispute_percent": figures.get("dispute_percent"),
                "upheld_complaints": figures.get("upheld_complaints", 0),
                "review_count": figures.get("review_count", 0),
                "review_average": figures.get("review_average"),
            }
        )
    return rows


def vendor_page(request: HttpRequest, slug: str) -> HttpResponse:
    """/credit/<slug>/: grade, score and its components, the list badges with their rule, public records;
    the owner also sees every record about the shop's identity and may object to one."""
    vendor = vendor_for_credit(slug=slug)
    is_owner = vendor.identity_hash in owned_identity_hashes(request.user)
    form = ObjectionForm()
    if request.method == "POST":
        if not is_owner:
            raise Http404
        form = ObjectionForm(request.POST, request.FILES)
        if form.is_valid():
            record = CreditRecord.objects.filter(
                pk=form.cleaned_data["record"], subject__identity_hash=vendor.identity_hash
            ).first()
            if record is None:
                raise Http404
            try:
                services.objection_create(
                    record=record,
                    user=request.user,
                    owned_identity_hashes={vendor.identity_hash},
                    reason=form.cleaned_data["reason"],
                    evidence=form.cleaned_data["evidence"],
                )
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Your objection has been sent to the commerce bureau."))
                return redirect("credit:vendor", slug=vendor.slug)
    credit = vendor_credit(vendor)
    context = {
        "vendor": vendor,
        "credit": credit,
        "components": _components(credit.components),
        "black_reasons": _reasons(credit.reasons, "black"),
        "red_reasons": _reasons(credit.reasons, "red"),
        "records": list(credit.records),
        "behaviour": _behaviour_rows(selectors.subject_behaviour_months(identity_hash=vendor.identity_hash)),
        "is_owner": is_owner,
        "own_records": list(selectors.subject_records_for_owner(identity_hash=vendor.identity_hash))
        if is_owner
        else [],
        "form": form,
    }
    return render(request, "credit/vendor.html", context)


@role_required(*WRITERS)
def records_page(request: HttpRequest) -> HttpResponse:
    """Records by subject, department and category: a department sees its own, the bureau all; CSV export."""
    bureau = selectors.is_credit_bureau(request.user)
    departments = [(d.pk, d.name) for d in selectors.departments()] if bureau else None
    filters = RecordFilterForm(request.GET or None, departments=departments)
    wanted: dict[str, Any] = {}
    if filters.is_valid():
        wanted = {k: v for k, v in filters.cleaned_data.items() if v not in (None, "")}
    records = selectors.records_for_user(
        user=request.user,
        subject_code=wanted.get("subject_code", ""),
        department_id=wanted.get("department"),
        category=wanted.get("category", ""),
        polarity=wanted.get("polarity", ""),
        status=wanted.get("status", ""),
    )
    if request.GET.get("export") == "csv":
        return _export(records)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [
        {"record": r, "repairable": bureau and (d := selectors.repair_date(r)) is not None and d <= today}
        for r in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "credit/records.html",
        {"page": page, "rows": rows, "filters": filters, "bureau": bureau, "query": query.urlencode()},
    )


def _export(records: Any) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="credit-records.csv"'
    response.write("\ufeff")  # so spreadsheet programs read UTF-8
    writer = csv.writer(response)
    writer.writerow(
        [
            "id",
            "subject",
            "subject_name",
            "polarity",
            "category",
            "severity",
            "title",
            "occurred_on",
            "expires_on",
            "legal_basis",
            "department",
            "public",
            "status",
            "repaired_at",
        ]
    )
    for r in records.iterator(chunk_size=500):
        writer.writerow(
            [
                r.pk,
                r.subject.display,
                r.subject.name,
                r.polarity,
                r.category,
                r.severity,
                r.title,
                r.occurred_on.isoformat(),
                r.expires_on.isoformat() if r.expires_on else "",
                r.legal_basis,
                r.department.name if r.department else "",
                int(r.public),
                r.status,
                r.repaired_at.isoformat() if r.repaired_at else "",
            ]
        )
    return response


@role_required(*WRITERS)
def record_new(request: HttpRequest) -> HttpResponse:
    form = RecordForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_create(actor=request.user, data=services.RecordInput(**form.cleaned_data))
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The record has been saved."))
            return redirect("credit:records")
    return render(request, "credit/record_new.html", {"form": form})


@role_required(*WRITERS)
def records_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    rows: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > 2 * 1024 * 1024:
                raise ApplicationError(code="validation_error", message=_("At most 2 MB."))
            records = services.records_import(actor=request.user, content=upload.read())
        except ApplicationError as exc:
            add_service_errors(form, exc, {"file": "file"})
            rows = exc.extra.get("rows", [])
        else:
            messages.success(request, _("%(n)d records imported.") % {"n": len(records)})
            return redirect("credit:records")
    return render(
        request,
        "credit/import.html",
        {"form": form, "rows": rows, "columns": ",".join(services.IMPORT_COLUMNS)},
    )


@role_required(Role.BUREAU, Role.ADMIN)
@require_POST
def record_repair(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.record_get_for_user(user=request.user, record_id=pk)
    try:
        services.record_repair(record=record, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The record is marked repaired; it now counts at half weight."))
    return redirect("credit:records")


@role_required(Role.BUREAU, Role.ADMIN)
def objections_page(request: HttpRequest) -> HttpResponse:
    form = ResolveForm()
    failed: int | None = None
    if request.method == "POST":
        wanted = request.POST.get("objection", "")
        objection = selectors.objection_get_for_bureau(
            user=request.user, objection_id=int(wanted) if wanted.isdigit() else 0
        )
        form = ResolveForm(request.POST)
        if form.is_valid():
            try:
                services.objection_resolve(objection=objection, actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The objection has been decided."))
                return redirect("credit:objections")
        failed = objection.pk
    objections = list(selectors.objections_for_bureau())
    return render(
        request, "credit/objections.html", {"objections": objections, "form": form, "failed": failed}
    )


@role_required(Role.BUREAU, Role.ADMIN)
def lists_page(request: HttpRequest) -> HttpResponse:
    """The red list (守信激励) and the black list (失信惩戒), with the rule and the shop of each identity."""
    red = list(selectors.scores_listed(black=False))
    black = list(selectors.scores_listed(black=True))
    hashes = [s.subject.identity_hash for s in red + black]
    shops = {
        v.identity_hash: v for v in Vendor.objects.filter(identity_hash__in=hashes).exclude(status="closed")
    }

    def rows(scores: list[Any], wanted: str) -> list[dict[str, Any]]:
        return [
            {"score": s, "shop": shops.get(s.subject.identity_hash), "reasons": _reasons(s.reasons, wanted)}
            for s in scores
        ]

    lists = [
        (_("Red list"), rows(red, "red"), "red-list"),
        (_("Black list"), rows(black, "black"), "black-list"),
    ]
    return render(request, "credit/lists.html", {"lists": lists})


def record_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """A record's evidence: for its department, the bureau and the owner of a shop of its identity."""
    if not request.user.is_authenticated:
        raise Http404
    record = selectors.record_get_for_user(
        user=request.user, record_id=pk, owned_identity_hashes=owned_identity_hashes(request.user)
    )
    return private_file_response(record.evidence)


def objection_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """An objection's evidence: for the bureau (deciding it) and the owner who raised it."""
    if not request.user.is_authenticated:
        raise Http404
    objection = CreditObjection.objects.filter(pk=pk).first()
    if objection is None or not (
        selectors.is_credit_bureau(request.user) or objection.raised_by_id == request.user.pk
    ):
        raise Http404
    return private_file_response(objection.evidence)
