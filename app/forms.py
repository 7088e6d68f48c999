"""The base class of the site's forms."""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from werkzeug.exceptions import BadRequest


def is_text(value: object) -> bool:
    """Return whether ``value`` is what a form field can hold: a string or a list of strings."""
    if isinstance(value, list):
        return all(isinstance(item, str) for item in value)
    return isinstance(value, str)


class SiteForm(FlaskForm):
    """A FlaskForm that answers 400 to a JSON body whose values are not text.

    Notice: Flask-WTF also accepts a JSON object as form data (it wraps ``request.get_json()``
    in an ImmutableMultiDict). WTForms fields expect strings, so a number or a nested object
    would reach a validator such as ``Length`` and crash there; it is refused here instead.
    """

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            if request.is_json:
                body = request.get_json(silent=True)
                if not isinstance(body, dict) or not all(is_text(value) for value in body.values()):
                    raise BadRequest("Form fields sent as JSON must be strings (or lists of strings).")
            return super().wrap_formdata(form, formdata)
