from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import Category, Product, ProductImage, Sku
from vendors.serializers import RegionRefSerializer


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    qualification = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields = ["slug", "name", "name_en", "parent", "qualification"]

    def get_qualification(self, obj: Category) -> str | None:
        return obj.qualification or None


class SkuSerializer(serializers.ModelSerializer):
    class Meta:
        model = Sku
        fields = ["id", "code", "spec", "price", "stock", "weight_grams", "fulfilled_by"]


class VendorRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    credit_grade = serializers.SerializerMethodField()

    def get_credit_grade(self, obj: object) -> str | None:
        return getattr(obj, "credit_grade", "") or None  # unrated until the credit registry grades it


class ProductImageSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    large_url = serializers.SerializerMethodField()

    class Meta:
        model = ProductImage
        fields = ["id", "url", "thumbnail_url", "large_url", "position"]

    def get_url(self, obj: ProductImage) -> str:
        return obj.image.url

    def get_thumbnail_url(self, obj: ProductImage) -> str:
        return (obj.thumb_small or obj.image).url

    def get_large_url(self, obj: ProductImage) -> str:
        return (obj.thumb_large or obj.image).url


class ProductListSerializer(serializers.ModelSerializer):
    """List items of API.md: price is the lowest SKU price."""

    price = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    vendor = VendorRefSerializer()
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    origin_county = RegionRefSerializer()
    thumbnail_url = serializers.SerializerMethodField()
    gi_certified = serializers.SerializerMethodField()
    rating = serializers.SerializerMethodField()
    poverty_relief = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "name_en",
            "price",
            "vendor",
            "category",
            "origin_county",
            "thumbnail_url",
            "gi_certified",
            "rating",
            "rating_count",
            "sales",
            "in_stock",
            "storage",
            "status",
            "poverty_relief",
        ]

    def get_thumbnail_url(self, obj: Product) -> str | None:
        images = list(obj.images.all())  # prefetched in order
        if not images:
            return None
        first = images[0]
        return (first.thumb_small or first.image).url

    def get_gi_certified(self, obj: Product) -> bool:
        return bool(obj.gi_certificate)

    def get_rating(self, obj: Product) -> str | None:
        return f"{obj.rating:.2f}" if obj.rating is not None else None

    def get_poverty_relief(self, obj: Product) -> bool:
        return obj.origin_county.poverty_relief


class ProductDetailSerializer(ProductListSerializer):
    skus = SkuSerializer(many=True)
    images = ProductImageSerializer(many=True)

    class Meta(ProductListSerializer.Meta):
        fields = [
            *ProductListSerializer.Meta.fields,
            "description",
            "description_en",
            "shelf_life_days",
            "gi_certificate",
            "skus",
            "images",
            "created_at",
            "updated_at",
        ]


class ProductImageInputSerializer(serializers.Serializer):
    image = serializers.FileField()


class ProductImageOrderSerializer(serializers.Serializer):
    images = serializers.ListField(
        child=serializers.IntegerField(),
        allow_empty=True,
        max_length=100,
        help_text="Every image id of the product exactly once, in the new order; the first is the cover.",
    )


class SkuInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    spec = serializers.CharField(max_length=60)
    price = serializers.CharField(max_length=20)
    stock = serializers.IntegerField(required=False, default=0)
    weight_grams = serializers.IntegerField()
    fulfilled_by = serializers.CharField(max_length=6, required=False, default="vendor")


class ProductInputSerializer(serializers.Serializer):
    vendor = serializers.CharField(max_length=60)
    name = serializers.CharField(max_length=80)
    name_en = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    category = serializers.CharField(max_length=50)
    origin_county_code = serializers.CharField(max_length=6)
    description = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")
    description_en = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")
    storage = serializers.CharField(max_length=8, required=False, default="ambient")
    shelf_life_days = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    gi_certificate = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    status = serializers.CharField(max_length=8, required=False, default="draft")
    skus = SkuInputSerializer(many=True)


class ProductPatchSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80, required=False)
    name_en = serializers.CharField(max_length=120, required=False, allow_blank=True)
    category = serializers.CharField(max_length=50, required=False)
    origin_county_code = serializers.CharField(max_length=6, required=False)
    description = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    description_en = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    storage = serializers.CharField(max_length=8, required=False)
    shelf_life_days = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    gi_certificate = serializers.CharField(max_length=120, required=False, allow_blank=True)
    status = serializers.CharField(max_length=8, required=False)


class SkuPatchSerializer(serializers.Serializer):
    price = serializers.CharField(max_length=20, required=False)
    stock = serializers.IntegerField(required=False)


class BatchInputSerializer(serializers.Serializer):
    sku = serializers.IntegerField()
    quantity = serializers.IntegerField(min_value=1)
    origin_county_code = serializers.CharField(max_length=6)
    base_name = serializers.CharField(max_length=100)
    harvested_on = serializers.DateField()
    lot_code = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    expires_on = serializers.DateField(required=False, allow_null=True, default=None)
    add_to_stock = serializers.BooleanField(required=False, default=False)


class BatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    trace_code = serializers.CharField()
    sku = serializers.IntegerField(source="sku_id")
    lot_code = serializers.CharField()
    quantity = serializers.IntegerField()
    remaining = serializers.IntegerField()
    harvested_on = serializers.DateField()
    expires_on = serializers.DateField(allow_null=True)
    blocked = serializers.BooleanField()


class BatchEventInputSerializer(serializers.Serializer):
    event_type = serializers.CharField(max_length=8)
    occurred_at = serializers.DateTimeField()
    location = serializers.CharField(max_length=120)
    summary = serializers.CharField(max_length=500)
    result = serializers.CharField(max_length=4, required=False, allow_blank=True, default="")
    document = serializers.FileField(required=False, allow_null=True, default=None)


class BatchEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    event_type = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    location = serializers.CharField()
    summary = serializers.CharField()
    result = serializers.CharField()
    document_url = serializers.SerializerMethodField()

    def get_document_url(self, obj: object) -> str | None:
        document = getattr(obj, "document", None)
        return document.url if document else None


class TraceSerializer(serializers.Serializer):
    trace_code = serializers.CharField()
    product = serializers.SerializerMethodField()
    vendor = serializers.SerializerMethodField()
    batch = serializers.SerializerMethodField()
    events = BatchEventSerializer(many=True, source="events.all")

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_product(self, obj: object) -> dict[str, object]:
        sku = obj.sku  # type: ignore[attr-defined]
        return {
            "id": sku.product_id,
            "name": sku.product.name,
            "name_en": sku.product.name_en,
            "sku": sku.spec,
        }

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_vendor(self, obj: object) -> dict[str, str]:
        return {"slug": obj.vendor.slug, "name": obj.vendor.name}  # type: ignore[attr-defined]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_batch(self, obj: object) -> dict[str, object]:
        return {
            "id": obj.pk,  # type: ignore[attr-defined]
            "lot_code": obj.lot_code,  # type: ignore[attr-defined]
            "quantity": obj.quantity,  # type: ignore[attr-defined]
            "origin_county": {
                "code": obj.origin_county.code,
                "name": obj.origin_county.name,  # type: ignore[attr-defined]
                "name_en": obj.origin_county.name_en,
            },  # type: ignore[attr-defined]
            "base_name": obj.base_name,  # type: ignore[attr-defined]
            "harvested_on": obj.harvested_on.isoformat(),  # type: ignore[attr-defined]
            "expires_on": obj.expires_on.isoformat() if obj.expires_on else None,  # type: ignore[attr-defined]
            "blocked": obj.blocked,  # type: ignore[attr-defined]
        }
