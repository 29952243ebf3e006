from django.urls import path

from catalog import api, api_categories
from gansu_mall.core.cache import public_cache

urlpatterns = [
    path("categories/", api_categories.CategoryListCreateApi.as_view(), name="category-list"),
    path("categories/<slug:slug>/", api_categories.CategoryDetailApi.as_view(), name="category-detail"),
    path("products/", public_cache(api.ProductListApi.as_view()), name="product-list"),
    path("products/<int:pk>/", api.ProductDetailApi.as_view(), name="product-detail"),
    path("products/<int:pk>/images/", api.ProductImageListApi.as_view(), name="product-images"),
    path("products/<int:pk>/images/order/", api.ProductImageOrderApi.as_view(), name="product-image-order"),
    path(
        "products/<int:pk>/images/<int:image_id>/", api.ProductImageDetailApi.as_view(), name="product-image"
    ),
    path("skus/<int:pk>/", api.SkuDetailApi.as_view(), name="sku-detail"),
    path("batches/", api.BatchCreateApi.as_view(), name="batch-create"),
    path("batches/<int:pk>/events/", api.BatchEventCreateApi.as_view(), name="batch-events"),
    path("trace/<str:code>/", api.TraceApi.as_view(), name="trace"),
]
