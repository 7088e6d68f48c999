"""Live demos of the config topic: where settings come from, and this site's own config."""

from __future__ import annotations

import ast
import contextlib
import json
import re
import tempfile
import types
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

from flask import Flask
from flask import current_app
from flask.config import Config
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest

from app.demos import demo
from app.demos import field_text
from app.demos import render_demo
from app.topics.config import bp

#: The five loaders, in the order the demo applies them (later wins).
SOURCES = ("object", "pyfile", "mapping", "json", "env")
SOURCE_LABELS = {
    "defaults": "Flask defaults",
    "object": "from_object",
    "pyfile": "from_pyfile",
    "mapping": "from_mapping",
    "json": "from_file(json.load)",
    "env": "from_prefixed_env",
}
MAX_ENV_LINES = 20
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

DEFAULT_PYFILE = """\
# settings.py
ITEMS_PER_PAGE = 20
GREETING = "hello from settings.py"
ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
debug_toolbar = True  # lowercase: ignored, like every lowercase name
"""
DEFAULT_JSON = """\
{
  "ITEMS_PER_PAGE": 40,
  "GREETING": "hello from config.json",
  "comment": "lowercase keys are ignored too"
}
"""
DEFAULT_ENV = """\
FLASK_ITEMS_PER_PAGE=50
FLASK_DEBUG=true
FLASK_FEATURES__beta=true
FLASK_GREETING=hello from the environment
PATH=/usr/bin
"""


class BaseSettings:
    """Settings shared by every environment: only UPPERCASE attributes are read."""

    DEBUG = False
    SITE_NAME = "Sandbox shop"
    ITEMS_PER_PAGE = 10
    helper_value = "lowercase: from_object skips it"


class DevelopmentSettings(BaseSettings):
    """Development: inherits everything, changes one value."""

    DEBUG = True


class ProductionSettings(BaseSettings):
    """Production: more items per page, and a value of its own."""

    ITEMS_PER_PAGE = 25
    PREFERRED_URL_SCHEME = "https"


SETTINGS_CLASSES = {cls.__name__: cls for cls in (DevelopmentSettings, ProductionSettings)}


def sample_mapping() -> dict[str, Any]:
    """Return the mapping the demo passes to ``from_mapping`` (a fresh copy every time)."""
    return {"SITE_NAME": "Sandbox shop (from a mapping)", "ITEMS_PER_PAGE": 30, "FEATURES": {"beta": False}}


class RecordingConfig(Config):
    """A Flask ``Config`` that remembers which loader wrote each key.

    Notice: every loader (``from_object``, ``from_pyfile``, ``from_mapping``,
    ``from_file``, ``from_prefixed_env``) ends in ``config[key] = value``, so overriding
    ``__setitem__`` is enough to see them all.
    """

    def __init__(self, root_path: str, defaults: dict | None = None) -> None:
        super().__init__(root_path, defaults)
        self.loader = "defaults"
        self.writers: dict[str, list[str]] = {key: ["defaults"] for key in self}

    def __setitem__(self, key: str, value: Any) -> None:
        self.writers.setdefault(key, []).append(self.loader)
        super().__setitem__(key, value)


class SandboxApp(Flask):
    """A throwaway app whose ``config`` is a RecordingConfig (``Flask.config_class``)."""

    config_class = RecordingConfig


def read_literal_settings(text: str) -> dict[str, Any]:
    """Read ``NAME = literal`` lines the way ``from_pyfile`` would, without running them.

    Notice: the real ``from_pyfile`` *executes* the file with ``exec()`` - a settings file is
    Python code. A web page must never run a visitor's code, so here each line is parsed
    with ``ast`` and only literals are accepted (``ast.literal_eval``).
    """
    try:
        tree = ast.parse(text, filename="settings.py")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        raise BadRequest(_("settings.py is not valid Python: %(error)s", error=error)) from None
    values: dict[str, Any] = {}
    for node in tree.body:
        if not (
            isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
        ):
            raise BadRequest(
                _("settings.py line %(line)d: only NAME = literal lines are accepted.", line=node.lineno)
            )
        try:
            values[node.targets[0].id] = ast.literal_eval(node.value)
        except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
            raise BadRequest(
                _(
                    "settings.py line %(line)d: the value must be a literal (no names or calls).",
                    line=node.lineno,
                )
            ) from None
    return values


def load_pyfile_values(config: Config, values: dict[str, Any]) -> None:
    """Finish what ``from_pyfile`` does after its ``exec()``: ``from_object(module)``."""
    module = types.ModuleType("config")
    module.__dict__.update(values)
    config.from_object(module)


def load_json_file(config: Config, text: str) -> None:
    """Write the JSON to a temporary file and load it with ``from_file(..., load=json.load)``."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise BadRequest(_("config.json is not valid JSON: %(error)s", error=error)) from None
    if not isinstance(data, dict):
        raise BadRequest(_("config.json must hold one JSON object, {…}."))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.json"
        path.write_text(text, encoding="utf-8")
        config.from_file(str(path), load=json.load)


def parse_env_lines(text: str) -> dict[str, str]:
    """Read ``NAME=value`` lines into a private environ (``os.environ`` is never touched)."""
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    if len(lines) > MAX_ENV_LINES:
        raise BadRequest(_("Give at most %(count)d variables.", count=MAX_ENV_LINES))
    environ = {}
    for line in lines:
        name, sep, value = line.partition("=")
        if not sep or not ENV_NAME.match(name.strip()):
            raise BadRequest(_("%(line)r is not a NAME=value line.", line=line[:60]))
        environ[name.strip()] = value
    return environ


def load_prefixed_env(config: Config, environ: dict[str, str], prefix: str = "FLASK") -> None:
    """Do what ``Config.from_prefixed_env`` does, on the given environ instead of ``os.environ``.

    Notice: the same steps as Flask's code: variables in sorted order, the prefix
    removed, each value tried with ``json.loads`` (so ``true`` becomes ``True`` and
    ``50`` becomes ``50``) and ``__`` stepping into nested dicts.
    """
    prefix = f"{prefix}_"
    for key in sorted(environ):
        if not key.startswith(prefix):
            continue
        value: Any = environ[key]
        key = key.removeprefix(prefix)
        # Flask keeps the string when loading fails.
        with contextlib.suppress(Exception):
            value = json.loads(value)
        if "__" not in key:
            config[key] = value
            continue
        current: Any = config
        *parts, tail = key.split("__")
        try:
            for part in parts:
                if part not in current:
                    current[part] = {}
                current = current[part]
            current[tail] = value
        except TypeError:
            # Flask itself would fail here too: the nested key is not a dict.
            raise BadRequest(
                _("%(key)s: %(part)s is not a dict.", key=prefix + key, part=parts[-1])
            ) from None
        # A write inside a nested dict bypasses config.__setitem__; record it by hand.
        config.writers.setdefault(parts[0], []).append(config.loader)


def load_sources(chosen: dict[str, Any]) -> RecordingConfig:
    """Apply each chosen source to a sandbox app's config, in order; the last writer wins."""
    app = SandboxApp(__name__, static_folder=None)
    config: RecordingConfig = app.config
    loaders = {
        "object": lambda value: config.from_object(value),
        "pyfile": lambda value: load_pyfile_values(config, value),
        "mapping": lambda value: config.from_mapping(value),
        "json": lambda value: load_json_file(config, value),
        "env": lambda value: load_prefixed_env(config, value),
    }
    for source in SOURCES:
        if source in chosen:
            config.loader = source
            loaders[source](chosen[source])
    return config


def describe_keys(config: RecordingConfig) -> list[dict[str, Any]]:
    """Return, for every key some source wrote, its final value and who wrote it."""
    rows = []
    for key, writers in sorted(config.writers.items()):
        if writers == ["defaults"]:
            continue
        value = config[key]
        rows.append(
            {
                "key": key,
                "value": repr(value)[:200],
                "type": type(value).__name__,
                "winner": writers[-1],
                "writers": writers,
            }
        )
    return rows


def read_form() -> tuple[dict[str, str], set[str]]:
    """Return the learner's (bounded) texts and the sources they ticked (all, on first load)."""
    texts = {
        "object": field_text("object", "DevelopmentSettings", limit=40),
        "pyfile": field_text("pyfile", DEFAULT_PYFILE, limit=2000),
        "json": field_text("json", DEFAULT_JSON, limit=2000),
        "env": field_text("env", DEFAULT_ENV, limit=2000),
    }
    if field_text("submitted", "", limit=1) != "1":
        return texts, set(SOURCES)
    return texts, {source for source in SOURCES if field_text(f"use_{source}", "", limit=1) == "1"}


def parse_sources(texts: dict[str, str], enabled: set[str]) -> dict[str, Any]:
    """Turn the enabled sources into what each loader takes, refusing bad input with a 400."""
    if texts["object"] not in SETTINGS_CLASSES:
        raise BadRequest(_("Choose one of the settings classes."))
    parsers = {
        "object": lambda: SETTINGS_CLASSES[texts["object"]],
        "pyfile": lambda: read_literal_settings(texts["pyfile"]),
        "mapping": sample_mapping,
        "json": lambda: texts["json"],
        "env": lambda: parse_env_lines(texts["env"]),
    }
    return {source: parsers[source]() for source in SOURCES if source in enabled}


def ignored_names(chosen: dict[str, Any]) -> dict[str, list[str]]:
    """Return the names the loaders skip: lowercase ones, and variables without the prefix."""
    lowercase = {key for key in chosen.get("pyfile", {}) if not key.isupper()}
    lowercase |= {key for key in json.loads(chosen.get("json", "{}")) if not key.isupper()}
    unprefixed = {key for key in chosen.get("env", {}) if not key.startswith("FLASK_")}
    return {"lowercase": sorted(lowercase), "unprefixed": sorted(unprefixed)}


@demo(
    bp,
    "/sources",
    methods=("GET", "POST"),
    title=_l("Loading configuration from five sources"),
    summary=_l("An object, a Python file, a mapping, a JSON file and FLASK_* variables: later sources win."),
)
def demo_sources():
    """Load a sandbox app's config from the chosen sources and show who wrote each key."""
    texts, enabled = read_form()
    try:
        chosen = parse_sources(texts, enabled)
        config = load_sources(chosen)
    except BadRequest as error:
        result: dict[str, Any] = {"error": error.description, "order": [], "keys": []}
        status = 400
    else:
        order = [SOURCE_LABELS[source] for source in SOURCES if source in chosen]
        result = {"order": order, "keys": describe_keys(config), "ignored": ignored_names(chosen)}
        status = 200
    return render_demo(
        "config/sources.html",
        result=result,
        status=status,
        sources=[
            load_sources,
            RecordingConfig,
            read_literal_settings,
            load_pyfile_values,
            load_json_file,
            load_prefixed_env,
            Config.from_prefixed_env,
            DevelopmentSettings,
        ],
        texts=texts,
        enabled=enabled,
        labels=SOURCE_LABELS,
        settings_classes=list(SETTINGS_CLASSES),
    )


#: Words that mark a config key as secret; its value is never shown.
SECRET_WORDS = ("SECRET", "TOKEN", "PASSWORD", "PASSWD", "DSN", "KEY", "CREDENTIAL", "PRIVATE", "AUTH")
#: Keys that contain one of those words but hold nothing secret.
NOT_SECRET = {"SESSION_KEY_PREFIX"}
#: Words that mark a URL's query (or fragment) parameter as secret: ``?password=…``, ``?sslpassword=…``.
SECRET_PARAMS = ("pass", "pwd", "secret", "token", "key", "auth", "credential", "sig")
#: Anything that looks like a URL inside a string: ``scheme://`` up to the next space or quote.
URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]*")
#: ``password=…`` outside a URL, as in a libpq connection string (``host=h password=pw``).
SECRET_PAIR_IN_TEXT = re.compile(
    r"(?i)(\b[\w.-]*(?:pass|pwd|secret|token|key|auth|credential)[\w.-]*\s*=\s*)[^\s&;,]+"
)
REDACTED = "«redacted»"
HIDDEN = "***"


def is_secret_name(key: str) -> bool:
    """Return whether a config key's name says it holds a secret."""
    upper = key.upper()
    return upper not in NOT_SECRET and any(word in upper for word in SECRET_WORDS)


def redact_params(text: str) -> str:
    """Hide the value of every ``name=value`` pair whose name says it is a secret."""
    pairs = []
    for pair in text.split("&"):
        name, equals, _value = pair.partition("=")
        secret = any(word in unquote_plus(name).lower() for word in SECRET_PARAMS)
        pairs.append(f"{name}={HIDDEN}" if equals and secret else pair)
    return "&".join(pairs)


def redact_url(url: str) -> str:
    """Return ``url`` with its password (or a lone user token) and secret parameters hidden.

    Notice: like ``sqlalchemy.engine.make_url(url).render_as_string(hide_password=True)``,
    but the user info ends at the *last* ``@``, so a password holding ``@``, ``/`` or ``?``
    (``redis://:p@ss@host``) is hidden whole rather than split into host and path.
    """
    scheme, _sep, rest = url.partition("://")
    userinfo, at, location = rest.rpartition("@")
    if at:
        user, colon, _password = userinfo.partition(":")
        shown = colon and not any(char in user for char in "/?#")
        rest = f"{user}:{HIDDEN}@{location}" if shown else f"{HIDDEN}@{location}"
    before_fragment, hash_sign, fragment = rest.partition("#")
    address, question, query = before_fragment.partition("?")
    rest = address + question + redact_params(query) + hash_sign + redact_params(fragment)
    return f"{scheme}://{rest}"


def redact_text(text: str) -> str:
    """Return ``text`` with every URL and every ``password=…`` pair inside it redacted."""
    text = URL_IN_TEXT.sub(lambda match: redact_url(match.group()), text)
    return SECRET_PAIR_IN_TEXT.sub(rf"\g<1>{HIDDEN}", text)


def redact_value(value: Any, depth: int = 0) -> Any:
    """Return a JSON-safe view of a config value with every secret inside it hidden.

    Notice: objects (a Redis client, the SQLAlchemy extension) are shown by type only:
    their ``repr`` can contain a connection URL with its password.
    """
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, str):
        return redact_text(value)[:300]
    if depth < 3 and isinstance(value, dict):
        return {
            str(k): REDACTED if is_secret_name(str(k)) else redact_value(v, depth + 1)
            for k, v in value.items()
        }
    if depth < 3 and isinstance(value, list | tuple | set | frozenset):
        return [redact_value(item, depth + 1) for item in list(value)[:20]]
    if type(value).__module__ == "datetime":
        return repr(value)[:200]
    return f"<{type(value).__module__}.{type(value).__name__}>"


def app_config_rows(app: Flask) -> list[dict[str, Any]]:
    """Return every key of ``app.config``: shown or redacted, and how it compares to Flask's defaults."""
    defaults = Flask.default_config
    rows = []
    for key in sorted(app.config):
        value = app.config[key]
        if key not in defaults:
            origin = "added"
        elif value == defaults[key]:
            origin = "default"
        else:
            origin = "changed"
        secret = is_secret_name(key)
        rows.append(
            {
                "key": key,
                "value": REDACTED if secret else redact_value(value),
                "default": redact_value(defaults[key]) if key in defaults and not secret else None,
                "origin": origin,
                "redacted": secret,
            }
        )
    return rows


@demo(
    bp,
    "/app-config",
    title=_l("This site's own app.config"),
    summary=_l("Every key the running app holds, compared with Flask 3.1's defaults; secrets stay hidden."),
)
def demo_app_config():
    """Show the real ``current_app.config``: Flask's defaults, what this app changed and added."""
    rows = app_config_rows(current_app)
    origin = field_text("origin", "all", limit=10)
    shown = [row for row in rows if origin in ("all", row["origin"])]
    result = {
        "config_class": current_app.config.get("CONFIG_NAME"),
        "counts": {
            name: sum(1 for row in rows if row["origin"] == name) for name in ("default", "changed", "added")
        },
        "flask_default_keys": sorted(Flask.default_config),
        "keys": shown,
        "origin": origin,
    }
    return render_demo(
        "config/app_config.html",
        result=result,
        sources=[app_config_rows, is_secret_name, redact_value, redact_url],
    )
