"""Run a coding challenge's tests against a learner's code: standard library only.

The same file runs in two places: in a CPython subprocess when the course is checked
(``app.content.challenges``), and in the browser under Pyodide, where the learner's code
must never reach the server. So it imports nothing from the project and nothing outside
the standard library.

Tests are pytest-style: top-level functions named ``test_…`` taking no arguments, using
plain ``assert`` (its message is what the learner sees on failure). Each test runs in a
fresh namespace: the learner's code is executed again, then the test file, so one test
cannot leave state behind for the next.
"""

from __future__ import annotations

import ast
import json
import sys
import traceback
from dataclasses import asdict
from dataclasses import dataclass

#: File names the code is compiled under; tracebacks and messages name them.
CODE_FILE = "<your code>"
TESTS_FILE = "<tests>"
HIDDEN_FILE = "<hidden tests>"

#: Longest failure message kept, in characters.
MAX_MESSAGE = 2000


@dataclass(frozen=True)
class TestOutcome:
    """The result of one test: its name, whether it passed, and why not."""

    __test__ = False  # not a pytest test class, despite the name

    name: str
    passed: bool
    message: str = ""
    hidden: bool = False


def test_names(tests: str) -> list[str]:
    """Return the names of the top-level ``test_`` functions of ``tests``, in order."""
    tree = ast.parse(tests)
    return [
        node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    ]


def failure_message(exc: BaseException, sources: dict[str, str]) -> str:
    """Return what a learner should read about ``exc``: the assert's message, or its line."""
    if isinstance(exc, AssertionError) and exc.args and str(exc.args[0]):
        return str(exc.args[0])[:MAX_MESSAGE]
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [frame for frame in frames if frame.filename in sources]
    where = ""
    if ours:
        frame = ours[-1]
        lines = sources[frame.filename].splitlines()
        text = lines[frame.lineno - 1].strip() if frame.lineno and frame.lineno <= len(lines) else ""
        where = f"{frame.filename}, line {frame.lineno}: {text}"
    if isinstance(exc, AssertionError):
        rv = f"assertion failed at {where}" if where else "assertion failed"
    else:
        rv = f"{type(exc).__name__}: {exc}" + (f" ({where})" if where else "")
    return rv[:MAX_MESSAGE]


def compile_source(source: str, filename: str):
    """Compile ``source`` as a module, with ``filename`` shown in tracebacks."""
    return compile(source, filename, "exec", dont_inherit=True)


def run_one(code, suites, name: str, sources: dict[str, str]) -> str | None:
    """Run test ``name`` in a fresh namespace; return None when it passes, else the message."""
    namespace: dict = {"__name__": "challenge", "__builtins__": __builtins__}
    try:
        exec(code, namespace)  # noqa: S102 - running the learner's code is the point
    except (Exception, SystemExit) as exc:  # the learner's code failed: so does the test
        return "your code raised " + failure_message(exc, sources)
    try:
        for suite in suites:
            exec(suite, namespace)  # noqa: S102
        namespace[name]()
    except (Exception, SystemExit) as exc:
        return failure_message(exc, sources)
    return None


def run_tests(code: str, tests: str, hidden_tests: str = "") -> list[TestOutcome]:
    """Run every test of ``tests`` (then ``hidden_tests``) against ``code``, in order.

    Code that does not compile fails every test with the syntax error.
    """
    sources = {CODE_FILE: code, TESTS_FILE: tests, HIDDEN_FILE: hidden_tests}
    visible = test_names(tests)
    hidden = test_names(hidden_tests) if hidden_tests.strip() else []
    suites = [compile_source(tests, TESTS_FILE)]
    if hidden:
        suites.append(compile_source(hidden_tests, HIDDEN_FILE))
    try:
        compiled = compile_source(code, CODE_FILE)
    except SyntaxError as exc:
        message = f"your code does not compile: {exc.msg} (line {exc.lineno})"
        return [TestOutcome(name, False, message, name in hidden) for name in visible + hidden]
    rv = []
    for name in visible + hidden:
        message = run_one(compiled, suites, name, sources)
        rv.append(TestOutcome(name, message is None, message or "", name in hidden))
    return rv


def run_json(payload: str) -> str:
    """Run ``{"code", "tests", "hidden_tests"}`` (JSON text); return the outcomes and output as JSON.

    The browser's entry point: what the code prints is captured and returned beside the
    outcomes, as ``{"outcomes": [...], "output": "..."}``.
    """
    import contextlib
    import io

    job = json.loads(payload)
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        outcomes = run_tests(job["code"], job["tests"], job.get("hidden_tests", ""))
    return json.dumps({"outcomes": [asdict(o) for o in outcomes], "output": output.getvalue()[-MAX_MESSAGE:]})


def main() -> None:
    """Read jobs as JSON on stdin, write one list of outcomes per job as JSON on stdout.

    Each job is ``{"code", "tests", "hidden_tests"}``. What the code prints is kept out
    of the answer; a job that takes longer than ``timeout`` seconds fails every test.
    """
    import contextlib
    import io
    import signal

    request = json.load(sys.stdin)
    timeout = float(request.get("timeout", 10))

    class TimedOut(BaseException):
        """Raised by the alarm inside a job that runs too long."""

    def alarm(signum, frame):
        raise TimedOut

    answer = []
    for job in request["jobs"]:
        signal.signal(signal.SIGALRM, alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                outcomes = run_tests(job["code"], job["tests"], job.get("hidden_tests", ""))
            answer.append([asdict(outcome) for outcome in outcomes])
        except TimedOut:
            answer.append({"error": f"the tests took over {timeout:g} s"})
        except BaseException as exc:  # a broken job must not lose the others' results
            answer.append({"error": f"{type(exc).__name__}: {exc}"})
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    sys.stdout.write(json.dumps(answer))


if __name__ == "__main__":
    main()
