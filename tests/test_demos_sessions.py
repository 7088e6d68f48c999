"""The sessions demos: Flask's signed cookie on a sandbox, and this learner's server-side session."""

from __future__ import annotations

import time

import redis
from conftest import csrf_token

from app import create_app
from app.extensions import db
from app.topics.sessions.demos import split_cookie
from app.topics.sessions.demos import tamper

COOKIE_URL = "/topics/sessions/demo/cookie"
SERVER_URL = "/topics/sessions/demo/server"
JSON = {"Accept": "application/json"}
SESSION_COOKIE = "insideflask_session"


def cookie_demo(client, **params):
    response = client.get(COOKIE_URL, query_string=params, headers=JSON)
    assert response.status_code == 200
    return response.json["result"]


def test_the_payload_is_readable_and_signed(client):
    result = cookie_demo(client, action="set", key="cart", value="3 books", permanent="1")
    parts = result["parts"]
    assert parts["payload_json"] == '{"_permanent":true,"cart":"3 books"}'
    assert parts["signature_bytes"] == 20
    assert result["signature_ok"] is True
    assert result["session"] == {"_permanent": True, "cart": "3 books"}
    assert result["cookie"] == f"{parts['payload']}.{parts['timestamp']}.{parts['signature']}"


def test_permanent_adds_expires_and_a_browser_session_cookie_has_none(client):
    permanent = cookie_demo(client, action="set", key="a", value="1", permanent="1")["response"]
    assert permanent["expires"] is True
    assert any(part.startswith("Expires=") for part in permanent["attributes"])
    browser = cookie_demo(client, action="set", key="a", value="1")["response"]
    assert browser["expires"] is False
    assert browser["set_cookie"].startswith("session=")


def test_values_accumulate_in_the_cookie_and_an_empty_value_removes_one(client):
    first = cookie_demo(client, action="set", key="a", value="1")
    second = cookie_demo(client, action="set", key="b", value="2", cookie=first["cookie"])
    assert second["session"] == {"_permanent": False, "a": "1", "b": "2"}
    third = cookie_demo(client, action="set", key="a", value="", cookie=second["cookie"])
    assert third["session"] == {"_permanent": False, "b": "2"}


def test_a_tampered_cookie_is_rejected_with_an_empty_session(client):
    cookie = cookie_demo(client, action="set", key="role", value="learner")["cookie"]
    result = cookie_demo(client, action="tamper", cookie=cookie)
    assert result["session"] == {"_permanent": False, "role": "learner"}
    forged = result["tampered"]
    assert forged["cookie"] != cookie and len(forged["cookie"]) == len(cookie)
    assert forged["signature_ok"] is False
    assert forged["session"] == {}


def test_tamper_changes_exactly_one_character():
    cookie = "eyJhIjoxfQ.aa.bb"
    forged = tamper(cookie)
    assert sum(a != b for a, b in zip(cookie, forged, strict=True)) == 1
    assert tamper(".eJw.aa.bb")[0] == "."


def test_compressed_payloads_are_decoded(client):
    long_value = "spam " * 12
    result = cookie_demo(client, action="set", key="k", value=long_value)
    parts = split_cookie(result["cookie"])
    assert parts["compressed"] is result["cookie"].startswith(".")
    assert long_value in parts["payload_json"]


def test_the_sandbox_key_is_not_the_site_key(app, client):
    html = client.get(COOKIE_URL, query_string={"action": "set", "key": "a", "value": "1"}).get_data(
        as_text=True
    )
    assert app.config["SECRET_KEY"] not in html
    assert "sandbox-key-for-the-cookie-demo" in html


def test_bad_cookie_demo_input_is_a_400(client):
    for params in ({"action": "explode"}, {"key": "1abc"}, {"cookie": "not a cookie"}, {"value": "x" * 61}):
        assert client.get(COOKIE_URL, query_string=params, headers=JSON).status_code == 400


def server_demo(client):
    response = client.get(SERVER_URL, headers=JSON)
    assert response.status_code == 200
    return response.json["result"]


def post_action(client, token, **data):
    return client.post(SERVER_URL, data={"csrf_token": token, **data}, headers=JSON)


def test_server_session_in_the_real_redis(app, client, redis_url):
    token = csrf_token(client, SERVER_URL)  # the page stored a CSRF token: the record exists
    sid = client.get_cookie(SESSION_COOKIE).value
    prefix = app.config["SESSION_KEY_PREFIX"]
    result = server_demo(client)
    record = result["record"]
    assert record["store"] == "redis"
    assert record["exists"] is True
    assert record["key"] == f"{prefix}{sid[:4]}…({len(sid)} chars)"
    assert 0 < record["ttl_seconds"] <= app.permanent_session_lifetime.total_seconds()
    store = redis.Redis.from_url(redis_url)
    assert store.ttl(prefix + sid) > 0
    items = {item["key"]: item for item in record["items"]}
    assert items["csrf_token"]["redacted"] is True
    text = client.get(SERVER_URL, headers=JSON).get_data(as_text=True)
    assert token not in text
    assert sid not in text


def test_set_a_demo_value_then_regenerate_the_id(app, client, redis_url):
    token = csrf_token(client, SERVER_URL)
    prefix = app.config["SESSION_KEY_PREFIX"]
    store = redis.Redis.from_url(redis_url)

    assert post_action(client, token, action="set", name="colour", value="green").status_code == 200
    items = {item["key"]: item for item in server_demo(client)["record"]["items"]}
    assert items["demo_colour"] == {"key": "demo_colour", "value": "'green'", "redacted": False}

    old_sid = client.get_cookie(SESSION_COOKIE).value
    done = post_action(client, token, action="regenerate").json["result"]["done"]
    assert done["changed"] is True
    assert done["old_record_exists"] is False
    new_sid = client.get_cookie(SESSION_COOKIE).value
    assert new_sid != old_sid
    assert not store.exists(prefix + old_sid)
    assert store.ttl(prefix + new_sid) > 0
    record = server_demo(client)["record"]
    assert record["key"].startswith(prefix + new_sid[:4])
    assert "demo_colour" in {item["key"] for item in record["items"]}


def test_clear_removes_only_demo_values(client, redis_url):
    token = csrf_token(client, SERVER_URL)
    post_action(client, token, action="set", name="a", value="1")
    done = post_action(client, token, action="clear").json["result"]["done"]
    assert done["removed"] == ["demo_a"]
    keys = {item["key"] for item in server_demo(client)["record"]["items"]}
    assert "demo_a" not in keys and "csrf_token" in keys


def test_html_post_redirects_to_the_page(client, redis_url):
    token = csrf_token(client, SERVER_URL)
    response = client.post(SERVER_URL, data={"csrf_token": token, "action": "regenerate"})
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-done="regenerate"' in html


def test_server_demo_refuses_bad_input(client, redis_url):
    token = csrf_token(client, SERVER_URL)
    assert post_action(client, token, action="set", name="1bad").status_code == 400
    assert post_action(client, token, action="explode").status_code == 400
    assert post_action(client, token, action="set", name="x", value="v" * 101).status_code == 400
    for index in range(5):
        assert post_action(client, token, action="set", name=f"k{index}", value="v").status_code == 200
    assert post_action(client, token, action="set", name="k9", value="v").status_code == 400
    assert client.post(SERVER_URL, data={"action": "regenerate"}, headers=JSON).status_code == 400  # no CSRF


def test_embedded_store_shows_the_row_expiry(tmp_path):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/s.db", "REDIS_URL": None})
    client = app.test_client()
    token = csrf_token(client, SERVER_URL)
    record = server_demo(client)["record"]
    assert record["store"] == "sqlalchemy"
    assert record["exists"] is True
    assert record["expiry"].endswith(" UTC")
    assert "ttl_seconds" not in record
    old_sid = client.get_cookie(SESSION_COOKIE).value
    assert post_action(client, token, action="regenerate").json["result"]["done"]["changed"] is True
    assert client.get_cookie(SESSION_COOKIE).value != old_sid
    assert server_demo(client)["record"]["exists"] is True
    with app.app_context():
        db.engine.dispose()


def test_xray_of_the_server_session_demo(client, redis_url):
    csrf_token(client, SERVER_URL)
    body = client.get(SERVER_URL, headers=JSON).json
    trace = client.get(body["xray_url"]).json
    assert (trace["endpoint"], trace["blueprint"]) == ("sessions.demo_server", "sessions")
    assert "csrf_token" in trace["session_keys"]
    assert "csrf_token" not in trace["g"]


def test_server_demo_shows_the_real_lifetime_and_no_refresh_on_reload(app, client, redis_url):
    """An anonymous record lives ANONYMOUS_SESSION_LIFETIME, and a reload does not rewrite it."""
    csrf_token(client, SERVER_URL)
    first = server_demo(client)
    anonymous = int(app.config["ANONYMOUS_SESSION_LIFETIME"].total_seconds())
    assert first["account"] is False
    assert first["lifetime_seconds"] == anonymous < app.permanent_session_lifetime.total_seconds()
    assert 0 < first["record"]["ttl_seconds"] <= anonymous
    assert first["written_seconds_ago"] is not None
    time.sleep(2.1)
    again = server_demo(client)
    # Nothing changed and the stamp is fresh: the record was not written back, its TTL ran on.
    assert again["record"]["ttl_seconds"] <= anonymous - 2
    assert again["written_seconds_ago"] >= 2
    html = client.get(SERVER_URL).get_data(as_text=True)
    assert "SESSION_REFRESH_EACH_REQUEST" not in html
    assert f'data-lifetime="{anonymous}"' in html
