from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gansu_mall.notifications import selectors, services
from gansu_mall.notifications.messages import render
from gansu_mall.notifications.models import Notification


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
