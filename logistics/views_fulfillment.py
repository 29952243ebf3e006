"""The warehouse console, /warehouse/, for warehouse staff on a tablet: the queue at a glance (depth by
priority, at risk, overdue, exceptions, shipped today), claim the next task, then on the task's page pick
(bin by bin, with the lots to take), pack, ship, print the packing slip and label, report an exception or
release it; the lead decides on exceptions (back to the queue, or cancel and refund). Shipped parcels take
tracking events here too.

Every form posts and redirects (no JavaScript needed); the services check the worker and the task's state
again under the task's lock. Shipping and cancelling change the order, so they go through orders'
services (this module belongs to the orchestrating layer).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.trace import qr_png
from gansu_mall.accounts.models import Role
from gansu_mall.accounts.permissions import role_required
from gansu_mall.core.errors import ApplicationError
from gansu_mall.core.forms import add_service_errors
from gansu_mall.regions.selectors import region_names
from logistics import fulfillment, selectors
from logistics.carriers import CARRIERS
from logistics.models import (
    HUB_CODE,
    ExceptionKind,
    FulfillmentTask,
    Pick,
    Shipment,
    ShipmentEvent,
    ShipmentStatus,
    TaskStatus,
)
from orders.services.fulfillment import hub_cancel, hub_ship, shipment_event_record

PAGE_SIZE = 25


def _carrier_choices(cold: bool = False) -> list[tuple[str, str]]:
    return [("", _("Choose a carrier"))] + [
        (code, carrier.display_name) for code, carrier in CARRIERS.items() if carrier.cold_chain or not cold
    ]


class PickForm(forms.Form):
    """Units found in each bin (``found-<pick id>``), the pick's quantity by default."""

    def __init__(self, *args: Any, picks: list[Pick], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.picks = picks
        for pick in picks:
            self.fields[f"found-{pick.pk}"] = forms.IntegerField(
                label=_("Units found"),
                min_value=0,
                max_value=pick.quantity,
                initial=pick.quantity,
                widget=forms.NumberInput(
                    attrs={"inputmode": "numeric", "class": "count-input", "form": "pick-form"}
                ),
            )

    def rows(self) -> list[tuple[Pick, forms.BoundField]]:
        return [(pick, self[f"found-{pick.pk}"]) for pick in self.picks]


class PackForm(forms.Form):
    weight_grams = forms.IntegerField(
        label=gettext_lazy("Weight (g)"),
        min_value=1,
        max_value=fulfillment.MAX_WEIGHT_GRAMS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    packages = forms.IntegerField(
        label=gettext_lazy("Parcels"),
        min_value=1,
        max_value=fulfillment.MAX_PACKAGES,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class ShipForm(forms.Form):
    carrier = forms.ChoiceField(label=gettext_lazy("Carrier"))
    tracking_number = forms.CharField(
        label=gettext_lazy("Tracking number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def __init__(self, *args: Any, cold: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["carrier"].choices = _carrier_choices(cold)


class ExceptionForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What happened"),
        choices=[
            (k.value, k.label) for k in (ExceptionKind.SHORT_PICK, ExceptionKind.DAMAGE, ExceptionKind.OTHER)
        ],
    )
    reason = forms.CharField(
        label=gettext_lazy("Details"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, picks: list[Pick], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.picks = picks
        for pick in picks:
            self.fields[f"missing-{pick.pk}"] = forms.IntegerField(
                label=_("Units missing or damaged"),
                min_value=0,
                max_value=pick.quantity,
                initial=0,
                required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "count-input"}),
            )

    def rows(self) -> list[tuple[Pick, forms.BoundField]]:
        return [(pick, self[f"missing-{pick.pk}"]) for pick in self.picks]


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=500, required=False, widget=forms.TextInput()
    )


class TrackingEventForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[
            (s.value, s.label)
            for s in (ShipmentStatus.IN_TRANSIT, ShipmentStatus.OUT_FOR_DELIVERY, ShipmentStatus.DELIVERED)
        ],
    )
    location = forms.CharField(label=gettext_lazy("Where"), max_length=100, required=False)


def _hub_id() -> int:
    return selectors.warehouse_get(code=HUB_CODE).pk


@role_required(Role.WAREHOUSE)
@require_GET
def console(request: HttpRequest) -> HttpResponse:
    """The queue at a glance and the worker's own tasks; the claim button."""
    hub_id = _hub_id()
    return render(
        request,
        "logistics/warehouse_console.html",
        {
            "summary": selectors.queue_summary(warehouse_id=hub_id),
            "mine": list(
                selectors.tasks_for_warehouse(user=request.user, worker=request.user).filter(
                    status__in=fulfillment.ACTIVE
                )
            ),
            "at_risk": list(selectors.tasks_at_risk(warehouse_id=hub_id)),
            "exceptions": list(
                selectors.tasks_for_warehouse(user=request.user, status=TaskStatus.EXCEPTION)[:20]
            ),
        },
    )


@role_required(Role.WAREHOUSE)
@require_POST
def claim(request: HttpRequest) -> HttpResponse:
    task = fulfillment.task_claim(worker=request.user)
    if task is None:
        messages.info(request, _("The queue is empty."))
        return redirect("logistics:warehouse_console")
    messages.success(request, _("Task of order %(number)s is yours.") % {"number": task.order_number})
    return redirect("logistics:warehouse_task", pk=task.pk)


@role_required(Role.WAREHOUSE)
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in TaskStatus.values:
        status = ""
    tasks = selectors.tasks_for_warehouse(user=request.user, status=status or None)
    if not status:
        tasks = tasks.exclude(status__in=[TaskStatus.SHIPPED, TaskStatus.CANCELLED])
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "logistics/warehouse_tasks.html",
        {"page": page, "status": status, "statuses": TaskStatus.choices},
    )


def _destination(task: FulfillmentTask) -> str:
    codes = [code for code in (task.province_code, task.city_code, task.county_code) if code]
    names = region_names(codes=codes)
    return " ".join(names.get(code, code) for code in codes)


ACTIONS = ("pick", "pack", "ship", "exception", "release", "requeue", "cancel", "event")


@role_required(Role.WAREHOUSE)
@require_http_methods(["GET", "POST"])
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = selectors.task_get_for_staff(user=request.user, task_id=pk)
    picks = selectors.task_pick_list(task=task)
    action = request.POST.get("action") if request.method == "POST" else None
    if action is not None and action not in ACTIONS:
        action = None
    data = request.POST if action else None
    pick_form = PickForm(data if action == "pick" else None, picks=picks)
    pack_form = PackForm(data if action == "pack" else None)
    ship_form = ShipForm(data if action == "ship" else None, cold=task.storage != "ambient")
    exception_form = ExceptionForm(data if action == "exception" else None, picks=picks)
    decision_form = DecisionForm(data if action in ("requeue", "cancel", "release") else None)
    event_form = TrackingEventForm(data if action == "event" else None)
    forms_by_action: dict[str, forms.Form] = {
        "pick": pick_form,
        "pack": pack_form,
        "ship": ship_form,
        "exception": exception_form,
        "release": decision_form,
        "requeue": decision_form,
        "cancel": decision_form,
        "event": event_form,
    }
    if action is not None:
        form = forms_by_action[action]
        if form.is_valid():
            try:
                done = _act(request, task, action, form)
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, done)
                return redirect("logistics:warehouse_task", pk=task.pk)
    status = 400 if action is not None and forms_by_action[action].errors else 200
    events = ShipmentEvent.objects.select_related("warehouse").order_by("occurred_at", "id")
    shipment = (
        Shipment.objects.prefetch_related(Prefetch("events", queryset=events)).filter(task=task).first()
    )
    mine = task.claimed_by_id == request.user.pk
    return render(
        request,
        "logistics/warehouse_task.html",
        {
            "task": task,
            "picks": picks,
            "destination": _destination(task),
            "events": list(selectors.task_events(task=task)),
            "shipment": shipment,
            "shipment_events": list(shipment.events.all()) if shipment else [],
            "mine": mine,
            "is_lead": task.warehouse.lead_id in (None, request.user.pk),
            "pick_form": pick_form,
            "pack_form": pack_form,
            "ship_form": ship_form,
            "exception_form": exception_form,
            "decision_form": decision_form,
            "event_form": event_form,
            "action": action,
            "action_errors": forms_by_action[action].non_field_errors() if action is not None else [],
        },
        status=status,
    )


def _act(request: HttpRequest, task: FulfillmentTask, action: str, form: forms.Form) -> str:
    """Run one step; the success message."""
    data = form.cleaned_data
    worker = request.user
    if action == "pick":
        found = {pick.pk: data[f"found-{pick.pk}"] for pick in form.picks}  # type: ignore[attr-defined]
        task = fulfillment.task_pick(task=task, worker=worker, found=found)
        if task.status == TaskStatus.EXCEPTION:
            return _("Short pick reported: the lead decides what happens to the order.")
        return _("Picked. Now pack it.")
    if action == "pack":
        fulfillment.task_pack(
            task=task, worker=worker, weight_grams=data["weight_grams"], packages=data["packages"]
        )
        return _("Packed. Print the label and ship it.")
    if action == "ship":
        hub_ship(task=task, worker=worker, carrier=data["carrier"], tracking_number=data["tracking_number"])
        return _("Shipped: the buyer can follow the parcel.")
    if action == "exception":
        missing = {
            pick.pk: data.get(f"missing-{pick.pk}") or 0
            for pick in form.picks  # type: ignore[attr-defined]
        }
        fulfillment.task_exception(
            task=task, worker=worker, kind=data["kind"], reason=data["reason"], missing=missing
        )
        return _("Exception reported to the warehouse lead.")
    if action == "release":
        fulfillment.task_release(task=task, actor=worker, note=data["reason"])
        return _("The task is back in the queue.")
    if action == "requeue":
        fulfillment.task_requeue(task=task, actor=worker, note=data["reason"])
        return _("The task is back in the queue.")
    if action == "cancel":
        hub_cancel(task=task, actor=worker, reason=data["reason"])
        return _("The order is cancelled and the buyer refunded.")
    shipment = Shipment.objects.filter(task=task).first()
    if shipment is None:
        raise ApplicationError(code="invalid_transition", message=_("This task has not shipped yet."))
    shipment_event_record(
        shipment=shipment,
        status=data["status"],
        occurred_at=timezone.now(),
        location=data["location"],
        source="warehouse",
        actor=worker,
    )
    return _("Tracking event recorded.")


@role_required(Role.WAREHOUSE)
@require_GET
def task_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The packing slip and the parcel label, laid out for printing; the label carries the tracking number
    as a QR code once the parcel has one."""
    import base64

    task = selectors.task_get_for_staff(user=request.user, task_id=pk)
    qr = ""
    if task.tracking_number:
        qr = "data:image/png;base64," + base64.b64encode(qr_png(task.tracking_number)).decode()
    carrier = CARRIERS.get(task.carrier)
    return render(
        request,
        "logistics/warehouse_print.html",
        {
            "task": task,
            "picks": selectors.task_pick_list(task=task),
            "destination": _destination(task),
            "carrier_name": carrier.display_name if carrier else "",
            "qr": qr,
        },
    )
