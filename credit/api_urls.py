from django.urls import path

from credit import api

urlpatterns = [
    path("credit/records/", api.CreditRecordListApi.as_view(), name="credit-record-list"),
    path("credit/records/import/", api.CreditRecordImportApi.as_view(), name="credit-record-import"),
    path("credit/records/<int:pk>/", api.CreditRecordDetailApi.as_view(), name="credit-record-detail"),
    path("credit/records/<int:pk>/revoke/", api.CreditRecordRevokeApi.as_view()),
    path("credit/records/<int:pk>/repair/", api.CreditRecordRepairApi.as_view()),
    path("credit/records/<int:pk>/objections/", api.CreditObjectionCreateApi.as_view()),
    path("credit/objections/", api.CreditObjectionListApi.as_view(), name="credit-objection-list"),
    path("credit/objections/<int:pk>/resolve/", api.CreditObjectionResolveApi.as_view()),
    path("credit/vendors/<slug:slug>/", api.CreditVendorApi.as_view(), name="credit-vendor"),
]
