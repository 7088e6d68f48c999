"""The app factory, the config classes and production's refusal to start."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import create_app
from config import ConfigurationError

PRODUCTION_ENV = {
    "SECRET_KEY": "s3cret-for-tests",
    "DATABASE_URL": "sqlite://",
    "REDIS_URL": "redis://127.0.0.1:1/0",
}


@pytest.fixture
def clean_env(monkeypatch):
    """Remove the variables the configs read, so each test sets its own."""
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "INSIDE_FLASK_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize(
    ("name", "config_name", "testing", "debug"),
    [
        ("testing", "TestingConfig", True, False),
        ("development", "DevelopmentConfig", False, True),
    ],
)
def test_factory_builds_each_config(clean_env, tmp_path, name, config_name, testing, debug):
    app = create_app(name, {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["CONFIG_NAME"] == config_name
    assert app.testing is testing
    assert app.debug is debug
    assert app.config["SECRET_KEY"]


def test_production_builds_with_its_variables(clean_env):
    for name, value in PRODUCTION_ENV.items():
        clean_env.setenv(name, value)
    app = create_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_TYPE"] == "redis"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"


def test_config_chosen_by_environment_variable(clean_env, tmp_path):
    clean_env.setenv("INSIDE_FLASK_CONFIG", "testing")
    app = create_app(overrides={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["CONFIG_NAME"] == "TestingConfig"


def test_unknown_config_name_is_refused(clean_env):
    with pytest.raises(ConfigurationError, match="Unknown configuration 'staging'"):
        create_app("staging")


def test_production_names_every_missing_variable(clean_env):
    with pytest.raises(ConfigurationError) as info:
        create_app("production")
    message = str(info.value)
    assert "SECRET_KEY, DATABASE_URL, REDIS_URL" in message
    assert "production" in message


@pytest.mark.parametrize("missing", list(PRODUCTION_ENV))
def test_production_names_the_one_missing_variable(clean_env, missing):
    for name, value in PRODUCTION_ENV.items():
        if name != missing:
            clean_env.setenv(name, value)
    with pytest.raises(ConfigurationError) as info:
        create_app("production")
    assert f"variable {missing}." in str(info.value)


def test_development_keeps_a_random_secret_in_instance(clean_env, tmp_path):
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    secret_file = app.instance_path + "/secret_key"
    with open(secret_file) as fh:
        assert fh.read().strip() == app.config["SECRET_KEY"]
    again = create_app("development", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]
    assert len(app.config["SECRET_KEY"]) == 64


def test_prefixed_environment_overrides_config(clean_env, tmp_path):
    clean_env.setenv("FLASK_MAX_CONTENT_LENGTH", "2048")
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["MAX_CONTENT_LENGTH"] == 2048


def test_embedded_session_store_without_redis(clean_env, tmp_path, caplog):
    caplog.set_level("INFO")
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["SESSION_TYPE"] == "sqlalchemy"
    assert "Session store: the embedded database" in caplog.text


def test_a_serving_process_never_imports_alembic(tmp_path):
    """Flask-Migrate (and Alembic, ~10 MB) loads only where something migrates (app/migrating.py)."""
    import subprocess
    import sys

    settings = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", "REDIS_URL": None}
    code = (
        f"import sys; from app import create_app; create_app('testing', {settings!r}); "
        "print(sorted(m for m in ('alembic', 'flask_migrate') if m in sys.modules))"
    )
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "[]", out.stderr


def test_the_db_commands_and_alembic_settings_come_through_the_deferred_extension(app):
    """The first use binds the real Flask-Migrate with the app's settings (the migration tests run it)."""
    with app.app_context():
        config = app.extensions["migrate"]
        assert config.configure_args["render_as_batch"] is True
        assert config.configure_args["compare_type"] is True
        assert config.migrate.get_config().get_main_option("script_location").endswith("migrations")
        assert app.extensions["migrate"].migrate.db is config.db
    result = app.test_cli_runner().invoke(args=["db", "heads"])
    assert result.exit_code == 0, result.output
    # Alembic prints to sys.stdout as it is during the command (the runner's), whenever it was imported.
    assert "(head)" in result.output
