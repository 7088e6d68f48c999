"""The one serving configuration: gunicorn.conf.py's two roles, the nginx template, ProxyFix."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import IN_CI
from flask import request

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy"))

from topology import render_nginx  # noqa: E402
from topology import write_nginx_config  # noqa: E402

from app import create_app  # noqa: E402


def gunicorn_settings(role: str) -> dict[str, str]:
    """Return the settings gunicorn resolves from gunicorn.conf.py for ``role``."""
    env = {**os.environ, "INSIDE_FLASK_ROLE": role}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    out = subprocess.run(
        [str(gunicorn), "-c", "gunicorn.conf.py", "--print-config", "wsgi:app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    settings = {}
    for line in out.splitlines():
        name, sep, value = line.partition("=")
        if sep:
            settings[name.strip()] = value.strip()
    return settings


@pytest.mark.parametrize(
    ("role", "worker_class"),
    [("http", "gthread"), ("ws", "gevent")],
)
def test_gunicorn_config_loads_for_each_role(role, worker_class):
    settings = gunicorn_settings(role)
    assert settings["worker_class"] == worker_class
    assert settings["preload_app"] == "True"
    assert settings["control_socket_disable"] == "True"
    assert settings["proc_name"] == f"insideflask-{role}"


def test_gunicorn_config_refuses_an_unknown_role():
    env = {**os.environ, "INSIDE_FLASK_ROLE": "both"}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    result = subprocess.run(
        [str(gunicorn), "-c", "gunicorn.conf.py", "--print-config", "wsgi:app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "INSIDE_FLASK_ROLE must be 'http' or 'ws'" in result.stderr + result.stdout


def nginx_or_skip() -> str:
    """Return nginx's path; CI must have it (`make test` installs it)."""
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx:
        return nginx
    if IN_CI:
        pytest.fail("nginx is not installed; `make test` installs it")
    pytest.skip("nginx is not installed (apt-get install nginx)")


def render_to(tmp_path: Path, **kwargs) -> Path:
    """Render the template for loopback ports into tmp_path."""
    return write_nginx_config(
        tmp_path / "nginx.conf",
        listen="127.0.0.1:28080",
        http_servers=["127.0.0.1:28081", "127.0.0.1:28082"],
        ws_servers=["127.0.0.1:28083"],
        prefix=tmp_path / "prefix",
        **kwargs,
    )


@pytest.mark.parametrize("brotli", [True, False])
def test_rendered_nginx_config_passes_nginx_t(tmp_path, brotli):
    nginx = nginx_or_skip()
    modules = Path("/usr/lib/nginx/modules") if brotli else tmp_path / "no-modules"
    if brotli and not (modules / "ngx_http_brotli_static_module.so").exists():
        pytest.skip("Debian's brotli modules for nginx are not installed")
    config = render_to(tmp_path, modules_dir=modules)
    text = config.read_text()
    assert ("brotli_static on;" in text) is brotli
    assert "gzip_static on;" in text
    result = subprocess.run(
        [nginx, "-t", "-c", str(config), "-p", str(tmp_path / "prefix"), "-e", "stderr"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_template_routes_websockets_to_their_own_pool(tmp_path):
    text = render_nginx(
        listen="80",
        http_servers=["app:8000"],
        ws_servers=["ws:8000"],
        prefix=tmp_path,
    )
    ws_block = text[text.index("location /topics/websockets/ws/") :]
    ws_block = ws_block[: ws_block.index("}")]
    assert "proxy_pass http://insideflask_ws;" in ws_block
    assert "proxy_set_header Upgrade $http_upgrade;" in ws_block
    assert "server ws:8000 max_fails=1 fail_timeout=2s;" in text[text.index("upstream insideflask_ws") :]
    # A restarted instance gets requests again 2 s after it listens (nginx's default: 10 s).
    assert "server app:8000 max_fails=1 fail_timeout=2s;" in text[text.index("upstream insideflask_http") :]
    assert "{{" not in text


def remote_addr_view() -> str:
    """Answer the client address the app believes in."""
    return request.remote_addr or ""


@pytest.mark.parametrize(
    ("overrides", "remote_addr"),
    [({"PROXY_FIX_X_FOR": 1}, "203.0.113.9"), ({}, "127.0.0.1")],
)
def test_proxy_fix_counts_come_from_config(app_settings, overrides, remote_addr):
    app = create_app("testing", {**app_settings, **overrides})
    app.add_url_rule("/_remote_addr", "remote_addr", remote_addr_view)
    client = app.test_client()
    # The proxy appends the address it saw; a forged earlier entry is ignored (one hop).
    forwarded = {"X-Forwarded-For": "198.51.100.1, 203.0.113.9"}
    response = client.get("/_remote_addr", headers=forwarded, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.get_data(as_text=True) == remote_addr
