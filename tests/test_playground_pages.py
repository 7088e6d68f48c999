"""Pages and the playground: scripts and a wider CSP only where a playground is."""

from __future__ import annotations

import pytest

LESSON = "/topics/hooks/request-hooks"
PLAIN = "/topics/database/sqlalchemy"


def test_a_page_with_a_playground_loads_it_and_allows_wasm(client):
    response = client.get(LESSON)
    html = response.get_data(as_text=True)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'wasm-unsafe-eval'" in policy
    assert "worker-src 'self'" in policy
    assert "'unsafe-eval'" not in policy and "unsafe-inline" not in policy
    assert "js/playground/page.js" in html
    assert 'name="playground-index" content="/static/vendor/pyodide-' in html
    assert "<script>" not in html


def test_a_page_without_a_playground_does_not(client):
    response = client.get(PLAIN)
    assert response.status_code == 200
    assert "wasm-unsafe-eval" not in response.headers["Content-Security-Policy"]
    assert "worker-src" not in response.headers["Content-Security-Policy"]
    assert "playground" not in response.get_data(as_text=True).split("<main", 1)[0]


def test_missing_runtime_is_announced_with_its_command(app, client):
    app.extensions["playground_version"] = "0.0.0-not-installed"
    html = client.get(LESSON).get_data(as_text=True)
    assert '<meta name="playground-installed" content="no">' in html
    assert '<meta name="playground-install-command" content="make playground-assets">' in html


def test_worker_script_carries_its_own_wasm_policy(client):
    response = client.get("/playground/worker.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert "'wasm-unsafe-eval'" in response.headers["Content-Security-Policy"]
    assert b"loadPyodide" in response.data
    response.close()


def test_runtime_source_is_the_tested_module(client):
    from app.playground import RUNTIME_SOURCE

    response = client.get("/playground/runtime.py")
    assert response.data == RUNTIME_SOURCE.read_bytes()
    response.close()


@pytest.mark.parametrize("name", ["pyodide.asm.wasm", "pyodide.mjs"])
def test_runtime_files_are_served_immutable_with_their_types(app, client, name):
    from app.playground.manifest import find_runtime

    found = find_runtime(app)
    if not found.installed:
        pytest.skip("runtime not installed (make playground-assets)")
    response = client.get(f"/static/{found.folder}/{name}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.mimetype == ("application/wasm" if name.endswith(".wasm") else "text/javascript")
    response.close()
