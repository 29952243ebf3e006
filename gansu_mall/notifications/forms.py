from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gansu_mall.accounts.models import Language
from gansu_mall.notifications.models import SmsSetting
from gansu_mall.notifications.selectors import GroupPreference


class PreferencesForm(forms.Form):
    """The language, then per group of events: email (a checkbox) and SMS (never / important / all)."""

    language = forms.ChoiceField(label=_("Language of emails and text messages"), choices=Language.choices)

    def __init__(self, *args: Any, preferences: list[GroupPreference], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.preferences = preferences
        for pref in preferences:
            self.fields[f"email_{pref.group}"] = forms.BooleanField(
                label=_("Email"), required=False, initial=pref.email
            )
            self.fields[f"sms_{pref.group}"] = forms.ChoiceField(
                label=_("Text message (SMS)"), choices=SmsSetting.choices, initial=pref.sms
            )

    def rows(self) -> list[tuple[GroupPreference, forms.BoundField, forms.BoundField]]:
        return [(pref, self[f"email_{pref.group}"], self[f"sms_{pref.group}"]) for pref in self.preferences]

    def groups(self) -> dict[str, dict[str, object]]:
        return {
            pref.group: {
                "email": self.cleaned_data[f"email_{pref.group}"],
                "sms": self.cleaned_data[f"sms_{pref.group}"],
            }
            for pref in self.preferences
        }
