"""Show the code that runs: the source of demo functions, highlighted once."""

from __future__ import annotations

import functools
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from app.content.render import drop_plain_tokens

_FORMATTER = HtmlFormatter(cssclass="highlight", wrapcode=True)


@dataclass(frozen=True)
class SourceBlock:
    """The highlighted source of one function, with where it lives."""

    name: str
    location: str
    code: str
    html: Markup


def _unwrap(func: Callable) -> Callable:
    """Return the function under decorators (and under our X-ray wrapper)."""
    return inspect.unwrap(func)


@functools.cache
def source_block(func: Callable) -> SourceBlock:
    """Return the highlighted source of ``func``; computed once per function."""
    target = _unwrap(func)
    code = textwrap.dedent(inspect.getsource(target))
    path = inspect.getsourcefile(target) or "?"
    line = inspect.getsourcelines(target)[1]
    relative = path.split("/app/", 1)[-1]
    location = f"app/{relative}:{line}" if "/app/" in path else f"{path}:{line}"
    if "/site-packages/" in path:
        # Library code (Flask's own): name it as its package does, not by this server's paths.
        location = f"{path.split('/site-packages/', 1)[1]}:{line}"
    html = Markup(drop_plain_tokens(highlight(code, PythonLexer(), _FORMATTER)))  # noqa: S704 (Pygments escapes)
    return SourceBlock(name=target.__qualname__, location=location, code=code, html=html)
