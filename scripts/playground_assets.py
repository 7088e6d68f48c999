"""Install the playground's in-browser Python runtime: ``make playground-assets``.

Fetches the pinned Pyodide core (the npm ``pyodide`` tarball) and Flask's pure-Python wheels,
builds the pure-Python MarkupSafe wheel reproducibly, checks every file against the sha256 in
``scripts/playground-assets.lock.json``, writes a Pyodide lock file that adds the wheels, and
places the result under ``app/static/vendor/pyodide-<version>/`` (git-ignored).

* Up to date: nothing to do, no network.
* Downloads are cached (``--cache``, default ``~/.cache/inside-flask/playground``): with a
  warm cache it works offline.
* A file whose hash differs from the lock is refused: nothing is installed, exit status 1.
* ``--refresh`` takes the newest Pyodide and the Flask versions of requirements.txt, and
  rewrites the lock with their hashes (review that diff like any other).

Standard library only: it runs before anything else is installed.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "scripts" / "playground-assets.lock.json"
VENDOR = ROOT / "app" / "static" / "vendor"
NOTICE = ROOT / "app" / "playground" / "PYODIDE-NOTICE.txt"
NPM_REGISTRY = "https://registry.npmjs.org"
#: The files of the npm tarball the browser needs (under its ``package/`` folder).
RUNTIME_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)
#: The lock file the playground loads: Pyodide's own plus Flask and its dependencies.
FLASK_LOCK = "flask-lock.json"
STAMP = ".installed"
#: Flask and what it imports, in the order pip would install them (MarkupSafe is built).
WHEELS = ("blinker", "click", "itsdangerous", "markupsafe", "jinja2", "werkzeug", "flask")
IMPORTS = {"jinja2": ["jinja2"], "markupsafe": ["markupsafe"]}
DEPENDS = {
    "flask": ["blinker", "click", "itsdangerous", "jinja2", "markupsafe", "werkzeug"],
    "jinja2": ["markupsafe"],
    "werkzeug": ["markupsafe"],
}
#: The date every built wheel file carries, so two builds are byte-identical (1980-01-01).
SOURCE_DATE_EPOCH = "315532800"
TIMEOUT = 60


class AssetError(Exception):
    """Something the person running the script must fix; the message says what."""


def sha256(path: Path) -> str:
    """Return the hex sha256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_lock(path: Path = LOCK) -> dict:
    """Return the committed hash lock."""
    return json.loads(path.read_text(encoding="utf-8"))


def target_dir(lock: dict, vendor: Path = VENDOR) -> Path:
    """Return where this lock's runtime is installed (a versioned folder)."""
    return vendor / f"pyodide-{lock['pyodide']['version']}"


def stamp_of(lock: dict) -> str:
    """Return a fingerprint of the lock: an installed runtime carrying it is up to date."""
    return hashlib.sha256(json.dumps(lock, sort_keys=True).encode()).hexdigest()


def is_up_to_date(lock: dict, vendor: Path = VENDOR) -> bool:
    """Return whether the runtime of ``lock`` is installed completely."""
    target = target_dir(lock, vendor)
    stamp = target / STAMP
    if not stamp.is_file() or stamp.read_text().strip() != stamp_of(lock):
        return False
    names = [*RUNTIME_FILES, FLASK_LOCK, *(wheel["file"] for wheel in lock["wheels"].values())]
    return all((target / name).is_file() for name in names)


# -- fetching into the cache -------------------------------------------------------------


def npm_tarball(version: str, cache: Path) -> Path:
    """Download the npm ``pyodide`` tarball of ``version`` into the cache (unless there)."""
    path = cache / f"pyodide-{version}.tgz"
    if not path.is_file():
        url = f"{NPM_REGISTRY}/pyodide/-/pyodide-{version}.tgz"
        download(url, path)
    return path


def download(url: str, path: Path) -> None:
    """Fetch ``url`` to ``path`` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response, partial.open("wb") as out:  # noqa: S310
            shutil.copyfileobj(response, out)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise AssetError(f"cannot download {url}: {exc}") from exc
    partial.replace(path)


def pypi_wheel(name: str, version: str, file: str | None, cache: Path) -> Path:
    """Download the pure-Python wheel ``name==version`` for the runtime's Python (unless cached)."""
    if file and (cache / file).is_file():
        return cache / file
    before = set(cache.glob("*.whl"))
    run_pip(
        "download", "--no-deps", "--only-binary=:all:", "--python-version", "3.14",
        "--platform", "any", "--implementation", "py", "--abi", "none",
        "--dest", str(cache), f"{name}=={version}",
    )  # fmt: skip
    return find_wheel(cache, name, version, before)


def markupsafe_wheel(version: str, file: str | None, cache: Path) -> Path:
    """Build MarkupSafe's pure-Python wheel (no C compiler: its speedups are skipped)."""
    if file and (cache / file).is_file():
        return cache / file
    before = set(cache.glob("*.whl"))
    env = {**os.environ, "CC": "/bin/false", "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
    run_pip(
        "wheel", "--no-deps", "--no-binary", ":all:", "--no-cache-dir",
        "--wheel-dir", str(cache), f"markupsafe=={version}",
        env=env,
    )  # fmt: skip
    return find_wheel(cache, "markupsafe", version, before)


def run_pip(*args: str, env: dict | None = None) -> None:
    """Run pip with this interpreter; turn a failure into an AssetError."""
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet", *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise AssetError(f"pip {args[0]} {args[-1]} failed: {' / '.join(tail)}")


def find_wheel(cache: Path, name: str, version: str, before: set[Path]) -> Path:
    """Return the wheel file of ``name==version`` in the cache (new or old)."""
    prefix = f"{name.replace('-', '_').lower()}-{version}-"
    found = [path for path in cache.glob("*.whl") if path.name.lower().startswith(prefix)]
    if not found:
        raise AssetError(f"no wheel for {name}=={version} appeared in {cache}")
    fresh = [path for path in found if path not in before]
    return (fresh or found)[0]


def verify(path: Path, expected: str) -> None:
    """Refuse a file whose sha256 is not the one in the lock."""
    actual = sha256(path)
    if actual != expected:
        raise AssetError(
            f"{path.name}: sha256 {actual} does not match the lock's {expected}.\n"
            f"  Refusing to install it. Delete {path} to fetch it again; if the new version is\n"
            f"  intended, run `python scripts/playground_assets.py --refresh` and review the lock."
        )


def fetch_all(lock: dict, cache: Path) -> tuple[Path, dict[str, Path]]:
    """Fetch (or find in the cache) and verify the tarball and every wheel."""
    cache.mkdir(parents=True, exist_ok=True)
    pyodide = lock["pyodide"]
    tarball = npm_tarball(pyodide["version"], cache)
    verify(tarball, pyodide["sha256"])
    wheels: dict[str, Path] = {}
    for name, wheel in lock["wheels"].items():
        if name == "markupsafe":
            path = markupsafe_wheel(wheel["version"], wheel["file"], cache)
        else:
            path = pypi_wheel(name, wheel["version"], wheel["file"], cache)
        if path.name != wheel["file"]:
            raise AssetError(f"{name}: got {path.name}, the lock names {wheel['file']}")
        verify(path, wheel["sha256"])
        wheels[name] = path
    return tarball, wheels


# -- installing --------------------------------------------------------------------------


def install(lock: dict, tarball: Path, wheels: dict[str, Path], vendor: Path = VENDOR) -> Path:
    """Unpack the runtime, add the wheels and the Flask lock file; swap the folder in at once."""
    target = target_dir(lock, vendor)
    vendor.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".pyodide-", dir=vendor))
    try:
        with tarfile.open(tarball, "r:gz") as archive:
            for name in RUNTIME_FILES:
                member = archive.getmember(f"package/{name}")
                source = archive.extractfile(member)
                if source is None:
                    raise AssetError(f"{tarball.name} has no file package/{name}")
                (staging / name).write_bytes(source.read())
        for path in wheels.values():
            shutil.copyfile(path, staging / path.name)
        base = json.loads((staging / "pyodide-lock.json").read_text(encoding="utf-8"))
        flask_lock = add_wheels(base, lock, wheels)
        (staging / FLASK_LOCK).write_text(json.dumps(flask_lock, indent=1, sort_keys=True), encoding="utf-8")
        if NOTICE.is_file():
            shutil.copyfile(NOTICE, staging / "NOTICE.txt")
        (staging / STAMP).write_text(stamp_of(lock) + "\n")
        os.chmod(staging, 0o755)  # noqa: S103  static files, readable by the web server
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return target


def add_wheels(base: dict, lock: dict, wheels: dict[str, Path]) -> dict:
    """Return Pyodide's lock data with the pure-Python wheels added (replacing its own entries)."""
    rv = dict(base)
    packages = dict(base.get("packages", {}))
    for name, path in wheels.items():
        version = lock["wheels"][name]["version"]
        packages[name] = {
            "name": name,
            "version": version,
            "file_name": path.name,
            "install_dir": "site",
            "sha256": lock["wheels"][name]["sha256"],
            "package_type": "package",
            "imports": IMPORTS.get(name, [name]),
            "depends": DEPENDS.get(name, []),
            "unvendored_tests": False,
            "shared_library": False,
        }
    rv["packages"] = packages
    return rv


def wheel_metadata_version(path: Path) -> str:
    """Return the version a wheel's METADATA declares (a sanity check after --refresh)."""
    with zipfile.ZipFile(path) as archive:
        meta = next(name for name in archive.namelist() if name.endswith(".dist-info/METADATA"))
        for line in io.TextIOWrapper(archive.open(meta), encoding="utf-8"):
            if line.startswith("Version:"):
                return line.split(":", 1)[1].strip()
    return ""


# -- refreshing the lock -----------------------------------------------------------------


def refresh(cache: Path, lock_path: Path = LOCK) -> dict:
    """Pin the newest Pyodide and requirements.txt's Flask stack; rewrite the lock's hashes."""
    with urllib.request.urlopen(f"{NPM_REGISTRY}/pyodide/latest", timeout=TIMEOUT) as response:  # noqa: S310
        version = json.load(response)["version"]
    pins = requirement_pins(ROOT / "requirements.txt")
    cache.mkdir(parents=True, exist_ok=True)
    tarball = npm_tarball(version, cache)
    lock = {"pyodide": {"version": version, "sha256": sha256(tarball)}, "wheels": {}}
    for name in WHEELS:
        if name not in pins:
            raise AssetError(f"requirements.txt does not pin {name}")
        if name == "markupsafe":
            path = markupsafe_wheel(pins[name], None, cache)
        else:
            path = pypi_wheel(name, pins[name], None, cache)
        lock["wheels"][name] = {"version": pins[name], "file": path.name, "sha256": sha256(path)}
    lock_path.write_text(json.dumps(lock, indent=2) + "\n", encoding="utf-8")
    return lock


def requirement_pins(path: Path) -> dict[str, str]:
    """Return ``name == version`` pins of a requirements file, names lower-cased."""
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, sep, version = line.split("#", 1)[0].strip().partition("==")
        if sep:
            pins[name.strip().lower()] = version.strip()
    return pins


def default_cache() -> Path:
    """Return the download cache folder (``$XDG_CACHE_HOME`` honoured)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "inside-flask" / "playground"


def main(argv: list[str] | None = None) -> int:
    """Install (or refresh) the playground runtime; print what happened."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=default_cache(), help="download cache folder")
    parser.add_argument("--vendor", type=Path, default=VENDOR, help="where the runtime is installed")
    parser.add_argument("--lock", type=Path, default=LOCK, help="the hash lock")
    parser.add_argument("--refresh", action="store_true", help="bump versions and rewrite the hash lock")
    args = parser.parse_args(argv)
    try:
        lock = refresh(args.cache, args.lock) if args.refresh else read_lock(args.lock)
        if is_up_to_date(lock, args.vendor):
            print(f"playground: runtime {target_dir(lock, args.vendor).name} is up to date")
            return 0
        tarball, wheels = fetch_all(lock, args.cache)
        target = install(lock, tarball, wheels, args.vendor)
    except AssetError as exc:
        print(f"playground: {exc}", file=sys.stderr)
        print(
            "playground: the site works without it; the playground says its runtime is missing.",
            file=sys.stderr,
        )
        return 1
    print(f"playground: installed {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
