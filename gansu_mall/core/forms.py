"""Helpers for pages whose forms call services."""

from __future__ import annotations

from django import forms

from gansu_mall.core.errors import ApplicationError


def add_service_errors(
    form: forms.Form, error: ApplicationError, field_map: dict[str, str] | None = None
) -> None:
    """Show a service's refusal on the form: per field where the form has that field, else on top."""
    field_map = field_map or {}
    if not error.fields:
        form.add_error(None, str(error.message))
        return
    for field, messages in error.fields.items():
        target = field_map.get(field, field)
        for message in messages:
            form.add_error(target if target in form.fields else None, message)
