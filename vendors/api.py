"""API of vendors (API.md, "Vendors"): applications and review, shops, staff, qualifications, and more."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gansu_mall.accounts.models import Role, User
from gansu_mall.core.api.pagination import PageNumberPagination
from gansu_mall.core.errors import ApplicationError, ErrorCode
from vendors import selectors, services
from vendors.models import (
    ApplicationStatus,
    InvitationStatus,
    Qualification,
    StaffInvitation,
    StaffRole,
    Vendor,
    VendorApplication,
)
from vendors.serializers import (
    ApplicationInputSerializer,
    ApplicationSerializer,
    DelegationInputSerializer,
    DelegationSerializer,
    InvitationSerializer,
    PayoutAccountSerializer,
    ProfileInputSerializer,
    QualificationInputSerializer,
    QualificationSerializer,
    ReasonSerializer,
    RecommendSerializer,
    StaffInputSerializer,
    StaffSerializer,
    VendorSerializer,
)

MULTIPART = [MultiPartParser, FormParser, JSONParser]


def _may_reveal(user: User, application: VendorApplication) -> bool:
    return application.applicant_id == user.pk or selectors.is_bureau(user)


def _application_response(request: Request, application: VendorApplication, code: int = 200) -> Response:
    application = selectors.application_get_for_user(user=request.user, application_id=application.pk)
    data = ApplicationSerializer(application, context={"reveal": _may_reveal(request.user, application)}).data
    return Response(data, status=code)


def _input(data: dict[str, Any]) -> services.ApplicationInput:
    fields = {k: v for k, v in data.items() if k != "on_behalf_of"}
    return services.ApplicationInput(**fields)


class ApplicationListApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = MULTIPART

    @extend_schema(responses={200: ApplicationSerializer(many=True)}, tags=["vendors"])
    def get(self, request: Request) -> Response:
        applications = selectors.applications_visible_to(user=request.user)
        wanted = request.query_params.get("status")
        if wanted:
            if wanted not in ApplicationStatus.values:
                raise ApplicationError(
                    code=ErrorCode.VALIDATION_ERROR,
                    message="Unknown status.",
                    fields={"status": ["Unknown status."]},
                )
            applications = applications.filter(status=wanted)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(applications, request, view=self)
        reveal = selectors.is_bureau(request.user)
        data = [
            ApplicationSerializer(a, context={"reveal": reveal or a.applicant_id == request.user.pk}).data
            for a in page or []
        ]
        return paginator.get_paginated_response(data)

    @extend_schema(
        request=ApplicationInputSerializer, responses={201: ApplicationSerializer}, tags=["vendors"]
    )
    def post(self, request: Request) -> Response:
        data = ApplicationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        applicant: User = request.user
        on_behalf_of = data.validated_data["on_behalf_of"].strip()
        if on_behalf_of:
            if not request.user.has_role(Role.INFO_OFFICER):
                raise ApplicationError(
                    code=ErrorCode.PERMISSION_DENIED, message="Only information officers apply for others."
                )
            farmer = User.objects.filter(username=on_behalf_of).first()
            if farmer is None:
                raise ApplicationError(
                    code=ErrorCode.VALIDATION_ERROR,
                    message="No account has this user name.",
                    fields={"on_behalf_of": ["No account has this user name."]},
                )
            applicant = farmer
        application = services.application_submit(
            submitted_by=request.user, applicant=applicant, data=_input(data.validated_data)
        )
        return _application_response(request, application, status.HTTP_201_CREATED)


class ApplicationDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: ApplicationSerializer}, tags=["vendors"])
    def get(self, request: Request, pk: int) -> Response:
        return _application_response(
            request, selectors.application_get_for_user(user=request.user, application_id=pk)
        )


class _ApplicationActionApi(APIView):
    permission_classes = [IsAuthenticated]
    serializer_class: type = ReasonSerializer

    def act(
        self, request: Request, application: VendorApplication, data: dict[str, Any]
    ) -> VendorApplication:
        raise NotImplementedError

    @extend_schema(tags=["vendors"], responses={200: ApplicationSerializer})
    def post(self, request: Request, pk: int) -> Response:
        application = selectors.application_get_for_user(user=request.user, application_id=pk)
        data = self.serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        application = self.act(request, application, data.validated_data)
        return _application_response(request, application)


class ApplicationApproveApi(_ApplicationActionApi):
    def act(
        self, request: Request, application: VendorApplication, data: dict[str, Any]
    ) -> VendorApplication:
        return services.application_approve(application=application, actor=request.user)


class ApplicationRequestInfoApi(_ApplicationActionApi):
    def act(
        self, request: Request, application: VendorApplication, data: dict[str, Any]
    ) -> VendorApplication:
        return services.application_request_info(
            application=application, actor=request.user, reason=data["reason"]
        )


class ApplicationRejectApi(_ApplicationActionApi):
    def act(
        self, request: Request, application: VendorApplication, data: dict[str, Any]
    ) -> VendorApplication:
        return services.application_reject(application=application, actor=request.user, reason=data["reason"])


class ApplicationRecommendApi(_ApplicationActionApi):
    serializer_class = RecommendSerializer

    def act(
        self, request: Request, application: VendorApplication, data: dict[str, Any]
    ) -> VendorApplication:
        return services.application_recommend(
            application=application, actor=request.user, recommend=data["recommend"], reason=data["reason"]
        )


class ApplicationResubmitApi(_ApplicationActionApi):
    serializer_class = ApplicationInputSerializer
    parser_classes = MULTIPART

    def act(
        self, request: Request, application: VendorApplication, data: dict[str, Any]
    ) -> VendorApplication:
        return services.application_resubmit(application=application, actor=request.user, data=_input(data))


# --- Shops ----------------------------------------------------------------------------------------


class VendorListApi(ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = VendorSerializer
    filter_backends: list[type] = []

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.vendors_public()


class VendorDetailApi(APIView):
    permission_classes = [AllowAny]
    parser_classes = MULTIPART

    @extend_schema(responses={200: VendorSerializer}, tags=["vendors"])
    def get(self, request: Request, slug: str) -> Response:
        return Response(VendorSerializer(selectors.vendor_get_public(slug=slug)).data)

    @extend_schema(request=ProfileInputSerializer, responses={200: VendorSerializer}, tags=["vendors"])
    def patch(self, request: Request, slug: str) -> Response:
        """The owner or a manager edits the shop profile (English name, story, contact, logo, banner)."""
        vendor, role = selectors.vendor_get_for_staff(user=request.user, slug=slug)
        get = request.data.get
        vendor = services.vendor_update_profile(
            vendor=vendor,
            actor_role=role,
            data=services.ProfileInput(
                name_en=get("name_en", vendor.name_en),
                story=get("story", vendor.story),
                story_en=get("story_en", vendor.story_en),
                contact_phone=get("contact_phone", vendor.contact_phone),
                logo=request.FILES.get("logo"),
                banner=request.FILES.get("banner"),
            ),
        )
        return Response(VendorSerializer(vendor).data)


class _VendorStatusApi(APIView):
    permission_classes = [IsAuthenticated]
    action_name = ""

    @extend_schema(request=ReasonSerializer, responses={200: VendorSerializer}, tags=["vendors"])
    def post(self, request: Request, slug: str) -> Response:
        if not selectors.is_bureau(request.user):
            raise ApplicationError(
                code=ErrorCode.PERMISSION_DENIED, message="Only commerce bureau staff can do this."
            )
        vendor = selectors.vendor_get_for_bureau(user=request.user, slug=slug)
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        vendor = services.vendor_set_status(
            vendor=vendor, action=self.action_name, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(VendorSerializer(vendor).data)


class VendorSuspendApi(_VendorStatusApi):
    action_name = "suspend"


class VendorReinstateApi(_VendorStatusApi):
    action_name = "reinstate"


class StaffApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: StaffSerializer(many=True)}, tags=["vendors"])
    def get(self, request: Request, slug: str) -> Response:
        vendor, role = selectors.vendor_get_for_staff(user=request.user, slug=slug)
        if role != StaffRole.OWNER:
            raise ApplicationError(code=ErrorCode.PERMISSION_DENIED, message="Only the owner manages staff.")
        members = vendor.memberships.select_related("user").order_by("id")
        invited = (
            vendor.invitations.select_related("user").filter(status=InvitationStatus.PENDING).order_by("id")
        )
        return Response(
            [{**row, "status": "active"} for row in StaffSerializer(members, many=True).data]
            + [{**row, "status": "invited"} for row in StaffSerializer(invited, many=True).data]
        )

    @extend_schema(request=StaffInputSerializer, responses={201: StaffSerializer}, tags=["vendors"])
    def post(self, request: Request, slug: str) -> Response:
        vendor, role = selectors.vendor_get_for_staff(user=request.user, slug=slug)
        if role != StaffRole.OWNER:
            raise ApplicationError(code=ErrorCode.PERMISSION_DENIED, message="Only the owner manages staff.")
        data = StaffInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = services.staff_invite(
            vendor=vendor, actor_role=role, actor=request.user, **data.validated_data
        )
        return Response(
            {**StaffSerializer(invitation).data, "status": "invited"}, status=status.HTTP_201_CREATED
        )


class InvitationListApi(APIView):
    """Invitations to join shops that the caller has not answered yet."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: InvitationSerializer(many=True)}, tags=["vendors"])
    def get(self, request: Request) -> Response:
        invitations = selectors.invitations_pending_for(user=request.user)
        return Response(InvitationSerializer(invitations, many=True).data)


class _InvitationAnswerApi(APIView):
    permission_classes = [IsAuthenticated]
    accept = True

    @extend_schema(request=None, responses={200: InvitationSerializer}, tags=["vendors"])
    def post(self, request: Request, pk: int) -> Response:
        invitation = get_object_or_404(StaffInvitation, pk=pk, user=request.user)
        invitation = services.invitation_respond(invitation=invitation, user=request.user, accept=self.accept)
        return Response(InvitationSerializer(invitation).data)


class InvitationAcceptApi(_InvitationAnswerApi):
    accept = True


class InvitationDeclineApi(_InvitationAnswerApi):
    accept = False


class VendorCloseApi(APIView):
    """The owner closes the shop for good (a reason is required)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReasonSerializer, responses={200: VendorSerializer}, tags=["vendors"])
    def post(self, request: Request, slug: str) -> Response:
        vendor, role = selectors.vendor_get_for_staff(user=request.user, slug=slug)
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        vendor = services.vendor_close(
            vendor=vendor, actor_role=role, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(VendorSerializer(vendor).data)


class ExpiringQualificationsApi(ListAPIView):
    """Bureau staff: qualifications that expire within ``?days=`` (default 30)."""

    permission_classes = [IsAuthenticated]
    serializer_class = QualificationSerializer
    filter_backends: list[type] = []

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if not selectors.is_bureau(self.request.user):
            raise ApplicationError(
                code=ErrorCode.PERMISSION_DENIED, message="Only commerce bureau staff can do this."
            )
        try:
            days = min(max(int(self.request.query_params.get("days", 30)), 0), 365)
        except ValueError:
            raise ApplicationError(
                code=ErrorCode.VALIDATION_ERROR,
                message="days must be a number.",
                fields={"days": ["Enter a number."]},
            ) from None
        return selectors.qualifications_expiring(days=days, user=self.request.user)


class StaffDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None}, tags=["vendors"])
    def delete(self, request: Request, slug: str, pk: int) -> Response:
        vendor, role = selectors.vendor_get_for_staff(user=request.user, slug=slug)
        services.staff_remove(vendor=vendor, actor_role=role, membership_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class QualificationListApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = MULTIPART

    def _vendor(self, request: Request, slug: str) -> tuple[Vendor, str]:
        if selectors.is_bureau(request.user):
            return selectors.vendor_get_for_bureau(user=request.user, slug=slug), "bureau"
        return selectors.vendor_get_for_staff(user=request.user, slug=slug)

    @extend_schema(responses={200: QualificationSerializer(many=True)}, tags=["vendors"])
    def get(self, request: Request, slug: str) -> Response:
        vendor, role = self._vendor(request, slug)
        if role not in ("bureau", StaffRole.OWNER, StaffRole.MANAGER):
            raise ApplicationError(
                code=ErrorCode.PERMISSION_DENIED, message="Clerks do not see qualifications."
            )
        return Response(
            QualificationSerializer(vendor.qualifications.order_by("expires_on", "id"), many=True).data
        )

    @extend_schema(
        request=QualificationInputSerializer, responses={201: QualificationSerializer}, tags=["vendors"]
    )
    def post(self, request: Request, slug: str) -> Response:
        vendor, role = selectors.vendor_get_for_staff(user=request.user, slug=slug)
        data = QualificationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        qualification = services.qualification_add(
            vendor=vendor, actor_role=role, actor=request.user, **data.validated_data
        )
        return Response(QualificationSerializer(qualification).data, status=status.HTTP_201_CREATED)


class QualificationRevokeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReasonSerializer, responses={200: QualificationSerializer}, tags=["vendors"])
    def post(self, request: Request, pk: int) -> Response:
        if not selectors.is_bureau(request.user):
            raise ApplicationError(
                code=ErrorCode.PERMISSION_DENIED, message="Only commerce bureau staff can do this."
            )
        qualification = get_object_or_404(
            Qualification, pk=pk, vendor__in=selectors.vendors_for_bureau(user=request.user)
        )
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        qualification = services.qualification_revoke(
            qualification=qualification, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(QualificationSerializer(qualification).data)


class PayoutAccountApi(APIView):
    """The shop's bank account: the owner reads it in full and changes it; nobody else on the shop does."""

    permission_classes = [IsAuthenticated]

    def _owner_vendor(self, request: Request, slug: str) -> Vendor:
        vendor, role = selectors.vendor_get_for_staff(user=request.user, slug=slug)
        if role != StaffRole.OWNER:
            raise ApplicationError(
                code=ErrorCode.PERMISSION_DENIED, message="Only the shop owner manages the bank account."
            )
        return vendor

    @extend_schema(responses={200: PayoutAccountSerializer}, tags=["vendors"])
    def get(self, request: Request, slug: str) -> Response:
        vendor = self._owner_vendor(request, slug)
        account = getattr(vendor, "payout_account", None)
        if account is None:
            raise Http404
        return Response({"bank_name": account.bank_name, "holder": account.holder, "number": account.number})

    @extend_schema(
        request=PayoutAccountSerializer, responses={200: PayoutAccountSerializer}, tags=["vendors"]
    )
    def put(self, request: Request, slug: str) -> Response:
        vendor, role = selectors.vendor_get_for_staff(user=request.user, slug=slug)
        data = PayoutAccountSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account = services.payout_account_set(
            vendor=vendor, actor_role=role, actor=request.user, **data.validated_data
        )
        return Response({"bank_name": account.bank_name, "holder": account.holder, "number": account.number})


class DelegationListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: DelegationSerializer(many=True)}, tags=["vendors"])
    def get(self, request: Request, slug: str) -> Response:
        if selectors.is_bureau(request.user):
            vendor = selectors.vendor_get_for_bureau(user=request.user, slug=slug)
        else:
            vendor, _role = selectors.vendor_get_for_staff(
                user=request.user, slug=slug, roles=(StaffRole.OWNER,)
            )
        delegations = vendor.delegations.select_related("officer").order_by("-created_at", "-id")
        return Response(DelegationSerializer(delegations, many=True).data)

    @extend_schema(request=DelegationInputSerializer, responses={201: DelegationSerializer}, tags=["vendors"])
    def post(self, request: Request, slug: str) -> Response:
        vendor, role = selectors.vendor_get_for_staff(user=request.user, slug=slug)
        data = DelegationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        delegation = services.delegation_grant(
            vendor=vendor,
            actor_role=role,
            actor=request.user,
            officer_username=data.validated_data["officer"],
        )
        return Response(DelegationSerializer(delegation).data, status=status.HTTP_201_CREATED)


class DelegationRevokeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: DelegationSerializer}, tags=["vendors"])
    def post(self, request: Request, slug: str, pk: int) -> Response:
        vendor, role = selectors.vendor_get_for_staff(user=request.user, slug=slug)
        delegation = services.delegation_revoke(
            vendor=vendor, actor_role=role, actor=request.user, delegation_id=pk
        )
        return Response(DelegationSerializer(delegation).data)
