"""Server-side sessions through the real Redis server, and the embedded store."""

from __future__ import annotations

import redis
from flask import Flask
from flask import session

from app import create_app
from app.extensions import db
from app.sessions import end_session
from app.sessions import regenerate_session


def add_session_routes(app: Flask) -> None:
    """Give the test app two tiny views that write and read the session."""

    @app.get("/_test/put/<value>")
    def put(value: str):
        session["value"] = value
        return "stored"

    @app.get("/_test/get")
    def get():
        return session.get("value", "<none>")

    @app.get("/_test/regenerate")
    def regenerate():
        regenerate_session()
        return "regenerated"

    @app.get("/_test/end")
    def end():
        end_session()
        return "ended"


def cookie(client) -> str:
    """Return the session id cookie the client holds."""
    return client.get_cookie("insideflask_session").value


def test_value_round_trips_through_redis(app_settings, redis_url):
    app = create_app("testing", app_settings)
    add_session_routes(app)
    client = app.test_client()
    assert client.get("/_test/put/hello").status_code == 200
    assert client.get("/_test/get").get_data(as_text=True) == "hello"

    key = f"{app.config['SESSION_KEY_PREFIX']}{cookie(client)}"
    store = redis.Redis.from_url(redis_url)
    assert store.exists(key)
    ttl = store.ttl(key)
    lifetime = app.permanent_session_lifetime.total_seconds()
    assert 0 < ttl <= lifetime


def test_regenerate_moves_the_data_to_a_new_key(app_settings, redis_url):
    app = create_app("testing", app_settings)
    add_session_routes(app)
    client = app.test_client()
    client.get("/_test/put/kept")
    old = cookie(client)
    client.get("/_test/regenerate")
    new = cookie(client)
    assert new != old
    store = redis.Redis.from_url(redis_url)
    prefix = app.config["SESSION_KEY_PREFIX"]
    assert not store.exists(prefix + old)
    assert store.exists(prefix + new)
    assert client.get("/_test/get").get_data(as_text=True) == "kept"


def test_ending_the_session_deletes_the_redis_key(app_settings, redis_url):
    app = create_app("testing", app_settings)
    add_session_routes(app)
    client = app.test_client()
    client.get("/_test/put/bye")
    key = app.config["SESSION_KEY_PREFIX"] + cookie(client)
    store = redis.Redis.from_url(redis_url)
    assert store.exists(key)
    client.get("/_test/end")
    assert not store.exists(key)
    assert client.get_cookie("insideflask_session") is None


def test_logout_deletes_the_redis_key(app, client, auth, redis_url):
    auth.create_user()
    assert auth.login().status_code == 303
    key = app.config["SESSION_KEY_PREFIX"] + cookie(client)
    store = redis.Redis.from_url(redis_url)
    assert store.exists(key)
    assert auth.logout().status_code == 303
    assert not store.exists(key)


def test_login_regenerates_the_session_id(client, auth, redis_url):
    auth.create_user()
    client.get("/auth/login")
    before = cookie(client)
    auth.login()
    assert cookie(client) != before


def test_session_cookie_flags(client, redis_url):
    response = client.get("/auth/login")
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header


def test_embedded_store_round_trip(tmp_path):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/s.db", "REDIS_URL": None})
    add_session_routes(app)
    client = app.test_client()
    client.get("/_test/put/embedded")
    assert client.get("/_test/get").get_data(as_text=True) == "embedded"
    with app.app_context():
        model = app.session_interface.sql_session_model
        assert db.session.query(model).count() == 1
