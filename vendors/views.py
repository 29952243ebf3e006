"""Pages of vendors: apply, the seller centre, the bureau's review, public shop pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from catalog.selectors import product_list_items, products_public_ids
from gansu_mall.accounts.models import Role, User
from gansu_mall.accounts.permissions import role_required
from gansu_mall.core.errors import ApplicationError
from gansu_mall.core.forms import add_service_errors
from vendors import selectors, services
from vendors.forms import (
    ApplicationForm,
    DelegationForm,
    PayoutForm,
    ProfileForm,
    QualificationForm,
    ReasonForm,
    StaffForm,
)
from vendors.identity import mask_bank_account, mask_id_number
from vendors.models import (
    ApplicationStatus,
    Delegation,
    Qualification,
    StaffInvitation,
    StaffRole,
    Vendor,
    VendorApplication,
)


def _application_input(form: ApplicationForm) -> services.ApplicationInput:
    data = form.cleaned_data
    return services.ApplicationInput(
        shop_name=data["shop_name"],
        vendor_type=data["vendor_type"],
        legal_name=data["legal_name"],
        id_number=data["id_number"],
        uscc=data["uscc"],
        county_code=data["county_code"],
        contact_phone=data["contact_phone"],
        license_image=data["license_image"] or None,
        description=data["description"],
        bank_name=data["bank_name"],
        bank_account_holder=data["bank_account_holder"],
        bank_account=data["bank_account"],
    )


# --- Applying -------------------------------------------------------------------------------------


@login_required
def apply(request: HttpRequest) -> HttpResponse:
    officer = request.user.has_role(Role.INFO_OFFICER)
    form = ApplicationForm(request.POST or None, request.FILES or None, officer=officer)
    if request.method == "POST" and form.is_valid():
        applicant: User | None = request.user
        on_behalf_of = form.cleaned_data.get("on_behalf_of", "").strip()
        if on_behalf_of:
            applicant = User.objects.filter(username=on_behalf_of).first()
            if applicant is None:
                form.add_error("on_behalf_of", _("No account has this user name."))
        if applicant is not None:
            try:
                application = services.application_submit(
                    submitted_by=request.user, applicant=applicant, data=_application_input(form)
                )
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request, _("Your application has been submitted. The bureau will review it.")
                )
                return redirect("vendors:application", pk=application.pk)
    return render(request, "vendors/apply.html", {"form": form, "officer": officer})


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_user(user=request.user, application_id=pk)
    reveal = application.applicant_id == request.user.pk or selectors.is_bureau(request.user)
    form = None
    may_resubmit = application.status == ApplicationStatus.NEEDS_INFO and request.user.pk in (
        application.applicant_id,
        application.submitted_by_id,
    )
    if may_resubmit:
        initial = {
            "shop_name": application.shop_name,
            "vendor_type": application.vendor_type,
            "legal_name": application.legal_name,
            "id_number": application.id_number if reveal else "",
            "uscc": application.uscc,
            "county_code": application.county_id,
            "contact_phone": application.contact_phone,
            "description": application.description,
            "bank_name": application.bank_name,
            "bank_account_holder": application.bank_account_holder,
        }
        form = ApplicationForm(request.POST or None, request.FILES or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                services.application_resubmit(
                    application=application, actor=request.user, data=_application_input(form)
                )
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Resubmitted. The bureau will review it again."))
                return redirect("vendors:application", pk=application.pk)
    elif request.method == "POST":
        raise Http404
    return render(
        request,
        "vendors/application_detail.html",
        {
            "application": application,
            "masked_id": application.id_number
            if reveal
            else mask_id_number(application.id_number)
            if application.id_number
            else "",
            "masked_bank": application.bank_account
            if reveal
            else mask_bank_account(application.bank_account)
            if application.bank_account
            else "",
            "reveal": reveal,
            "form": form,
        },
    )


# --- Seller centre --------------------------------------------------------------------------------


@login_required
@require_GET
def seller_home(request: HttpRequest) -> HttpResponse:
    memberships = request.user.shop_memberships.select_related("vendor", "vendor__county").order_by(
        "vendor__name"
    )
    delegated = request.user.delegations.filter(revoked_at__isnull=True).select_related(
        "vendor", "vendor__county"
    )
    applications = (
        (
            VendorApplication.objects.filter(submitted_by=request.user)
            | VendorApplication.objects.filter(applicant=request.user)
        )
        .select_related("county", "applicant")
        .order_by("-created_at")
    )
    return render(
        request,
        "vendors/seller_home.html",
        {
            "memberships": memberships,
            "delegated": delegated,
            "applications": applications,
            "invitations": selectors.invitations_pending_for(user=request.user),
        },
    )


@login_required
@require_POST
def invitation_answer(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(StaffInvitation, pk=pk, user=request.user)
    accept = request.POST.get("answer") == "accept"
    try:
        invitation = services.invitation_respond(invitation=invitation, user=request.user, accept=accept)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("vendors:seller_home")
    if accept:
        messages.success(request, _("Welcome to %(shop)s.") % {"shop": invitation.vendor.name})
        return redirect("vendors:seller_shop", slug=invitation.vendor.slug)
    messages.success(request, _("Invitation declined."))
    return redirect("vendors:seller_home")


def _shop_context(request: HttpRequest, vendor: Vendor, role: str, **forms: Any) -> dict[str, Any]:
    account = getattr(vendor, "payout_account", None)
    context: dict[str, Any] = {
        "vendor": vendor,
        "role": role,
        "role_label": StaffRole(role).label
        if role in StaffRole.values
        else _("delegated information officer"),
        "is_owner": role == StaffRole.OWNER,
        "may_edit": role in (StaffRole.OWNER, StaffRole.MANAGER),
        "members": vendor.memberships.select_related("user").order_by("id"),
        "invited": vendor.invitations.select_related("user").filter(status="pending").order_by("id"),
        "qualifications": vendor.qualifications.order_by("expires_on", "id"),
        "delegations": vendor.delegations.select_related("officer").order_by("-created_at"),
        "account_masked": mask_bank_account(account.number) if account else "",
        "account": account if role == StaffRole.OWNER else None,
        "profile_form": ProfileForm(
            initial={
                "name_en": vendor.name_en,
                "story": vendor.story,
                "story_en": vendor.story_en,
                "contact_phone": vendor.contact_phone,
            }
        ),
        "staff_form": StaffForm(),
        "qualification_form": QualificationForm(),
        "payout_form": PayoutForm(
            initial={"bank_name": account.bank_name, "holder": account.holder} if account else None
        ),
        "delegation_form": DelegationForm(),
        "close_form": ReasonForm(),
    }
    context.update(forms)
    return context


@login_required
def seller_shop(request: HttpRequest, slug: str) -> HttpResponse:
    vendor, role = selectors.vendor_get_for_staff(user=request.user, slug=slug, allow_delegate=True)
    return render(request, "vendors/seller_shop.html", _shop_context(request, vendor, role))


def _shop_action(
    form_class: type,
    form_name: str,
    act: Callable[[HttpRequest, Vendor, str, dict[str, Any]], object],
    done: Any,
) -> Callable[[HttpRequest, str], HttpResponse]:
    """A POST on the seller centre: validate the form, call the service, show errors in place or redirect."""

    @login_required
    @require_POST
    def view(request: HttpRequest, slug: str) -> HttpResponse:
        vendor, role = selectors.vendor_get_for_staff(user=request.user, slug=slug)
        form = form_class(request.POST, request.FILES)
        if form.is_valid():
            try:
                act(request, vendor, role, form.cleaned_data)
            except ApplicationError as exc:
                if exc.status_code == 403:
                    messages.error(request, str(exc.message))
                    return redirect("vendors:seller_shop", slug=vendor.slug)
                add_service_errors(form, exc)
            else:
                messages.success(request, done)
                return redirect("vendors:seller_shop", slug=vendor.slug)
        return render(
            request,
            "vendors/seller_shop.html",
            _shop_context(request, vendor, role, **{form_name: form}),
            status=400,
        )

    return view


seller_profile = _shop_action(
    ProfileForm,
    "profile_form",
    lambda r, v, role, d: services.vendor_update_profile(
        vendor=v,
        actor_role=role,
        data=services.ProfileInput(
            name_en=d["name_en"],
            story=d["story"],
            story_en=d["story_en"],
            contact_phone=d["contact_phone"],
            logo=d["logo"] or None,
            banner=d["banner"] or None,
        ),
    ),
    _lazy("The shop profile is saved."),
)
seller_staff_add = _shop_action(
    StaffForm,
    "staff_form",
    lambda r, v, role, d: services.staff_invite(
        vendor=v, actor_role=role, actor=r.user, username=d["username"], role=d["role"]
    ),
    _lazy("Invitation sent. They join when they accept it."),
)
seller_qualification_add = _shop_action(
    QualificationForm,
    "qualification_form",
    lambda r, v, role, d: services.qualification_add(vendor=v, actor_role=role, actor=r.user, **d),
    _lazy("Qualification uploaded."),
)
seller_close = _shop_action(
    ReasonForm,
    "close_form",
    lambda r, v, role, d: services.vendor_close(vendor=v, actor_role=role, actor=r.user, reason=d["reason"]),
    _lazy("The shop is closed."),
)
seller_payout = _shop_action(
    PayoutForm,
    "payout_form",
    lambda r, v, role, d: services.payout_account_set(vendor=v, actor_role=role, actor=r.user, **d),
    _lazy("Bank account saved."),
)
seller_delegate = _shop_action(
    DelegationForm,
    "delegation_form",
    lambda r, v, role, d: services.delegation_grant(
        vendor=v, actor_role=role, actor=r.user, officer_username=d["officer"]
    ),
    _lazy("The information officer can now help manage the shop."),
)


def _shop_button(
    act: Callable[[HttpRequest, Vendor, str, int], object], done: Any
) -> Callable[[HttpRequest, str, int], HttpResponse]:
    """A one-click POST on an item of the seller centre (remove a clerk, end a delegation)."""

    @login_required
    @require_POST
    def view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
        vendor, role = selectors.vendor_get_for_staff(user=request.user, slug=slug)
        try:
            act(request, vendor, role, pk)
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, done)
        return redirect("vendors:seller_shop", slug=vendor.slug)

    return view


seller_delegation_revoke = _shop_button(
    lambda r, v, role, pk: services.delegation_revoke(
        vendor=v, actor_role=role, actor=r.user, delegation_id=pk
    ),
    _lazy("Delegation ended."),
)
seller_staff_remove = _shop_button(
    lambda r, v, role, pk: services.staff_remove(vendor=v, actor_role=role, membership_id=pk),
    _lazy("Staff removed."),
)


# --- Bureau ---------------------------------------------------------------------------------------


@role_required(Role.BUREAU, Role.ADMIN)
@require_GET
def bureau_applications(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    applications = selectors.applications_visible_to(user=request.user)
    if status in ApplicationStatus.values:
        applications = applications.filter(status=status)
    return render(
        request,
        "vendors/bureau_applications.html",
        {"applications": applications, "status": status, "statuses": ApplicationStatus.choices},
    )


@role_required(Role.BUREAU, Role.ADMIN)
def bureau_application(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_user(user=request.user, application_id=pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action", "")
        reason = form.cleaned_data["reason"]
        actions: dict[str, Callable[[], object]] = {
            "approve": lambda: services.application_approve(application=application, actor=request.user),
            "request_info": lambda: services.application_request_info(
                application=application, actor=request.user, reason=reason
            ),
            "reject": lambda: services.application_reject(
                application=application, actor=request.user, reason=reason
            ),
            "recommend": lambda: services.application_recommend(
                application=application, actor=request.user, recommend=True, reason=reason
            ),
            "not_recommend": lambda: services.application_recommend(
                application=application, actor=request.user, recommend=False, reason=reason
            ),
        }
        if action not in actions:
            raise Http404
        try:
            actions[action]()
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Done."))
            return redirect("vendors:bureau_application", pk=application.pk)
        application = selectors.application_get_for_user(user=request.user, application_id=pk)
    return render(
        request,
        "vendors/bureau_application.html",
        {
            "application": application,
            "form": form,
            "provincial": selectors.is_provincial_bureau(request.user),
            "open": application.status in (ApplicationStatus.SUBMITTED, ApplicationStatus.RESUBMITTED),
        },
        status=400 if form.errors else 200,
    )


@role_required(Role.BUREAU, Role.ADMIN)
@require_GET
def bureau_expiring(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "vendors/bureau_expiring.html",
        {"qualifications": selectors.qualifications_expiring(days=30, user=request.user)},
    )


@role_required(Role.BUREAU, Role.ADMIN)
def bureau_shops(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        vendor = selectors.vendor_get_for_bureau(user=request.user, slug=request.POST.get("slug", ""))
        action = request.POST.get("action", "")
        if action not in services.VENDOR_TRANSITIONS:
            raise Http404
        try:
            services.vendor_set_status(
                vendor=vendor, action=action, actor=request.user, reason=request.POST.get("reason", "")
            )
        except ApplicationError as exc:
            messages.error(request, f"{vendor.name}: {exc.message}")
        else:
            messages.success(request, _("%(shop)s: saved.") % {"shop": vendor.name})
        return redirect("vendors:bureau_shops")
    vendors = (
        selectors.vendors_for_bureau(user=request.user)
        .prefetch_related(
            Prefetch(
                "delegations",
                queryset=Delegation.objects.filter(revoked_at__isnull=True).select_related("officer"),
            )
        )
        .order_by("status", "name")
    )
    return render(request, "vendors/bureau_shops.html", {"vendors": vendors})


@role_required(Role.BUREAU, Role.ADMIN)
@require_POST
def bureau_qualification_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    qualification = get_object_or_404(
        Qualification, pk=pk, vendor__in=selectors.vendors_for_bureau(user=request.user)
    )
    try:
        services.qualification_revoke(
            qualification=qualification, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Qualification revoked."))
    return redirect("vendors:bureau_expiring")


# --- Public shop page -----------------------------------------------------------------------------


@require_GET
def shop_page(request: HttpRequest, slug: str) -> HttpResponse:
    vendor = selectors.vendor_get_public(slug=slug)
    ids = products_public_ids().filter(vendor=vendor).order_by("-sales", "-id")[:60]
    products = product_list_items(product_ids=list(ids))
    return render(request, "vendors/shop.html", {"vendor": vendor, "products": products})
