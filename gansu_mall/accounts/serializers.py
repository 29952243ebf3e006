from __future__ import annotations

from rest_framework import serializers

from gansu_mall.accounts.models import Language


class RegisterInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=128)
    email = serializers.CharField(required=False, allow_blank=True, max_length=254, default="")
    phone = serializers.CharField(required=False, allow_blank=True, max_length=20, default="")
    language = serializers.ChoiceField(
        choices=Language.choices,
        required=False,
        help_text="Language of the person's emails and text messages; default: the request's language.",
    )


class RegisterOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class TokenInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=128)


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField()


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    shops = serializers.ListField(child=serializers.CharField())
    scope = serializers.ListField(
        child=serializers.CharField(), help_text="Region codes a scoped role serves."
    )
    department = serializers.CharField(allow_null=True)
    language = serializers.ChoiceField(choices=Language.choices)
