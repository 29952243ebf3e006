from django.urls import path

from credit import views

app_name = "credit"

urlpatterns = [
    path("department/credit/", views.records_page, name="records"),
    path("department/credit/new/", views.record_new, name="record_new"),
    path("department/credit/import/", views.records_import, name="import"),
    path("bureau/credit/", views.records_page, name="bureau_records"),
    path("bureau/credit/records/<int:pk>/repair/", views.record_repair, name="repair"),
    path("bureau/credit/objections/", views.objections_page, name="objections"),
    path("bureau/credit/lists/", views.lists_page, name="lists"),
    path("documents/credit/records/<int:pk>/", views.record_evidence, name="record_evidence"),
    path("documents/credit/objections/<int:pk>/", views.objection_evidence, name="objection_evidence"),
    path("credit/<slug:slug>/", views.vendor_page, name="vendor"),
]
