"""Command line of Inside Flask: ``python manage.py --help``.

The commands themselves live on ``app.cli`` (app/cli.py), so ``flask --app app``
offers the same ones.
"""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from app import create_app


@click.group(cls=FlaskGroup, create_app=create_app)
def cli() -> None:
    """Manage Inside Flask: run, migrate, load content, create instructors."""


if __name__ == "__main__":
    cli()
