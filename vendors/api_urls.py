from django.urls import path

from vendors import api

urlpatterns = [
    path("vendor-applications/", api.ApplicationListApi.as_view(), name="vendor-application-list"),
    path(
        "vendor-applications/<int:pk>/", api.ApplicationDetailApi.as_view(), name="vendor-application-detail"
    ),
    path("vendor-applications/<int:pk>/approve/", api.ApplicationApproveApi.as_view()),
    path("vendor-applications/<int:pk>/request-info/", api.ApplicationRequestInfoApi.as_view()),
    path("vendor-applications/<int:pk>/reject/", api.ApplicationRejectApi.as_view()),
    path("vendor-applications/<int:pk>/recommend/", api.ApplicationRecommendApi.as_view()),
    path("vendor-applications/<int:pk>/resubmit/", api.ApplicationResubmitApi.as_view()),
    path("vendors/", api.VendorListApi.as_view(), name="vendor-list"),
    path("vendors/<slug:slug>/", api.VendorDetailApi.as_view(), name="vendor-detail"),
    path("vendors/<slug:slug>/suspend/", api.VendorSuspendApi.as_view()),
    path("vendors/<slug:slug>/reinstate/", api.VendorReinstateApi.as_view()),
    path("vendors/<slug:slug>/staff/", api.StaffApi.as_view()),
    path("vendors/<slug:slug>/staff/<int:pk>/", api.StaffDetailApi.as_view()),
    path("vendors/<slug:slug>/qualifications/", api.QualificationListApi.as_view()),
    path("vendors/<slug:slug>/payout-account/", api.PayoutAccountApi.as_view()),
    path("vendors/<slug:slug>/delegations/", api.DelegationListApi.as_view()),
    path("vendors/<slug:slug>/delegations/<int:pk>/revoke/", api.DelegationRevokeApi.as_view()),
    path("vendors/<slug:slug>/close/", api.VendorCloseApi.as_view()),
    path("staff-invitations/", api.InvitationListApi.as_view()),
    path("staff-invitations/<int:pk>/accept/", api.InvitationAcceptApi.as_view()),
    path("staff-invitations/<int:pk>/decline/", api.InvitationDeclineApi.as_view()),
    path("qualifications/expiring/", api.ExpiringQualificationsApi.as_view()),
    path("qualifications/<int:pk>/revoke/", api.QualificationRevokeApi.as_view()),
]
