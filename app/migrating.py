"""Flask-Migrate, loaded only by the processes that migrate.

Importing Flask-Migrate imports Alembic: ~10 MB in every process that does it, and a serving
worker never migrates. ``DeferredMigrate`` is bound like any extension object
(``migrate.init_app(app, db, directory=…)`` in ``create_app``) and keeps what Flask-Migrate
keeps: ``app.extensions["migrate"]`` (the settings ``migrations/env.py`` reads) and a ``db``
command group. Flask-Migrate itself is imported the first time it is needed: when a ``flask db …``
command is parsed, or when ``flask_migrate.upgrade()`` (``manage.py init``, the tests) asks this
object for its Alembic configuration.

What a learner should notice: an extension object is just an object with ``init_app``; what the
app needs from it is what ``init_app`` leaves in ``app.extensions`` and ``app.cli``.
"""

from __future__ import annotations

import sys
from typing import Any

import click
from flask import Flask


class MigrateConfig:
    """What ``app.extensions["migrate"]`` holds: Flask-Migrate's ``_MigrateConfig``, field for field."""

    def __init__(self, migrate: DeferredMigrate, db: Any, **kwargs: Any) -> None:
        self.migrate = migrate
        self.db = db
        self.directory = migrate.directory
        self.configure_args = kwargs

    @property
    def metadata(self) -> Any:
        """Return the models' metadata (older ``env.py`` files read it here)."""
        return self.db.metadata


class DeferredMigrate:
    """``flask_migrate.Migrate``, created with the same settings the first time it is used."""

    def __init__(self) -> None:
        self.db: Any = None
        self.directory = "migrations"
        self.command = "db"
        self.alembic_ctx_kwargs: dict[str, Any] = {}
        self._migrate: Any = None

    def init_app(self, app: Flask, db: Any, directory: str, command: str = "db", **kwargs: Any) -> None:
        """Record the settings, and give ``app`` its ``db`` commands and migration settings."""
        self.db = db
        self.directory = str(directory)
        self.command = command
        self.alembic_ctx_kwargs = kwargs
        self._migrate = None
        app.extensions["migrate"] = MigrateConfig(self, db, **kwargs)
        app.cli.add_command(DeferredCommands(name=command, help="Perform database migrations."))

    def __getattr__(self, name: str) -> Any:
        """Answer anything else (``get_config``, ``configure``, …) from Flask-Migrate's own object."""
        if name.startswith("_"):
            raise AttributeError(name)
        if self._migrate is None:
            from flask_migrate import Migrate

            self._migrate = Migrate(db=self.db, directory=self.directory, command=self.command)
            self._migrate.alembic_ctx_kwargs.update(self.alembic_ctx_kwargs)
            self._migrate.configure(print_to_the_current_stdout)
        return getattr(self._migrate, name)


def print_to_the_current_stdout(config: Any) -> Any:
    """Make Alembic print to ``sys.stdout`` as it is now, not as it was when Alembic was imported.

    ``alembic.config.Config`` takes ``stdout=sys.stdout`` as a default argument, which Python
    evaluates once, at import: output of ``flask db heads`` would go to a stream that was
    swapped out since (a test runner's capture, a redirected CLI invocation).
    """
    config.stdout = sys.stdout
    return config


class DeferredCommands(click.Group):
    """Flask-Migrate's ``db`` group, imported when it is parsed, listed or asked for a command."""

    def load(self) -> None:
        """Take the real group's options, callback and commands."""
        if not self.commands:
            from flask_migrate.cli import db

            self.params = db.params
            self.callback = db.callback
            self.commands = db.commands

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Load, then parse the group's own options (``-d``, ``-x``) as Flask-Migrate does."""
        self.load()
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Load, then list Flask-Migrate's commands."""
        self.load()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Load, then return one of Flask-Migrate's commands."""
        self.load()
        return super().get_command(ctx, cmd_name)
