"""API of the catalog (API.md, "Catalog"): categories, products and SKUs."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import images, selectors, services, trace
from catalog.filters import ProductFilter
from catalog.models import ProductImage
from catalog.reference import reference_pinned
from catalog.search import search_tiers, tier_counts
from catalog.serializers import (
    BatchEventInputSerializer,
    BatchEventSerializer,
    BatchInputSerializer,
    BatchSerializer,
    CategorySerializer,
    ProductDetailSerializer,
    ProductImageInputSerializer,
    ProductImageOrderSerializer,
    ProductImageSerializer,
    ProductInputSerializer,
    ProductListSerializer,
    ProductPatchSerializer,
    SkuPatchSerializer,
    SkuSerializer,
    TraceSerializer,
)
from gansu_mall.core.api.pagination import (
    CachedCountPaginator,
    ChainedResults,
    PageNumberPagination,
    ids_only,
)
from vendors.selectors import vendor_get_for_staff


class CategoryListApi(APIView):
    """The whole tree as one list (parents before children)."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: CategorySerializer(many=True)}, tags=["catalog"])
    def get(self, request: Request) -> Response:
        return Response(CategorySerializer(selectors.categories().select_related("parent"), many=True).data)


def _detail(request: Request, product_id: int, code: int = 200) -> Response:
    product, _role = selectors.product_get_for_staff(user=request.user, product_id=product_id)
    return Response(ProductDetailSerializer(product).data, status=code)


class ProductPagination(PageNumberPagination):
    django_paginator_class = CachedCountPaginator


class ProductListApi(ListAPIView):
    """Active products of open shops; shop staff add ``?vendor=<slug>`` to see their own drafts too."""

    serializer_class = ProductListSerializer
    pagination_class = ProductPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProductFilter

    def get_permissions(self):  # type: ignore[no-untyped-def]
        return [IsAuthenticated()] if self.request.method == "POST" else [AllowAny()]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        slug = self.request.query_params.get("vendor")
        products = selectors.products_public_list()
        if slug and self.request.user.is_authenticated:
            try:
                products = selectors.products_of_shop_for_staff(user=self.request.user, slug=slug).defer(
                    *selectors.LIST_DEFERRED
                )
            except Http404:  # not their shop: the public list, filtered by vendor
                products = selectors.products_public_list()
        if "ordering" not in self.request.query_params:
            products = products.order_by("-sales", "-id")
        return products

    def filter_queryset(self, queryset):  # type: ignore[no-untyped-def]
        """A search ordered by relevance is read tier by tier (see catalog.search.search_tiers)."""
        results = super().filter_queryset(queryset)
        if self.request.query_params.get("search") and "ordering" not in self.request.query_params:
            return ChainedResults(search_tiers(results), counts=tier_counts(results))
        return results

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The page's ids come off the filtered query; the items are read by one fixed statement
        (``selectors.product_list_items``) rather than through model instances and the serializer."""
        with reference_pinned():  # the category tree and synonyms the filters read: once for the request
            results = ids_only(self.filter_queryset(self.get_queryset()))
            page = self.paginate_queryset(results)
        return self.get_paginated_response(selectors.product_list_items(product_ids=list(page or [])))

    @extend_schema(request=ProductInputSerializer, responses={201: ProductDetailSerializer}, tags=["catalog"])
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ProductInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        vendor, _role = vendor_get_for_staff(
            user=request.user, slug=fields.pop("vendor"), allow_delegate=True
        )
        skus = [services.SkuInput(**sku) for sku in fields.pop("skus")]
        product = services.product_create(vendor=vendor, data=services.ProductInput(**fields, skus=skus))
        return _detail(request, product.pk, status.HTTP_201_CREATED)


class ProductDetailApi(APIView):
    def get_permissions(self):  # type: ignore[no-untyped-def]
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(responses={200: ProductDetailSerializer}, tags=["catalog"])
    def get(self, request: Request, pk: int) -> Response:
        """Public detail of an active product; shop staff also see their drafts."""
        try:
            product = selectors.product_get_public(product_id=pk)
        except Http404:
            if not request.user.is_authenticated:
                raise
            product, _role = selectors.product_get_for_staff(user=request.user, product_id=pk)
        return Response(ProductDetailSerializer(product).data)

    @extend_schema(request=ProductPatchSerializer, responses={200: ProductDetailSerializer}, tags=["catalog"])
    def patch(self, request: Request, pk: int) -> Response:
        product, _role = selectors.product_get_for_staff(user=request.user, product_id=pk)
        data = ProductPatchSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.product_update(product=product, changes=dict(data.validated_data))
        return _detail(request, pk)

    @extend_schema(request=None, responses={200: ProductDetailSerializer}, tags=["catalog"])
    def delete(self, request: Request, pk: int) -> Response:
        """Deactivates: the product leaves the shelves, its orders keep their history."""
        product, _role = selectors.product_get_for_staff(user=request.user, product_id=pk)
        services.product_deactivate(product=product)
        return _detail(request, pk)


class SkuDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=SkuPatchSerializer, responses={200: SkuSerializer}, tags=["catalog"])
    def patch(self, request: Request, pk: int) -> Response:
        sku, _role = selectors.sku_get_for_staff(user=request.user, sku_id=pk)
        data = SkuPatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sku = services.sku_update(sku=sku, **data.validated_data)
        return Response(SkuSerializer(sku).data)


class ProductImageListApi(APIView):
    """Shop staff add a photo (multipart ``image``); thumbnails follow within seconds."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request=ProductImageInputSerializer, responses={201: ProductImageSerializer}, tags=["catalog"]
    )
    def post(self, request: Request, pk: int) -> Response:
        product, _role = selectors.product_get_for_staff(user=request.user, product_id=pk)
        data = ProductImageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        image = images.product_image_add(product=product, upload=data.validated_data["image"])
        image.refresh_from_db()
        return Response(ProductImageSerializer(image).data, status=status.HTTP_201_CREATED)


class ProductImageDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None}, tags=["catalog"])
    def delete(self, request: Request, pk: int, image_id: int) -> Response:
        product, _role = selectors.product_get_for_staff(user=request.user, product_id=pk)
        image = get_object_or_404(ProductImage, pk=image_id, product=product)
        images.product_image_delete(image=image)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProductImageOrderApi(APIView):
    """Shop staff put the product's photos in a new order (``{images: [ids]}``, every id once); the first
    is the cover. Others get 404."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=ProductImageOrderSerializer,
        responses={200: ProductImageSerializer(many=True)},
        tags=["catalog"],
    )
    def post(self, request: Request, pk: int) -> Response:
        product, _role = selectors.product_get_for_staff(user=request.user, product_id=pk)
        data = ProductImageOrderSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ordered = images.product_images_reorder(product=product, image_ids=data.validated_data["images"])
        return Response(ProductImageSerializer(ordered, many=True).data)


class BatchCreateApi(APIView):
    """Shop staff register a lot of one of their SKUs; it gets a public trace code."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=BatchInputSerializer, responses={201: BatchSerializer}, tags=["traceability"])
    def post(self, request: Request) -> Response:
        data = BatchInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        sku, _role = selectors.sku_get_for_staff(user=request.user, sku_id=fields.pop("sku"))
        batch = trace.batch_create(sku=sku, data=trace.BatchInput(**fields))
        return Response(BatchSerializer(batch).data, status=status.HTTP_201_CREATED)


class BatchEventCreateApi(APIView):
    """Shop staff and warehouse staff add an event (harvest, process, inspect, store, ship)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request=BatchEventInputSerializer, responses={201: BatchEventSerializer}, tags=["traceability"]
    )
    def post(self, request: Request, pk: int) -> Response:
        batch = trace.batch_get_for_recorder(user=request.user, batch_id=pk)
        data = BatchEventInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = trace.batch_event_add(batch=batch, actor=request.user, **data.validated_data)
        return Response(BatchEventSerializer(event).data, status=status.HTTP_201_CREATED)


class TraceApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: TraceSerializer}, tags=["traceability"])
    def get(self, request: Request, code: str) -> Response:
        return Response(TraceSerializer(trace.trace_get(trace_code=code)).data)
