"""The ecosystem demo: versions, commands, the routes table and the extensions in use."""

from __future__ import annotations

from importlib.metadata import version

import pytest

URL = "/topics/ecosystem/demo/versions"
JSON = {"Accept": "application/json"}


def result(client, **query):
    response = client.get(URL, query_string=query, headers=JSON)
    assert response.status_code == 200
    return response.json["result"]


def test_versions_are_the_installed_ones(client):
    versions = result(client)["versions"]
    flask_rows = {row["name"]: row for row in versions["flask"]}
    assert flask_rows["Flask"]["version"] == version("flask")
    assert flask_rows["werkzeug"]["version"] == version("werkzeug")
    assert flask_rows["werkzeug"]["requires"].startswith("werkzeug>=")
    extensions = {row["name"].lower(): row["version"] for row in versions["extensions"]}
    for name in (
        "flask-sqlalchemy",
        "flask-wtf",
        "flask-sock",
        "flask-session",
        "flask-login",
        "flask-migrate",
    ):
        assert extensions[name] == version(name)
    stack = {row["name"]: row["version"] for row in versions["stack"]}
    assert stack["SQLAlchemy"] == version("sqlalchemy")
    assert stack["DBUtils"] == version("dbutils")


def test_commands_include_builtins_extensions_and_the_apps_own(client):
    commands = {row["name"]: row for row in result(client)["commands"]}
    for name in ("run", "shell", "routes"):
        assert commands[name]["from"] == "FlaskGroup (built in)"
    # Flask-Migrate's group, behind the wrapper that imports it only when a db command runs.
    assert commands["db"]["from"] == "app.cli (app.migrating)"
    assert commands["init"]["from"] == "app.cli (app.cli)"
    assert "create-instructor" in commands


def test_routes_table_matches_the_url_map(app, client):
    routes = result(client)["routes"]
    assert len(routes) == len(list(app.url_map.iter_rules()))
    endpoints = [row["endpoint"] for row in routes]
    assert endpoints == sorted(endpoints)
    row = next(row for row in routes if row["endpoint"] == "flash.demo_flash")
    assert row == {"endpoint": "flash.demo_flash", "methods": "GET, POST", "rule": "/topics/flash/demo/flash"}


def test_routes_filter_and_sort(client):
    routes = result(client, contains="/topics/database/", sort="rule")["routes"]
    rules = [row["rule"] for row in routes]
    assert rules == sorted(rules)
    assert "/topics/database/demo/pool" in rules
    assert all("/topics/database/" in rule for rule in rules)


def test_extensions_found_by_reading_the_source(client):
    extensions = result(client)["extensions"]
    assert extensions["module"] == "app/extensions.py"
    assert extensions["app_extensions"]["sqlalchemy"] == "flask_sqlalchemy.extension.SQLAlchemy"
    assert extensions["app_extensions"]["csrf"] == "flask_wtf.csrf.CSRFProtect"
    objects = {obj["name"]: obj for obj in extensions["objects"]}
    assert set(objects) >= {"db", "migrate", "sess", "csrf", "sock", "login", "babel"}
    assert objects["db"]["kept_as"] == "app.extensions['sqlalchemy']"
    assert objects["migrate"]["kept_as"] == "app.extensions['migrate'].migrate"
    assert objects["login"]["kept_as"] == "app.login_manager"
    (db_call,) = objects["db"]["init_app"]
    assert db_call["where"].startswith("app/__init__.py:")
    assert db_call["function"] == "init_extensions"
    assert db_call["create_app_step"] == "init_extensions"
    (babel_call,) = objects["babel"]["init_app"]
    assert babel_call["where"].startswith("app/i18n.py:")
    assert babel_call["create_app_step"] == "init_extensions"


def test_no_secrets_in_the_answer(app, client):
    text = client.get(URL, headers=JSON).get_data(as_text=True)
    assert app.config["SECRET_KEY"] not in text
    if app.config.get("REDIS_URL"):
        assert app.config["REDIS_URL"] not in text


@pytest.mark.parametrize("query", [{"sort": "size"}, {"contains": "x" * 51}])
def test_bad_input_is_a_400(client, query):
    assert client.get(URL, query_string=query, headers=JSON).status_code == 400


def test_page_renders_the_routes_table(client):
    html = client.get(URL, query_string={"contains": "flash.demo"}).get_data(as_text=True)
    assert "flash.demo_flash  GET, POST  /topics/flash/demo/flash" in html


def test_xray_of_the_versions_demo(client):
    body = client.get(URL, headers=JSON).json
    trace = client.get(body["xray_url"]).json
    assert trace["endpoint"] == "ecosystem.demo_versions"
    assert trace["blueprint"] == "ecosystem"
