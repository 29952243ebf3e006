"""Serializers of the credit API (API.md, "Credit information")."""

from __future__ import annotations

from rest_framework import serializers

from credit.models import Category, CreditObjection, CreditRecord, ObjectionStatus, Polarity


class CreditSubjectSerializer(serializers.Serializer):
    kind = serializers.CharField()
    display = serializers.CharField(help_text="The identity, masked.")
    name = serializers.CharField()


class CreditRecordSerializer(serializers.ModelSerializer):
    subject = CreditSubjectSerializer(read_only=True)
    department = serializers.SerializerMethodField()
    has_evidence = serializers.SerializerMethodField()

    class Meta:
        model = CreditRecord
        fields = [
            "id",
            "subject",
            "polarity",
            "category",
            "severity",
            "title",
            "occurred_on",
            "expires_on",
            "legal_basis",
            "department",
            "public",
            "status",
            "repaired_at",
            "has_evidence",
            "period",
            "figures",
            "created_at",
        ]

    def get_department(self, obj: CreditRecord) -> str | None:
        return obj.department.name if obj.department else None

    def get_has_evidence(self, obj: CreditRecord) -> bool:
        return bool(obj.evidence)


class CreditPublicRecordSerializer(serializers.ModelSerializer):
    department = serializers.SerializerMethodField()
    repaired = serializers.SerializerMethodField()

    class Meta:
        model = CreditRecord
        fields = [
            "id",
            "polarity",
            "category",
            "severity",
            "title",
            "occurred_on",
            "expires_on",
            "legal_basis",
            "department",
            "repaired",
            "period",
            "figures",
        ]

    def get_department(self, obj: CreditRecord) -> str | None:
        return obj.department.name if obj.department else None

    def get_repaired(self, obj: CreditRecord) -> bool:
        return obj.repaired_at is not None


class CreditRecordInputSerializer(serializers.Serializer):
    subject_code = serializers.CharField(max_length=30, help_text="USCC or resident ID number.")
    subject_name = serializers.CharField(max_length=200, required=False, default="")
    polarity = serializers.ChoiceField(choices=Polarity.choices)
    category = serializers.ChoiceField(choices=Category.choices)
    severity = serializers.IntegerField(min_value=1, max_value=3)
    title = serializers.CharField(max_length=200)
    occurred_on = serializers.DateField()
    expires_on = serializers.DateField(required=False, allow_null=True, default=None)
    legal_basis = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    public = serializers.BooleanField(default=True)
    evidence = serializers.FileField(required=False, allow_null=True, default=None)


class CreditRevokeInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class CreditImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV, UTF-8, with the header line of the import page.")


class CreditImportResultSerializer(serializers.Serializer):
    imported = serializers.IntegerField()
    records = serializers.ListField(child=serializers.IntegerField())


class CreditObjectionInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    evidence = serializers.FileField(required=False, allow_null=True, default=None)


class CreditObjectionSerializer(serializers.ModelSerializer):
    record = serializers.PrimaryKeyRelatedField(read_only=True)
    raised_by = serializers.CharField(source="raised_by.username", read_only=True)
    decided_by = serializers.SerializerMethodField()

    class Meta:
        model = CreditObjection
        fields = [
            "id",
            "record",
            "raised_by",
            "reason",
            "status",
            "decided_by",
            "note",
            "decided_at",
            "created_at",
        ]

    def get_decided_by(self, obj: CreditObjection) -> str | None:
        return obj.decided_by.username if obj.decided_by else None


class CreditResolveInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[ObjectionStatus.UPHELD, ObjectionStatus.REVOKED])
    note = serializers.CharField(max_length=2000)


class CreditComponentSerializer(serializers.Serializer):
    rule = serializers.CharField(help_text="base, positive or negative")
    record_id = serializers.IntegerField(required=False)
    category = serializers.CharField(required=False)
    severity = serializers.IntegerField(required=False)
    weight = serializers.CharField()
    points = serializers.IntegerField()


class CreditListReasonSerializer(serializers.Serializer):
    list = serializers.CharField(help_text="red or black")
    rule = serializers.CharField()
    record_id = serializers.IntegerField(required=False)


class CreditVendorSerializer(serializers.Serializer):
    """A shop's standing in the registry (its legal identity's), with the public records."""

    grade = serializers.CharField(allow_null=True, help_text="A, B, C or D; null while unrated.")
    score = serializers.IntegerField()
    components = CreditComponentSerializer(many=True)
    red_list = serializers.BooleanField()
    black_list = serializers.BooleanField()
    reasons = CreditListReasonSerializer(many=True)
    records = CreditPublicRecordSerializer(many=True)
