"""Run a learner's Flask app and send it requests: the playground's Python side.

The same file runs in two places. In the browser, the playground's Web Worker writes it into
Pyodide and calls :func:`run_json`; in CI, the test suite imports it and runs every lesson
playground in CPython. Both get the same answer, so a playground that passes in CI works in
the browser.

Nothing here talks to a network or a server: requests go through ``app.test_client()``.
Standard library and Flask only.
"""

from __future__ import annotations

import inspect
import io
import json
import sys
import time
import traceback
from contextlib import redirect_stderr
from contextlib import redirect_stdout
from typing import Any

#: The file name the learner's code is compiled under: tracebacks point at its lines.
FILENAME = "app.py"
#: The module name the learner's code runs as (its ``__name__``).
MODULE = "playground_app"
#: Longest body, print output and traceback kept per request (characters).
MAX_TEXT = 64_000
#: Longest time the learner's code may take before its run is reported as too slow.
MAX_SECONDS = 5.0
#: The Flask signals the X-ray listens to, in the order a request usually sends them.
SIGNALS = (
    "appcontext_pushed",
    "request_started",
    "before_render_template",
    "template_rendered",
    "message_flashed",
    "request_finished",
    "got_request_exception",
    "request_tearing_down",
    "appcontext_tearing_down",
    "appcontext_popped",
)
HOOK_REGISTRIES = {
    "url_value_preprocessor": "url_value_preprocessors",
    "before_request": "before_request_funcs",
    "after_request": "after_request_funcs",
    "teardown_request": "teardown_request_funcs",
    "context_processor": "template_context_processors",
}
RUN_MESSAGE = (
    "app.run() starts a server, and the playground has none: it sends your requests to the app "
    "with app.test_client(). Use the request panel (or the presets) instead."
)


class PlaygroundError(Exception):
    """The learner's code cannot be run as a Flask app; the message says why."""


class BoundedText(io.StringIO):
    """A text buffer that keeps at most MAX_TEXT characters and says when it cut."""

    def write(self, text: str) -> int:
        """Keep what fits; drop the rest."""
        room = MAX_TEXT - self.tell()
        if room > 0:
            super().write(text[:room])
            if len(text) > room:
                super().write("\n… (output cut: too long)")
        return len(text)


def clip(text: str) -> str:
    """Return ``text`` cut to MAX_TEXT characters."""
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "\n… (cut: too long)"


def describe(value: Any, limit: int = 120) -> str:
    """Return a short ``repr`` for the X-ray panel."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def learner_traceback(exc: BaseException) -> dict[str, Any]:
    """Return a readable traceback of the learner's code: Flask's own frames left out."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = [frame for frame in frames if frame.filename == FILENAME]
    line = own[-1].lineno if own else None
    if isinstance(exc, SyntaxError) and exc.filename == FILENAME:
        line = exc.lineno
    shown = traceback.format_list(own) if own else []
    text = "Traceback (your code only):\n" + "".join(shown) if shown else ""
    text += "".join(traceback.format_exception_only(type(exc), exc))
    return {"type": type(exc).__name__, "message": str(exc), "line": line, "text": clip(text)}


class XRay:
    """Record what Flask does for each request: contexts, hooks, signals, rule, g and session."""

    def __init__(self, flask: Any, app: Any) -> None:
        self.flask = flask
        self.app = app
        self.events: list[dict[str, Any]] = []
        self.started = time.perf_counter()
        self.summary: dict[str, Any] = {}
        self.recording = False
        self.receivers: list[Any] = []
        self.connect()
        self.wrap_hooks()

    def add(self, kind: str, name: str, detail: str = "") -> None:
        """Record one event with the time since the request began."""
        if self.recording:
            ms = round((time.perf_counter() - self.started) * 1000, 3)
            self.events.append({"kind": kind, "name": name, "detail": detail, "ms": ms})

    def begin(self) -> None:
        """Start recording a new request."""
        self.events = []
        self.summary = {}
        self.started = time.perf_counter()
        self.recording = True

    def end(self) -> dict[str, Any]:
        """Stop recording; return the trace in the server X-ray's shape."""
        self.recording = False
        return {**self.summary, "events": self.events}

    def connect(self) -> None:
        """Connect one receiver to every Flask signal, for this app only."""
        signals = self.flask.signals
        for name in SIGNALS:
            signal = getattr(signals, name, None)
            if signal is None:
                continue
            receiver = self.receiver(name)
            self.receivers.append(receiver)  # blinker keeps weak references
            signal.connect(receiver, self.app)

    def receiver(self, name: str) -> Any:
        """Return a receiver recording signal ``name`` (and the context pushes/pops it marks)."""
        flask = self.flask

        def receive(sender: Any, **extra: Any) -> None:
            detail = ""
            if "template" in extra:
                detail = extra["template"].name or ""
            elif "message" in extra:
                detail = f"{extra.get('category')}: {describe(extra['message'], 60)}"
            elif "exception" in extra:
                detail = type(extra["exception"]).__name__
            elif "response" in extra:
                # A hook that forgot its ``return`` hands Flask None: show that, do not fail on it.
                response = extra["response"]
                detail = response.status if hasattr(response, "status") else describe(response)
            if name == "appcontext_pushed":
                self.add("context", "app context pushed", "current_app and g available")
            if name == "request_started":
                self.add("context", "request context pushed", "session opened, URL matched")
            self.add("signal", name, detail)
            if name == "request_started":
                rule = flask.request.url_rule
                self.add("routing", rule.rule if rule else "(no rule matched)", str(flask.request.endpoint))
            if name == "request_finished":
                self.summary.update(self.snapshot())
            if name == "appcontext_popped":
                self.add("context", "app context popped", "g is gone")

        receive.__name__ = f"xray_{name}"
        return receive

    def snapshot(self) -> dict[str, Any]:
        """Return the rule, endpoint, g and session of the request being finished."""
        flask = self.flask
        request = flask.request
        rule = request.url_rule
        return {
            "rule": rule.rule if rule else None,
            "endpoint": request.endpoint,
            "blueprint": request.blueprint,
            "view_args": {key: describe(value) for key, value in (request.view_args or {}).items()},
            "g": {
                key: describe(getattr(flask.g, key))
                for key in sorted(vars(flask.g))
                if not key.startswith("_")
            },
            "session": {key: describe(value) for key, value in dict(flask.session).items()},
        }

    def wrap_hooks(self) -> None:
        """Wrap every hook and view of the app so each call is recorded."""
        for kind, attribute in HOOK_REGISTRIES.items():
            registry = getattr(self.app, attribute)
            for scope, funcs in registry.items():
                registry[scope] = [self.traced(kind, scope, func) for func in funcs]
        self.app.teardown_appcontext_funcs[:] = [
            self.traced("teardown_appcontext", None, func) for func in self.app.teardown_appcontext_funcs
        ]
        for endpoint, view in list(self.app.view_functions.items()):
            if endpoint != "static":
                self.app.view_functions[endpoint] = self.traced("view", None, view, endpoint)

    def traced(self, kind: str, scope: str | None, func: Any, name: str | None = None) -> Any:
        """Return ``func`` wrapped to record each call."""
        if getattr(func, "__xray__", False):
            return func
        label = (f"{scope}: " if scope else "") + (name or getattr(func, "__qualname__", repr(func)))
        event_kind = "view" if kind == "view" else "hook"
        detail = "the view function ran" if kind == "view" else label

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self.add(event_kind, label if kind == "view" else kind, detail)
            return func(*args, **kwargs)

        wrapper.__name__ = getattr(func, "__name__", "hook")
        wrapper.__qualname__ = getattr(func, "__qualname__", wrapper.__name__)
        wrapper.__wrapped__ = func  # type: ignore[attr-defined]
        wrapper.__xray__ = True  # type: ignore[attr-defined]
        return wrapper


def no_server(self: Any, *args: Any, **kwargs: Any) -> None:
    """Stand in for ``Flask.run``: say why there is no server here."""
    print(RUN_MESSAGE)


def load_app(code: str, output: io.StringIO) -> tuple[Any, Any]:
    """Execute the learner's module; return (flask module, the Flask app it made)."""
    import flask

    flask.Flask.run = no_server  # type: ignore[method-assign]
    module = type(sys)(MODULE)
    module.__file__ = FILENAME
    saved = sys.modules.get(MODULE)
    sys.modules[MODULE] = module  # so Flask(__name__) finds its root path
    try:
        compiled = compile(code, FILENAME, "exec", dont_inherit=True)
        with redirect_stdout(output), redirect_stderr(output):
            exec(compiled, module.__dict__)  # noqa: S102  the learner's own code, in their browser or CI
            app = module.__dict__.get("app")
            factory = module.__dict__.get("create_app")
            if not isinstance(app, flask.Flask) and callable(factory) and needs_no_arguments(factory):
                app = factory()
    finally:
        if saved is not None:
            sys.modules[MODULE] = saved
        else:
            sys.modules.pop(MODULE, None)
    if not isinstance(app, flask.Flask):
        found = [value for value in module.__dict__.values() if isinstance(value, flask.Flask)]
        if not found:
            raise PlaygroundError(
                "Your code made no Flask app: name it `app` "
                "(or write a `create_app()` that needs no arguments)."
            )
        app = found[0]
    app.testing = True
    return flask, app


def needs_no_arguments(func: Any) -> bool:
    """Return whether ``func`` can be called with no arguments (``create_app(config=None)``)."""
    try:
        parameters = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return False
    required = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return all(p.default is not p.empty for p in parameters if p.kind in required)


def one_request(client: Any, spec: dict[str, Any]) -> Any:
    """Send one request described by ``spec`` through the test client."""
    method = str(spec.get("method") or "GET").upper()
    path = str(spec.get("path") or "/")
    if not path.startswith("/"):
        path = "/" + path
    kwargs: dict[str, Any] = {"method": method, "headers": dict(spec.get("headers") or {})}
    if spec.get("json") is not None:
        kwargs["json"] = spec["json"]
    elif spec.get("form"):
        kwargs["data"] = dict(spec["form"])
    elif spec.get("body"):
        kwargs["data"] = str(spec["body"])
    return client.open(path, **kwargs)


def cookie_jar(client: Any) -> dict[str, str]:
    """Return the test client's cookies, name to value."""
    return {cookie.key: cookie.value for cookie in client._cookies.values()}


def run(code: str, requests: list[dict[str, Any]], xray: bool = True) -> dict[str, Any]:
    """Run the learner's app and each request in turn; return everything the page shows."""
    started = time.perf_counter()
    output = BoundedText()
    rv: dict[str, Any] = {"ok": True, "responses": [], "output": "", "error": None}
    try:
        flask, app = load_app(code, output)
        app.config["PROPAGATE_EXCEPTIONS"] = False
        recorder = XRay(flask, app) if xray else None
        client = app.test_client()
    except Exception as exc:  # the learner's code: any error is theirs to read
        rv.update(ok=False, error=learner_traceback(exc), output=output.getvalue())
        return rv
    rv["output"] = output.getvalue()
    for spec in requests:
        if time.perf_counter() - started > MAX_SECONDS:
            rv["error"] = {
                "type": "Timeout",
                "message": f"stopped after {MAX_SECONDS:g} s",
                "line": None,
                "text": "",
            }
            break
        rv["responses"].append(send(app, client, recorder, spec))
    rv["ok"] = all(response["error"] is None for response in rv["responses"]) and rv["error"] is None
    return rv


def send(app: Any, client: Any, recorder: XRay | None, spec: dict[str, Any]) -> dict[str, Any]:
    """Send one request; return its status, headers, body, cookies, output, error and trace."""
    output = BoundedText()
    errors: list[BaseException] = []

    def remember(sender: Any, exception: BaseException, **extra: Any) -> None:
        errors.append(exception)

    import flask

    flask.signals.got_request_exception.connect(remember, app)
    if recorder is not None:
        recorder.begin()
    began = time.perf_counter()
    try:
        with redirect_stdout(output), redirect_stderr(output):
            response = one_request(client, spec)
            body = response.get_data()
    except Exception as exc:  # raised outside a request (e.g. by a test-client argument)
        errors.append(exc)
        response, body = None, b""
    finally:
        flask.signals.got_request_exception.disconnect(remember, app)
    ms = round((time.perf_counter() - began) * 1000, 3)
    trace = recorder.end() if recorder is not None else None
    text = body.decode("utf-8", "replace")
    return {
        "request": {"method": str(spec.get("method") or "GET").upper(), "path": str(spec.get("path") or "/")},
        "status": response.status_code if response is not None else None,
        "status_text": response.status if response is not None else "",
        "headers": list(response.headers.items()) if response is not None else [],
        "mimetype": response.mimetype if response is not None else "",
        "body": clip(text),
        "cookies": cookie_jar(client),
        "output": output.getvalue(),
        "error": learner_traceback(errors[0]) if errors else None,
        "ms": ms,
        "xray": trace,
    }


def check_expectations(result: dict[str, Any], requests: list[dict[str, Any]]) -> list[str]:
    """Return what differs from each preset's ``expect`` (status, body substrings)."""
    problems = []
    if result["error"]:
        problems.append(f"the app did not load: {result['error']['text']}")
        return problems
    for spec, response in zip(requests, result["responses"], strict=False):
        expect = spec.get("expect") or {}
        label = f"{spec.get('method', 'GET')} {spec.get('path', '/')}"
        if "status" in expect and response["status"] != expect["status"]:
            problems.append(f"{label}: status {response['status']}, expected {expect['status']}")
        contains = expect.get("contains") or []
        for needle in [contains] if isinstance(contains, str) else contains:
            if needle not in response["body"]:
                problems.append(f"{label}: the body does not contain {needle!r}")
    return problems


def run_json(payload: str) -> str:
    """Run a JSON request from the browser worker; return the JSON answer."""
    data = json.loads(payload)
    result = run(data["code"], data.get("requests") or [], bool(data.get("xray", True)))
    result["problems"] = check_expectations(result, data.get("requests") or [])
    return json.dumps(result)
