"""scripts/playground_assets.py: verified, cached, offline-capable install of the runtime."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import tarfile
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import playground_assets as assets  # noqa: E402

VERSION = "314.0.8"


def digest(path: Path) -> str:
    """Return a file's sha256."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def warm_cache(tmp_path: Path) -> tuple[Path, Path]:
    """Return (cache, lock): a cache holding a small Pyodide tarball and seven wheels, and their lock."""
    cache = tmp_path / "cache"
    cache.mkdir()
    tarball = cache / f"pyodide-{VERSION}.tgz"
    with tarfile.open(tarball, "w:gz") as archive:
        for name in assets.RUNTIME_FILES:
            data = (
                json.dumps({"info": {"python": "3.14.2"}, "packages": {}}).encode()
                if name.endswith(".json")
                else name.encode() * 10
            )
            member = tarfile.TarInfo(f"package/{name}")
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    lock = {"pyodide": {"version": VERSION, "sha256": digest(tarball)}, "wheels": {}}
    for name in assets.WHEELS:
        wheel = cache / f"{name}-1.0-py3-none-any.whl"
        wheel.write_bytes(f"wheel of {name}".encode())
        lock["wheels"][name] = {"version": "1.0", "file": wheel.name, "sha256": digest(wheel)}
    lock_path = tmp_path / "lock.json"
    lock_path.write_text(json.dumps(lock))
    return cache, lock_path


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any download attempt fail, as on a machine without a network."""

    def refuse(*args, **kwargs):
        raise AssertionError("the network was used")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(subprocess, "run", refuse)


def install(cache: Path, lock: Path, vendor: Path, *extra: str) -> int:
    """Run the script's main with a private cache, lock and install folder."""
    return assets.main(["--cache", str(cache), "--lock", str(lock), "--vendor", str(vendor), *extra])


def test_warm_cache_installs_offline(warm_cache, offline, tmp_path, capsys):
    cache, lock = warm_cache
    vendor = tmp_path / "vendor"
    assert install(cache, lock, vendor) == 0
    target = vendor / f"pyodide-{VERSION}"
    for name in assets.RUNTIME_FILES:
        assert (target / name).is_file()
    flask_lock = json.loads((target / assets.FLASK_LOCK).read_text())
    wheels = json.loads(lock.read_text())["wheels"]
    assert set(flask_lock["packages"]) == set(assets.WHEELS)
    for name, wheel in wheels.items():
        entry = flask_lock["packages"][name]
        assert entry["sha256"] == wheel["sha256"] == digest(target / entry["file_name"])
    assert flask_lock["packages"]["flask"]["depends"] == assets.DEPENDS["flask"]
    assert "installed" in capsys.readouterr().out


def test_second_run_is_a_no_op(warm_cache, offline, tmp_path, capsys):
    cache, lock = warm_cache
    vendor = tmp_path / "vendor"
    assert install(cache, lock, vendor) == 0
    # Emptying the cache proves nothing is read again.
    for path in cache.iterdir():
        path.unlink()
    assert install(cache, lock, vendor) == 0
    assert "up to date" in capsys.readouterr().out


def test_hash_mismatch_refuses_to_install(warm_cache, offline, tmp_path, capsys):
    cache, lock = warm_cache
    vendor = tmp_path / "vendor"
    (cache / "werkzeug-1.0-py3-none-any.whl").write_bytes(b"tampered")
    assert install(cache, lock, vendor) == 1
    err = capsys.readouterr().err
    assert "werkzeug-1.0-py3-none-any.whl: sha256" in err
    assert "does not match" in err and "Refusing to install" in err
    assert not (vendor / f"pyodide-{VERSION}").exists()


def test_tampered_tarball_is_refused(warm_cache, offline, tmp_path, capsys):
    cache, lock = warm_cache
    (cache / f"pyodide-{VERSION}.tgz").write_bytes(b"not the tarball")
    assert install(cache, lock, tmp_path / "vendor") == 1
    assert "does not match" in capsys.readouterr().err


def test_changed_lock_reinstalls(warm_cache, offline, tmp_path):
    cache, lock = warm_cache
    vendor = tmp_path / "vendor"
    assert install(cache, lock, vendor) == 0
    data = json.loads(lock.read_text())
    extra = cache / "blinker-2.0-py3-none-any.whl"
    extra.write_bytes(b"a newer blinker")
    data["wheels"]["blinker"] = {"version": "2.0", "file": extra.name, "sha256": digest(extra)}
    lock.write_text(json.dumps(data))
    assert not assets.is_up_to_date(data, vendor)
    assert install(cache, lock, vendor) == 0
    assert (vendor / f"pyodide-{VERSION}" / extra.name).is_file()


def test_missing_download_says_what_failed(tmp_path, warm_cache, capsys, monkeypatch):
    _, lock = warm_cache

    def unreachable(*args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr(urllib.request, "urlopen", unreachable)
    assert install(tmp_path / "empty-cache", lock, tmp_path / "vendor") == 1
    err = capsys.readouterr().err
    assert "cannot download" in err and "network is unreachable" in err


def test_committed_lock_pins_the_server_stack():
    lock = assets.read_lock()
    pins = assets.requirement_pins(ROOT / "requirements.txt")
    assert lock["pyodide"]["version"] == VERSION
    assert list(lock["wheels"]) == list(assets.WHEELS)
    for name, wheel in lock["wheels"].items():
        # The browser runs the same Flask stack as the server.
        assert wheel["version"] == pins[name]
        assert wheel["file"].endswith("-py3-none-any.whl")
        assert len(wheel["sha256"]) == 64
