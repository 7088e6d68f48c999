"""The live-demo framework every topic blueprint uses.

A demo is a view registered with :func:`demo`. It answers an HTML page (controls, the live
result, the source of the functions that produced it, and the Request X-ray panel) or, for
``Accept: application/json``, the same result as JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint
from flask import Flask
from flask import abort
from flask import jsonify
from flask import render_template
from flask import request
from flask_babel import gettext as _

from app.demos.source import SourceBlock
from app.demos.source import source_block
from app.demos.xray import finished_trace
from app.demos.xray import init_xray
from app.demos.xray import partial_trace
from app.errors import wants_json
from app.inputs import choice_value
from app.inputs import int_value
from app.inputs import text_value

#: Longest text a demo accepts in one field; anything longer is a 400.
MAX_FIELD = 2000
#: Request header of the page's script: "send the result and X-ray as HTML too".
PARTIAL_HEADER = "X-Demo-Partial"


@dataclass(frozen=True)
class DemoInfo:
    """A registered demo: its endpoint, title and the view that serves it."""

    endpoint: str
    topic: str
    title: Any
    summary: Any
    view: Callable


#: Every demo, by endpoint, in registration order.
DEMOS: dict[str, DemoInfo] = {}


def demo(bp: Blueprint, rule: str, *, title: Any, summary: Any = "", methods: Iterable[str] = ("GET",)):
    """Register the decorated view as a demo at ``/demo<rule>`` of ``bp``.

    The endpoint is ``<topic>.<function name>``; name demo views ``demo_<something>``.
    """

    def decorator(view: Callable) -> Callable:
        if not view.__name__.startswith("demo_"):
            raise ValueError(f"demo views are named demo_<name>, not {view.__name__}")
        bp.add_url_rule(f"/demo{rule}", view_func=view, methods=list(methods))
        endpoint = f"{bp.name}.{view.__name__}"
        DEMOS[endpoint] = DemoInfo(endpoint, bp.name, title, summary, view)
        return view

    return decorator


def demos_for(topic: str) -> list[DemoInfo]:
    """Return the demos of ``topic`` in registration order."""
    return [info for info in DEMOS.values() if info.topic == topic]


def field_text(name: str, default: str = "", *, limit: int = MAX_FIELD) -> str:
    """Return a form or query field, refusing (400) one longer than ``limit``."""
    return text_value(name, default, limit=limit)


def field_int(name: str, default: int, low: int, high: int) -> int:
    """Return a whole-number field from ``low`` to ``high``; an empty field means ``default``.

    Notice: ``str.isdigit()`` is not the test for "an int() will work": ``"²".isdigit()``
    is True and ``int("²")`` raises. The field is matched against ASCII digits instead.
    """
    if not request.values.get(name, "").strip():
        return default
    return int_value(name, default, low, high)


def field_choice(name: str, default: str, choices: Iterable[str]) -> str:
    """Return a field that must be one of ``choices`` (400 otherwise)."""
    return choice_value(name, default, choices)


def render_demo(
    template: str,
    *,
    result: Any,
    sources: Iterable[Callable] = (),
    status: int = 200,
    **context: Any,
) -> Any:
    """Answer a demo request: JSON for scripts, else the page with source and X-ray.

    ``result`` must be JSON-serializable: it is what the JSON form returns and what the
    page shows as the live result. ``sources`` are the functions whose code the page shows.
    """
    blocks: list[SourceBlock] = [source_block(func) for func in sources]
    xray = partial_trace()
    info = DEMOS.get(request.endpoint or "")
    if wants_json():
        body = {"demo": request.endpoint, "result": result, "sources": [b.name for b in blocks]}
        if xray is not None:
            body["xray"] = xray
            body["xray_url"] = f"/demo-xray/{xray['id']}"
        if request.headers.get(PARTIAL_HEADER):
            context.update(result=result, sources=blocks, xray=xray, demo_info=info)
            body["html"] = page_parts(template, context)
        return jsonify(body), status
    page = render_template(template, result=result, sources=blocks, xray=xray, demo_info=info, **context)
    return page, status


def page_parts(template_name: str, context: dict[str, Any]) -> dict[str, str]:
    """Render the parts of a demo page a script swaps in place: controls, live result, X-ray.

    The whole page is rendered, exactly as a reload would, and the parts between their
    markers (``<!--demo:result-->`` … ``<!--/demo:result-->``) are cut out of it. The
    controls come too: some show values of the result (a cookie to tamper with).
    """
    page = render_template(template_name, **context)
    parts = {}
    for name in ("controls", "result", "xray"):
        start, end = f"<!--demo:{name}-->", f"<!--/demo:{name}-->"
        if start in page:
            parts[name] = page[page.index(start) + len(start) : page.index(end)]
    return parts


xray_bp = Blueprint("xray", __name__)


@xray_bp.get("/demo-xray/<trace_id>")
def finished(trace_id: str):
    """Return the finished X-ray of a demo request (after its teardown ran)."""
    if len(trace_id) > 64:
        abort(404)
    trace = finished_trace(trace_id)
    if trace is None:
        abort(404, _("This X-ray has expired or never existed."))
    return jsonify(trace)


def init_demos(app: Flask) -> None:
    """Mount the X-ray endpoint and start tracing; call after every blueprint."""
    app.register_blueprint(xray_bp)
    init_xray(app)
    # Highlight every demo's own source now, so no request reads a file for it.
    for info in DEMOS.values():
        source_block(info.view)
