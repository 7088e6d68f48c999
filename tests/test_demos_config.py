"""The config demos: five sources with their last writer, and the site's own config, redacted."""

from __future__ import annotations

import os

import pytest
from conftest import csrf_token

from app.topics.config.demos import is_secret_name
from app.topics.config.demos import redact_value

SOURCES_URL = "/topics/config/demo/sources"
APP_CONFIG_URL = "/topics/config/demo/app-config"
JSON = {"Accept": "application/json"}


@pytest.fixture
def post(client):
    """Post the sources form as JSON with a valid CSRF token."""
    token = csrf_token(client, SOURCES_URL)

    def send(**data):
        return client.post(SOURCES_URL, data={"csrf_token": token, "submitted": "1", **data}, headers=JSON)

    return send


def by_key(result):
    return {row["key"]: row for row in result["keys"]}


def test_default_sources_and_their_winners(client):
    result = client.get(SOURCES_URL, headers=JSON).json["result"]
    keys = by_key(result)
    assert result["order"] == [
        "from_object",
        "from_pyfile",
        "from_mapping",
        "from_file(json.load)",
        "from_prefixed_env",
    ]
    assert keys["ITEMS_PER_PAGE"]["writers"] == ["object", "pyfile", "mapping", "json", "env"]
    assert keys["ITEMS_PER_PAGE"]["winner"] == "env"
    assert (keys["ITEMS_PER_PAGE"]["value"], keys["ITEMS_PER_PAGE"]["type"]) == ("50", "int")
    assert (keys["DEBUG"]["value"], keys["DEBUG"]["type"]) == ("True", "bool")
    assert keys["DEBUG"]["writers"] == ["defaults", "object", "env"]
    assert keys["SITE_NAME"]["winner"] == "mapping"
    assert keys["FEATURES"]["value"] == "{'beta': True}"
    assert keys["FEATURES"]["writers"] == ["mapping", "env"]
    assert result["ignored"] == {"lowercase": ["comment", "debug_toolbar"], "unprefixed": ["PATH"]}


def test_untick_sources_to_see_an_earlier_writer_win(post):
    result = post(use_object="1", object="ProductionSettings", use_json="1").json["result"]
    keys = by_key(result)
    assert keys["ITEMS_PER_PAGE"]["writers"] == ["object", "json"]
    assert keys["ITEMS_PER_PAGE"]["value"] == "40"
    assert keys["PREFERRED_URL_SCHEME"]["winner"] == "object"
    assert "SITE_NAME" in keys and keys["SITE_NAME"]["winner"] == "object"


def test_environment_values_go_through_json_loads_without_touching_os_environ(post):
    env = 'FLASK_LIMIT=12\nFLASK_RATIO=0.5\nFLASK_NAMES=["a", "b"]\nFLASK_TEXT=not json\nOTHER=1'
    result = post(use_env="1", env=env).json["result"]
    keys = by_key(result)
    assert (keys["LIMIT"]["type"], keys["RATIO"]["type"], keys["NAMES"]["type"]) == ("int", "float", "list")
    assert keys["TEXT"]["value"] == "'not json'"
    assert "OTHER" not in keys
    assert "FLASK_LIMIT" not in os.environ


def test_python_file_is_parsed_never_executed(post):
    response = post(use_pyfile="1", pyfile="import os\nos.system('true')")
    assert response.status_code == 400
    assert "NAME = literal" in response.json["result"]["error"]
    response = post(use_pyfile="1", pyfile="X = __import__('os').getcwd()")
    assert response.status_code == 400
    assert "literal" in response.json["result"]["error"]
    keys = by_key(post(use_pyfile="1", pyfile="X = {'a': (1, 2)}\ny = 3").json["result"])
    assert keys["X"]["value"] == "{'a': (1, 2)}"
    assert "y" not in keys


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"use_json": "1", "json": "[1, 2]"}, "one JSON object"),
        ({"use_json": "1", "json": "{nope"}, "not valid JSON"),
        ({"use_env": "1", "env": "no equals sign"}, "NAME=value"),
        ({"use_env": "1", "env": "FLASK_A=1\nFLASK_A__B=2"}, "is not a dict"),
        ({"use_object": "1", "object": "os.environ"}, "settings classes"),
    ],
)
def test_bad_sources_are_a_400_on_the_demo_page(post, data, message):
    response = post(**data)
    assert response.status_code == 400
    assert message in response.json["result"]["error"]


def test_oversize_text_is_refused(post):
    assert post(use_json="1", json="{" + " " * 3000 + "}").status_code == 400


def test_app_config_redacts_secrets(app, client):
    app.config["API_TOKEN"] = "tok-should-not-leak"
    app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://ada:hunter2@db.example/course"
    response = client.get(APP_CONFIG_URL, headers=JSON)
    text = response.get_data(as_text=True)
    assert app.config["SECRET_KEY"] not in text
    assert "tok-should-not-leak" not in text
    assert "hunter2" not in text
    rows = {row["key"]: row for row in response.json["result"]["keys"]}
    assert rows["SECRET_KEY"]["redacted"] and rows["SECRET_KEY"]["value"] == "«redacted»"
    assert rows["API_TOKEN"]["redacted"]
    assert rows["SQLALCHEMY_DATABASE_URI"]["value"] == "postgresql+psycopg://ada:***@db.example/course"
    assert rows["SESSION_KEY_PREFIX"]["redacted"] is False


def test_app_config_compares_with_flask_defaults(client):
    result = client.get(APP_CONFIG_URL, headers=JSON).json["result"]
    rows = {row["key"]: row for row in result["keys"]}
    assert len(result["flask_default_keys"]) == 29
    assert rows["SESSION_COOKIE_NAME"]["origin"] == "changed"
    assert rows["SESSION_COOKIE_NAME"]["default"] == "session"
    assert rows["USE_X_SENDFILE"]["origin"] == "default"
    assert rows["LANGUAGES"]["origin"] == "added"
    changed = client.get(APP_CONFIG_URL, query_string={"origin": "changed"}, headers=JSON).json["result"]
    assert {row["origin"] for row in changed["keys"]} == {"changed"}


def test_objects_in_config_are_shown_by_type_only(redis_url, app, client):
    rows = {row["key"]: row for row in client.get(APP_CONFIG_URL, headers=JSON).json["result"]["keys"]}
    assert rows["SESSION_REDIS"]["value"] == "<redis.client.Redis>"


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("SECRET_KEY", True),
        ("WTF_CSRF_SECRET_KEY", True),
        ("DB_PASSWORD", True),
        ("SESSION_KEY_PREFIX", False),
    ],
)
def test_secret_names(name, secret):
    assert is_secret_name(name) is secret


def test_a_password_with_a_slash_is_still_redacted():
    assert redact_value("postgresql://u:pa/ss@h/db") == "postgresql://u:***@h/db"


def test_nested_values_are_redacted():
    value = {"connect_args": {"password": "pw", "options": "-c x"}, "url": "redis://u:pw@h:1/0"}
    assert redact_value(value) == {
        "connect_args": {"password": "«redacted»", "options": "-c x"},
        "url": "redis://u:***@h:1/0",
    }


def test_xray_of_the_app_config_demo(client):
    body = client.get(APP_CONFIG_URL, headers=JSON).json
    trace = client.get(body["xray_url"]).json
    assert (trace["rule"], trace["endpoint"], trace["blueprint"]) == (
        "/topics/config/demo/app-config",
        "config.demo_app_config",
        "config",
    )
    names = [event["name"] for event in trace["events"]]
    assert (
        names.index("before_request") < names.index("config.demo_app_config") < names.index("after_request")
    )
