"""Bureau pages of the category tree: /bureau/categories/ (the tree with product counts, a form to add,
buttons to reorder and delete) and /bureau/categories/<slug>/ (edit one).

Every bureau member may look at the tree; only provincial staff and administrators change it (the
services check it again). The buttons work as plain forms; with htmx they swap the tree in place and show a
refusal next to it. The forms of these pages live here: they serve no other module.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from catalog import categories
from catalog.models import Category
from gansu_mall.accounts.models import Role
from gansu_mall.accounts.permissions import role_required
from gansu_mall.core.errors import ApplicationError
from gansu_mall.core.forms import add_service_errors
from vendors.models import QualificationKind


def _parent_choices(rows: list[tuple[str, str, int]]) -> list[tuple[str, str]]:
    return [("", gettext_lazy("— none: a top-level category —"))] + [
        (slug, "— " * depth + name) for slug, name, depth in rows
    ]


class CategoryForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Chinese name"), max_length=categories.NAME_MAX)
    name_en = forms.CharField(label=gettext_lazy("English name"), max_length=categories.NAME_EN_MAX)
    parent = forms.ChoiceField(label=gettext_lazy("Parent category"), required=False)
    qualification = forms.ChoiceField(
        label=gettext_lazy("Licence a shop needs to list here"),
        required=False,
        choices=[("", gettext_lazy("none of its own (the parent's applies)")), *QualificationKind.choices],
    )

    def __init__(self, *args: Any, parents: list[tuple[str, str, int]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = _parent_choices(parents)


class CategoryCreateForm(CategoryForm):
    slug = forms.CharField(
        label=gettext_lazy("Slug"),
        max_length=categories.SLUG_MAX,
        help_text=gettext_lazy(
            "Its name in web addresses and filters: lower-case letters, digits and hyphens "
            "(e.g. dried-fruit). It cannot change later."
        ),
    )
    field_order = ["slug", "name", "name_en", "parent", "qualification"]


def _require_manager(request: HttpRequest) -> None:
    if not categories.category_may_manage(user=request.user):
        raise PermissionDenied


def _category_or_404(slug: str) -> Category:
    category = categories.category_get(slug=slug)
    if category is None:
        raise Http404
    return category


def _tree_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {
        "rows": categories.category_tree(),
        "manager": categories.category_may_manage(user=request.user),
        "max_depth": categories.MAX_DEPTH,
        **extra,
    }


@role_required(Role.BUREAU, Role.ADMIN)
def bureau_categories(request: HttpRequest) -> HttpResponse:
    """The tree; provincial staff add categories here (POST)."""
    context = _tree_context(request)
    parents = [
        (row.category.slug, row.category.display_name, row.depth)
        for row in context["rows"]
        if row.depth < categories.MAX_DEPTH - 1
    ]
    form = None
    if context["manager"]:
        form = CategoryCreateForm(request.POST if request.method == "POST" else None, parents=parents)
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                category = categories.category_create(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Added: %(category)s.") % {"category": category.display_name})
                return redirect("catalog:bureau_categories")
    return render(
        request,
        "catalog/bureau_categories.html",
        {**context, "form": form},
        status=400 if form is not None and form.errors else 200,
    )


@role_required(Role.BUREAU, Role.ADMIN)
def bureau_category_edit(request: HttpRequest, slug: str) -> HttpResponse:
    _require_manager(request)
    category = _category_or_404(slug)
    form = CategoryForm(
        request.POST if request.method == "POST" else None,
        parents=categories.category_parent_choices(exclude=category),
        initial={
            "name": category.name,
            "name_en": category.name_en,
            "parent": category.parent.slug if category.parent else "",
            "qualification": category.qualification,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            categories.category_update(category=category, actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("catalog:bureau_categories")
    return render(
        request,
        "catalog/bureau_category_edit.html",
        {"category": category, "form": form},
        status=400 if form.errors else 200,
    )


def _after_action(request: HttpRequest, *, done: str, error: str, back_to: str = "") -> HttpResponse:
    """htmx: the tree, redrawn, with the outcome above it. Otherwise a message and a redirect."""
    if request.htmx:
        return render(request, "catalog/_category_tree.html", _tree_context(request, done=done, error=error))
    if error:
        messages.error(request, error)
        if back_to:
            return redirect("catalog:bureau_category_edit", slug=back_to)
    else:
        messages.success(request, done)
    return redirect("catalog:bureau_categories")


@role_required(Role.BUREAU, Role.ADMIN)
@require_POST
def bureau_category_move(request: HttpRequest, slug: str) -> HttpResponse:
    """One place earlier (``direction=up``) or later (``direction=down``) among its siblings."""
    _require_manager(request)
    category = _category_or_404(slug)
    steps = {"up": -1, "down": 1}
    direction = request.POST.get("direction", "")
    if direction not in steps:
        return HttpResponseBadRequest(_("Choose up or down."))
    error = ""
    try:
        categories.category_move(category=category, actor=request.user, step=steps[direction])
    except ApplicationError as exc:
        error = str(exc.message)
    return _after_action(
        request, done=_("Moved: %(category)s.") % {"category": category.display_name}, error=error
    )


@role_required(Role.BUREAU, Role.ADMIN)
@require_POST
def bureau_category_delete(request: HttpRequest, slug: str) -> HttpResponse:
    """Deletes an empty category; one still in use stays, and the page says why."""
    _require_manager(request)
    category = _category_or_404(slug)
    error = ""
    try:
        categories.category_delete(category=category, actor=request.user)
    except ApplicationError as exc:
        error = str(exc.message)
    return _after_action(
        request,
        done=_("Deleted: %(category)s.") % {"category": category.display_name},
        error=error,
        back_to=slug if request.POST.get("from") == "edit" else "",
    )
