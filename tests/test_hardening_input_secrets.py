"""No secret of the config or the environment appears in any demo's answer, HTML, JSON or X-ray."""

from __future__ import annotations

import pytest

from app import create_app
from app.demos import DEMOS
from app.extensions import db
from app.topics.config.demos import redact_value

#: Every planted secret, and the fragments a bad redaction could leave behind.
SECRETS = (
    "planted-secret-key-4711",
    "db-pass-123",
    "query-pass-456",
    "sslpass-321",
    "redis-p@ss-789",
    "ss-789",
    "env-token-999",
    "env-flask-token-555",
    "dsn-key-654",
    "fallback-secret-222",
)


@pytest.fixture
def leaky_app(monkeypatch, database_url, session_settings):
    """Build an app with known secrets in its config and in the environment."""
    monkeypatch.setenv("SECRET_KEY", "planted-secret-key-4711")
    monkeypatch.setenv("FLASK_API_TOKEN", "env-flask-token-555")
    settings = {
        **database_url,
        **session_settings,
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY_FALLBACKS": ["fallback-secret-222"],
        "SENTRY_DSN": "https://dsn-key-654@o1.ingest.example/1",
    }
    app = create_app("testing", settings)
    with app.app_context():
        db.create_all()
    # Set after start-up: the engine and the session store already use the real services.
    app.config["SQLALCHEMY_DATABASE_URI"] = (
        "postgresql+psycopg://ada:db-pass-123@db.example/course?password=query-pass-456&sslpassword=sslpass-321"
    )
    app.config["REDIS_URL"] = "redis://:redis-p@ss-789@127.0.0.1:1/0"
    app.config["CACHE_URL"] = "redis://default:db-pass-123@cache.example:6379/0?token=env-token-999"
    monkeypatch.setenv("DATABASE_URL", "postgresql://ada:db-pass-123@db.example/course")
    monkeypatch.setenv("INSIDE_FLASK_API_TOKEN", "env-token-999")
    yield app
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def demo_requests(app) -> list[tuple[str, str]]:
    """Return (method, path) for every demo in the registry: its GET and each of its other methods."""
    rv = []
    for endpoint in DEMOS:
        for rule in app.url_map.iter_rules(endpoint):
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                rv.append((method, rule.rule))
    return rv


def leaked(text: str) -> list[str]:
    """Return the planted secrets found in ``text``."""
    return [secret for secret in SECRETS if secret in text]


def test_every_demo_is_found(leaky_app):
    requests = demo_requests(leaky_app)
    assert len({path for _method, path in requests}) == len(DEMOS) >= 30
    assert ("GET", "/topics/config/demo/app-config") in requests
    assert any(method == "POST" for method, _path in requests)


def test_no_demo_answer_shows_a_planted_secret(leaky_app):
    client = leaky_app.test_client()
    checked = 0
    for method, path in demo_requests(leaky_app):
        for accept in ("text/html", "application/json"):
            response = client.open(path, method=method, headers={"Accept": accept})
            assert response.status_code < 500 or response.status_code == 503, (method, path)
            text = response.get_data(as_text=True) + str(response.headers)
            assert not leaked(text), (method, path, accept, leaked(text))
            checked += 1
            if accept == "application/json" and response.is_json and "xray_url" in (response.json or {}):
                xray = client.get(response.json["xray_url"])
                assert not leaked(xray.get_data(as_text=True)), (path, "x-ray")
    assert checked >= 60


def test_the_config_demo_still_shows_where_the_settings_point(leaky_app):
    body = (
        leaky_app.test_client()
        .get("/topics/config/demo/app-config", headers={"Accept": "application/json"})
        .json
    )
    rows = {row["key"]: row["value"] for row in body["result"]["keys"]}
    assert rows["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://ada:***@db.example/course?password=***&sslpassword=***"
    )
    assert rows["REDIS_URL"] == "redis://:***@127.0.0.1:1/0"
    assert rows["SENTRY_DSN"] == rows["SECRET_KEY_FALLBACKS"] == rows["API_TOKEN"] == "«redacted»"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("redis://:p@ss@h:6379/0", "redis://:***@h:6379/0"),
        ("postgresql://u:pa/ss@h/db", "postgresql://u:***@h/db"),
        ("postgresql://h/db?sslmode=require&password=x", "postgresql://h/db?sslmode=require&password=***"),
        ("https://tok123@github.example/x.git", "https://***@github.example/x.git"),
        ("mysql://u:p%40w@h/db?pwd=1&Auth_Token=2&x=3", "mysql://u:***@h/db?pwd=***&Auth_Token=***&x=3"),
        ("host=h password=pw dbname=x", "host=h password=*** dbname=x"),
        ("sqlite:////tmp/app.sqlite3", "sqlite:////tmp/app.sqlite3"),
    ],
)
def test_url_credentials_are_redacted(value, shown):
    assert redact_value(value) == shown
