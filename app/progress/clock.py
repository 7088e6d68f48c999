"""The service's clock: one function, so tests can move time instead of sleeping."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime


def now() -> datetime:
    """Return the current time, aware and in UTC."""
    return datetime.now(UTC)
