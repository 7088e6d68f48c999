"""The base class of the site's forms."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms.fields import FileField

from app.inputs import InvalidInput


def is_text(value: object) -> bool:
    """Return whether ``value`` is what a form field can hold: a string or a list of strings."""
    if isinstance(value, list):
        return all(isinstance(item, str) for item in value)
    return isinstance(value, str)


class SiteForm(FlaskForm):
    """A FlaskForm that answers 400 to values that are neither text nor an expected file.

    Notice: Flask-WTF also accepts a JSON object as form data (it wraps ``request.get_json()``
    in an ImmutableMultiDict), and merges uploaded files into the form data. WTForms text
    fields expect strings, so a number, a nested object or a file would reach a validator
    such as ``Length`` or ``Email`` and crash there; they are refused here, for every form.
    """

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            if request.is_json:
                body = request.get_json(silent=True)
                if not isinstance(body, dict) or not all(is_text(value) for value in body.values()):
                    raise InvalidInput(_("Form fields sent as JSON must be strings (or lists of strings)."))
            if request.files:
                text_fields = {field.name for field in form if not isinstance(field, FileField)}
                sent_as_file = sorted(text_fields & set(request.files))
                if sent_as_file:
                    raise InvalidInput(_("The field %(name)s takes text, not a file.", name=sent_as_file[0]))
            return super().wrap_formdata(form, formdata)
