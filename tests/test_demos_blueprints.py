"""The blueprint registry demo: app.blueprints, url_for across blueprints, scoped hooks."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.assets import fingerprint

#: Static URLs carry the file's content hash (app/assets.py).
SITE_CSS_HASH = fingerprint(Path(__file__).resolve().parent.parent / "app" / "static")["css/site.css"]

URL = "/topics/blueprints/demo/registry"
JSON = {"Accept": "application/json"}


def get(client, **query):
    return client.get(URL, query_string=query, headers=JSON)


def test_registry_lists_the_real_blueprints_with_their_rules(app, client):
    registry = {item["name"]: item for item in get(client).json["result"]["blueprints"]}
    assert set(app.blueprints) <= set(registry)
    flash = registry["flash"]
    assert flash["import_name"] == "app.topics.flash"
    # Mounted with register_blueprint(url_prefix=...): the blueprint itself has none.
    assert flash["url_prefix"] is None
    assert flash["rule_count"] == len(flash["rules"]) >= 1
    assert {"rule": "/topics/flash/demo/flash", "endpoint": "flash.demo_flash"}.items() <= flash["rules"][
        0
    ].items()
    assert registry["auth"]["url_prefix"] == "/auth"
    assert registry["(app)"]["rules"][0]["endpoint"] == "static"


def test_websocket_rules_are_marked(client):
    registry = {item["name"]: item for item in get(client).json["result"]["blueprints"]}
    sockets = [rule for rule in registry["websockets"]["rules"] if rule["websocket"]]
    assert {rule["rule"] for rule in sockets} == {
        "/topics/websockets/ws/echo",
        "/topics/websockets/ws/chat/<room>",
    }


@pytest.mark.parametrize(
    ("endpoint", "values", "url"),
    [
        ("flash.demo_flash", "", "/topics/flash/demo/flash"),
        ("static", "filename=css/site.css", f"/static/css/site.css?v={SITE_CSS_HASH}"),
        ("main.index", "q=1", "/?q=1"),
        (".demo_registry", "", "/topics/blueprints/demo/registry"),
    ],
)
def test_url_for_across_blueprints(client, endpoint, values, url):
    built = get(client, endpoint=endpoint, values=values).json["result"]["url_for"]
    assert built["url"] == url


def test_url_for_external(client):
    built = get(client, endpoint="main.index", external="1").json["result"]["url_for"]
    assert built["url"] == "http://localhost/"


def test_url_for_missing_argument_is_a_400_with_the_build_error(client):
    response = get(client, endpoint="static")
    assert response.status_code == 400
    assert "filename" in response.json["result"]["url_for"]["error"]


def test_unknown_endpoint_is_a_400(client):
    response = get(client, endpoint="nope.nothing")
    assert response.status_code == 400
    assert "GET rule" in response.json["message"]


def calls_for(client, path):
    sandbox = get(client, path=path).json["result"]["sandbox"]
    return sandbox["status"], sandbox["body"], sandbox["calls"]


def test_blueprint_before_request_runs_only_for_its_routes(client):
    _status, _body, shop = calls_for(client, "/shop/")
    _status, _body, admin = calls_for(client, "/admin/")
    assert "shop.before_request" in shop
    assert "shop.before_request" not in admin
    # before_app_request is declared on admin but runs for every request.
    assert "admin.before_app_request" in shop
    assert "admin.before_app_request" in admin
    assert (
        shop.index("admin.before_app_request")
        < shop.index("shop.before_request")
        < shop.index("view shop.shop_index")
    )


def test_blueprint_404_handler_catches_aborts_inside_its_views(client):
    status, body, calls = calls_for(client, "/shop/item/9")
    assert status == 404
    assert body == "shop: no such item"
    assert calls[-1] == "shop.errorhandler(404)"


def test_unmatched_url_under_the_prefix_goes_to_the_app_handler(client):
    status, body, calls = calls_for(client, "/shop/nope")
    assert status == 404
    assert body == "app: page not found"
    assert "app.before_request  (request.blueprints=[])" in calls
    assert "shop.before_request" not in calls
    assert "shop.errorhandler(404)" not in calls


@pytest.mark.parametrize("path", ["shop", "//evil.example/x", "/a b", "/" + "x" * 120])
def test_bad_sandbox_paths_are_a_400(client, path):
    assert get(client, path=path).status_code == 400


def test_too_many_url_arguments_is_a_400(client):
    values = "&".join(f"a{i}=1" for i in range(6))
    assert get(client, endpoint="main.index", values=values).status_code == 400


def test_page_renders(client):
    html = client.get(URL, query_string={"endpoint": "static", "values": "filename=x.css"}).get_data(
        as_text=True
    )
    assert "/static/x.css" in html
    assert "blueprint_registry" in html


def test_xray_of_the_registry_demo(client):
    body = get(client, path="/shop/nope").json
    trace = client.get(body["xray_url"]).json
    assert trace["rule"] == "/topics/blueprints/demo/registry"
    assert trace["endpoint"] == "blueprints.demo_registry"
    assert trace["blueprints"] == ["blueprints"]
    kinds = [(event["kind"], event["name"]) for event in trace["events"]]
    assert kinds.index(("hook", "before_request")) < kinds.index(("view", "blueprints.demo_registry"))
    # The sandbox's hooks belong to another app: they never show among the site's hooks;
    # its request shows as the sandbox app's own signals.
    assert not any("shop" in event["detail"] for event in trace["events"] if event["kind"] == "hook")
    sandbox = [event for event in trace["events"] if event["kind"] == "sandbox"]
    assert ("request_started", "app.topics.blueprints.demos: GET /shop/nope") in [
        (e["name"], e["detail"]) for e in sandbox
    ]
    assert trace["sandbox"] is True
