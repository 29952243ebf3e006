from django import forms

from gansu_mall.core.errors import ApplicationError
from gansu_mall.core.forms import add_service_errors


class NameForm(forms.Form):
    name = forms.CharField()
    password1 = forms.CharField()


def test_service_errors_land_on_fields_or_on_top():
    form = NameForm(data={"name": "x", "password1": "y"})
    assert form.is_valid()
    error = ApplicationError(
        code="validation_error",
        message="bad",
        fields={"name": ["taken"], "password": ["weak"], "other": ["no"]},
    )
    add_service_errors(form, error, {"password": "password1"})
    assert form.errors == {"name": ["taken"], "password1": ["weak"], "__all__": ["no"]}


def test_service_error_without_fields_is_a_form_error():
    form = NameForm(data={"name": "x", "password1": "y"})
    assert form.is_valid()
    add_service_errors(form, ApplicationError(code="blacklisted", message="refused"))
    assert form.non_field_errors() == ["refused"]
