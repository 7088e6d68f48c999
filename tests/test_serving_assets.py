"""Static assets: fingerprinted URLs, year-long caching without a session, precompressed copies."""

from __future__ import annotations

import gzip
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.assets import IMMUTABLE
from app.assets import fingerprint

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "app" / "static"


@pytest.fixture(scope="module")
def built_assets() -> Path:
    """Run the `make assets` step once, as make does before serving."""
    script = ROOT / "deploy" / "build_assets.py"
    subprocess.run([sys.executable, str(script)], check=True, capture_output=True)
    return STATIC


def stylesheet_urls(html: str) -> list[str]:
    """Return the static URLs a page links to."""
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_page_links_fingerprinted_assets(client, app):
    html = client.get("/").get_data(as_text=True)
    urls = stylesheet_urls(html)
    assert urls, "the page links no static file"
    hashes = app.extensions["asset_hashes"]
    for url in urls:
        path, _, query = url.partition("?")
        filename = path.removeprefix("/static/")
        assert query == f"v={hashes[filename]}"


def test_fingerprint_changes_with_content(tmp_path):
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "a.css").write_text("body {}")
    before = fingerprint(tmp_path)["css/a.css"]
    (tmp_path / "css" / "a.css").write_text("body { color: red }")
    assert fingerprint(tmp_path)["css/a.css"] != before


def test_fingerprinted_asset_is_immutable_without_session(client):
    client.get("/")  # a returning visitor: the asset request carries the session cookie
    url = stylesheet_urls(client.get("/").get_data(as_text=True))[0]
    with client.get(url) as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == IMMUTABLE
        assert "Set-Cookie" not in response.headers
        assert "cookie" not in response.headers.get("Vary", "").lower()


@pytest.mark.parametrize("query", ["", "?v=0123456789ab"])
def test_unversioned_or_stale_asset_revalidates(client, query):
    with client.get(f"/static/css/site.css{query}") as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-cache"


def test_html_pages_are_no_cache(client):
    response = client.get("/")
    assert response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-cache"


def test_precompressed_copies_are_built(built_assets):
    for source in [*built_assets.rglob("*.css"), *built_assets.rglob("*.js")]:
        copy = source.with_name(source.name + ".gz")
        assert copy.is_file(), f"{copy} missing after make assets"
        assert gzip.decompress(copy.read_bytes()) == source.read_bytes()
        assert source.with_name(source.name + ".br").is_file()


@pytest.mark.parametrize(("accept", "encoding"), [("gzip", "gzip"), ("gzip, br", "br"), ("identity", None)])
def test_flask_serves_precompressed_when_accepted(built_assets, client, accept, encoding):
    with client.get("/static/css/site.css", headers={"Accept-Encoding": accept}) as response:
        assert response.status_code == 200
        assert response.headers.get("Content-Encoding") == encoding
        assert "Accept-Encoding" in response.headers["Vary"]
        body = response.get_data()
    if encoding == "gzip":
        body = gzip.decompress(body)
    elif encoding == "br":
        import brotli

        body = brotli.decompress(body)
    assert body == (built_assets / "css" / "site.css").read_bytes()
