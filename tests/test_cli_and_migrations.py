"""manage.py commands, and proof that the models and the migrations agree."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from flask_migrate import upgrade

import manage
from app import create_app
from app.extensions import db
from app.models import User
from app.sessions import include_in_migrations


def test_create_instructor_with_password_stdin(app, runner):
    result = runner.invoke(
        args=["create-instructor", "Grace@Example.com", "--password-stdin"], input="long enough pw\n"
    )
    assert result.exit_code == 0, result.output
    assert "Created instructor grace@example.com" in result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "grace@example.com"))
        assert user.role == "instructor"
        assert user.check_password("long enough pw")


def test_create_instructor_promotes_an_existing_learner(app, runner, auth):
    auth.create_user("lin@example.com")
    result = runner.invoke(
        args=["create-instructor", "lin@example.com", "--password-stdin"], input="another pw!\n"
    )
    assert "Promoted instructor" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(User.role).where(User.email == "lin@example.com")) == "instructor"


def test_create_instructor_prompts_for_the_password(app, runner):
    result = runner.invoke(args=["create-instructor", "p@example.com"], input="prompted pw\nprompted pw\n")
    assert result.exit_code == 0, result.output


def test_create_instructor_rejects_a_short_password(runner):
    result = runner.invoke(args=["create-instructor", "s@example.com", "--password-stdin"], input="short\n")
    assert result.exit_code == 2
    assert "at least 8 characters" in result.output


def test_manage_py_offers_flasks_commands_and_ours(monkeypatch, tmp_path):
    monkeypatch.setenv("INSIDE_FLASK_CONFIG", "testing")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.delenv("REDIS_URL", raising=False)
    runner = CliRunner()
    routes = runner.invoke(manage.cli, ["routes"])
    assert routes.exit_code == 0, routes.output
    assert "main.readyz" in routes.output
    commands = runner.invoke(manage.cli, ["--help"]).output
    for name in ("run", "db", "routes", "init", "create-instructor", "content"):
        assert f"  {name} " in commands


def test_content_check_runs(runner):
    result = runner.invoke(args=["content", "check"])
    assert "lessons" in result.output
    assert "errors" in result.output


@pytest.mark.storage
def test_models_and_migrations_agree(app_settings):
    app = create_app("testing", app_settings)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": include_in_migrations}
            )
            diff = compare_metadata(context, db.metadata)
        assert diff == []
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.engine.dispose()


def test_init_command_upgrades_the_database(app_settings):
    app = create_app("testing", app_settings)
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert "latest migration" in result.output
    with app.app_context():
        assert sa.inspect(db.engine).has_table("users")
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
