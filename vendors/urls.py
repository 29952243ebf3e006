from django.urls import path

from vendors import documents, views

app_name = "vendors"

urlpatterns = [
    path(
        "documents/applications/<int:pk>/licence/", documents.application_licence, name="application_licence"
    ),
    path("documents/shops/<slug:slug>/licence/", documents.vendor_licence, name="vendor_licence"),
    path(
        "documents/qualifications/<int:pk>/", documents.qualification_document, name="qualification_document"
    ),
    path("seller/", views.seller_home, name="seller_home"),
    path("seller/apply/", views.apply, name="apply"),
    path("seller/invitations/<int:pk>/", views.invitation_answer, name="invitation_answer"),
    path("seller/applications/<int:pk>/", views.application_detail, name="application"),
    path("seller/<slug:slug>/", views.seller_shop, name="seller_shop"),
    path("seller/<slug:slug>/profile/", views.seller_profile, name="seller_profile"),
    path("seller/<slug:slug>/staff/", views.seller_staff_add, name="seller_staff_add"),
    path("seller/<slug:slug>/staff/<int:pk>/remove/", views.seller_staff_remove, name="seller_staff_remove"),
    path(
        "seller/<slug:slug>/qualifications/", views.seller_qualification_add, name="seller_qualification_add"
    ),
    path("seller/<slug:slug>/bank-account/", views.seller_payout, name="seller_payout"),
    path("seller/<slug:slug>/close/", views.seller_close, name="seller_close"),
    path("seller/<slug:slug>/delegations/", views.seller_delegate, name="seller_delegate"),
    path(
        "seller/<slug:slug>/delegations/<int:pk>/revoke/",
        views.seller_delegation_revoke,
        name="seller_delegation_revoke",
    ),
    path("bureau/applications/", views.bureau_applications, name="bureau_applications"),
    path("bureau/applications/<int:pk>/", views.bureau_application, name="bureau_application"),
    path("bureau/qualifications/expiring/", views.bureau_expiring, name="bureau_expiring"),
    path(
        "bureau/qualifications/<int:pk>/revoke/",
        views.bureau_qualification_revoke,
        name="bureau_qualification_revoke",
    ),
    path("bureau/shops/", views.bureau_shops, name="bureau_shops"),
    path("shops/<slug:slug>/", views.shop_page, name="shop"),
]
