from __future__ import annotations

from rest_framework import serializers

from gansu_mall.regions.models import Region


class RegionSerializer(serializers.ModelSerializer):
    """``{code, name, level}`` of API.md, plus the English name and the flags."""

    parent = serializers.CharField(source="parent_id", allow_null=True, read_only=True)

    class Meta:
        model = Region
        fields = [
            "code",
            "name",
            "name_en",
            "level",
            "parent",
            "special_zone",
            "outside_mainland",
            "poverty_relief",
        ]
        read_only_fields = fields


class PovertyReliefInputSerializer(serializers.Serializer):
    poverty_relief = serializers.BooleanField()
    source = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
