"""After-sales pages: the buyer's refunds on the order page, the seller centre's refunds, the bureau's disputes.

    buyer   /orders/<id>/                  the order's refunds (status, history) and the form to ask for one
                                           (``buyer_refunds_context``, called by ``views.order_detail``)
            /orders/<id>/refunds/          the same form on its own page: POST asks; a refusal is shown here
            /refunds/<id>/escalate/        POST: a rejected refund goes to the commerce bureau
    shop    /seller/<slug>/orders/<id>/    the order's refunds, approve / reject (``shop_refunds_context``)
            /seller/<slug>/refunds/        the shop's refunds by status
            /seller/<slug>/refunds/<id>/   one refund; POST approves or rejects it
    bureau  /bureau/disputes/              refunds taken to the bureau in the staff member's area, open first
            /bureau/disputes/<id>/         one of them; POST arbitrates it

The order pages are rendered by ``orders.views`` (which other features add context to as well), so a refused
form is shown again on a page of its own here, never by rendering someone else's page with half its context.
Everything is done by ``orders.services.refunds`` and read through ``orders.selectors``: who may see or act
is the selectors' business (another shop's staff get 404, delegated information officers may act; bureau
staff see their area only). The forms only shape the input; the services validate it and their refusals are
shown on the forms. The money goes back through the gateway after commit (the services schedule it).
Every page costs a constant number of queries, however many refunds it lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gansu_mall.accounts.models import Role, User
from gansu_mall.accounts.permissions import role_required
from gansu_mall.core.errors import ApplicationError
from gansu_mall.core.forms import add_service_errors
from orders import selectors
from orders.forms import ShipForm
from orders.models import Order, OrderItem, Refund, RefundKind, RefundStatus
from orders.services.refunds import (
    AFTER_SHIPPING,
    BEFORE_SHIPPING,
    refund_approve,
    refund_arbitrate,
    refund_escalate,
    refund_reject,
    refund_request,
    refund_return_received,
    refund_return_shipped,
    refundable,
)

PAGE_SIZE = 20
R = RefundStatus
UNDER_WAY = (R.REQUESTED, R.AWAITING_RETURN, R.ESCALATED)  # a new request waits until these are settled


# --- Forms ----------------------------------------------------------------------------------------


class RefundRequestForm(forms.Form):
    """Before shipping only the reason (the whole order is refunded); after shipping also the kind and,
    optionally, the amount (empty: everything still refundable)."""

    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "aria-required": "true"}),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("What you would like"),
        choices=RefundKind.choices,
        initial=RefundKind.REFUND,
        required=False,
        widget=forms.RadioSelect,
    )
    amount = forms.CharField(
        label=gettext_lazy("Amount (CNY, optional)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, after_shipping: bool, left: Decimal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if after_shipping:
            self.fields["amount"].help_text = _(
                "Leave it empty to ask for everything still refundable: ¥%(amount)s."
            ) % {"amount": left}
        else:
            del self.fields["kind"]
            del self.fields["amount"]


class EscalateForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("What should the bureau know? (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ShopDecisionForm(forms.Form):
    """Approve (the reason, if any, is kept as a note) or reject (the reason is required, by the service)."""

    reason = forms.CharField(
        label=gettext_lazy("Reason (required to reject; the buyer sees it)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


DECISIONS = [
    ("refund", gettext_lazy("Refund: the buyer gets the amount back")),
    ("reject", gettext_lazy("Reject: the shop's refusal stands and the refund is closed")),
]


class ArbitrateForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"), choices=DECISIONS, required=False, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=gettext_lazy("Explanation (both the buyer and the shop see it)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "aria-required": "true"}),
    )


def _ids(prefix: str, refund_id: int) -> str:
    """``auto_id`` giving each refund's form its own element ids (several forms on one page), while the
    field names stay plain."""
    return f"id_{prefix}{refund_id}_%s"


# --- What the templates show ----------------------------------------------------------------------


BY_BUYER = pgettext_lazy("refund step", "by the buyer")
BY_SHOP = pgettext_lazy("refund step", "by the shop")
BY_BUREAU = pgettext_lazy("refund step", "by the commerce bureau")


@dataclass(frozen=True)
class Step:
    """One line of a refund's history."""

    status: str
    at: datetime
    by: str
    note: str


@dataclass
class RefundView:
    refund: Refund
    steps: list[Step]
    form: forms.Form | None = None  # the action open to the viewer: escalate, decide or arbitrate


def _steps(refund: Refund) -> list[Step]:
    """The history from the prefetched events. Who acted follows from the transition: the buyer asks and
    escalates, the bureau decides an escalated refund, the shop decides the rest; no actor is the system."""
    steps = []
    for event in refund.events.all():
        if event.actor_id is None:
            by = ""
        elif event.actor_id == refund.buyer_id:
            by = str(BY_BUYER)
        elif event.from_status == R.ESCALATED:
            by = str(BY_BUREAU)
        else:
            by = str(BY_SHOP)
        steps.append(Step(status=event.get_to_status_display(), at=event.created_at, by=by, note=event.note))
    return steps


def _views(refunds: Iterable[Refund]) -> list[RefundView]:
    return [RefundView(refund=refund, steps=_steps(refund)) for refund in refunds]


def _back(request: HttpRequest, default: str) -> str:
    """The page the form was posted from (``next``), when it is on this site; else ``default``."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _errors_without_form(request: HttpRequest, form: forms.Form, view: RefundView) -> None:
    """A refusal because the refund has moved on (decided meanwhile) cannot show on its form, which the page
    no longer has: it becomes a message."""
    if view.form is None and form.is_bound and form.errors:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)


def _status_filter(request: HttpRequest) -> str:
    status = request.GET.get("status", "")
    return status if status in R.values else ""


def _paginate(request: HttpRequest, rows: Any) -> Any:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


# --- Buyer ----------------------------------------------------------------------------------------


@dataclass
class BuyerAfterSales:
    """The after-sales block of the buyer's order page."""

    order: Order
    refunds: list[RefundView]
    refundable: Decimal
    after_shipping: bool
    under_way: bool
    form: RefundRequestForm | None  # None when no request can be made now


def buyer_refunds_context(
    order: Order,
    *,
    form_data: Any = None,
    error: ApplicationError | None = None,
    escalate: tuple[int, EscalateForm] | None = None,
    returned: tuple[int, ShipForm] | None = None,
) -> dict[str, Any]:
    """Context of ``orders/_refunds_buyer.html`` for the order's buyer (``order`` as read for them by
    ``selectors.order_get_for_buyer``): 3 queries, whatever the number of refunds. ``form_data`` and
    ``error`` show a refused request again, ``escalate`` a refused escalation (its refund id and form)."""
    refunds = _views(selectors.refunds_for_buyer(user=order.buyer).filter(order_id=order.pk))
    left = refundable(order)
    after_shipping = order.status in AFTER_SHIPPING
    under_way = any(view.refund.status in UNDER_WAY for view in refunds)
    may_ask = order.status in BEFORE_SHIPPING or (after_shipping and not under_way and left > 0)
    form = None
    if may_ask or form_data is not None:
        form = RefundRequestForm(form_data, after_shipping=after_shipping, left=left, auto_id="id_refund_%s")
        if error is not None:
            add_service_errors(form, error)
    for view in refunds:
        if view.refund.status == R.REJECTED:
            bound = escalate[1] if escalate and escalate[0] == view.refund.pk else None
            view.form = bound or EscalateForm(auto_id=_ids("escalate", view.refund.pk))
        elif view.refund.status == R.AWAITING_RETURN and not view.refund.return_tracking_number:
            bound_return = returned[1] if returned and returned[0] == view.refund.pk else None
            view.form = bound_return or ShipForm(auto_id=_ids("return", view.refund.pk))
    return {
        "after_sales": BuyerAfterSales(
            order=order,
            refunds=refunds,
            refundable=left,
            after_shipping=after_shipping,
            under_way=under_way,
            form=form,
        )
    }


def _buyer_page(request: HttpRequest, order: Order, *, status: int = 200, **options: Any) -> HttpResponse:
    context = {"order": order, **buyer_refunds_context(order, **options)}
    return render(request, "orders/refund_request.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def refund_request_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for a refund of one's order: before shipping the order is cancelled and refunded in full at once;
    after shipping the shop decides on the amount asked (everything still refundable when none is given).
    The form is on the order page too; a refusal is shown here, with the form as it was filled in."""
    order = selectors.order_get_for_buyer(user=request.user, order_id=pk)
    if request.method == "GET":
        return _buyer_page(request, order)
    form = RefundRequestForm(request.POST, after_shipping=order.status in AFTER_SHIPPING, left=Decimal("0"))
    if not form.is_valid():
        return _buyer_page(request, order, status=400, form_data=request.POST)
    data = form.cleaned_data
    try:
        refund = refund_request(
            order=order,
            buyer=request.user,
            reason=data["reason"],
            amount=data.get("amount") or None,
            kind=data.get("kind", RefundKind.REFUND),
        )
    except ApplicationError as exc:
        return _buyer_page(request, order, status=exc.status_code, form_data=request.POST, error=exc)
    if refund.status == R.APPROVED:  # before shipping: cancelled and refunded at once
        messages.success(
            request,
            _("Order %(number)s is cancelled; ¥%(amount)s is on its way back to you.")
            % {"number": order.number, "amount": refund.amount},
        )
    else:
        messages.success(
            request,
            _("Refund request %(number)s for ¥%(amount)s is sent: the shop will answer it.")
            % {"number": refund.number, "amount": refund.amount},
        )
    return redirect("orders:detail", pk=order.pk)


@login_required
@require_POST
def refund_escalate_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The buyer takes a refund the shop rejected to the commerce bureau. A refusal is shown on the buyer's
    refund page: on the form when it is about the form, else as a message (the refund has moved on)."""
    refund = selectors.refunds_for_buyer(user=request.user).filter(pk=pk).first()
    if refund is None:
        raise Http404
    form = EscalateForm(request.POST, auto_id=_ids("escalate", refund.pk))
    status = 400
    if form.is_valid():
        try:
            refund_escalate(refund=refund, actor=request.user, note=form.cleaned_data["note"].strip())
        except ApplicationError as exc:
            status = exc.status_code
            if exc.fields:
                add_service_errors(form, exc)
            else:
                messages.error(request, str(exc.message))
        else:
            messages.success(
                request,
                _("Refund %(number)s is with the commerce bureau now: it will decide.")
                % {"number": refund.number},
            )
            return redirect("orders:detail", pk=refund.order_id)
    order = selectors.order_get_for_buyer(user=request.user, order_id=refund.order_id)
    return _buyer_page(request, order, status=status, escalate=(refund.pk, form))


@login_required
@require_POST
def refund_return_shipped_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The buyer of a return and refund enters the carrier and tracking number of the parcel sent back."""
    refund = selectors.refunds_for_buyer(user=request.user).filter(pk=pk).first()
    if refund is None:
        raise Http404
    form = ShipForm(request.POST, auto_id=_ids("return", refund.pk))
    status = 400
    if form.is_valid():
        try:
            refund_return_shipped(refund=refund, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            status = exc.status_code
            if exc.fields:
                add_service_errors(form, exc)
            else:
                messages.error(request, str(exc.message))
        else:
            messages.success(
                request,
                _("The shop is told that the goods of refund %(number)s are on their way.")
                % {"number": refund.number},
            )
            return redirect("orders:detail", pk=refund.order_id)
    order = selectors.order_get_for_buyer(user=request.user, order_id=refund.order_id)
    return _buyer_page(request, order, status=status, returned=(refund.pk, form))


# --- Seller centre --------------------------------------------------------------------------------


@dataclass
class ShopAfterSales:
    """The after-sales block of the seller centre's order page."""

    order: Order
    refunds: list[RefundView]


def _with_decision_forms(
    refunds: list[RefundView], bound: tuple[int, ShopDecisionForm] | None = None
) -> None:
    for view in refunds:
        if view.refund.status in (R.REQUESTED, R.AWAITING_RETURN):
            mine = bound[1] if bound and bound[0] == view.refund.pk else None
            view.form = mine or ShopDecisionForm(auto_id=_ids("decide", view.refund.pk))


def shop_refunds_context(user: User, order: Order) -> dict[str, Any]:
    """Context of ``orders/_refunds_shop.html`` for staff of the order's shop (``order`` as read for them by
    ``selectors.order_get_for_staff``): a constant number of queries, whatever the number of refunds."""
    _vendor, refunds = selectors.refunds_for_shop(user=user, slug=order.vendor.slug)
    views = _views(refunds.filter(order_id=order.pk))
    _with_decision_forms(views)
    return {"after_sales_shop": ShopAfterSales(order=order, refunds=views)}


@login_required
@require_GET
def seller_refunds(request: HttpRequest, slug: str) -> HttpResponse:
    """The shop's refunds, newest first, by status (its staff and the officers it delegated to)."""
    status = _status_filter(request)
    vendor, refunds = selectors.refunds_for_shop(user=request.user, slug=slug)
    if status:
        refunds = refunds.filter(status=status)
    return render(
        request,
        "orders/seller_refunds.html",
        {
            "vendor": vendor,
            "page": _paginate(request, refunds),
            "status": status,
            "statuses": R.choices,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def seller_refund(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One refund of the shop: a requested one is approved (the money goes back) or rejected with a reason
    (the buyer may then take it to the bureau). POST ``action`` = approve | reject, ``reason``."""
    vendor, refunds = selectors.refunds_for_shop(user=request.user, slug=slug)
    refund = refunds.filter(pk=pk).first()
    if refund is None:
        raise Http404
    form = ShopDecisionForm(request.POST or None, auto_id=_ids("decide", refund.pk))
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ("approve", "reject", "received"):
            raise Http404
        status = 400
        if form.is_valid():
            reason = form.cleaned_data["reason"].strip()
            try:
                if action == "approve":
                    refund = refund_approve(refund=refund, actor=request.user, note=reason)
                elif action == "received":
                    refund = refund_return_received(refund=refund, actor=request.user, note=reason)
                else:
                    refund_reject(refund=refund, actor=request.user, reason=reason)
            except ApplicationError as exc:
                status = exc.status_code
                add_service_errors(form, exc)
            else:
                if action == "approve" and refund.status == R.AWAITING_RETURN:
                    text = _("Return %(number)s is agreed: the buyer sends the goods back.")
                elif action in ("approve", "received"):
                    text = _("Refund %(number)s is approved: ¥%(amount)s goes back to the buyer.")
                else:
                    text = _("Refund %(number)s is rejected; the buyer may take it to the commerce bureau.")
                messages.success(request, text % {"number": refund.number, "amount": refund.amount})
                default = reverse("orders:seller_refund", kwargs={"slug": vendor.slug, "pk": refund.pk})
                return redirect(_back(request, default))
        refund = refunds.filter(pk=pk).first() or refund
    view = RefundView(refund=refund, steps=_steps(refund))
    _with_decision_forms([view], bound=(refund.pk, form))
    _errors_without_form(request, form, view)
    return render(request, "orders/seller_refund.html", {"vendor": vendor, "item": view}, status=status)


# --- Bureau ---------------------------------------------------------------------------------------


def _disputes(user: User) -> QuerySet[Refund]:
    """The refunds taken to the bureau in the staff member's area, those awaiting a decision first, with
    what the pages show of their orders."""
    return (
        selectors.refunds_for_bureau(user=user)
        .select_related("order__vendor__county")
        .prefetch_related(Prefetch("order__items", queryset=OrderItem.objects.order_by("id")))
        .annotate(
            decided=Case(
                When(status=R.ESCALATED, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("decided", "-updated_at", "-id")
    )


def _with_arbitration_forms(
    refunds: Iterable[Refund], bound: tuple[int, ArbitrateForm] | None = None
) -> list[RefundView]:
    views = _views(refunds)
    for view in views:
        if view.refund.status == R.ESCALATED:
            mine = bound[1] if bound and bound[0] == view.refund.pk else None
            view.form = mine or ArbitrateForm(auto_id=_ids("arbitrate", view.refund.pk))
    return views


@role_required(Role.BUREAU, Role.ADMIN)
@require_GET
def bureau_disputes(request: HttpRequest) -> HttpResponse:
    """Refunds the buyers took to the commerce bureau after the shop refused them, in the staff member's
    area; those awaiting a decision first, each with its arbitration form."""
    page = _paginate(request, _disputes(request.user))
    page.object_list = _with_arbitration_forms(page.object_list)
    return render(request, "orders/bureau_disputes.html", {"page": page})


@role_required(Role.BUREAU, Role.ADMIN)
@require_http_methods(["GET", "POST"])
def bureau_dispute(request: HttpRequest, pk: int) -> HttpResponse:
    """One dispute; POST ``decision`` (refund | reject) and ``note`` (required) arbitrates it. Outside the
    staff member's area, or never escalated: 404."""
    refund = _disputes(request.user).filter(pk=pk).first()
    if refund is None:
        raise Http404
    form = ArbitrateForm(request.POST or None, auto_id=_ids("arbitrate", refund.pk))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                refund_arbitrate(
                    refund=refund, actor=request.user, decision=data["decision"], note=data["note"]
                )
            except ApplicationError as exc:
                status = exc.status_code
                add_service_errors(form, exc)
            else:
                if data["decision"] == "refund":
                    text = _("Refund %(number)s: ¥%(amount)s goes back to the buyer.")
                else:
                    text = _("Refund %(number)s is closed: the shop's refusal stands.")
                messages.success(request, text % {"number": refund.number, "amount": refund.amount})
                return redirect(_back(request, reverse("orders:bureau_disputes")))
        refund = _disputes(request.user).filter(pk=pk).first() or refund
    (view,) = _with_arbitration_forms([refund], bound=(refund.pk, form))
    _errors_without_form(request, form, view)
    return render(request, "orders/bureau_dispute.html", {"item": view}, status=status)
