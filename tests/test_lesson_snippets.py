"""Every ```python block of every lesson runs without raising (``# illustrative:`` ones excepted).

Each lesson file runs in its own Python process, in a temporary directory: blocks run in a
fresh namespace each, or in their ``# group:`` namespace, in file order. Files run in
parallel; a failure names the file, the block's line and the traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import Future
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from app.content.snippets import python_blocks

REPO = Path(__file__).resolve().parent.parent
LESSONS = REPO / "lessons"
BLOCK_TIMEOUT = 30
FILE_TIMEOUT = 300

# Runs in the child process: argv[1] is the job (JSON), argv[2] where to write the results.
CHILD = r"""
import contextlib, io, json, linecache, os, signal, sys, traceback, warnings

with open(sys.argv[1], encoding="utf-8") as fh:
    job = json.load(fh)
path = job["path"]
linecache.cache[path] = (len(job["source"]), None, job["source"].splitlines(True), path)
spaces, failed, results = {}, {}, []


def on_alarm(signum, frame):
    raise TimeoutError(f"the block ran longer than {job['timeout']} s")


signal.signal(signal.SIGALRM, on_alarm)
for block in job["blocks"]:
    group, line = block["group"], block["line"]
    if group is not None and group in failed:
        results.append({"line": line, "ok": False, "stdout": "",
                        "error": f"not run: block at line {failed[group]} of group {group!r} failed"})
        continue
    namespace = spaces.setdefault(group, {"__name__": "__main__"}) if group else {"__name__": "__main__"}
    out = io.StringIO()
    try:
        code = compile("\n" * (line - 1) + block["code"], path, "exec", dont_inherit=True)
        signal.setitimer(signal.ITIMER_REAL, job["timeout"])
        with contextlib.redirect_stdout(out), warnings.catch_warnings():
            warnings.simplefilter("default")
            exec(code, namespace)
        results.append({"line": line, "ok": True, "stdout": out.getvalue(), "error": ""})
    except BaseException as exc:
        tb = exc.__traceback__.tb_next or exc.__traceback__
        error = "".join(traceback.format_exception(type(exc), exc, tb))
        results.append({"line": line, "ok": False, "stdout": out.getvalue(), "error": error})
        if group is not None:
            failed[group] = line
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
with open(sys.argv[2], "w", encoding="utf-8") as fh:
    json.dump(results, fh)
sys.stdout.flush()
sys.stderr.flush()
os._exit(0)  # threads a block left behind must not keep the process alive
"""


def child_env() -> dict[str, str]:
    """Return the environment of a snippet process: ours, without the app's own settings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("FLASK_", "INSIDE_FLASK"))}
    env.pop("PYTHONSTARTUP", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    return env


# Computed once, in the main thread: pytest rewrites os.environ (PYTEST_CURRENT_TEST) while
# the pool's threads start processes, and iterating os.environ then races with it.
CHILD_ENV = child_env()


def run_blocks(path: str, source: str, blocks: list[dict], timeout: int = BLOCK_TIMEOUT) -> list[dict]:
    """Run ``blocks`` (line, code, group) in one fresh process; return one result per block."""
    with tempfile.TemporaryDirectory(prefix="snippets-") as workdir:
        job = Path(workdir) / "job.json"
        out = Path(workdir) / "results.json"
        job.write_text(json.dumps({"path": path, "source": source, "blocks": blocks, "timeout": timeout}))
        cwd = Path(workdir) / "cwd"
        cwd.mkdir()
        try:
            proc = subprocess.run(
                [sys.executable, "-c", CHILD, str(job), str(out)],
                cwd=cwd,
                env=CHILD_ENV,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=FILE_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return [{"line": 0, "ok": False, "stdout": "", "error": f"the file took over {FILE_TIMEOUT} s"}]
        if not out.exists():
            error = f"the snippet process died (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
            return [{"line": 0, "ok": False, "stdout": "", "error": error}]
        return json.loads(out.read_text())


def runnable_blocks(path: Path) -> list[dict]:
    """Return the Python blocks of a lesson file that the suite runs."""
    text = path.read_text(encoding="utf-8")
    return [
        {"line": block.body_line, "code": block.body, "group": block.group}
        for block in python_blocks(text)
        if not block.illustrative
    ]


LESSON_FILES = sorted(LESSONS.rglob("*.md"))
_pool = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2))
_futures: dict[Path, Future] = {}


def results_for(path: Path, request: pytest.FixtureRequest) -> list[dict]:
    """Return the results of ``path``, starting the run of every selected file on first use."""
    if not _futures:
        selected = [
            item.callspec.params["path"]
            for item in request.session.items
            if getattr(item, "originalname", "") == "test_lesson_snippets_run"
        ]
        for lesson in selected or [path]:
            rel = lesson.relative_to(REPO).as_posix()
            source = lesson.read_text(encoding="utf-8")
            _futures[lesson] = _pool.submit(run_blocks, rel, source, runnable_blocks(lesson))
    if path not in _futures:
        return run_blocks(
            path.relative_to(REPO).as_posix(), path.read_text(encoding="utf-8"), runnable_blocks(path)
        )
    return _futures[path].result()


def test_there_are_lessons_to_run():
    assert LESSON_FILES, "no lesson files found under lessons/"


@pytest.mark.parametrize("path", LESSON_FILES, ids=[p.relative_to(LESSONS).as_posix() for p in LESSON_FILES])
def test_lesson_snippets_run(path: Path, request: pytest.FixtureRequest):
    rel = path.relative_to(REPO).as_posix()
    failures = [
        f"{rel}:{result['line']}: the block raised\n{result['error']}"
        for result in results_for(path, request)
        if not result["ok"]
    ]
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)


def test_groups_share_a_namespace_and_failures_are_precise():
    source = "x\n" * 20
    blocks = [
        {"line": 3, "code": "value = 41", "group": "g"},
        {"line": 6, "code": "value += 1\nprint(value)", "group": "g"},
        {"line": 10, "code": "print(value)", "group": None},  # a fresh namespace
        {"line": 13, "code": "x = 1\n\n1 / 0", "group": "h"},
        {"line": 17, "code": "print('after')", "group": "h"},
    ]
    results = run_blocks("lessons/demo/01-x.en.md", source, blocks)
    assert [r["ok"] for r in results] == [True, True, False, False, False]
    assert results[1]["stdout"] == "42\n"
    assert "NameError: name 'value' is not defined" in results[2]["error"]
    assert 'File "lessons/demo/01-x.en.md", line 15' in results[3]["error"]
    assert "ZeroDivisionError" in results[3]["error"]
    assert results[4]["error"] == "not run: block at line 13 of group 'h' failed"


def test_a_block_that_hangs_times_out():
    results = run_blocks("t.md", "", [{"line": 1, "code": "while True: pass", "group": None}], timeout=1)
    assert not results[0]["ok"]
    assert "TimeoutError: the block ran longer than 1 s" in results[0]["error"]
