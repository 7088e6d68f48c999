"""Where the playground's runtime is, and whether it is installed.

``make playground-assets`` (scripts/playground_assets.py) installs the Pyodide runtime and
Flask's wheels under ``static/vendor/pyodide-<version>/``, the version named by the committed
hash lock. Without it the site still works and the playground says how to install it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from flask import url_for

LOCK = Path(__file__).resolve().parents[2] / "scripts" / "playground-assets.lock.json"
FLASK_LOCK = "flask-lock.json"
INSTALL_COMMAND = "make playground-assets"


@dataclass(frozen=True)
class Runtime:
    """The runtime a page points its worker at."""

    version: str
    folder: str
    installed: bool

    def urls(self) -> dict[str, str]:
        """Return the index and lock-file URLs (call inside a request)."""
        return {
            "index": url_for("static", filename=self.folder + "/"),
            "lock": url_for("static", filename=f"{self.folder}/{FLASK_LOCK}"),
        }


def pinned_version(lock: Path = LOCK) -> str:
    """Return the Pyodide version the hash lock pins."""
    return json.loads(lock.read_text(encoding="utf-8"))["pyodide"]["version"]


def find_runtime(app: Flask) -> Runtime:
    """Return the pinned runtime and whether its files are on disk now."""
    version = app.extensions["playground_version"]
    folder = f"vendor/pyodide-{version}"
    installed = (Path(app.static_folder or "") / folder / FLASK_LOCK).is_file()
    return Runtime(version, folder, installed)
