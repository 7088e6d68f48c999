"""Static assets: fingerprinted URLs, year-long caching, and precompressed copies.

Every ``url_for("static", filename=...)`` gets ``?v=<content hash>``, computed once per
process from the files on disk. A request carrying the current hash is answered with
``Cache-Control: public, max-age=31536000, immutable``: the browser never asks again, and a
changed file gets a new URL. Anything else under /static (an old hash, no hash, a module's
relative ``import``) is ``no-cache``: it revalidates.

``deploy/build_assets.py`` (``make assets``) writes ``.gz`` and ``.br`` copies beside each
compressible file; the front proxy serves them from disk (``gzip_static``/``brotli_static``)
and the static view here does too when the client accepts them.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from pathlib import Path

from flask import Flask
from flask import Response
from flask import current_app
from flask import request
from flask import send_from_directory

#: A year: the longest lifetime caches honour, for a URL whose content never changes.
IMMUTABLE = "public, max-age=31536000, immutable"
#: The suffixes worth compressing; images and fonts already are.
COMPRESSIBLE = frozenset({".css", ".js", ".mjs", ".json", ".svg", ".txt", ".map", ".html", ".xml", ".wasm"})
#: Encodings of the precompressed copies, best first: (Content-Encoding, file suffix).
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
HASH_LENGTH = 12
#: Folders whose name carries a version (``vendor/pyodide-314.0.8/``): their files never change.
VERSIONED = "vendor/"


def init_assets(app: Flask) -> None:
    """Fingerprint the static files and serve them with long-lived caching."""
    if not app.static_folder:
        return
    app.extensions["asset_hashes"] = fingerprint(Path(app.static_folder))
    app.url_defaults(add_fingerprint)
    app.view_functions["static"] = send_static
    app.after_request(no_cache_html)


#: (path, inode, size, mtime) → content hash: a second app in one process (tests, the CLI) reads
#: only the files that changed since the first one hashed them.
_DIGESTS: dict[tuple[str, int, int, int], str] = {}


def fingerprint(folder: Path) -> dict[str, str]:
    """Map each file's path under ``folder`` (as ``url_for`` spells it) to a hash of its bytes."""
    hashes: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix in (".gz", ".br") or not path.is_file():
            continue
        stat = path.stat()
        key = (str(path), stat.st_ino, stat.st_size, stat.st_mtime_ns)
        digest = _DIGESTS.get(key)
        if digest is None:
            digest = _DIGESTS[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LENGTH]
        hashes[path.relative_to(folder).as_posix()] = digest
    return hashes


def add_fingerprint(endpoint: str, values: dict) -> None:
    """Add ``v=<hash>`` to every static URL whose file is known."""
    if endpoint != "static" or "v" in values:
        return
    digest = current_app.extensions["asset_hashes"].get(values.get("filename", ""))
    if digest:
        values["v"] = digest


def send_static(filename: str) -> Response:
    """Serve a static file, precompressed when accepted, cached for a year when fingerprinted."""
    folder = current_app.static_folder
    digest = current_app.extensions["asset_hashes"].get(filename)
    encoding = accepted_encoding(Path(folder), filename)
    if encoding:
        name, suffix = encoding
        mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        response = send_from_directory(folder, filename + suffix, mimetype=mimetype)
        response.headers["Content-Encoding"] = name
    else:
        response = send_from_directory(folder, filename)
    if Path(filename).suffix in COMPRESSIBLE:
        response.vary.add("Accept-Encoding")
    # In debug the files change under a running process: never let a browser keep one.
    fingerprinted = digest is not None and request.args.get("v") == digest
    if (fingerprinted or filename.startswith(VERSIONED)) and not current_app.debug:
        response.cache_control.clear()
        response.headers["Cache-Control"] = IMMUTABLE
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response


def accepted_encoding(folder: Path, filename: str) -> tuple[str, str] | None:
    """Return the best (encoding, suffix) the client accepts and a copy exists for, if any."""
    if Path(filename).suffix not in COMPRESSIBLE:
        return None
    for name, suffix in ENCODINGS:
        if request.accept_encodings.quality(name) > 0:
            candidate = folder / (filename + suffix)
            # send_from_directory refuses paths outside the folder; this only checks that a
            # copy exists and is not older than its source (edited since `make assets`).
            if candidate.is_file() and candidate.stat().st_mtime >= (folder / filename).stat().st_mtime:
                return name, suffix
    return None


def no_cache_html(response: Response) -> Response:
    """Make HTML pages revalidate: they carry the learner's own state."""
    if response.mimetype == "text/html" and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-cache"
    return response


def precompress(folder: Path) -> list[Path]:
    """Write ``.gz`` (and ``.br`` when the brotli package is installed) beside each compressible file.

    A copy is rewritten only when older than its source, and kept only when smaller.
    Returns the copies written.
    """
    try:
        import brotli
    except ImportError:  # gzip alone still serves every client
        brotli = None
    written: list[Path] = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix not in COMPRESSIBLE:
            continue
        data = path.read_bytes()
        encoders = [(".gz", lambda raw: gzip.compress(raw, compresslevel=9, mtime=0))]
        if brotli is not None:
            # Quality 11 takes minutes on the multi-megabyte WebAssembly runtime; 9 is close.
            encoders.append(
                (".br", lambda raw: brotli.compress(raw, quality=11 if len(raw) < 1 << 20 else 9))
            )
        for suffix, encode in encoders:
            target = path.with_name(path.name + suffix)
            if target.exists() and target.stat().st_mtime >= path.stat().st_mtime:
                continue
            packed = encode(data)
            if len(packed) < len(data):
                target.write_bytes(packed)
                written.append(target)
            elif target.exists():
                target.unlink()
    return written
