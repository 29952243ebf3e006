"""Writes to regions: only the poverty-relief flag changes after the data migration."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gansu_mall.core.errors import ApplicationError, ErrorCode
from gansu_mall.regions.models import Region, RegionFlagChange, RegionLevel


def region_set_poverty_relief(*, region: Region, poverty_relief: bool, source: str, actor_id: int) -> Region:
    """Set or clear a county's poverty-relief flag, recording who did it and on what source.

    Setting the flag needs a source (a government list, a notice); clearing it does not.
    """
    source = source.strip()
    if poverty_relief and not source:
        raise ApplicationError(
            code=ErrorCode.VALIDATION_ERROR,
            message=_("Say where the poverty-relief status comes from."),
            fields={"source": [_("A source is required when setting the flag.")]},
        )
    with transaction.atomic():
        locked = Region.objects.select_for_update().get(pk=region.pk)
        if locked.level != RegionLevel.COUNTY:
            raise ApplicationError(
                code=ErrorCode.VALIDATION_ERROR,
                message=_("Only counties carry the poverty-relief flag."),
                fields={"poverty_relief": [_("Only counties carry the poverty-relief flag.")]},
            )
        if locked.poverty_relief == poverty_relief and locked.poverty_relief_source == source:
            return locked
        locked.poverty_relief = poverty_relief
        locked.poverty_relief_source = source
        locked.poverty_relief_set_by_id = actor_id
        locked.poverty_relief_set_at = timezone.now()
        locked.save(
            update_fields=[
                "poverty_relief",
                "poverty_relief_source",
                "poverty_relief_set_by",
                "poverty_relief_set_at",
            ]
        )
        RegionFlagChange.objects.create(
            region=locked, poverty_relief=poverty_relief, source=source, changed_by_id=actor_id
        )
    return locked
