"""API shapes of vendors. Personal numbers are masked unless the reader may see them (see ``reveal``)."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from vendors.identity import mask_bank_account, mask_id_number
from vendors.models import ApplicationStep, Qualification, StaffRole, Vendor, VendorApplication, VendorType


class RegionRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()


class ApplicationStepSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username")
    at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = ApplicationStep
        fields = ["action", "actor", "from_status", "to_status", "reason", "at"]


class ApplicationSerializer(serializers.ModelSerializer):
    """``context["reveal"]``: show ID and bank numbers in full (the applicant and bureau staff)."""

    county = RegionRefSerializer()
    applicant = serializers.CharField(source="applicant.username")
    submitted_by = serializers.CharField(source="submitted_by.username")
    id_number = serializers.SerializerMethodField()
    bank_account = serializers.SerializerMethodField()
    license_image_url = serializers.SerializerMethodField()
    vendor = serializers.SerializerMethodField()
    steps = ApplicationStepSerializer(many=True)

    class Meta:
        model = VendorApplication
        fields = [
            "id",
            "status",
            "shop_name",
            "vendor_type",
            "legal_name",
            "id_number",
            "uscc",
            "county",
            "contact_phone",
            "description",
            "bank_name",
            "bank_account_holder",
            "bank_account",
            "recommendation",
            "license_image_url",
            "applicant",
            "submitted_by",
            "vendor",
            "created_at",
            "updated_at",
            "steps",
        ]

    def _reveal(self) -> bool:
        return bool(self.context.get("reveal"))

    def get_id_number(self, obj: VendorApplication) -> str:
        if not obj.id_number:
            return ""
        return obj.id_number if self._reveal() else mask_id_number(obj.id_number)

    def get_bank_account(self, obj: VendorApplication) -> str:
        if not obj.bank_account:
            return ""
        return obj.bank_account if self._reveal() else mask_bank_account(obj.bank_account)

    def get_license_image_url(self, obj: VendorApplication) -> str | None:
        if not obj.license_image or not self._reveal():
            return None
        return reverse("vendors:application_licence", args=[obj.pk])

    def get_vendor(self, obj: VendorApplication) -> dict[str, str] | None:
        return {"slug": obj.vendor.slug, "name": obj.vendor.name} if obj.vendor else None


class VendorSerializer(serializers.ModelSerializer):
    """The public face of a shop (API.md: slug, name, vendor_type, county, credit_grade, rating)."""

    county = RegionRefSerializer()
    credit_grade = serializers.SerializerMethodField()
    rating = serializers.SerializerMethodField()
    legal_name = serializers.SerializerMethodField()
    uscc = serializers.SerializerMethodField()
    logo_url = serializers.SerializerMethodField()
    banner_url = serializers.SerializerMethodField()

    class Meta:
        model = Vendor
        fields = [
            "slug",
            "name",
            "name_en",
            "vendor_type",
            "county",
            "credit_grade",
            "rating",
            "legal_name",
            "uscc",
            "story",
            "story_en",
            "logo_url",
            "banner_url",
            "status",
            "created_at",
        ]

    def get_credit_grade(self, obj: Vendor) -> str | None:
        return obj.credit_grade or None  # unrated until the credit registry grades the shop

    def get_rating(self, obj: Vendor) -> str | None:
        return f"{obj.rating:.2f}" if obj.rating is not None else None

    def get_legal_name(self, obj: Vendor) -> str | None:
        # Licence information of enterprises is public (E-Commerce Law art. 15); a person's name is not.
        return obj.legal_name if obj.vendor_type != VendorType.INDIVIDUAL else None

    def get_uscc(self, obj: Vendor) -> str | None:
        return obj.uscc or None

    def get_logo_url(self, obj: Vendor) -> str | None:
        return obj.logo.url if obj.logo else None

    def get_banner_url(self, obj: Vendor) -> str | None:
        return obj.banner.url if obj.banner else None


class ProfileInputSerializer(serializers.Serializer):
    name_en = serializers.CharField(max_length=80, required=False, allow_blank=True)
    story = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    story_en = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=20, required=False)
    logo = serializers.ImageField(required=False)
    banner = serializers.ImageField(required=False)


class StaffSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField(source="user.username")
    role = serializers.CharField()


class InvitationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    shop = serializers.CharField(source="vendor.slug")
    shop_name = serializers.CharField(source="vendor.name")
    role = serializers.CharField()
    status = serializers.CharField()
    invited_by = serializers.CharField(source="invited_by.username")
    created_at = serializers.DateTimeField()


class StaffInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=[StaffRole.MANAGER, StaffRole.CLERK])


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class RecommendSerializer(serializers.Serializer):
    recommend = serializers.BooleanField()
    reason = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class ApplicationInputSerializer(serializers.Serializer):
    shop_name = serializers.CharField(max_length=60)
    vendor_type = serializers.ChoiceField(choices=VendorType.choices)
    legal_name = serializers.CharField(max_length=100)
    id_number = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    uscc = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    county_code = serializers.CharField(max_length=6)
    contact_phone = serializers.CharField(max_length=20)
    license_image = serializers.FileField(required=False, allow_null=True, default=None)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    bank_name = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    bank_account_holder = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    bank_account = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    on_behalf_of = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")


class QualificationSerializer(serializers.ModelSerializer):
    status = serializers.CharField()
    shop = serializers.CharField(source="vendor.slug")
    document_url = serializers.SerializerMethodField()

    class Meta:
        model = Qualification
        fields = [
            "id",
            "shop",
            "kind",
            "number",
            "expires_on",
            "status",
            "revoke_reason",
            "document_url",
            "created_at",
        ]

    def get_document_url(self, obj: Qualification) -> str:
        return reverse("vendors:qualification_document", args=[obj.pk])


class QualificationInputSerializer(serializers.Serializer):
    kind = serializers.CharField(max_length=16)
    number = serializers.CharField(max_length=64)
    expires_on = serializers.DateField()
    document = serializers.FileField()


class PayoutAccountSerializer(serializers.Serializer):
    bank_name = serializers.CharField(max_length=60)
    holder = serializers.CharField(max_length=100)
    number = serializers.CharField(max_length=40)


class DelegationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    officer = serializers.CharField(source="officer.username")
    created_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)


class DelegationInputSerializer(serializers.Serializer):
    officer = serializers.CharField(max_length=150)
