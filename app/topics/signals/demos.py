"""Live demos of the signals topic: Flask's own signals in order, and a blinker signal of your own.

Both demos keep to the learner's sandbox: Flask's signals are traced only for a throwaway
app (the sender filter), with receivers that are disconnected when the block ends; the
custom signal lives in a Namespace built for each request from the choices in the session.
"""

from __future__ import annotations

import gc
import secrets
from contextlib import ExitStack
from typing import Any

from blinker import ANY
from blinker import Namespace
from blinker import Signal
from flask import Flask
from flask import flash
from flask import render_template_string
from flask import request
from flask import session
from flask import signals
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest

from app.demos import demo
from app.demos import field_text
from app.demos import render_demo
from app.demos.xray import SIGNALS as FLASK_SIGNALS
from app.topics.signals import bp

TRACE_PATHS = {
    "/": _l("a normal page"),
    "/fail": _l("a view that raises"),
    "/missing": _l("a URL that matches nothing"),
}


# ---- signals.demo_trace -------------------------------------------------------------


def make_sandbox() -> Flask:
    """Build a throwaway app with a page that flashes and renders, and a view that fails."""
    sandbox = Flask(__name__)
    sandbox.secret_key = secrets.token_hex(16)
    # The failure below is on purpose: keep its traceback out of the server's log.
    sandbox.logger.disabled = True

    @sandbox.get("/")
    def page():
        flash("Welcome to the sandbox", "info")
        return render_template_string("<p>{{ greeting }}</p>", greeting="Hello")

    @sandbox.get("/fail")
    def fail():
        flash("About to fail", "warning")
        return 1 / 0

    return sandbox


def summarize(kwargs: dict[str, Any]) -> dict[str, str]:
    """Return a receiver's keyword arguments as short, readable strings."""
    shown = {}
    for key, value in kwargs.items():
        if key == "context":
            shown[key] = f"<{len(value)} names: {', '.join(sorted(value))}>"
        elif key == "template":
            shown[key] = f"<Template {value.name or '(from a string)'}>"
        elif key == "response":
            shown[key] = f"<Response {value.status}>"
        else:
            text = repr(value)
            shown[key] = text if len(text) <= 80 else text[:79] + "…"
    return shown


def trace_signals(sandbox: Flask, path: str) -> tuple[list[dict[str, Any]], int]:
    """Connect a receiver to every Flask signal for ``sandbox`` only, and send one request.

    Notice: ``connected_to(receiver, sandbox)`` filters by sender, so other apps' signals
    (this site's included) never reach the receivers, and it disconnects them at the end.
    """
    events: list[dict[str, Any]] = []

    def make_receiver(name: str):
        def receiver(sender: Flask, **kwargs: Any) -> None:
            events.append({"signal": name, "sender": sender.name, "kwargs": summarize(kwargs)})

        return receiver

    with ExitStack() as stack:
        for name in FLASK_SIGNALS:
            signal = getattr(signals, name)
            stack.enter_context(signal.connected_to(make_receiver(name), sandbox))
        response = sandbox.test_client().get(path)
    return events, response.status_code


@demo(
    bp,
    "/trace",
    title=_l("Every Flask signal of one request"),
    summary=_l(
        "Send a request to a sandbox app and see each signal Flask sends, in order, with its arguments."
    ),
)
def demo_trace():
    """Trace the signals of one sandbox request, normal or failing."""
    path = field_text("path", "/", limit=20)
    if path not in TRACE_PATHS:
        raise BadRequest(_("Choose one of the sandbox paths: %(paths)s.", paths=", ".join(TRACE_PATHS)))
    events, status = trace_signals(make_sandbox(), path)
    result = {"path": path, "status": status, "events": events, "signals": [e["signal"] for e in events]}
    return render_demo(
        "signals/trace.html",
        result=result,
        sources=[trace_signals, make_sandbox, summarize],
        paths=TRACE_PATHS,
    )


# ---- signals.demo_custom ------------------------------------------------------------

#: The session key holding the names of the receivers this learner subscribed.
SUBSCRIPTIONS_KEY = "signals_demo_receivers"
SENDERS = ("shop", "blog")
MAX_PAYLOAD = 200


def audit_log(sender: str, **extra: Any) -> str:
    """Record that something happened (here: just say so)."""
    return f"logged an order from {sender}"


def count_words(sender: str, payload: str = "", **extra: Any) -> int:
    """Return how many words the payload has."""
    return len(payload.split())


def shout(sender: str, payload: str = "", **extra: Any) -> str:
    """Return the payload in capitals."""
    return payload.upper()


def notify_shop_team(sender: str, payload: str = "", **extra: Any) -> str:
    """Tell the shop team; connected for the sender "shop" only."""
    return f"the shop team was told about {payload[:40]!r}"


#: The receivers a learner may subscribe, and the sender each one listens to.
RECEIVERS = {
    "audit_log": (audit_log, ANY),
    "count_words": (count_words, ANY),
    "shout": (shout, ANY),
    "notify_shop_team": (notify_shop_team, "shop"),
}


def build_signal(subscribed: list[str]) -> Signal:
    """Make a fresh ``order-placed`` signal and connect the learner's receivers to it.

    Notice: the Namespace is built for this request only, so one learner's receivers never
    reach another learner, and nothing accumulates in the server's memory.
    """
    order_signals = Namespace()
    order_placed = order_signals.signal("order-placed")
    for name in subscribed:
        receiver, sender = RECEIVERS[name]
        order_placed.connect(receiver, sender=sender)
    return order_placed


def send_signal(order_placed: Signal, sender: str, payload: str) -> list[list[Any]]:
    """Send the signal and return ``[(receiver, return value), ...]`` as ``send()`` gives it."""
    rv = order_placed.send(sender, payload=payload)
    return [[receiver.__name__, value] for receiver, value in rv]


def receiver_names(signal: Signal) -> list[str]:
    """Return the names of the receivers still connected to ``signal`` (for any sender)."""
    return [receiver.__name__ for receiver in signal.receivers_for(ANY)]


def local_receiver_after_gc(weak: bool) -> dict[str, Any]:
    """Connect a receiver defined inside this function, drop it, and collect garbage.

    Notice: blinker holds receivers by weak reference unless ``weak=False``, so a receiver
    that only this function referred to vanishes once the function lets go of it.
    """
    ping = Namespace().signal("ping")

    def on_ping(sender: str, **extra: Any) -> str:
        return "pong"

    ping.connect(on_ping, weak=weak)
    before = receiver_names(ping)
    answered_before = [[r.__name__, value] for r, value in ping.send("demo")]
    del on_ping
    gc.collect()
    return {
        "weak": weak,
        "receivers_before": before,
        "send_before": answered_before,
        "receivers_after_gc": receiver_names(ping),
        "send_after_gc": [[r.__name__, value] for r, value in ping.send("demo")],
    }


def chosen_receivers() -> list[str]:
    """Return the receiver names ticked in the form, refusing unknown ones."""
    names = request.form.getlist("receiver")
    unknown = [name for name in names if name not in RECEIVERS]
    if unknown or len(names) > len(RECEIVERS):
        raise BadRequest(_("Choose receivers from the list: %(names)s.", names=", ".join(RECEIVERS)))
    return [name for name in RECEIVERS if name in names]


@demo(
    bp,
    "/custom",
    title=_l("A signal of your own"),
    summary=_l(
        "Subscribe receivers to a blinker signal, send it with a payload, and watch weak references go."
    ),
    methods=("GET", "POST"),
)
def demo_custom():
    """Subscribe receivers, send the signal, or show weak and strong references after gc."""
    subscribed = [name for name in session.get(SUBSCRIPTIONS_KEY, []) if name in RECEIVERS]
    result: dict[str, Any] = {"action": "show", "subscribed": subscribed}
    if request.method == "POST":
        action = field_text("action", limit=20)
        if action == "subscribe":
            subscribed = chosen_receivers()
            session[SUBSCRIPTIONS_KEY] = subscribed
            result.update(action="subscribe", subscribed=subscribed)
        elif action == "send":
            sender = field_text("sender", "shop", limit=10)
            if sender not in SENDERS:
                raise BadRequest(_("Choose a sender: %(senders)s.", senders=", ".join(SENDERS)))
            payload = field_text("payload", "", limit=MAX_PAYLOAD)
            order_placed = build_signal(subscribed)
            result.update(action="send", sender=sender, payload=payload)
            result["returned"] = send_signal(order_placed, sender, payload)
        elif action == "weakref":
            result.update(action="weakref", weak=local_receiver_after_gc(True))
            result["strong"] = local_receiver_after_gc(False)
        else:
            raise BadRequest(_("Unknown action; use subscribe, send or weakref."))
    return render_demo(
        "signals/custom.html",
        result=result,
        sources=[build_signal, send_signal, local_receiver_after_gc],
        receivers=RECEIVERS,
        senders=SENDERS,
        any_sender=ANY,
    )
