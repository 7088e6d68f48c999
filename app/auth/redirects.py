"""Redirect targets taken from a request: only ever a path on this site.

Every view that redirects to a place named by the request (``next`` after login or
registration, the language switch) passes it through :func:`same_site_path`.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

#: Longest target kept; a longer one is refused (no page of this site needs it).
MAX_TARGET_LENGTH = 2048


def same_site_path(target: object, fallback: str) -> str:
    """Return ``target`` if it is a path on this site, else ``fallback``.

    Browsers forgive a lot before they parse a ``Location``: they drop tabs and
    newlines anywhere, trim spaces and control characters at both ends, and read a
    backslash as a slash. ``/\\t/evil.example`` thus becomes ``//evil.example``, a
    link to another host. So a target with a control, format or surrogate character,
    a backslash, or surrounding spaces is refused outright rather than cleaned up;
    what is left must parse (``urllib.parse``) to no scheme and no host, and be a
    path that starts with exactly one slash.
    """
    if not isinstance(target, str) or not target or len(target) > MAX_TARGET_LENGTH:
        return fallback
    if "\\" in target or target != target.strip():
        return fallback
    if any(unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp") for char in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return fallback
    return urlunsplit(("", "", parts.path, parts.query, parts.fragment))
