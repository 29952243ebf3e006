"""Reads of accounts."""

from __future__ import annotations

from django.db.models import QuerySet

from gansu_mall.accounts.models import User


def users_with_roles() -> QuerySet[User]:
    return User.objects.select_related("department").prefetch_related("role_grants", "scope_regions")


def user_get_with_roles(*, user_id: int) -> User | None:
    return users_with_roles().filter(pk=user_id).first()


def user_scope_codes(*, user: User) -> list[str]:
    """Codes of the prefectures and counties a scoped user serves (empty: not limited)."""
    return sorted(region.code for region in user.scope_regions.all())


def user_region_scope(*, user: User) -> set[str] | None:
    """Every region code a scoped user may act on (their areas and what lies within), or None if unlimited."""
    from gansu_mall.regions.selectors import regions_within

    codes = user_scope_codes(user=user)
    return regions_within(codes=codes) if codes else None
