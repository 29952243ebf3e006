"""API of the credit registry (API.md, "Credit information"), plus revoke, repair, objections list.

This module is the orchestrating layer: it resolves shops (vendors) to legal identities, which credit's
services and selectors never do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from credit import selectors, services
from credit.models import Category, CreditRecord, ObjectionStatus, Polarity, RecordStatus
from credit.scoring import BASE
from credit.serializers import (
    CreditImportInputSerializer,
    CreditImportResultSerializer,
    CreditObjectionInputSerializer,
    CreditObjectionSerializer,
    CreditRecordInputSerializer,
    CreditRecordSerializer,
    CreditResolveInputSerializer,
    CreditRevokeInputSerializer,
    CreditVendorSerializer,
)
from gansu_mall.accounts.models import Role, User
from gansu_mall.accounts.permissions import HasRole, IsBureau
from gansu_mall.core.api.pagination import PageNumberPagination
from gansu_mall.core.errors import ApplicationError, ErrorCode
from vendors.models import StaffRole, Vendor, VendorMembership, VendorStatus

MULTIPART = [MultiPartParser, FormParser, JSONParser]
IsRecordWriter = HasRole(Role.DEPARTMENT, Role.BUREAU, Role.ADMIN)


def owned_identity_hashes(user: User) -> set[str]:
    """The legal identities of the shops this user owns (owners object to records about them)."""
    if not user.is_authenticated:
        return set()
    return set(
        VendorMembership.objects.filter(user=user, role=StaffRole.OWNER)
        .exclude(vendor__status=VendorStatus.CLOSED)
        .values_list("vendor__identity_hash", flat=True)
    )


def vendor_for_credit(*, slug: str) -> Vendor:
    """A shop whose credit is disclosed: any shop not closed (a black-listed, suspended shop included)."""
    vendor = Vendor.objects.filter(slug=slug).exclude(status=VendorStatus.CLOSED).first()
    if vendor is None:
        raise Http404
    return vendor


@dataclass
class VendorCredit:
    grade: str | None
    score: int
    components: list[dict[str, Any]]
    red_list: bool
    black_list: bool
    reasons: list[dict[str, Any]]
    records: QuerySet[CreditRecord]
    computed_at: Any = None


def vendor_credit(vendor: Vendor) -> VendorCredit:
    """The public standing of a shop: its legal identity's latest score and its public records."""
    score = selectors.subject_score_get(identity_hash=vendor.identity_hash)
    records = selectors.subject_records_public(identity_hash=vendor.identity_hash)
    if score is None:
        return VendorCredit(
            grade=None,
            score=BASE,
            components=[{"rule": "base", "weight": "1", "points": BASE}],
            red_list=False,
            black_list=False,
            reasons=[],
            records=records,
        )
    return VendorCredit(
        grade=score.grade or None,
        score=score.score,
        components=score.components,
        red_list=score.red_list,
        black_list=score.black_list,
        reasons=score.reasons,
        records=records,
        computed_at=score.computed_at,
    )


def _validation(field_name: str, message: str) -> ApplicationError:
    return ApplicationError(code=ErrorCode.VALIDATION_ERROR, message=message, fields={field_name: [message]})


class CreditRecordListApi(APIView):
    permission_classes = [IsRecordWriter]
    parser_classes = MULTIPART

    @extend_schema(
        parameters=[
            OpenApiParameter("subject_code", str, description="USCC or ID number"),
            OpenApiParameter("department", int, description="department id; 0 for the bureau's own (bureau)"),
            OpenApiParameter("category", str, enum=Category.values),
            OpenApiParameter("polarity", str, enum=Polarity.values),
            OpenApiParameter("status", str, enum=RecordStatus.values),
        ],
        responses={200: CreditRecordSerializer(many=True)},
        tags=["credit"],
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        for name, allowed in (("category", Category.values), ("polarity", Polarity.values)):
            if params.get(name) and params[name] not in allowed:
                raise _validation(name, f"Unknown {name}.")
        if params.get("status") and params["status"] not in RecordStatus.values:
            raise _validation("status", "Unknown status.")
        department = params.get("department")
        if department not in (None, "") and not department.isdigit():
            raise _validation("department", "A department id.")
        records = selectors.records_for_user(
            user=request.user,
            subject_code=params.get("subject_code", ""),
            department_id=int(department) if department else None,
            category=params.get("category", ""),
            polarity=params.get("polarity", ""),
            status=params.get("status", ""),
        )
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(records, request, view=self)
        return paginator.get_paginated_response(CreditRecordSerializer(page, many=True).data)

    @extend_schema(
        request=CreditRecordInputSerializer, responses={201: CreditRecordSerializer}, tags=["credit"]
    )
    def post(self, request: Request) -> Response:
        data = CreditRecordInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = services.record_create(actor=request.user, data=services.RecordInput(**data.validated_data))
        record = selectors.record_get_for_user(user=request.user, record_id=record.pk)
        return Response(CreditRecordSerializer(record).data, status=status.HTTP_201_CREATED)


class CreditRecordDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: CreditRecordSerializer}, tags=["credit"])
    def get(self, request: Request, pk: int) -> Response:
        record = selectors.record_get_for_user(
            user=request.user, record_id=pk, owned_identity_hashes=owned_identity_hashes(request.user)
        )
        return Response(CreditRecordSerializer(record).data)


class CreditRecordRevokeApi(APIView):
    """The source department (or the bureau) withdraws a record; another department's record is 404."""

    permission_classes = [IsRecordWriter]

    @extend_schema(
        request=CreditRevokeInputSerializer, responses={200: CreditRecordSerializer}, tags=["credit"]
    )
    def post(self, request: Request, pk: int) -> Response:
        record = selectors.record_get_for_user(user=request.user, record_id=pk)
        data = CreditRevokeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = services.record_revoke(
            record=record, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(
            CreditRecordSerializer(selectors.record_get_for_user(user=request.user, record_id=pk)).data
        )


class CreditRecordRepairApi(APIView):
    """Credit repair (bureau): a negative record past its minimum period counts at half weight."""

    permission_classes = [IsBureau]

    @extend_schema(request=None, responses={200: CreditRecordSerializer}, tags=["credit"])
    def post(self, request: Request, pk: int) -> Response:
        record = selectors.record_get_for_user(user=request.user, record_id=pk)
        services.record_repair(record=record, actor=request.user)
        return Response(
            CreditRecordSerializer(selectors.record_get_for_user(user=request.user, record_id=pk)).data
        )


class CreditRecordImportApi(APIView):
    """All rows or none: a wrong row answers 400 with ``rows: [{row, errors}]`` and imports nothing."""

    permission_classes = [IsRecordWriter]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": CreditImportInputSerializer},
        responses={201: CreditImportResultSerializer},
        tags=["credit"],
    )
    def post(self, request: Request) -> Response:
        data = CreditImportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise _validation("file", "At most 2 MB.")
        records = services.records_import(actor=request.user, content=upload.read())
        body = {"imported": len(records), "records": [r.pk for r in records]}
        return Response(CreditImportResultSerializer(body).data, status=status.HTTP_201_CREATED)


class CreditObjectionCreateApi(APIView):
    """The owner of a shop of the record's identity objects to it; anyone else gets 404."""

    permission_classes = [IsAuthenticated]
    parser_classes = MULTIPART

    @extend_schema(
        request=CreditObjectionInputSerializer, responses={201: CreditObjectionSerializer}, tags=["credit"]
    )
    def post(self, request: Request, pk: int) -> Response:
        hashes = owned_identity_hashes(request.user)
        record = selectors.record_get_for_user(user=request.user, record_id=pk, owned_identity_hashes=hashes)
        data = CreditObjectionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        objection = services.objection_create(
            record=record,
            user=request.user,
            owned_identity_hashes=hashes,
            reason=data.validated_data["reason"],
            evidence=data.validated_data["evidence"],
        )
        return Response(CreditObjectionSerializer(objection).data, status=status.HTTP_201_CREATED)


class CreditObjectionListApi(APIView):
    permission_classes = [IsBureau]

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=ObjectionStatus.values)],
        responses={200: CreditObjectionSerializer(many=True)},
        tags=["credit"],
    )
    def get(self, request: Request) -> Response:
        wanted = request.query_params.get("status", ObjectionStatus.OPEN)
        if wanted not in ObjectionStatus.values:
            raise _validation("status", "Unknown status.")
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(selectors.objections_for_bureau(status=wanted), request, view=self)
        return paginator.get_paginated_response(CreditObjectionSerializer(page, many=True).data)


class CreditObjectionResolveApi(APIView):
    permission_classes = [IsBureau]

    @extend_schema(
        request=CreditResolveInputSerializer, responses={200: CreditObjectionSerializer}, tags=["credit"]
    )
    def post(self, request: Request, pk: int) -> Response:
        objection = selectors.objection_get_for_bureau(user=request.user, objection_id=pk)
        data = CreditResolveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        objection = services.objection_resolve(
            objection=objection,
            actor=request.user,
            decision=data.validated_data["decision"],
            note=data.validated_data["note"],
        )
        return Response(CreditObjectionSerializer(objection).data)


class CreditVendorApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: CreditVendorSerializer}, tags=["credit"])
    def get(self, request: Request, slug: str) -> Response:
        return Response(CreditVendorSerializer(vendor_credit(vendor_for_credit(slug=slug))).data)


__all__ = ["owned_identity_hashes", "vendor_credit", "vendor_for_credit"]
