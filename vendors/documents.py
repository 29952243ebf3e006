"""Private documents (licences, qualifications), served only to those who may see them."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from gansu_mall.core.storage import private_file_response
from vendors import selectors
from vendors.models import Qualification, StaffRole


def application_licence(request: HttpRequest, pk: int) -> HttpResponse:
    """The applicant and bureau staff (of the applicant's area) see an application's licence."""
    if not request.user.is_authenticated:
        raise Http404
    application = selectors.application_get_for_user(user=request.user, application_id=pk)
    if application.applicant_id != request.user.pk and not selectors.is_bureau(request.user):
        raise Http404
    return private_file_response(application.license_image)


def vendor_licence(request: HttpRequest, slug: str) -> HttpResponse:
    """The shop's owner and bureau staff see the licence image."""
    if not request.user.is_authenticated:
        raise Http404
    if selectors.is_bureau(request.user):
        vendor = selectors.vendor_get_for_bureau(user=request.user, slug=slug)
    else:
        vendor, _role = selectors.vendor_get_for_staff(user=request.user, slug=slug, roles=(StaffRole.OWNER,))
    return private_file_response(vendor.license_image)


def qualification_document(request: HttpRequest, pk: int) -> HttpResponse:
    """Owner, managers and bureau staff see qualification documents."""
    if not request.user.is_authenticated:
        raise Http404
    qualification = get_object_or_404(Qualification.objects.select_related("vendor"), pk=pk)
    if selectors.is_bureau(request.user):
        selectors.vendor_get_for_bureau(user=request.user, slug=qualification.vendor.slug)
    else:
        selectors.vendor_get_for_staff(
            user=request.user, slug=qualification.vendor.slug, roles=(StaffRole.OWNER, StaffRole.MANAGER)
        )
    return private_file_response(qualification.document)
