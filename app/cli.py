"""Commands every copy of the app has: ``flask --app app …`` or ``python manage.py …``."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask import Flask
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from app.content import check_content
from app.extensions import db
from app.models import User
from app.models import normalize_email


def init_cli(app: Flask) -> None:
    """Add the project's commands to ``app.cli``."""
    app.cli.add_command(init_command)
    app.cli.add_command(create_instructor)
    app.cli.add_command(content_group)


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create or upgrade the database, then load and check the content."""
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
    if len(password) < 8:
        raise click.BadParameter("The password needs at least 8 characters.", param_hint="password")
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
@with_appcontext
def content_check() -> None:
    """Validate lessons/ and quizzes/; print every problem and exit 1 on any."""
    catalog = check_content(current_app._get_current_object())
    for problem in catalog.problems:
        click.echo(str(problem))
    click.echo(catalog.summary())
    if catalog.problems:
        sys.exit(1)
