"""Write the precompressed (.gz, .br) copies of the static files: ``make assets``.

Run before serving (``make run``, ``make serve``, ``make test``, the Docker image): the
front proxy serves these copies from disk. They are build output, ignored by git.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.assets import precompress  # noqa: E402


def main() -> int:
    """Precompress app/static and say how many copies were (re)written."""
    static = ROOT / "app" / "static"
    copies = precompress(static)
    noun = "copy" if len(copies) == 1 else "copies"
    print(f"assets: {len(copies)} precompressed {noun} written under {static}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
