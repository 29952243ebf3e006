"""Reads of regions."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from gansu_mall.regions.loader import GANSU_CODE
from gansu_mall.regions.models import Region, RegionLevel


def region_children(*, parent_code: str | None) -> QuerySet[Region]:
    """Children of a region, or the provinces when no parent is given."""
    if parent_code is None:
        return Region.objects.filter(level=RegionLevel.PROVINCE).order_by("code")
    return Region.objects.filter(parent_id=parent_code).order_by("code")


def region_get(*, code: str) -> Region | None:
    return Region.objects.filter(code=code).select_related("parent").first()


def gansu_county_get(*, code: str) -> Region | None:
    """A county-level unit of Gansu, or None."""
    return (
        Region.objects.filter(code=code, level=RegionLevel.COUNTY, code__startswith=GANSU_CODE[:2])
        .select_related("parent")
        .first()
    )


def gansu_counties() -> QuerySet[Region]:
    return (
        Region.objects.filter(level=RegionLevel.COUNTY, code__startswith=GANSU_CODE[:2])
        .select_related("parent")
        .order_by("code")
    )


def prefectures_with_counties() -> list[Region]:
    """Gansu's prefectures, each with ``children`` prefetched in code order (two queries)."""
    return list(
        Region.objects.filter(parent_id=GANSU_CODE)
        .prefetch_related(Prefetch("children", queryset=Region.objects.order_by("code")))
        .order_by("code")
    )


def regions_within(*, codes: list[str]) -> set[str]:
    """The given codes and all their descendants (three levels at most)."""
    found = set(Region.objects.filter(code__in=codes).values_list("code", flat=True))
    frontier = list(found)
    while frontier:
        children = list(Region.objects.filter(parent_id__in=frontier).values_list("code", flat=True))
        frontier = [c for c in children if c not in found]
        found.update(frontier)
    return found


def region_names(*, codes: Iterable[str]) -> dict[str, str]:
    """Names of GB/T 2260 codes in the active language (one query; none without codes)."""
    wanted = sorted({code for code in codes if code})
    if not wanted:
        return {}
    return {region.code: region.display_name for region in Region.objects.filter(code__in=wanted)}
