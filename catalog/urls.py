from django.urls import path

from catalog import views, views_categories, views_trace

app_name = "catalog"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("bureau/synonyms/", views.bureau_synonyms, name="bureau_synonyms"),
    path("bureau/categories/", views_categories.bureau_categories, name="bureau_categories"),
    path(
        "bureau/categories/<slug:slug>/", views_categories.bureau_category_edit, name="bureau_category_edit"
    ),
    path(
        "bureau/categories/<slug:slug>/move/",
        views_categories.bureau_category_move,
        name="bureau_category_move",
    ),
    path(
        "bureau/categories/<slug:slug>/delete/",
        views_categories.bureau_category_delete,
        name="bureau_category_delete",
    ),
    path("products/<int:pk>/", views.product_detail, name="product"),
    path("trace/<str:code>/", views.trace_page, name="trace"),
    path("trace/<str:code>/qr.png", views.trace_qr, name="trace_qr"),
    path("seller/<slug:slug>/products/", views.seller_products, name="seller_products"),
    path("seller/<slug:slug>/products/new/", views.seller_product_new, name="seller_product_new"),
    path(
        "seller/<slug:slug>/products/export.<str:fmt>",
        views.seller_products_export,
        name="seller_products_export",
    ),
    path("seller/<slug:slug>/products/<int:pk>/", views.seller_product_edit, name="seller_product_edit"),
    path("seller/<slug:slug>/products/<int:pk>/batches/", views_trace.seller_batches, name="seller_batches"),
    path(
        "seller/<slug:slug>/products/<int:pk>/batches/<int:batch_id>/",
        views_trace.seller_batch,
        name="seller_batch",
    ),
]
