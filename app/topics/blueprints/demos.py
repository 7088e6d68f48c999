"""Live demos of the blueprints topic: the real app's registry, url_for, and scoped hooks."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import parse_qsl

from flask import Blueprint
from flask import Flask
from flask import abort
from flask import current_app
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest
from werkzeug.routing import BuildError
from werkzeug.routing import Rule

from app.demos import demo
from app.demos import field_text
from app.demos import render_demo
from app.topics.blueprints import bp

#: Rules without a blueprint (``static`` and any ``@app.route``) are listed under this name.
APP_LEVEL = "(app)"
MAX_URL_ARGS = 5
SANDBOX_PATHS = ("/shop/", "/shop/item/2", "/shop/item/9", "/shop/nope", "/admin/", "/nowhere")


def rule_info(rule: Rule) -> dict[str, Any]:
    """Return what the URL map knows about one rule."""
    methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    return {"rule": rule.rule, "endpoint": rule.endpoint, "methods": methods, "websocket": rule.websocket}


def blueprint_registry(app: Flask) -> list[dict[str, Any]]:
    """Return ``app.blueprints``, each with the rules registered under its name.

    Notice: ``url_prefix`` is None for a blueprint mounted with
    ``register_blueprint(bp, url_prefix=...)``: the prefix was applied to its rules while
    they were recorded, and lives only there.
    """
    rules: dict[str, list[Rule]] = defaultdict(list)
    for rule in app.url_map.iter_rules():
        owner, _dot, _view = rule.endpoint.rpartition(".")
        rules[owner or APP_LEVEL].append(rule)
    registry = []
    for name, blueprint in app.blueprints.items():
        own = sorted(rules.get(name, []), key=lambda r: r.rule)
        registry.append(
            {
                "name": name,
                "url_prefix": blueprint.url_prefix,
                "import_name": blueprint.import_name,
                "rule_count": len(own),
                "rules": [rule_info(rule) for rule in own],
            }
        )
    app_rules = sorted(rules.get(APP_LEVEL, []), key=lambda r: r.rule)
    registry.append(
        {
            "name": APP_LEVEL,
            "url_prefix": None,
            "import_name": app.import_name,
            "rule_count": len(app_rules),
            "rules": [rule_info(rule) for rule in app_rules],
        }
    )
    return registry


def buildable_endpoints(app: Flask) -> list[dict[str, Any]]:
    """Return the endpoints with a GET rule, and the arguments each one requires."""
    endpoints: dict[str, list[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.websocket or "GET" not in (rule.methods or ()):
            continue
        required = sorted(rule.arguments - set(rule.defaults or {}))
        endpoints.setdefault(rule.endpoint, required)
    return [{"endpoint": name, "required": endpoints[name]} for name in sorted(endpoints)]


def build_url(endpoint: str, values: dict[str, str], external: bool) -> dict[str, Any]:
    """Call ``url_for`` on the real app, from inside this blueprint's request.

    Notice: ``url_for`` only reads the URL map; ``.demo_registry`` (a leading dot)
    means "in the current blueprint".
    """
    try:
        url = url_for(endpoint, _external=external, **values)
    except (BuildError, ValueError, TypeError) as error:
        return {"endpoint": endpoint, "values": values, "error": str(error).splitlines()[0]}
    return {"endpoint": endpoint, "values": values, "external": external, "url": url}


def parse_values(raw: str) -> dict[str, str]:
    """Return ``name=value&...`` as a dict, bounded."""
    pairs = parse_qsl(raw.strip(), keep_blank_values=True)
    if len(pairs) > MAX_URL_ARGS:
        raise BadRequest(_("Give at most %(count)d arguments.", count=MAX_URL_ARGS))
    return dict(pairs)


def make_sandbox(calls: list[str]) -> Flask:
    """Build an app with two blueprints, shop and admin, whose hooks record themselves.

    Notice: ``shop.before_request`` runs only for shop's routes; ``admin.before_app_request``
    runs for every request, although it is declared on admin.
    """
    sandbox = Flask(__name__)
    shop = Blueprint("shop", __name__, url_prefix="/shop")
    admin = Blueprint("admin", __name__, url_prefix="/admin")

    @sandbox.before_request
    def app_before_request():
        calls.append(f"app.before_request  (request.blueprints={request.blueprints})")

    @shop.before_request
    def shop_before_request():
        calls.append("shop.before_request")

    @admin.before_app_request
    def admin_before_app_request():
        calls.append("admin.before_app_request")

    @shop.get("/")
    def shop_index():
        calls.append("view shop.shop_index")
        return "the shop"

    @shop.get("/item/<int:item_id>")
    def item(item_id: int):
        calls.append(f"view shop.item(item_id={item_id})")
        if item_id > 3:
            abort(404)
        return f"item {item_id}"

    @admin.get("/")
    def dashboard():
        calls.append("view admin.dashboard")
        return "the admin dashboard"

    @shop.errorhandler(404)
    def shop_not_found(error):
        calls.append("shop.errorhandler(404)")
        return "shop: no such item", 404

    @sandbox.errorhandler(404)
    def app_not_found(error):
        calls.append("app.errorhandler(404)")
        return "app: page not found", 404

    sandbox.register_blueprint(shop)
    sandbox.register_blueprint(admin)
    return sandbox


def try_sandbox(path: str) -> dict[str, Any]:
    """Request ``path`` from the sandbox and return the hooks and handlers that ran, in order.

    Notice: ``/shop/nope`` matches no rule, so no blueprint is known and shop's 404
    handler cannot catch it; ``/shop/item/9`` matched shop's rule before the view aborted.
    """
    calls: list[str] = []
    response = make_sandbox(calls).test_client().get(path)
    return {
        "path": path,
        "status": response.status_code,
        "body": response.get_data(as_text=True),
        "calls": calls,
    }


def sandbox_path() -> str:
    """Return the sandbox path the learner typed, refusing anything that is not a path."""
    path = field_text("path", SANDBOX_PATHS[0], limit=100).strip() or "/"
    if not path.startswith("/") or path.startswith("//") or any(ch.isspace() for ch in path):
        raise BadRequest(_("Type a path that starts with a single /, without spaces."))
    return path


@demo(
    bp,
    "/registry",
    title=_l("The blueprint registry"),
    summary=_l("app.blueprints of this very site, url_for across blueprints, and blueprint-scoped hooks."),
)
def demo_registry():
    """Show the site's blueprints and rules, build a URL, and run the hooks sandbox."""
    app = current_app._get_current_object()
    endpoint = field_text("endpoint", "", limit=100)
    result: dict[str, Any] = {"blueprints": blueprint_registry(app), "url_for": None}
    status = 200
    if endpoint:
        known = {item["endpoint"] for item in buildable_endpoints(app)} | {".demo_registry"}
        if endpoint not in known:
            raise BadRequest(_("Choose an endpoint of this site that has a GET rule."))
        values = parse_values(field_text("values", "", limit=200))
        result["url_for"] = build_url(endpoint, values, external=request.args.get("external") == "1")
        status = 400 if "error" in result["url_for"] else 200
    result["sandbox"] = try_sandbox(sandbox_path())
    return render_demo(
        "blueprints/registry.html",
        result=result,
        status=status,
        sources=[blueprint_registry, build_url, make_sandbox, try_sandbox],
        endpoints=buildable_endpoints(app),
        sandbox_paths=SANDBOX_PATHS,
    )
