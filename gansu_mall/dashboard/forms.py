"""The range form of the dashboards (GET) and its presets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class RangeForm(forms.Form):
    """Both dates optional: without them the dashboards show the last 30 days. Whether a range is allowed
    (format, order, length) is for the selectors' ``period_from`` to say, in one place for the pages and the
    API; its refusal is shown on this form. The fields are text so that the form adds no rules of its own."""

    date_from = forms.CharField(
        label=pgettext_lazy("date range", "From"), required=False, max_length=10, widget=DateInput()
    )
    date_to = forms.CharField(
        label=pgettext_lazy("date range", "To"), required=False, max_length=10, widget=DateInput()
    )


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    date_from: date
    date_to: date


def default_range(today: date) -> tuple[date, date]:
    return today - timedelta(days=29), today


def month_bounds(year: int, month: int) -> tuple[date, date]:
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def presets(today: date) -> list[Preset]:
    """Last 7 and 30 days (today included), this month and this year so far, and last month."""
    last_month_end = today.replace(day=1) - timedelta(days=1)
    return [
        Preset("7d", str(_("Last 7 days")), today - timedelta(days=6), today),
        Preset("30d", str(_("Last 30 days")), *default_range(today)),
        Preset("month", str(_("This month")), today.replace(day=1), today),
        Preset("last-month", str(_("Last month")), *month_bounds(last_month_end.year, last_month_end.month)),
        Preset("year", str(_("This year")), today.replace(month=1, day=1), today),
    ]
