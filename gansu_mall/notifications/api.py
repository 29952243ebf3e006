from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gansu_mall.accounts.models import Language, User
from gansu_mall.core.errors import invalid
from gansu_mall.notifications import selectors, services
from gansu_mall.notifications.messages import render
from gansu_mall.notifications.models import Notification, SmsSetting
from gansu_mall.notifications.preferences import EventGroup


class NotificationSerializer(serializers.ModelSerializer):
    title = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "created_at", "read_at"]

    def get_title(self, obj: Notification) -> str:
        return render(obj.kind, obj.params)[0]

    def get_body(self, obj: Notification) -> str:
        return render(obj.kind, obj.params)[1]


class NotificationListApi(ListAPIView):
    """The caller's notifications, newest first, in the request's language."""

    permission_classes = [IsAuthenticated]
    serializer_class = NotificationSerializer
    filter_backends: list[type] = []

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.notifications_for(user=self.request.user)


class MarkReadInput(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, allow_null=True, default=None
    )


class NotificationReadApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=MarkReadInput, responses={200: None}, tags=["notifications"])
    def post(self, request: Request) -> Response:
        data = MarkReadInput(data=request.data)
        data.is_valid(raise_exception=True)
        count = services.notifications_mark_read(user=request.user, ids=data.validated_data["ids"])
        return Response({"marked": count})


# --- preferences ----------------------------------------------------------------------------------


class GroupPreferenceSerializer(serializers.Serializer):
    label = serializers.CharField(read_only=True, help_text="The group's name in the request's language.")
    email = serializers.BooleanField(help_text="Messages of this group by email.")
    sms = serializers.ChoiceField(
        choices=SmsSetting.choices,
        help_text="Text messages: never, for the important events only (default), or for all.",
    )


class NotificationPreferencesSerializer(serializers.Serializer):
    language = serializers.ChoiceField(
        choices=Language.choices, help_text="Language of the person's emails and text messages."
    )
    has_email = serializers.BooleanField(
        read_only=True, help_text="Whether the account has an email address (email needs one)."
    )
    has_phone = serializers.BooleanField(
        read_only=True, help_text="Whether the account has a mobile number (SMS needs one)."
    )
    groups = serializers.DictField(
        child=GroupPreferenceSerializer(),
        help_text="Per group of events (" + ", ".join(g.value for g in EventGroup) + "): email and sms.",
    )


def preferences_body(user: User) -> dict[str, object]:
    return {
        "language": user.language,
        "has_email": bool(user.email),
        "has_phone": bool(user.phone),
        "groups": {
            pref.group: {"label": pref.label, "email": pref.email, "sms": pref.sms}
            for pref in selectors.preferences_for(user=user)
        },
    }


class NotificationPreferencesApi(APIView):
    """The caller's channel preferences: in-app is always on; email and SMS per group of events.
    PUT replaces them all (every group with email and sms, and the language); PATCH changes what it names."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: NotificationPreferencesSerializer}, tags=["notifications"])
    def get(self, request: Request) -> Response:
        return Response(preferences_body(request.user))

    def _save(self, request: Request, *, partial: bool) -> Response:
        data = NotificationPreferencesSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        groups = data.validated_data.get("groups", {})
        # Settings the serializer does not know would be dropped silently: refuse them instead ("label",
        # read-only, may come back from a GET).
        unknown = {
            f"groups.{group}.{key}": [_("Unknown setting.")]
            for group, values in request.data.get("groups", {}).items()
            for key in values
            if key not in ("email", "sms", "label")
        }
        if unknown:
            raise invalid(unknown)
        if not partial:
            missing = [g.value for g in EventGroup if g.value not in groups]
            if missing:
                raise invalid({f"groups.{g}": [_("This field is required.")] for g in missing})
        # A group the platform does not have passes the serializer (a dict); the service refuses it.
        services.preferences_update(
            user=request.user, groups=groups, language=data.validated_data.get("language")
        )
        request.user.refresh_from_db(fields=["language"])
        return Response(preferences_body(request.user))

    @extend_schema(
        request=NotificationPreferencesSerializer,
        responses={200: NotificationPreferencesSerializer},
        tags=["notifications"],
    )
    def put(self, request: Request) -> Response:
        return self._save(request, partial=False)

    @extend_schema(
        request=NotificationPreferencesSerializer,
        responses={200: NotificationPreferencesSerializer},
        tags=["notifications"],
    )
    def patch(self, request: Request) -> Response:
        return self._save(request, partial=True)
