"""API of the fulfillment queue, shipments and carrier webhooks (API.md, "Logistics").

Warehouse staff only: the queue's lists and the claim answer 403 to anyone else, a task or shipment 404.
Steps of a task (pick, pack, ship, release, exception) belong to the worker holding it; the lead decides on
exceptions (requeue, cancel). Shipping and cancelling change the order too: they go through orders'
services, which lock the order and call logistics in one transaction.

Carrier webhooks (``POST carriers/<code>/events/``) are signed with the carrier's shared secret
(``CARRIER_WEBHOOK_SECRETS``): ``X-Carrier-Timestamp`` (Unix seconds, within five minutes) and
``X-Carrier-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">``. Retries with the same
``event_id`` record the event once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from django.conf import settings
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gansu_mall.core.api.pagination import PageNumberPagination
from gansu_mall.core.errors import ApplicationError, ErrorCode, invalid
from logistics import fulfillment, selectors
from logistics.carriers import CARRIERS
from logistics.models import ExceptionKind, FulfillmentTask, TaskStatus
from orders.services.fulfillment import hub_cancel, hub_ship, shipment_event_record

# --- Serializers ---------------------------------------------------------------------------------------


def pick_data(pick: Any) -> dict[str, Any]:
    line = pick.line
    return {
        "pick": pick.pk,
        "sku": line.sku_id,
        "sku_code": line.sku.code,
        "product_name": line.product_name,
        "spec": line.spec,
        "quantity": pick.quantity,
        "picked_quantity": pick.picked_quantity,
        "bin": pick.bin.code,
        "batch": pick.batch_id,
        "trace_code": pick.batch.trace_code if pick.batch is not None else None,
        "best_before": pick.batch.expires_on if pick.batch is not None else None,
    }


def task_data(task: FulfillmentTask) -> dict[str, Any]:
    return {
        "id": task.pk,
        "order_number": task.order_number,
        "warehouse": task.warehouse.code,
        "vendor": task.vendor.slug,
        "priority": task.priority_code,
        "status": task.status,
        "storage": task.storage,
        "paid_at": task.paid_at,
        "deadline": task.deadline,
        "at_risk": task.at_risk_at is not None,
        "overdue": task.overdue_at is not None,
        "claimed_by": task.claimed_by.username if task.claimed_by is not None else None,
        "claim_expires_at": task.claim_expires_at,
        "items": [
            {
                "sku": line.sku_id,
                "product_name": line.product_name,
                "spec": line.spec,
                "quantity": line.quantity,
            }
            for line in task.lines.all()
        ],
        "lines": [pick_data(pick) for pick in selectors.task_pick_list(task=task)],
        "destination": {
            "recipient": task.recipient,
            "phone": task.phone,
            "province_code": task.province_code,
            "city_code": task.city_code,
            "county_code": task.county_code,
            "detail": task.address_detail,
        },
        "weight_grams": task.weight_grams,
        "packages": task.packages,
        "carrier": task.carrier or None,
        "tracking_number": task.tracking_number or None,
        "exception": {"kind": task.exception_kind, "reason": task.exception_reason}
        if task.exception_kind
        else None,
    }


class TaskSerializer(serializers.Serializer):
    """Documentation of the task body (built by ``task_data``)."""

    id = serializers.IntegerField()
    order_number = serializers.CharField()
    priority = serializers.CharField(help_text="express, cold_chain or standard.")
    deadline = serializers.DateTimeField()
    status = serializers.CharField(
        help_text="queued, claimed, picked, packed, shipped, exception or cancelled."
    )
    lines = serializers.ListField(
        child=serializers.DictField(),
        help_text="The pick list by bin: {pick, sku, quantity, bin, batch, trace_code, best_before, …}.",
    )


class TaskPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = TaskSerializer(many=True)


class CountSerializer(serializers.Serializer):
    pick = serializers.IntegerField()
    quantity = serializers.IntegerField(min_value=0)


class PickInputSerializer(serializers.Serializer):
    found = CountSerializer(
        many=True, required=False, help_text="Units found per pick, when fewer than the list says."
    )


class PackInputSerializer(serializers.Serializer):
    weight_grams = serializers.IntegerField()
    packages = serializers.IntegerField()


class TaskShipInputSerializer(serializers.Serializer):
    carrier = serializers.CharField(max_length=16)
    tracking_number = serializers.CharField(max_length=40)


class ExceptionInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
    kind = serializers.CharField(
        max_length=12, default=ExceptionKind.OTHER, help_text="short_pick, damage or other (default)."
    )
    missing = CountSerializer(many=True, required=False, help_text="Units missing or damaged per pick.")


class NoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class ShipmentEventInputSerializer(serializers.Serializer):
    status = serializers.CharField(max_length=16, help_text="in_transit, out_for_delivery or delivered.")

    def validate_status(self, value: str) -> str:
        if value not in fulfillment.REPORTED:
            raise serializers.ValidationError(gettext("Choose in_transit, out_for_delivery or delivered."))
        return value

    occurred_at = serializers.DateTimeField()
    location = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class CarrierEventInputSerializer(ShipmentEventInputSerializer):
    tracking_number = serializers.CharField(max_length=40)
    event_id = serializers.CharField(max_length=64)


def shipment_body(shipment: Any) -> dict[str, Any]:
    events = list(shipment.events.select_related("warehouse").order_by("occurred_at", "id"))
    return {
        "id": shipment.pk,
        "order_number": shipment.order_number,
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "status": shipment.status,
        "delivered_at": shipment.delivered_at,
        "events": [
            {"status": e.status, "occurred_at": e.occurred_at, "location": e.place, "source": e.source}
            for e in events
        ],
    }


def _counts(rows: list[dict[str, int]] | None, name: str) -> dict[int, int] | None:
    if rows is None:
        return None
    counts: dict[int, int] = {}
    for row in rows:
        if row["pick"] in counts:
            raise invalid({name: [gettext("Each pick once.")]})
        counts[row["pick"]] = row["quantity"]
    return counts


# --- Views ---------------------------------------------------------------------------------------------


def _require_staff(request: Request) -> None:
    if not selectors.is_warehouse_staff(user=request.user):
        raise ApplicationError(
            code=ErrorCode.PERMISSION_DENIED,
            message=gettext("Only warehouse staff work the fulfillment queue."),
        )


def _task(request: Request, pk: int) -> FulfillmentTask:
    return selectors.task_get_for_staff(user=request.user, task_id=pk)


def _task_response(request: Request, pk: int) -> Response:
    return Response(task_data(_task(request, pk)))


class ClaimApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={200: TaskSerializer, 204: None},
        tags=["fulfillment"],
        summary="Claim the next task: priority, then deadline (warehouse staff); 204 when the queue is empty",
    )
    def post(self, request: Request) -> Response:
        _require_staff(request)
        task = fulfillment.task_claim(worker=request.user)
        if task is None:
            return Response(status=204)
        return _task_response(request, task.pk)


class TaskListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status", OpenApiTypes.STR, description="One of: " + ", ".join(TaskStatus.values)
            ),
            OpenApiParameter("mine", OpenApiTypes.BOOL, description="Only the tasks you hold."),
        ],
        responses={200: TaskPageSerializer},
        operation_id="fulfillment_tasks_list",
        tags=["fulfillment"],
        summary="The fulfillment queue, in the order it is worked (warehouse staff)",
    )
    def get(self, request: Request) -> Response:
        _require_staff(request)
        status = request.query_params.get("status", "")
        if status and status not in TaskStatus.values:
            raise invalid(
                {"status": [gettext("One of: %(values)s.") % {"values": ", ".join(TaskStatus.values)}]}
            )
        mine = request.query_params.get("mine") in ("1", "true")
        tasks = selectors.tasks_for_warehouse(
            user=request.user, status=status or None, worker=request.user if mine else None
        )
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(tasks, request, view=self)
        return paginator.get_paginated_response([task_data(task) for task in page or []])


class TaskDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: TaskSerializer}, tags=["fulfillment"], summary="A task (warehouse staff)")
    def get(self, request: Request, pk: int) -> Response:
        return _task_response(request, pk)


class TaskPickApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=PickInputSerializer,
        responses={200: TaskSerializer},
        tags=["fulfillment"],
        summary="Picked: every pick taken, or the units found (fewer → a short-pick exception)",
    )
    def post(self, request: Request, pk: int) -> Response:
        task = _task(request, pk)
        data = PickInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fulfillment.task_pick(
            task=task, worker=request.user, found=_counts(data.validated_data.get("found"), "found")
        )
        return _task_response(request, pk)


class TaskPackApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=PackInputSerializer,
        responses={200: TaskSerializer},
        tags=["fulfillment"],
        summary="Packed: weight in grams and number of parcels",
    )
    def post(self, request: Request, pk: int) -> Response:
        task = _task(request, pk)
        data = PackInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fulfillment.task_pack(task=task, worker=request.user, **data.validated_data)
        return _task_response(request, pk)


class TaskShipApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=TaskShipInputSerializer,
        responses={200: TaskSerializer},
        tags=["fulfillment"],
        summary="Shipped with a carrier and tracking number: the order becomes shipped",
    )
    def post(self, request: Request, pk: int) -> Response:
        task = _task(request, pk)
        data = TaskShipInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        hub_ship(task=task, worker=request.user, **data.validated_data)
        return _task_response(request, pk)


class TaskReleaseApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=NoteInputSerializer,
        responses={200: TaskSerializer},
        tags=["fulfillment"],
        summary="Back to the queue (the worker holding it, or the lead)",
    )
    def post(self, request: Request, pk: int) -> Response:
        task = _task(request, pk)
        data = NoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fulfillment.task_release(task=task, actor=request.user, note=data.validated_data["note"])
        return _task_response(request, pk)


class TaskExceptionApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=ExceptionInputSerializer,
        responses={200: TaskSerializer},
        tags=["fulfillment"],
        summary="Report an exception (short pick, damage, other): the lead decides",
    )
    def post(self, request: Request, pk: int) -> Response:
        task = _task(request, pk)
        data = ExceptionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        body = data.validated_data
        fulfillment.task_exception(
            task=task,
            worker=request.user,
            reason=body["reason"],
            kind=body["kind"],
            missing=_counts(body.get("missing"), "missing"),
        )
        return _task_response(request, pk)


class TaskRequeueApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=NoteInputSerializer,
        responses={200: TaskSerializer},
        tags=["fulfillment"],
        summary="The lead puts an exception back in the queue",
    )
    def post(self, request: Request, pk: int) -> Response:
        task = _task(request, pk)
        data = NoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fulfillment.task_requeue(task=task, actor=request.user, note=data.validated_data["note"])
        return _task_response(request, pk)


class TaskCancelApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=ReasonInputSerializer,
        responses={200: TaskSerializer},
        tags=["fulfillment"],
        summary="The lead cancels an exception: the order is cancelled and refunded in full",
    )
    def post(self, request: Request, pk: int) -> Response:
        task = _task(request, pk)
        data = ReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        hub_cancel(task=task, actor=request.user, reason=data.validated_data["reason"])
        return _task_response(request, pk)


class QueueSummaryApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={200: OpenApiTypes.OBJECT},
        tags=["fulfillment"],
        summary="Queue depth by priority, tasks being worked, exceptions, at risk, overdue, shipped today",
    )
    def get(self, request: Request) -> Response:
        _require_staff(request)
        hub = selectors.warehouse_get(code=request.query_params.get("warehouse") or "LZXQ")
        summary = selectors.queue_summary(warehouse_id=hub.pk)
        return Response(
            {
                "warehouse": hub.code,
                "queued": summary.depth,
                "claimed": summary.claimed,
                "exceptions": summary.exceptions,
                "at_risk": summary.at_risk,
                "overdue": summary.overdue,
                "shipped_today": summary.shipped_today,
                "oldest_deadline": summary.oldest_deadline,
            }
        )


class ShipmentDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT}, tags=["fulfillment"], summary="A shipment (warehouse staff)"
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(shipment_body(selectors.shipment_get_for_reporter(user=request.user, shipment_id=pk)))


class ShipmentEventApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=ShipmentEventInputSerializer,
        responses={201: OpenApiTypes.OBJECT},
        tags=["fulfillment"],
        summary="A tracking event (warehouse staff); delivered → the order becomes delivered",
    )
    def post(self, request: Request, pk: int) -> Response:
        shipment = selectors.shipment_get_for_reporter(user=request.user, shipment_id=pk)
        data = ShipmentEventInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        shipment_event_record(
            shipment=shipment, source="warehouse", actor=request.user, **data.validated_data
        )
        shipment.refresh_from_db()  # the service changed a fresh copy under its lock
        return Response(shipment_body(shipment), status=201)


def _verify_carrier(request: Request, code: str) -> None:
    """401 unless the request carries a fresh timestamp and the carrier's HMAC of it and the raw body."""
    secret = settings.CARRIER_WEBHOOK_SECRETS.get(code, "")
    stamp = request.headers.get("X-Carrier-Timestamp", "")
    given = request.headers.get("X-Carrier-Signature", "").removeprefix("sha256=")
    failed = ApplicationError(
        code=ErrorCode.AUTHENTICATION_FAILED, message=gettext("The carrier's signature is missing or wrong.")
    )
    if not secret or not stamp.isdigit() or abs(time.time() - int(stamp)) > 300:
        raise failed
    expected = hmac.new(secret.encode(), stamp.encode() + b"." + request.body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given):
        raise failed


def carrier_signature(secret: str, timestamp: int, body: bytes) -> str:
    """What a carrier sends in ``X-Carrier-Signature`` (for carriers' integrators and tests)."""
    return (
        "sha256="
        + hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    )


class CarrierEventApi(APIView):
    """A carrier's tracking webhook, authenticated by its signature (no user)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []

    @extend_schema(
        request=CarrierEventInputSerializer,
        responses={200: OpenApiTypes.OBJECT},
        tags=["fulfillment"],
        summary="Carrier webhook: a tracking event, signed with the carrier's secret",
    )
    def post(self, request: Request, code: str) -> Response:
        if code not in CARRIERS:
            raise ApplicationError(code=ErrorCode.NOT_FOUND, message=gettext("Unknown carrier."))
        _verify_carrier(request, code)
        try:
            json.loads(request.body or b"{}")
        except ValueError:
            raise ApplicationError(
                code=ErrorCode.PARSE_ERROR, message=gettext("The body is not JSON.")
            ) from None
        data = CarrierEventInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        body = data.validated_data
        shipment = selectors.shipment_by_tracking(carrier=code, tracking_number=body["tracking_number"])
        if shipment is None:
            raise ApplicationError(
                code=ErrorCode.NOT_FOUND, message=gettext("No parcel has this tracking number.")
            )
        shipment_event_record(
            shipment=shipment,
            status=body["status"],
            occurred_at=body["occurred_at"],
            location=body["location"],
            source="carrier",
            external_id=body["event_id"],
        )
        shipment.refresh_from_db()
        return Response(shipment_body(shipment))
