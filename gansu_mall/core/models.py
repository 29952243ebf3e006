from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Base for models that record when they were made and last changed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class StaleRollup(models.Model):
    """A cell of the dashboards' daily rollups that a change made stale, written in the transaction of the
    change (so a commit never loses it and a rollback leaves none) and cleared by the worker that recomputes
    the cell. ``topic`` names the rollup, ``day`` the local calendar day, ``key`` the cell within the day
    (a shop's id for sales; 0 where the whole day is recomputed)."""

    topic = models.CharField(max_length=16)
    day = models.DateField()
    key = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    # No unique constraint on purpose: a mark written while a worker recomputes the same cell must survive
    # that worker's delete (it deletes the rows it read), so the cell is recomputed again with the change.

    def __str__(self) -> str:
        return f"{self.topic} {self.day} {self.key}"
