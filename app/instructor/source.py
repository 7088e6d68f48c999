"""The quiz YAML files as instructors read them: numbered lines, so a flagged question links to its line."""

from __future__ import annotations

from pathlib import Path

from flask import abort
from flask import render_template
from flask import url_for
from flask_babel import gettext as _

from app.content import get_catalog
from app.content.catalog import REPO_ROOT
from app.errors import wants_json
from app.instructor import bp

#: Largest quiz file shown (the course's biggest is well under this).
MAX_SOURCE_BYTES = 1_000_000


def quiz_source_url(path: str, line: int | None) -> str:
    """Return the URL of the quiz file ``path`` at ``line``."""
    url = url_for("instructor.source", path=path)
    return f"{url}#L{line}" if line else url


@bp.get("/source/<path:path>")
def source(path: str):
    """Show a quiz file of the course with numbered lines; only files the catalog read are served."""
    catalog = get_catalog()
    known = {quiz.path for quiz in catalog.quizzes.values() if quiz.path}
    if path not in known:
        abort(404, _("No quiz file %(path)s in the course.", path=path))
    file = Path(path) if Path(path).is_absolute() else REPO_ROOT / path
    try:
        if file.stat().st_size > MAX_SOURCE_BYTES:
            abort(413)
        lines = file.read_text(encoding="utf-8").splitlines()
    except OSError:
        abort(404, _("No quiz file %(path)s in the course.", path=path))
    if wants_json():
        return {"path": path, "lines": lines}
    return render_template("instructor/source.html", path=path, lines=lines)
