"""Request X-ray: the rule, hooks, signals and contexts of one demo request, as they happen.

Nothing here is simulated. Every hook the app registered is wrapped once, after all
blueprints are registered, so the trace names the real functions in the order Flask calls
them; every Flask signal gets a receiver. Both record only while a demo request is being
traced, so ordinary pages pay one ContextVar lookup per hook.
"""

from __future__ import annotations

import functools
import json
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from blinker import NamedSignal
from flask import Flask
from flask import current_app
from flask import g
from flask import request
from flask import session
from flask import signals
from flask.globals import _cv_app
from flask_babel import gettext as _

#: Blueprint-scoped hook lists Flask keeps on the app, by attribute name.
HOOK_REGISTRIES = {
    "url_value_preprocessor": "url_value_preprocessors",
    "before_request": "before_request_funcs",
    "after_request": "after_request_funcs",
    "teardown_request": "teardown_request_funcs",
    "context_processor": "template_context_processors",
}

#: Every signal Flask defines, read from flask.signals itself (ten in Flask 3.1).
SIGNALS: tuple[str, ...] = tuple(
    name for name, value in vars(signals).items() if isinstance(value, NamedSignal)
)

#: Names whose values the panel never shows.
SECRET_WORDS = ("csrf", "token", "secret", "password", "key")

#: How long a finished trace can be fetched, and how many the in-process store keeps.
TRACE_TTL_SECONDS = 600
MEMORY_TRACES = 256


@dataclass
class Trace:
    """The events of one request, in order, with the time since it began."""

    id: str
    started: float = field(default_factory=time.perf_counter)
    events: list[dict[str, Any]] = field(default_factory=list)
    demo: bool = False
    summary: dict[str, Any] = field(default_factory=dict)
    app_ctx: Any = None
    #: Words recorded after the request context is gone, translated while it is there.
    words: dict[str, str] = field(default_factory=dict)

    def add(self, kind: str, name: str, detail: str = "") -> None:
        """Record one event."""
        elapsed = round((time.perf_counter() - self.started) * 1000, 3)
        self.events.append({"kind": kind, "name": name, "detail": detail, "ms": elapsed})

    def as_dict(self) -> dict[str, Any]:
        """Return the trace as JSON-ready data."""
        sandbox = any(event["kind"] == "sandbox" for event in self.events)
        return {"id": self.id, **self.summary, "sandbox": sandbox, "events": list(self.events)}


_current: ContextVar[Trace | None] = ContextVar("xray_trace", default=None)


def current_trace() -> Trace | None:
    """Return the trace of the demo request being handled, if any."""
    trace = _current.get()
    return trace if trace is not None and trace.demo else None


def is_demo_endpoint(endpoint: str | None) -> bool:
    """Return whether ``endpoint`` is a live demo (``<topic>.demo_<name>``)."""
    return bool(endpoint) and ".demo_" in endpoint


def hook_name(func: Callable) -> str:
    """Return a readable name for a hook function."""
    module = getattr(func, "__module__", "") or ""
    return f"{module}.{getattr(func, '__qualname__', repr(func))}"


def traced(kind: str, scope: str | None, func: Callable) -> Callable:
    """Wrap ``func`` so each call is recorded in the current trace."""
    if getattr(func, "__xray__", False):
        return func
    label = f"{scope}: " if scope else ""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        trace = _current.get()
        if trace is not None and trace.demo:
            trace.add("hook", kind, label + hook_name(func))
        return func(*args, **kwargs)

    wrapper.__xray__ = True  # type: ignore[attr-defined]
    return wrapper


def wrap_hooks(app: Flask) -> None:
    """Wrap every registered hook and error handler of ``app`` for tracing."""
    for kind, attribute in HOOK_REGISTRIES.items():
        registry = getattr(app, attribute)
        for scope, funcs in registry.items():
            registry[scope] = [traced(kind, scope, func) for func in funcs]
    app.teardown_appcontext_funcs[:] = [
        traced("teardown_appcontext", None, func) for func in app.teardown_appcontext_funcs
    ]
    for scope, by_code in app.error_handler_spec.items():
        for handlers in by_code.values():
            for exc_class, handler in list(handlers.items()):
                handlers[exc_class] = traced("errorhandler", scope, handler)


def describe(value: Any, limit: int = 120) -> str:
    """Return a short, safe ``repr`` of a value for the panel."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shown(key: str) -> bool:
    """Return whether a ``g`` attribute may be shown (never tokens or private names)."""
    lowered = key.lower()
    return not key.startswith("_") and not any(word in lowered for word in SECRET_WORDS)


def snapshot() -> dict[str, Any]:
    """Return what the panel shows about the request right now."""
    rule = request.url_rule
    return {
        "rule": rule.rule if rule else None,
        "methods": sorted(rule.methods or ()) if rule else [],
        "endpoint": request.endpoint,
        "blueprint": request.blueprint,
        "blueprints": list(request.blueprints),
        "view_args": {key: describe(value) for key, value in (request.view_args or {}).items()},
        "g": {key: describe(getattr(g, key)) for key in sorted(vars(g)) if shown(key)},
        # Keys only: values may be secrets (the CSRF token lives in the session).
        "session_keys": sorted(session),
    }


class TraceStore:
    """Finished traces, fetched by the page after the response: Redis, or process memory."""

    def __init__(self, app: Flask) -> None:
        self.redis = app.config.get("SESSION_REDIS") if app.config.get("SESSION_TYPE") == "redis" else None
        self.prefix = app.config.get("SESSION_KEY_PREFIX", "") + "xray:"
        self.memory: OrderedDict[str, tuple[float, str]] = OrderedDict()

    def put(self, trace: Trace) -> None:
        """Keep ``trace`` for TRACE_TTL_SECONDS."""
        data = json.dumps(trace.as_dict())
        if self.redis is not None:
            self.redis.set(self.prefix + trace.id, data, ex=TRACE_TTL_SECONDS)
            return
        self.memory[trace.id] = (time.monotonic() + TRACE_TTL_SECONDS, data)
        while len(self.memory) > MEMORY_TRACES:
            self.memory.popitem(last=False)

    def get(self, trace_id: str) -> dict[str, Any] | None:
        """Return the finished trace ``trace_id``, or None once expired or unknown."""
        if self.redis is not None:
            data = self.redis.get(self.prefix + trace_id)
            return json.loads(data) if data else None
        entry = self.memory.get(trace_id)
        if entry is None or entry[0] < time.monotonic():
            return None
        return json.loads(entry[1])


def sandbox_detail(sender: Any, name: str, extra: dict[str, Any]) -> str:
    """Describe a signal a demo's sandbox app sent: which app, and for which request."""
    app_name = getattr(sender, "name", type(sender).__name__)
    if name == "request_started":
        return f"{app_name}: {request.method} {request.full_path.rstrip('?')}"
    if "response" in extra:
        return f"{app_name}: {extra['response'].status}"
    if "template" in extra:
        return f"{app_name}: {extra['template'].name or '(from a string)'}"
    if "exception" in extra:
        return f"{app_name}: {type(extra['exception']).__name__}"
    if "message" in extra:
        return f"{app_name}: {extra.get('category')}: {describe(extra['message'], 60)}"
    return app_name


def trace_sandboxes() -> None:
    """Record, inside the demo request being traced, every signal another Flask app sends.

    Many demos run a throwaway *sandbox* app (``sandbox.test_client().get(...)``) inside the
    site's request, in the same thread: its signals arrive here, with the sandbox as sender,
    while the site's trace is current. Connected once per process, for any sender.
    """
    if getattr(trace_sandboxes, "connected", False):
        return

    def make_receiver(name: str) -> Callable:
        def receiver(sender: Any, **extra: Any) -> None:
            trace = _current.get()
            if trace is None or not trace.demo or trace.app_ctx is None:
                return
            if sender is trace.app_ctx.app or not isinstance(sender, Flask):
                return
            trace.add("sandbox", name, sandbox_detail(sender, name, extra))

        receiver.__name__ = f"xray_sandbox_{name}"
        return receiver

    for name in SIGNALS:
        getattr(signals, name).connect(make_receiver(name), weak=False)
    trace_sandboxes.connected = True  # type: ignore[attr-defined]


def init_xray(app: Flask) -> None:
    """Connect the signal receivers and wrap the hooks; call after every blueprint."""
    store = TraceStore(app)
    app.extensions["xray_store"] = store

    def on_request_started(sender: Flask, **extra: Any) -> None:
        if not is_demo_endpoint(request.endpoint):
            return
        # RequestContext.push() has already pushed the app context and matched the
        # URL; those steps are recorded here, the first moment we know this is a demo.
        trace = Trace(id=secrets.token_urlsafe(12), demo=True, app_ctx=_cv_app.get(None))
        _current.set(trace)
        g.xray_id = trace.id
        trace.words = {
            "popped": _("app context popped"),
            "nested": _("the nested one; the request's is still there"),
            "end": _("the end of this request"),
        }
        trace.add("context", _("app context pushed"), _("AppContext.push(): current_app and g available"))
        trace.add(
            "context", _("request context pushed"), _("RequestContext.push(): session opened, URL matched")
        )
        trace.add("signal", "request_started")

    def on_appcontext_pushed(sender: Flask, **extra: Any) -> None:
        trace = _current.get()
        if trace is not None:
            trace.add("context", _("app context pushed"), _("a nested `with app.app_context():`"))

    def on_appcontext_popped(sender: Flask, **extra: Any) -> None:
        trace = _current.get()
        if trace is None:
            return
        if _cv_app.get(None) is trace.app_ctx:
            trace.add("context", trace.words["popped"], trace.words["nested"])
            return
        trace.add("signal", "appcontext_popped")
        trace.add("context", trace.words["popped"], trace.words["end"])
        trace.app_ctx = None
        store.put(trace)
        _current.set(None)

    def make_receiver(name: str) -> Callable:
        def receiver(sender: Flask, **extra: Any) -> None:
            trace = _current.get()
            if trace is None or not trace.demo:
                return
            detail = ""
            if "template" in extra:
                detail = extra["template"].name or ""
            elif "message" in extra:
                detail = f"{extra.get('category')}: {describe(extra['message'], 60)}"
            elif "exception" in extra:
                detail = type(extra["exception"]).__name__
            elif "response" in extra:
                detail = extra["response"].status
            trace.add("signal", name, detail)
            if name == "request_finished":
                trace.summary.update(snapshot())

        receiver.__name__ = f"xray_{name}"
        return receiver

    signals.appcontext_pushed.connect(on_appcontext_pushed, app, weak=False)
    signals.request_started.connect(on_request_started, app, weak=False)
    signals.appcontext_popped.connect(on_appcontext_popped, app, weak=False)
    for name in SIGNALS:
        if name not in {"appcontext_pushed", "request_started", "appcontext_popped"}:
            getattr(signals, name).connect(make_receiver(name), app, weak=False)
    trace_sandboxes()
    wrap_hooks(app)


def partial_trace() -> dict[str, Any] | None:
    """Return the trace so far (up to the view), for the page being rendered."""
    trace = current_trace()
    if trace is None:
        return None
    trace.add("view", str(request.endpoint), _("the view function ran and built its result"))
    data = trace.as_dict()
    data.update(snapshot())
    return data


def finished_trace(trace_id: str) -> dict[str, Any] | None:
    """Return a finished trace by id from the app's store."""
    return current_app.extensions["xray_store"].get(trace_id)
