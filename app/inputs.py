"""Reading request input safely: every malformed value is a clear 400 (or 413), never a 500.

One place decides what the site accepts from a client:

- ``CheckedJSONProvider`` parses JSON bodies with a depth limit and refuses text that is not
  valid Unicode; ``SiteRequest`` turns that into a 400 naming the reason, and answers 413
  for a form field over ``MAX_FORM_MEMORY_SIZE`` whatever the encoding (Werkzeug only
  checks multipart fields);
- ``IdConverter`` (``<id:name>`` in a URL rule) and ``parse_id`` accept database ids only
  in the column's range, 1 to 2**31 - 1;
- the typed readers (``int_value``, ``choice_value``, ``text_value``) read a query or
  form field and raise ``InvalidInput`` (a 400 with a translatable message) when it is
  not what the view expects.

The error handlers in ``app/errors.py`` render every ``InvalidInput`` as the 400 page, or
as JSON for JSON clients.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask import Request
from flask import request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter
from werkzeug.routing import Map

#: The largest id a database column holds (a signed 32-bit INTEGER on PostgreSQL).
MAX_ID = 2**31 - 1
#: How deeply a JSON body may nest arrays and objects; the site's bodies use two or three levels.
MAX_JSON_DEPTH = 32
#: An integer as a client may type it: optional sign, ASCII digits only (``"²".isdigit()`` is True).
INTEGER = re.compile(r"[+-]?[0-9]{1,18}")


class InvalidInput(BadRequest):
    """A client sent a value the view cannot use; answered 400 with ``description``."""


class BadJSON(ValueError):
    """A JSON body that the site refuses: nested too deep (``"deep"``), or bad text (``"text"``)."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind

    def describe(self) -> str:
        """Say what is wrong, in the reader's language."""
        if self.kind == "deep":
            return _("it is nested deeper than %(depth)d levels", depth=MAX_JSON_DEPTH)
        return _("its text must be valid Unicode without NUL characters")


# ---- text -------------------------------------------------------------------------------


def is_valid_text(text: str) -> bool:
    """Return whether ``text`` is valid Unicode (no lone surrogates) without NUL characters.

    Notice: ``json.loads('"\\ud800"')`` gives a string that cannot be encoded to UTF-8, so
    it would fail later when stored (PostgreSQL) or rendered; NUL is refused by PostgreSQL.
    """
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_json_document(document: Any) -> None:
    """Raise ``BadJSON`` if ``document`` nests deeper than ``MAX_JSON_DEPTH`` or holds bad text."""
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if not is_valid_text(value):
                raise BadJSON("text")
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            raise BadJSON("deep")
        if isinstance(value, dict):
            stack.extend((key, depth) for key in value)
            stack.extend((item, depth + 1) for item in value.values())
        else:
            stack.extend((item, depth + 1) for item in value)


class CheckedJSONProvider(DefaultJSONProvider):
    """The app's JSON provider: request bodies that nest too deep or hold bad text are a ValueError.

    Notice: Flask gives every request ``request.json_module = app.json``, so ``get_json()``
    parses with this ``loads``; Werkzeug turns its ValueError into ``on_json_loading_failed``.
    """

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse ``s``; a document nested ~1,000 deep is a ValueError here, not a RecursionError."""
        try:
            rv = super().loads(s, **kwargs)
        except RecursionError:
            raise BadJSON("deep") from None
        check_json_document(rv)
        return rv


class SiteRequest(Request):
    """The site's request class: clear JSON errors, and the form memory limit for every encoding."""

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        """Answer 400 naming what is wrong with the body (415 when it is not JSON at all)."""
        if e is None:
            return super().on_json_loading_failed(e)
        reason = e.describe() if isinstance(e, BadJSON) else _("it does not parse")
        raise InvalidInput(_("The request body is not acceptable JSON: %(reason)s.", reason=reason))

    def _load_form_data(self) -> None:
        super()._load_form_data()
        # Werkzeug applies max_form_memory_size to multipart fields only; a urlencoded body
        # (read whole, bounded by MAX_CONTENT_LENGTH) gets the same per-field limit here.
        limit = self.max_form_memory_size
        form = self.__dict__.get("form")
        if limit is None or form is None:
            return
        for value in form.values():
            if len(value) > limit // 4 and len(value.encode("utf-8", "surrogatepass")) > limit:
                raise RequestEntityTooLarge(_("A form field is limited to %(size)d KB.", size=limit // 1024))


# ---- ids --------------------------------------------------------------------------------


class IdConverter(IntegerConverter):
    """``<id:name>``: a database id, 1 to 2**31 - 1; anything else does not match (404)."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map: Map) -> None:
        super().__init__(map, min=1, max=MAX_ID)


def parse_id(value: object, what: str = "id") -> int:
    """Return ``value`` (an int or a string of ASCII digits) as a database id, or raise a 400."""
    if isinstance(value, str) and INTEGER.fullmatch(value.strip()):
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID:
        return value
    raise InvalidInput(_("The %(what)s must be a whole number from 1 to %(max)d.", what=what, max=MAX_ID))


# ---- typed readers of query and form fields ------------------------------------------------


def raw_value(name: str, default: str) -> str:
    """Return a query or form field as text, or ``default`` when it is absent."""
    return request.values.get(name, default)


def text_value(name: str, default: str = "", *, limit: int) -> str:
    """Return a text field of at most ``limit`` characters, or raise a 400."""
    value = raw_value(name, default)
    if len(value) > limit:
        raise InvalidInput(
            _("The field %(name)s is limited to %(limit)d characters.", name=name, limit=limit)
        )
    if not is_valid_text(value):
        raise InvalidInput(_("The field %(name)s must be text without NUL characters.", name=name))
    return value


def int_value(name: str, default: int, low: int, high: int) -> int:
    """Return an integer field between ``low`` and ``high`` (inclusive), or raise a 400."""
    raw = raw_value(name, str(default)).strip()
    if INTEGER.fullmatch(raw) and low <= int(raw) <= high:
        return int(raw)
    raise InvalidInput(
        _("%(name)s must be a whole number from %(low)d to %(high)d.", name=name, low=low, high=high)
    )


def choice_value(name: str, default: str, choices: Iterable[str]) -> str:
    """Return a field that must be one of ``choices``, or raise a 400 listing them."""
    options = tuple(choices)
    value = raw_value(name, default)
    if value in options:
        return value
    raise InvalidInput(_("%(name)s must be one of: %(choices)s.", name=name, choices=", ".join(options)))


def init_inputs(app: Any) -> None:
    """Use the checked request class and JSON parser, and register the ``id`` URL converter."""
    app.request_class = SiteRequest
    app.json = CheckedJSONProvider(app)
    app.url_map.converters["id"] = IdConverter
