"""Password rules and checks: length, the common-password list, and even timing.

The list is ``common_passwords.txt`` beside this module: the 30,000 most common
passwords from the zxcvbn package (regenerate it with
``scripts/build_common_passwords.py``), read once per process into a frozenset.
"""

from __future__ import annotations

import functools
import secrets
from pathlib import Path

from flask import current_app
from flask import has_app_context
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "common_passwords.txt"
#: Werkzeug's own default (scrypt, N=2**15, r=8, p=1): ~50-100 ms per hash on purpose.
DEFAULT_HASH_METHOD = "scrypt:32768:8:1"


@functools.cache
def common_passwords() -> frozenset[str]:
    """Return the common passwords, lower-cased (read from the file once per process)."""
    with COMMON_PASSWORDS_FILE.open(encoding="utf-8") as lines:
        return frozenset(line.rstrip("\n") for line in lines if line.strip() and not line.startswith("#"))


def is_common(password: str) -> bool:
    """Return whether ``password`` is on the list, ignoring case and surrounding spaces."""
    return password.strip().lower() in common_passwords()


def hash_method() -> str:
    """Return the app's ``PASSWORD_HASH_METHOD`` (Werkzeug's spelling), or the default outside one."""
    if has_app_context():
        return current_app.config.get("PASSWORD_HASH_METHOD") or DEFAULT_HASH_METHOD
    return DEFAULT_HASH_METHOD


def hash_password(password: str) -> str:
    """Return a salted hash of ``password`` made with the configured method and cost."""
    return generate_password_hash(password, method=hash_method())


@functools.cache
def _dummy_hash(method: str) -> str:
    """Return a hash of a random password, made the way real ones are (same method and cost)."""
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def verify(stored_hash: str | None, password: str) -> bool:
    """Return whether ``password`` matches ``stored_hash``; take as long when there is none.

    Without an account the password is checked against a dummy hash of the same
    cost, so the answer's timing does not tell whether the address is registered.
    """
    if stored_hash is None:
        check_password_hash(_dummy_hash(hash_method()), password)
        return False
    return check_password_hash(stored_hash, password)
