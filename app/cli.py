"""Commands every copy of the app has: ``flask --app app …`` or ``python manage.py …``."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask
from flask import current_app
from flask.cli import with_appcontext

from app.auth.passwords import MIN_PASSWORD_LENGTH
from app.auth.passwords import is_common
from app.content import check_content
from app.content.catalog import CatalogBuilder
from app.content.challenges import challenge_questions
from app.content.challenges import check_challenges
from app.content.exchange import FORMATS
from app.content.exchange import AppendError
from app.content.exchange import ExchangeError
from app.content.exchange import export_bank
from app.content.exchange import import_into
from app.content.exchange import parse_bank
from app.content.model import LANGUAGES
from app.content.model import Catalog
from app.content.store import content_store
from app.content.store import get_catalog
from app.extensions import db
from app.models import User
from app.models import normalize_email


def init_cli(app: Flask) -> None:
    """Add the project's commands to ``app.cli``."""
    app.cli.add_command(init_command)
    app.cli.add_command(create_instructor)
    app.cli.add_command(content_group)
    app.cli.add_command(quiz_group)


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create or upgrade the database, then load and check the content."""
    from flask_migrate import upgrade  # Alembic loads only in a process that migrates

    upgrade()
    click.echo("Database is at the latest migration.")
    loader = current_app.extensions.get("content_loader")
    if loader is not None:
        catalog = loader()
        click.echo(f"Content loaded: {catalog.summary()}.")


@click.command("create-instructor")
@click.argument("email")
@click.option("--name", "display_name", default=None, help="Display name (default: the part before @).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_instructor(email: str, display_name: str | None, password_stdin: bool) -> None:
    """Create an instructor account, or promote an existing account."""
    email = normalize_email(email)
    if "@" not in email or len(email) > 254:
        raise click.BadParameter("Give a valid email address.", param_hint="EMAIL")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    # The same rules as an account made on the site: an instructor's is no weaker.
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.BadParameter(
            f"The password needs at least {MIN_PASSWORD_LENGTH} characters.", param_hint="password"
        )
    if is_common(password):
        raise click.BadParameter(
            "This password is one of the most common ones; choose another.", param_hint="password"
        )
    user = db.session.scalar(sa.select(User).where(User.email == email))
    created = user is None
    if created:
        user = User(email=email, display_name=display_name or email.split("@", 1)[0])
        db.session.add(user)
    elif display_name:
        user.display_name = display_name
    user.role = "instructor"
    user.set_password(password)
    db.session.commit()
    click.echo(f"{'Created' if created else 'Promoted'} instructor {email}.")


@click.group("content")
def content_group() -> None:
    """Work with the lessons and quizzes."""


@content_group.command("check")
@click.option(
    "--run-challenges",
    is_flag=True,
    help="Also run every code challenge in CPython: each solution must pass, each starter fail.",
)
@with_appcontext
def content_check(run_challenges: bool) -> None:
    """Validate lessons/ and quizzes/; print every problem and exit 1 on any."""
    catalog = check_content(current_app._get_current_object())
    problems = list(catalog.problems)
    if run_challenges:
        questions = challenge_questions(catalog)
        problems.extend(check_challenges(questions))
        click.echo(f"Ran {len(questions)} code challenges.")
    for problem in problems:
        click.echo(str(problem))
    click.echo(catalog.summary())
    if problems:
        sys.exit(1)


@click.group("quiz")
def quiz_group() -> None:
    """Move questions between the course and GIFT or Moodle XML."""


def fail(message: str) -> None:
    """Print ``message`` on standard error and exit 1."""
    click.echo(message, err=True)
    sys.exit(1)


def usable(catalog: Catalog) -> Catalog:
    """Return ``catalog``; stop with its problems when it has any."""
    if catalog.problems:
        fail("\n".join(str(problem) for problem in catalog.problems) + "\nFix the content first.")
    return catalog


def check_topic(catalog: Catalog, topic: str | None) -> None:
    """Refuse a topic the course does not have."""
    if topic is not None and topic not in catalog.topics:
        raise click.BadParameter(
            f"unknown topic {topic!r}; use one of {', '.join(catalog.topics)}", param_hint="--topic"
        )


@quiz_group.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True, help="gift or moodle-xml.")
@click.option("--topic", default=None, help="One topic (default: the whole course).")
@click.option(
    "--lang", type=click.Choice(LANGUAGES), default="en", show_default=True, help="The texts' language."
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), default=None, help="File (default: standard output)."
)
@with_appcontext
def quiz_export(fmt: str, topic: str | None, lang: str, output: str | None) -> None:
    """Write the course's questions as GIFT or Moodle XML; report what could not be converted."""
    catalog = usable(get_catalog())
    check_topic(catalog, topic)
    export = export_bank(catalog, topic, fmt, lang)
    if output:
        Path(output).write_text(export.text, encoding="utf-8")
    else:
        click.echo(export.text, nl=False)
    total = sum(len(q.questions) for q in catalog.quizzes.values() if topic is None or q.topic == topic)
    click.echo(f"Exported {len(export.exported)} of {total} questions ({fmt}, {lang}).", err=True)
    for note in export.notes:
        click.echo(f"  {note}", err=True)


def quiz_file_for(catalog: Catalog, quizzes_dir: Path, topic: str) -> Path:
    """Return the quiz file of ``topic``: the existing one, else ``<topic>.yaml``."""
    for quiz in catalog.quizzes.values():
        if quiz.topic == topic:
            for suffix in (".yaml", ".yml"):
                path = quizzes_dir / f"{quiz.id}{suffix}"
                if path.is_file():
                    return path
    return quizzes_dir / f"{topic}.yaml"


def new_problems(catalog: Catalog, renders: dict, quizzes_dir: Path, target: Path, text: str) -> list[str]:
    """Return the problems ``text`` would bring to ``target``, checked on a copy of the quizzes.

    ``renders`` holds the texts already rendered, so only the new questions are rendered again.
    """
    store = content_store(current_app._get_current_object())
    before = {(Path(p.path).name, p.line, p.message) for p in catalog.problems}
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "quizzes"
        shutil.copytree(quizzes_dir, copy)
        (copy / target.name).write_text(text, encoding="utf-8")
        built = CatalogBuilder(store.lessons_dir, copy, store.demo_urls, cache=renders).build()
    return [
        f"{target}:{p.line}: {p.message}"
        for p in built.problems
        if (Path(p.path).name, p.line, p.message) not in before
    ]


@quiz_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--topic", required=True, help="The topic whose quiz receives the questions.")
@click.option("--format", "fmt", type=click.Choice(["auto", *FORMATS]), default="auto", show_default=True)
@click.option(
    "--lang", type=click.Choice(LANGUAGES), default="en", show_default=True, help="The file's language."
)
@click.option("--difficulty", type=click.IntRange(1, 3), default=2, show_default=True)
@with_appcontext
def quiz_import(file: str, topic: str, fmt: str, lang: str, difficulty: int) -> None:
    """Append the questions of a GIFT or Moodle XML file to a topic's quiz; report what was left out."""
    try:
        text = Path(file).read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        fail(f"{file}: not UTF-8 text ({exc.reason} at byte {exc.start})")
    try:
        drafts, notes = parse_bank(text, fmt, file)
    except ExchangeError as exc:
        fail(str(exc))
    # Built afresh: ids added by an earlier import in this process must count as taken.
    store = content_store(current_app._get_current_object())
    builder = CatalogBuilder(store.lessons_dir, store.quizzes_dir, store.demo_urls)
    catalog = usable(builder.build())
    check_topic(catalog, topic)
    quizzes_dir = store.quizzes_dir
    target = quiz_file_for(catalog, quizzes_dir, topic)
    current = target.read_text(encoding="utf-8") if target.exists() else None
    try:
        result = import_into(drafts, catalog, topic, current, difficulty, topic.capitalize())
    except AppendError as exc:
        fail(f"{target}: {exc}")
    for note in notes:
        click.echo(f"Not converted: {note}")
    if not result.added:
        click.echo(f"No question to import from {file}.")
        return
    problems = new_problems(catalog, builder.cache, quizzes_dir, target, result.text)
    if problems:
        fail("\n".join(problems) + f"\nNothing was written to {target}.")
    target.write_text(result.text, encoding="utf-8")
    other = [other for other in LANGUAGES if other != lang]
    click.echo(f"Imported {len(result.added)} questions into {target}: {', '.join(result.added)}.")
    click.echo(
        f"The {', '.join(other)} texts are copies of the {lang} texts, and difficulty is {difficulty}: "
        "review them."
    )
