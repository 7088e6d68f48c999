"""Live demos of the context topic: pushing contexts by hand, and concurrent requests."""

from __future__ import annotations

import contextvars
import threading
import time
from typing import Any

from flask import Flask
from flask import current_app
from flask import g
from flask import has_app_context
from flask import has_request_context
from flask import request
from flask import session
from flask.globals import _cv_app
from flask.globals import _cv_request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest

from app.demos import demo
from app.demos import field_text
from app.demos import render_demo
from app.topics.context import bp

# ---- Pushing and popping contexts, step by step -----------------------------------

#: The operations a learner can chain, and the Python each one stands for.
OPERATIONS = {
    "push_app": "ctx = app.app_context(); ctx.push()",
    "push_request": 'ctx = app.test_request_context("/hello?lang=zh"); ctx.push()',
    "push_other_app": "ctx = other_app.app_context(); ctx.push()",
    "set_g": "g.visits = g.get('visits', 0) + 1",
    "pop": "ctx.pop()  # the most recent context",
}
DEFAULT_OPS = "push_app,set_g,pop,push_app,pop,push_request,set_g,push_other_app,pop,pop"
MAX_OPS = 12


def make_context_apps() -> tuple[Flask, Flask]:
    """Build two throwaway apps: ``app``, and ``other_app`` to push inside it."""
    app = Flask("sandbox_app", static_folder=None)
    app.secret_key = "sandbox-only"  # noqa: S105 (a throwaway key, so the request context can open a session)
    other_app = Flask("other_app", static_folder=None)
    return app, other_app


def try_read(read: Any) -> str:
    """Return what reading a proxy gives, or the RuntimeError Flask raises outside a context."""
    try:
        return str(read())
    except RuntimeError as error:
        return f"RuntimeError: {str(error).splitlines()[0]}"


def count_visit() -> str:
    """Add one to ``g.visits``: it survives only as long as the app context it was set in."""
    g.visits = g.get("visits", 0) + 1
    return f"g.visits = {g.visits}"


def what_is_available() -> dict[str, str]:
    """Describe ``current_app``, ``g``, ``request`` and ``session`` at this moment.

    Notice: each name is a proxy that looks up a ContextVar (``_cv_app`` or
    ``_cv_request``) every time it is used; with nothing pushed, the lookup fails.
    """
    return {
        "has_app_context": str(has_app_context()),
        "has_request_context": str(has_request_context()),
        "current_app": try_read(lambda: current_app.name),
        "g": try_read(lambda: dict(vars(g))),
        "request": try_read(lambda: f"{request.method} {request.full_path}"),
        "session": try_read(lambda: f"{type(session._get_current_object()).__name__} {dict(session)}"),
        "_cv_app": type(_cv_app.get(None)).__name__,
        "_cv_request": type(_cv_request.get(None)).__name__,
    }


def run_operations(ops: list[str]) -> list[dict[str, Any]]:
    """Replay the operations in order and describe what is available after each one.

    Notice: the replay runs in a brand-new, empty ``contextvars.Context`` - what a
    script, a CLI command or a new thread starts with - not inside this page's request.
    """
    app, other_app = make_context_apps()
    pushed: list[Any] = []
    steps = [{"op": "start", "code": "# nothing pushed yet", "outcome": "ok", **what_is_available()}]
    try:
        for op in ops:
            outcome = "ok"
            if op == "push_app":
                pushed.append(app.app_context())
                pushed[-1].push()
            elif op == "push_request":
                pushed.append(app.test_request_context("/hello?lang=zh"))
                pushed[-1].push()
            elif op == "push_other_app":
                pushed.append(other_app.app_context())
                pushed[-1].push()
            elif op == "set_g":
                outcome = try_read(count_visit)
            elif op == "pop":
                outcome = "ok" if pushed else "nothing to pop"
                if pushed:
                    pushed.pop().pop()
            steps.append({"op": op, "code": OPERATIONS[op], "outcome": outcome, **what_is_available()})
    finally:
        while pushed:  # leave nothing pushed, whatever happened
            pushed.pop().pop()
    return steps


def read_operations() -> list[str]:
    """Return the learner's comma-separated operations, checked and bounded."""
    text = field_text("ops", DEFAULT_OPS, limit=300)
    ops = [op.strip() for op in text.split(",") if op.strip()]
    if len(ops) > MAX_OPS:
        raise BadRequest(_("At most %(count)d steps.", count=MAX_OPS))
    unknown = [op for op in ops if op not in OPERATIONS]
    if unknown:
        raise BadRequest(_("Unknown step %(step)r.", step=unknown[0][:30]))
    return ops


@demo(
    bp,
    "/contexts",
    title=_l("Application and request contexts, step by step"),
    summary=_l(
        "Push and pop contexts of a sandbox app and see what current_app, g, request and session give."
    ),
)
def demo_contexts():
    """Replay the learner's push/pop steps in a fresh contextvars.Context."""
    ops = read_operations()
    steps = contextvars.Context().run(run_operations, ops)
    result = {
        "ops": ops,
        "steps": steps,
        "this_request": {"current_app": current_app.name, "g": sorted(vars(g))},
    }
    return render_demo(
        "context/contexts.html",
        result=result,
        sources=[run_operations, what_is_available, count_visit, try_read, make_context_apps],
        operations=OPERATIONS,
        ops_text=",".join(ops),
        max_ops=MAX_OPS,
    )


# ---- Two requests at once ----------------------------------------------------------


def make_slow_app(shared: dict[str, str], started: float) -> Flask:
    """Build a throwaway app whose view stores a name in ``g`` and in a plain dict, then sleeps.

    Notice: ``g`` and ``request`` are per request (ContextVars); ``shared`` is one
    ordinary object seen by every thread, so the slower request reads the other's name.
    """
    app = Flask("slow_app", static_folder=None)

    def event(what: str) -> dict[str, Any]:
        ms = round((time.perf_counter() - started) * 1000, 1)
        return {"ms": ms, "thread": threading.current_thread().name, "what": what}

    @app.get("/work/<name>")
    def work(name: str):
        events = [event(f"start: request.path={request.path}")]
        g.name = name
        shared["name"] = name
        time.sleep(float(request.args["delay"]))
        events.append(
            event(f"after sleep: request.path={request.path}, g.name={g.name}, shared={shared['name']}")
        )
        return {"events": events, "g_name": g.name, "shared_name": shared["name"], "path": request.path}

    return app


def run_two_requests(delays: dict[str, float]) -> dict[str, Any]:
    """Send two overlapping requests from two threads to the same app.

    Notice: each thread pushes its own contexts; the app object is shared, the request
    and ``g`` are not.
    """
    shared: dict[str, str] = {}
    started = time.perf_counter()
    app = make_slow_app(shared, started)
    results: dict[str, Any] = {}

    def call(name: str) -> None:
        response = app.test_client().get(f"/work/{name}", query_string={"delay": delays[name]})
        results[name] = {"thread": threading.current_thread().name, **response.get_json()}

    threads = [threading.Thread(target=call, args=(name,), name=f"thread-{name}") for name in delays]
    for thread in threads:
        thread.start()
        time.sleep(0.02)  # let the first request start first
    for thread in threads:
        thread.join(timeout=5)
    return {name: results[name] for name in delays}


def local_versus_contextvar() -> dict[str, str]:
    """Interleave two tasks in ONE thread: a ``threading.local`` is shared, a ContextVar is not.

    Notice: this is what asyncio tasks or greenlets do. Werkzeug's old thread-local stacks
    would mix them up; ContextVars (Flask 2.2+, Werkzeug 2+) keep each task's value apart.
    """
    local = threading.local()
    var: contextvars.ContextVar[str] = contextvars.ContextVar("user")
    task_a, task_b = contextvars.Context(), contextvars.Context()

    def set_user(name: str) -> None:
        local.user = name
        var.set(name)

    def read_user() -> str:
        return f"threading.local: {local.user} · ContextVar: {var.get()}"

    task_a.run(set_user, "alice")
    task_b.run(set_user, "bob")  # task B runs while task A is paused
    return {"task_a": task_a.run(read_user), "task_b": task_b.run(read_user)}


def read_delays() -> dict[str, float]:
    """Return the two requests' names and sleep times, bounded to half a second."""
    delays = {}
    for slot, default_name, default_delay in (("a", "alice", "0.3"), ("b", "bob", "0.1")):
        name = field_text(f"name_{slot}", default_name, limit=20).strip()
        if not name.isalnum():
            raise BadRequest(_("Names are letters and digits only."))
        try:
            delay = float(field_text(f"delay_{slot}", default_delay, limit=5))
        except ValueError:
            raise BadRequest(_("A delay is a number of seconds.")) from None
        if not 0 <= delay <= 0.5:
            raise BadRequest(_("A delay is between 0 and 0.5 seconds."))
        delays[name] = delay
    if len(delays) != 2:
        raise BadRequest(_("Give the two requests different names."))
    return delays


@demo(
    bp,
    "/concurrent",
    title=_l("Two requests at once: each sees its own request and g"),
    summary=_l(
        "Two threads call the same sandbox app; the proxies resolve per request, a plain global does not."
    ),
)
def demo_concurrent():
    """Run two overlapping requests, and the single-thread local-versus-ContextVar comparison."""
    delays = read_delays()
    requests = run_two_requests(delays)
    timeline = sorted(
        (event for answer in requests.values() for event in answer["events"]), key=lambda e: e["ms"]
    )
    result = {
        "delays": delays,
        "requests": requests,
        "timeline": timeline,
        "one_thread": local_versus_contextvar(),
    }
    return render_demo(
        "context/concurrent.html",
        result=result,
        sources=[run_two_requests, make_slow_app, local_versus_contextvar],
    )
