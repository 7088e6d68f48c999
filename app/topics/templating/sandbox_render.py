"""Render one untrusted template in Jinja's sandbox, inside a child process with hard limits.

Run as a script by the sandbox demo: it reads ``{"template": ..., "context": ...}`` as JSON
on stdin and writes ``{"ok": ..., ...}`` as JSON on stdout. It imports nothing but Jinja, so
the child never loads the site, its config or its secrets.
"""

from __future__ import annotations

import json
import resource
import sys
from typing import Any

from jinja2 import TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

#: Longest output the render may produce before it is stopped.
MAX_OUTPUT = 20_000
#: CPU seconds and address space the kernel grants the child (the parent also has a wall clock).
CPU_SECONDS = 3
MEMORY_BYTES = 512 * 1024 * 1024


class OutputTooLarge(Exception):
    """The template produced more than MAX_OUTPUT characters."""


def limit_process() -> None:
    """Cap this process's CPU time and memory: the kernel enforces both, whatever the template does."""
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def render_sandboxed(source: str, context: dict[str, Any]) -> str:
    """Render ``source`` in a SandboxedEnvironment, stopping once the output is too long.

    Notice: the sandbox refuses unsafe attributes (``__class__``, ``__globals__``…) and caps
    ``range()``; it does not bound time or memory - that is the child process's job.
    """
    env = SandboxedEnvironment(autoescape=True)
    template = env.from_string(source)
    size = 0
    parts = []
    for chunk in template.generate(**context):
        size += len(chunk)
        if size > MAX_OUTPUT:
            raise OutputTooLarge(f"the output passed {MAX_OUTPUT:,} characters")
        parts.append(chunk)
    return "".join(parts)


def main() -> None:
    """Read the job, render it, and report the output or the error as JSON."""
    limit_process()
    sys.stdin.reconfigure(encoding="utf-8")
    sys.stdout.reconfigure(encoding="utf-8")
    job = json.load(sys.stdin)
    try:
        output = render_sandboxed(job["template"], job["context"])
    except TemplateSyntaxError as error:
        answer = {
            "ok": False,
            "error": "TemplateSyntaxError",
            "message": error.message,
            "lineno": error.lineno,
        }
    except MemoryError:
        answer = {"ok": False, "error": "MemoryError", "message": "the memory limit was reached"}
    except Exception as error:
        answer = {"ok": False, "error": type(error).__name__, "message": str(error)[:500]}
    else:
        answer = {"ok": True, "output": output}
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
