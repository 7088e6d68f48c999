"""The base class of the site's forms."""

from __future__ import annotations

import functools
import hashlib
import os

from flask import current_app
from flask import g
from flask import request
from flask import session
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from itsdangerous import URLSafeTimedSerializer
from wtforms.fields import FileField

from app.inputs import InvalidInput

#: The salt Flask-WTF signs CSRF tokens with (``flask_wtf.csrf``).
CSRF_SALT = "wtf-csrf-token"


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


# The CSRF token a page shows ------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _signed(secret_key: str | bytes, raw: str) -> str:
    """Return Flask-WTF's signed form of the raw token ``raw`` (kept for the recent sessions)."""
    return URLSafeTimedSerializer(secret_key, salt=CSRF_SALT).dumps(raw)


def csrf_token() -> str:
    """Return the session's CSRF token as ``flask_wtf.csrf.generate_csrf`` does, signed once.

    Flask-WTF signs the session's raw token on every request that shows a form (an HMAC
    and a timestamp, ~4 % of a lesson page's time). With ``WTF_CSRF_TIME_LIMIT = None``
    the timestamp is never checked, so the token signed for a session's first page stays
    valid; it is kept per process for the 4,096 most recent raw tokens. With a time limit,
    every request signs afresh, as Flask-WTF does.
    """
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if field in g or config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None:
        return generate_csrf()
    raw = session.get(field)
    if not isinstance(raw, str):
        # A new session's raw token, made as Flask-WTF makes it.
        raw = session[field] = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324 (random, not a digest)
    token = _signed(config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key, raw)
    setattr(g, field, token)
    return token
