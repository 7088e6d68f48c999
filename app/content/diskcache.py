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

from app.content.model import Catalog

PACKAGE_DIR = Path(__file__).resolve().parent
#: Libraries whose output is part of the catalog's HTML.
RENDERERS = ("Markdown", "pymdown-extensions", "Pygments", "nh3", "PyYAML", "MarkupSafe")
PREFIX = "catalog-"
SUFFIX = ".pickle"


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
    roots = [(PACKAGE_DIR, "*.py"), *((directory, "*") for directory in directories)]
    for root, pattern in roots:
        for path in sorted(root.rglob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def load(cache_dir: Path, key: str) -> Catalog | None:
    """Return the cached catalog for ``key``, or None when there is none usable."""
    path = cache_dir / f"{PREFIX}{key}{SUFFIX}"
    try:
        with path.open("rb") as handle:
            catalog = pickle.load(handle)  # noqa: S301  (written by this app, in its instance folder)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        return None
    return catalog if isinstance(catalog, Catalog) else None


def save(cache_dir: Path, key: str, catalog: Catalog) -> None:
    """Write ``catalog`` under ``key`` atomically and remove older catalogs; never fail the caller."""
    partial = None
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        descriptor, partial = tempfile.mkstemp(dir=cache_dir, prefix=".partial-", suffix=SUFFIX)
        with os.fdopen(descriptor, "wb") as handle:
            pickle.dump(catalog, handle, protocol=pickle.HIGHEST_PROTOCOL)
        target = cache_dir / f"{PREFIX}{key}{SUFFIX}"
        os.replace(partial, target)
        partial = None
        for old in cache_dir.glob(f"{PREFIX}*{SUFFIX}"):
            if old != target:
                old.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError):
        # A read-only instance folder only costs the next process a rebuild.
        if partial is not None:
            Path(partial).unlink(missing_ok=True)
