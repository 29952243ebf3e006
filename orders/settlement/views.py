"""Pages of settlement.

    shop    /seller/<slug>/settlement/                       balance (pending, available, in payout, paid out),
                                                             statements, payouts
            /seller/<slug>/settlement/statements/<id>/       one statement with its orders and adjustments
            /seller/<slug>/settlement/statements/<id>/csv/   the same as CSV
    desk    /bureau/payouts/?status=                         payouts by status; POST …/export/ makes a batch
            /bureau/payouts/batches/<id>/csv/                a batch's bank-transfer file
            /bureau/payouts/<id>/paid/, …/failed/            POST: the bank's answer for one payout
    admin   /bureau/commission/                              category rates and shops' own rates

Shop owners and managers (and bureau staff of the shop's area) see a shop's pages; anyone else gets 404.
The payouts desk is for province-wide bureau staff and platform admins, the commission page for admins.
Every page costs a constant number of queries, however many rows it lists.
"""

from __future__ import annotations

import csv
import io

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.models import Category
from gansu_mall.accounts.models import Role
from gansu_mall.accounts.permissions import role_required
from gansu_mall.core.errors import ApplicationError
from gansu_mall.core.forms import add_service_errors
from gansu_mall.core.money import format_money
from orders.settlement import commission, payouts, selectors
from orders.settlement.api import csv_response
from orders.settlement.ledger import vendor_balance
from orders.settlement.models import CommissionRate, PayoutStatus, ShopCommission
from vendors.models import Vendor

PAGE_SIZE = 20


# --- Seller centre --------------------------------------------------------------------------------


@login_required
@require_GET
def seller_settlement(request: HttpRequest, slug: str) -> HttpResponse:
    vendor, statements = selectors.settlements_of_shop(user=request.user, slug=slug)
    page = Paginator(statements, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "settlement/seller_settlement.html",
        {
            "vendor": vendor,
            "balance": vendor_balance(vendor_id=vendor.pk),
            "page": page,
            "payouts": list(selectors.payouts_of_shop(vendor=vendor)[:10]),
        },
    )


@login_required
@require_GET
def seller_statement(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    vendor = selectors.vendor_for_settlement(user=request.user, slug=slug)
    statement = selectors.settlement_get_for_user(user=request.user, settlement_id=pk, slug=vendor.slug)
    return render(
        request,
        "settlement/seller_statement.html",
        {
            "vendor": vendor,
            "statement": statement,
            "lines": list(selectors.settlement_lines(settlement=statement)),
            "adjustments": list(selectors.adjustments_of(settlement=statement)),
            "payout": getattr(statement, "payout", None),
        },
    )


STATEMENT_CSV_HEADER = ["order_number", "completed_at", "gross", "refunds", "commission", "net"]


@login_required
@require_GET
def seller_statement_csv(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    vendor = selectors.vendor_for_settlement(user=request.user, slug=slug)
    statement = selectors.settlement_get_for_user(user=request.user, settlement_id=pk, slug=vendor.slug)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(STATEMENT_CSV_HEADER)
    for line in selectors.settlement_lines(settlement=statement):
        completed = line.order.completed_at
        writer.writerow(
            [
                line.order.number,
                completed.isoformat() if completed else "",
                format_money(line.gross),
                format_money(line.refunds),
                format_money(line.commission),
                format_money(line.net),
            ]
        )
    for settled in selectors.adjustments_of(settlement=statement):
        writer.writerow(
            [
                settled.refund.order.number,
                "",
                "0.00",
                format_money(settled.amount),
                "0.00",
                format_money(-settled.amount),
            ]
        )
    writer.writerow(
        [
            "TOTAL",
            f"{statement.period_start}/{statement.period_end}",
            format_money(statement.gross),
            format_money(statement.refunds - statement.adjustments),
            format_money(statement.commission),
            format_money(statement.net),
        ]
    )
    return csv_response(out.getvalue(), f"statement-{vendor.slug}-{statement.period_end}.csv")


# --- The payouts desk -----------------------------------------------------------------------------


class FailedForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why did the transfer fail?"), max_length=500, required=False)


class PaidForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Bank reference (optional)"), max_length=500, required=False)


def _desk_only(request: HttpRequest) -> None:
    if not selectors.can_run_payouts(request.user):
        raise PermissionDenied


@role_required(Role.BUREAU, Role.ADMIN)
@require_GET
def payouts_desk(request: HttpRequest) -> HttpResponse:
    _desk_only(request)
    status = request.GET.get("status") or PayoutStatus.PENDING
    if status not in PayoutStatus.values:
        status = PayoutStatus.PENDING
    page = Paginator(selectors.payouts_for_desk(user=request.user, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "settlement/payouts_desk.html",
        {
            "status": status,
            "statuses": PayoutStatus.choices,
            "page": page,
            "batches": list(selectors.batches_for_desk(user=request.user)[:10]),
            "paid_form": PaidForm(),
            "failed_form": FailedForm(),
        },
    )


@role_required(Role.BUREAU, Role.ADMIN)
@require_POST
def payouts_export_view(request: HttpRequest) -> HttpResponse:
    _desk_only(request)
    batch = payouts.payouts_export(actor=request.user)  # type: ignore[arg-type]
    if batch is None:
        messages.warning(
            request, _("No pending payout could be exported (held, or the shop has no bank account).")
        )
        return redirect(reverse("orders:payouts_desk"))
    messages.success(
        request,
        _("Batch %(number)s: %(count)s payouts, ¥%(total)s. Download its file below.")
        % {"number": batch.number, "count": batch.count, "total": format_money(batch.total)},
    )
    return redirect(reverse("orders:payouts_desk") + "?status=exported")


@role_required(Role.BUREAU, Role.ADMIN)
@require_GET
def payout_batch_csv_view(request: HttpRequest, pk: int) -> HttpResponse:
    _desk_only(request)
    batch = selectors.batch_get_for_desk(user=request.user, batch_id=pk)  # type: ignore[arg-type]
    return csv_response(payouts.payout_batch_csv(batch=batch), f"payouts-{batch.number}.csv")


def _decide(request: HttpRequest, pk: int, outcome: str) -> HttpResponse:
    _desk_only(request)
    payout = selectors.payout_get_for_desk(user=request.user, payout_id=pk)  # type: ignore[arg-type]
    try:
        if outcome == "paid":
            form: forms.Form = PaidForm(request.POST)
            form.is_valid()
            payouts.payout_mark_paid(
                payout=payout, actor=request.user, note=form.cleaned_data.get("note", "")
            )  # type: ignore[arg-type]
            messages.success(request, _("Payout %(number)s is paid.") % {"number": payout.number})
        else:
            form = FailedForm(request.POST)
            form.is_valid()
            payouts.payout_mark_failed(
                payout=payout, actor=request.user, reason=form.cleaned_data.get("reason", "")
            )  # type: ignore[arg-type]
            messages.success(
                request,
                _("Payout %(number)s failed; its money is available to the shop again.")
                % {"number": payout.number},
            )
    except ApplicationError as error:
        messages.error(
            request, " ".join([str(error.message), *[m for ms in (error.fields or {}).values() for m in ms]])
        )
    return redirect(reverse("orders:payouts_desk") + "?status=exported")


@role_required(Role.BUREAU, Role.ADMIN)
@require_POST
def payout_paid_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, "paid")


@role_required(Role.BUREAU, Role.ADMIN)
@require_POST
def payout_failed_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, "failed")


# --- Commission (platform admins) -----------------------------------------------------------------


class CategoryRateForm(forms.Form):
    category = forms.ModelChoiceField(
        label=gettext_lazy("Category"), queryset=Category.objects.order_by("position", "slug")
    )
    rate = forms.CharField(label=gettext_lazy("Rate (0.05 or 5%)"), max_length=10)


class ShopRateForm(forms.Form):
    shop = forms.SlugField(label=gettext_lazy("Shop (slug)"), max_length=60)
    rate = forms.CharField(
        label=gettext_lazy("Rate (0.05 or 5%; empty: back to the category rates)"),
        max_length=10,
        required=False,
    )
    note = forms.CharField(label=gettext_lazy("Reason"), max_length=200, required=False)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def commission_page(request: HttpRequest) -> HttpResponse:
    # Two forms on one page, both with a "rate": their own element ids, so each label names its own input.
    category_form = CategoryRateForm(
        request.POST if request.POST.get("form") == "category" else None, auto_id="category_%s"
    )
    shop_form = ShopRateForm(request.POST if request.POST.get("form") == "shop" else None, auto_id="shop_%s")
    if request.method == "POST":
        try:
            if request.POST.get("form") == "category" and category_form.is_valid():
                commission.commission_rate_set(
                    category=category_form.cleaned_data["category"],
                    rate=category_form.cleaned_data["rate"],
                    actor=request.user,  # type: ignore[arg-type]
                )
                messages.success(request, _("The category's rate is saved."))
                return redirect(reverse("orders:commission"))
            if request.POST.get("form") == "shop" and shop_form.is_valid():
                vendor = get_object_or_404(Vendor, slug=shop_form.cleaned_data["shop"])
                if shop_form.cleaned_data["rate"].strip():
                    commission.shop_commission_set(
                        vendor=vendor,
                        rate=shop_form.cleaned_data["rate"],
                        note=shop_form.cleaned_data["note"],
                        actor=request.user,  # type: ignore[arg-type]
                    )
                else:
                    commission.shop_commission_clear(vendor=vendor, actor=request.user)  # type: ignore[arg-type]
                messages.success(request, _("The shop's rate is saved."))
                return redirect(reverse("orders:commission"))
        except ApplicationError as error:
            add_service_errors(category_form if request.POST.get("form") == "category" else shop_form, error)
    book = commission.rate_book()
    categories = list(Category.objects.filter(parent__isnull=True).order_by("position", "slug"))
    return render(
        request,
        "settlement/commission.html",
        {
            "category_rows": [(c, book.category_rate(c.pk), c.pk in book.category_rates) for c in categories],
            "rates": list(CommissionRate.objects.select_related("category").order_by("category__slug")),
            "shop_rates": list(ShopCommission.objects.select_related("vendor").order_by("vendor__slug")),
            "default_rate": book.default,
            "poverty_rate": book.poverty_relief,
            "category_form": category_form,
            "shop_form": shop_form,
        },
    )
