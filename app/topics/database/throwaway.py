"""Throwaway models for the database demos, on their own metadata, never in the app's database."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

from sqlalchemy import DateTime
from sqlalchemy import MetaData
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column


class DemoBase(DeclarativeBase):
    """A declarative base with its own MetaData: nothing here reaches the app's ``db``."""

    metadata = MetaData()


class Person(DemoBase):
    """A person in the queries demo."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    city: Mapped[str] = mapped_column(String(50))


PEOPLE = (("Ada", "London"), ("Grace", "Arlington"), ("Linus", "Helsinki"), ("Guido", "Amsterdam"))


def utcnow() -> datetime:
    """Return the current time in UTC, timezone-aware."""
    return datetime.now(UTC)


class EventCalledOnce(DemoBase):
    """The bug: ``datetime.now()`` runs once, when Python executes this class body at import."""

    __tablename__ = "event_called_once"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=datetime.now())  # the bug, on show


class EventCalledEachTime(DemoBase):
    """The fix: pass the function itself; SQLAlchemy calls it for every INSERT."""

    __tablename__ = "event_called_each_time"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
