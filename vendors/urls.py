from django.urls import path

from vendors import documents

app_name = "vendors"

urlpatterns = [
    path(
        "documents/applications/<int:pk>/licence/", documents.application_licence, name="application_licence"
    ),
    path("documents/shops/<slug:slug>/licence/", documents.vendor_licence, name="vendor_licence"),
    path(
        "documents/qualifications/<int:pk>/", documents.qualification_document, name="qualification_document"
    ),
]
