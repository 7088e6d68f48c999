"""A built catalog kept on disk, so a new process starts without rendering the course again.

Building the catalog renders every lesson and quiz (seconds of CPU); unpickling it takes tens
of milliseconds. The file's name is a hash of everything that shapes the catalog: every content
file's bytes, the content package's own source, the renderer libraries' versions and the app's
demo URLs. Any change gives a new name, so a stale catalog is never read; old files are removed.
The cache lives in the app's instance folder, which only the app writes, so unpickling it is
as safe as importing the app's own code.
"""

from __future__ import annotations

import copyreg
import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

PACKAGE_DIR = Path(__file__).resolve().parent
#: Libraries whose output is part of the catalog's HTML.
RENDERERS = ("Markdown", "pymdown-extensions", "Pygments", "nh3", "PyYAML", "MarkupSafe")
SUFFIX = ".pickle"
T = TypeVar("T")


def _mapping_proxy(data: dict) -> MappingProxyType:
    """Rebuild a read-only mapping when a catalog is unpickled."""
    return MappingProxyType(data)


# The catalog's dataclasses hold read-only mappings, which pickle cannot handle by itself.
copyreg.pickle(MappingProxyType, lambda proxy: (_mapping_proxy, (dict(proxy),)))


def cache_key(directories: tuple[Path, ...], demo_urls: Mapping[str, str]) -> str:
    """Return a hash of everything the catalog is built from."""
    digest = hashlib.sha256()
    digest.update(sys.version.encode())
    for name in RENDERERS:
        try:
            digest.update(f"{name}={metadata.version(name)};".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=none;".encode())
    digest.update(repr(sorted(demo_urls.items())).encode())
    digest.update(source_hash(PACKAGE_DIR).encode())
    for root in directories:
        # The catalog records each file's path, so the same files elsewhere are another catalog.
        digest.update(str(Path(root).resolve()).encode() + b"\0")
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def source_hash(package_dir: Path) -> str:
    """Return a hash of a package's Python sources (what builds a cached value)."""
    digest = hashlib.sha256()
    for path in sorted(package_dir.rglob("*.py")):
        if "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(package_dir)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def cache_file(cache_dir: Path, kind: str, key: str) -> Path:
    """Return where the value of ``kind`` (``catalog``, ``search``…) for ``key`` is kept."""
    return cache_dir / f"{kind}-{key}{SUFFIX}"


def load(path: Path, expected: type[T]) -> T | None:
    """Return the value pickled at ``path`` if it is an ``expected``, else None."""
    try:
        with path.open("rb") as handle:
            value = pickle.load(handle)  # noqa: S301  (written by this app, in its instance folder)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None
    return value if isinstance(value, expected) else None


def save(path: Path, value: object) -> None:
    """Pickle ``value`` to ``path`` atomically, removing older values of its kind; never fail the caller."""
    kind = path.name.split("-", 1)[0]
    partial = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, partial = tempfile.mkstemp(dir=path.parent, prefix=".partial-", suffix=SUFFIX)
        with os.fdopen(descriptor, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, path)
        partial = None
        for old in path.parent.glob(f"{kind}-*{SUFFIX}"):
            if old != path:
                old.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError):
        # A read-only instance folder only costs the next process a rebuild.
        if partial is not None:
            Path(partial).unlink(missing_ok=True)
