"""Versions in the course: the packages a "changed" box may name, and how its title is read.

A box is written ``!!! changed "Flask 2.3: title"``: a list of versions, then an optional
title after a colon. ``"2.3"`` alone means Flask; ``"Werkzeug 2.0, Flask 2.2"`` names two
packages; ``"Flask 1.0, 2.0, 2.2"`` lists several versions of one (a version without a name
belongs to the package named before it). The versions become data on the box
(``data-component``/``data-version``) and on the catalog, so a page can mark which changes
apply to the learner's Flask.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Component:
    """A package (or Python itself) that a changed box may name."""

    id: str
    name: str
    #: The ``major.minor`` series ever released, when the course checks against them.
    releases: tuple[str, ...] = ()


def series(*ranges: tuple[int, int, int]) -> tuple[str, ...]:
    """Return ``major.minor`` strings for each (major, first minor, last minor) range."""
    return tuple(f"{major}.{minor}" for major, first, last in ranges for minor in range(first, last + 1))


COMPONENTS: tuple[Component, ...] = (
    Component("flask", "Flask", series((0, 1, 12), (1, 0, 1), (2, 0, 3), (3, 0, 1))),
    Component("werkzeug", "Werkzeug", series((0, 1, 16), (1, 0, 0), (2, 0, 3), (3, 0, 1))),
    Component("jinja2", "Jinja2", series((2, 0, 11), (3, 0, 1))),
    Component("markupsafe", "MarkupSafe"),
    Component("itsdangerous", "itsdangerous"),
    Component("click", "click"),
    Component("blinker", "blinker"),
    Component("sqlalchemy", "SQLAlchemy", series((0, 1, 9), (1, 0, 4), (2, 0, 1))),
    Component("flask-sqlalchemy", "Flask-SQLAlchemy"),
    Component("flask-session", "Flask-Session"),
    Component("flask-wtf", "Flask-WTF"),
    Component("wtforms", "WTForms"),
    Component("flask-migrate", "Flask-Migrate"),
    Component("flask-login", "Flask-Login"),
    Component("flask-sock", "flask-sock"),
    Component("dbutils", "DBUtils"),
    Component("tornado", "Tornado"),
    Component("redis", "redis-py"),
    Component("python", "Python"),
)
BY_KEY: dict[str, Component] = {c.id: c for c in COMPONENTS} | {c.name.lower(): c for c in COMPONENTS}
DEFAULT_COMPONENT = BY_KEY["flask"]

VERSION = re.compile(r"^\d+(?:\.\d+){1,2}$")
ITEM = re.compile(r"^(?:(?P<name>[A-Za-z][\w.-]*)\s+)?(?P<version>\S+)$")
# The versions end at the first colon (ASCII or full-width) followed by the title.
TITLE_SPLIT = re.compile(r"\s*[:：]\s*")


@dataclass(frozen=True)
class VersionChange:
    """One package version a changed box names."""

    component: str
    version: str

    @property
    def name(self) -> str:
        """Return the package's display name."""
        return BY_KEY[self.component].name


@dataclass(frozen=True)
class ChangeNote:
    """A "changed" box of a lesson: the versions it names and its own title."""

    changes: tuple[VersionChange, ...]
    title: str

    @property
    def component(self) -> str:
        """Return the first package named (the box's ``data-component``)."""
        return self.changes[0].component

    @property
    def versions(self) -> tuple[str, ...]:
        """Return the versions of the first package named (the box's ``data-version``)."""
        return tuple(c.version for c in self.changes if c.component == self.component)


class VersionError(ValueError):
    """A changed box whose versions cannot be read."""


EXAMPLE = 'write the version first, e.g. !!! changed "Flask 2.3: title" or "Werkzeug 2.2"'


def parse_change(text: str) -> ChangeNote:
    """Read a changed box's quoted title into its versions and the rest of the title."""
    parts = TITLE_SPLIT.split(text.strip(), maxsplit=1)
    head, title = parts[0], parts[1] if len(parts) > 1 else ""
    if not head:
        raise VersionError(f"a changed box needs the version it describes: {EXAMPLE}")
    changes: list[VersionChange] = []
    component = DEFAULT_COMPONENT
    for item in re.split(r"\s*,\s*", head):
        match = ITEM.match(item)
        if match is None or not VERSION.match(match["version"]):
            raise VersionError(
                f"cannot read a version in {item!r}: {EXAMPLE} "
                "(a correction that no release made is a !!! correction box)"
            )
        if match["name"]:
            found = BY_KEY.get(match["name"].lower())
            if found is None:
                known = ", ".join(c.name for c in COMPONENTS)
                raise VersionError(f"unknown package {match['name']!r} in a changed box; use one of {known}")
            component = found
        version = match["version"]
        if component.releases and ".".join(version.split(".")[:2]) not in component.releases:
            raise VersionError(
                f"{component.name} {version} is not a release of {component.name} "
                f"(known: {component.releases[0]} … {component.releases[-1]})"
            )
        changes.append(VersionChange(component.id, version))
    if len(set(changes)) != len(changes):
        raise VersionError(f"a changed box names the same version twice: {head!r}")
    return ChangeNote(tuple(changes), title.strip())


def version_key(version: str) -> tuple[int, ...]:
    """Return a version as a tuple of numbers for comparison (``"8.x"`` → ``(8,)``)."""
    rv = []
    for part in version.split("."):
        if not part.isdigit():
            break
        rv.append(int(part))
    return tuple(rv)


def newer_than_verified(note: ChangeNote, verified: Mapping[str, str]) -> VersionChange | None:
    """Return a version of ``note`` newer than the course is verified with, if there is one."""
    for change in note.changes:
        current = verified.get(change.component)
        if current is not None and version_key(change.version) > version_key(current):
            return change
    return None


def join_versions(note: ChangeNote, lang: str) -> str:
    """Return the versions of ``note`` as a phrase, grouped by package."""
    groups: dict[str, list[str]] = {}
    for change in note.changes:
        groups.setdefault(change.name, []).append(change.version)
    zh = lang == "zh"
    if len(groups) == 1:
        ((name, versions),) = groups.items()
        return f"{name} {'、'.join(versions)}" if zh else f"{name} {and_list(versions)}"
    parts = [f"{name} {'/'.join(versions)}" for name, versions in groups.items()]
    return "、".join(parts) if zh else and_list(parts)


def and_list(items: list[str]) -> str:
    """Return ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def change_title(note: ChangeNote, lang: str) -> str:
    """Return the title shown on a changed box in ``lang``."""
    versions = join_versions(note, lang)
    if lang == "zh":
        head = f"{versions} 起的变化"
        return f"{head}：{note.title}" if note.title else head
    head = f"Changed in {versions}"
    return f"{head}: {note.title}" if note.title else head


def display_name(package: str) -> str:
    """Return how the course writes a package's name (``flask-session`` → ``Flask-Session``)."""
    component = BY_KEY.get(package.lower())
    return component.name if component else package


def course_versions(verified: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """Return package → the newest version any lesson is verified with."""
    rv: dict[str, str] = {}
    for mapping in verified:
        for package, version in mapping.items():
            if package not in rv or version_key(version) > version_key(rv[package]):
                rv[package] = version
    return dict(sorted(rv.items()))
