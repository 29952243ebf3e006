"""API of the category tree (API.md, "Catalog"): anyone reads it; provincial bureau staff change it.

``POST categories/``, ``PATCH`` and ``DELETE categories/<slug>/``. Anonymous callers get 401, users without
the bureau role 403 (``permission_denied``), bureau staff scoped to a prefecture or county 403 too (the tree is
the province's); an unknown slug is 404. Bad input is 400 with the fields at fault; deleting a category that
still has products or sub-categories is 409 ``category_in_use``.

The serializers of these endpoints live here with them: they serve no other module.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import categories
from catalog.api import CategoryListApi
from catalog.models import Category
from catalog.serializers import CategorySerializer
from gansu_mall.core.errors import ApplicationError, ErrorCode
from vendors.models import QualificationKind


class CategoryDetailSerializer(CategorySerializer):
    position = serializers.SerializerMethodField(help_text="Place among its siblings, 0 first.")

    class Meta(CategorySerializer.Meta):
        fields = [*CategorySerializer.Meta.fields, "position"]

    def get_position(self, obj: Category) -> int:
        return categories.category_sibling_index(category=obj)


class _CategoryFieldsSerializer(serializers.Serializer):
    name = serializers.CharField(allow_blank=True, trim_whitespace=False, help_text="Chinese name")
    name_en = serializers.CharField(allow_blank=True, trim_whitespace=False, help_text="English name")
    parent = serializers.CharField(
        allow_null=True,
        allow_blank=True,
        required=False,
        help_text="Slug of the parent category; null or empty for the top level (at most 3 levels).",
    )
    qualification = serializers.ChoiceField(
        choices=QualificationKind.choices,
        allow_null=True,
        allow_blank=True,
        required=False,
        help_text="Licence kind a shop needs to list here; null: none of its own (the parent's applies).",
    )
    position = serializers.IntegerField(
        min_value=0,
        max_value=10000,
        required=False,
        help_text="Place among its siblings, 0 first (beyond the last: last). Omitted: last when created "
        "or moved to another parent, else unchanged.",
    )


class CategoryInputSerializer(_CategoryFieldsSerializer):
    slug = serializers.CharField(
        allow_blank=True,
        help_text="Lower-case letters, digits and single hyphens; unique; cannot change later.",
    )


class CategoryPatchSerializer(_CategoryFieldsSerializer):
    """Every field optional; the slug cannot change (URLs and filters use it)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class CanManageCategories(BasePermission):
    """Provincial bureau staff and administrators; DRF answers 401 to anonymous callers, 403 to others.
    The services check the same again under their lock."""

    message = _("Only provincial commerce bureau staff change the category tree.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return categories.category_may_manage(user=request.user)


def _category_or_404(slug: str) -> Category:
    category = categories.category_get(slug=slug)
    if category is None:
        raise ApplicationError(code=ErrorCode.NOT_FOUND, message=gettext("Unknown category."))
    return category


class CategoryListCreateApi(CategoryListApi):
    """GET: the whole tree as one list, parents before children (anyone). POST: add a category."""

    def get_permissions(self):  # type: ignore[no-untyped-def]
        return [AllowAny()] if self.request.method == "GET" else [CanManageCategories()]

    @extend_schema(
        request=CategoryInputSerializer,
        responses={201: CategoryDetailSerializer},
        tags=["catalog"],
        summary="Add a category (provincial bureau staff)",
    )
    def post(self, request: Request) -> Response:
        data = CategoryInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        category = categories.category_create(actor=request.user, **data.validated_data)
        category = _category_or_404(category.slug)
        return Response(CategoryDetailSerializer(category).data, status=status.HTTP_201_CREATED)


class CategoryDetailApi(APIView):
    """One category (anyone); provincial bureau staff change (PATCH) or delete (DELETE) it."""

    def get_permissions(self):  # type: ignore[no-untyped-def]
        return [AllowAny()] if self.request.method == "GET" else [CanManageCategories()]

    @extend_schema(responses={200: CategoryDetailSerializer}, tags=["catalog"])
    def get(self, request: Request, slug: str) -> Response:
        return Response(CategoryDetailSerializer(_category_or_404(slug)).data)

    @extend_schema(
        request=CategoryPatchSerializer,
        responses={200: CategoryDetailSerializer},
        tags=["catalog"],
        summary="Rename, move, reorder a category or change its licence kind (provincial bureau staff)",
    )
    def patch(self, request: Request, slug: str) -> Response:
        category = _category_or_404(slug)
        data = CategoryPatchSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        categories.category_update(category=category, actor=request.user, **data.validated_data)
        return Response(CategoryDetailSerializer(_category_or_404(slug)).data)

    @extend_schema(
        request=None,
        responses={204: None},
        tags=["catalog"],
        summary="Delete an empty category (provincial bureau staff); 409 category_in_use otherwise",
    )
    def delete(self, request: Request, slug: str) -> Response:
        category = _category_or_404(slug)
        categories.category_delete(category=category, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
