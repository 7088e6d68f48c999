"""manage.py commands, and proof that the models and the migrations agree."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from flask_migrate import downgrade
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


@pytest.mark.parametrize(
    ("password", "message"),
    [("nine char", "at least 10 characters"), ("password123", "one of the most common ones")],
)
def test_create_instructor_applies_the_sites_password_rules(runner, password, message):
    result = runner.invoke(
        args=["create-instructor", "s@example.com", "--password-stdin"], input=f"{password}\n"
    )
    assert result.exit_code == 2
    assert message in result.output


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
def test_models_and_migrations_agree(bare_app_settings):
    app = create_app("testing", bare_app_settings)
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


def test_init_command_upgrades_the_database(bare_app_settings):
    app = create_app("testing", bare_app_settings)
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert "latest migration" in result.output
    with app.app_context():
        assert sa.inspect(db.engine).has_table("users")
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


@pytest.mark.storage
def test_migration_0003_numbers_attempts_and_summarizes_stored_answers(bare_app_settings):
    app = create_app("testing", bare_app_settings)
    with app.app_context():
        upgrade(revision="0002")
        stamp = "2026-01-01 10:00:00"
        later = "2026-01-02 10:00:00"
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO learners (id, created_at) VALUES (1, :t)"), {"t": stamp})
            attempts = [
                # id, quiz, mode, started, finished, score
                (1, "routing", "all", stamp, stamp, 0.5),
                (2, "routing", "missed", later, later, 1.0),
                (3, "routing", "all", later, None, None),
                (4, "views", "all", stamp, stamp, 0.25),
            ]
            for attempt_id, quiz, mode, started, finished, score in attempts:
                conn.execute(
                    sa.text(
                        "INSERT INTO quiz_attempts (id, learner_id, quiz_id, mode, question_ids,"
                        " started_at, finished_at, score)"
                        " VALUES (:id, 1, :quiz, :mode, '[]', :started, :finished, :score)"
                    ),
                    {
                        "id": attempt_id,
                        "quiz": quiz,
                        "mode": mode,
                        "started": started,
                        "finished": finished,
                        "score": score,
                    },
                )
            responses = [
                (1, "q1", False, 0.0, stamp),
                (1, "q2", True, 1.0, stamp),
                (2, "q1", True, 1.0, later),
                (3, "q2", False, 0.0, "2026-01-03 10:00:00"),
                (4, "v1", False, 0.25, stamp),
            ]
            for attempt_id, question, correct, score, at in responses:
                conn.execute(
                    sa.text(
                        "INSERT INTO question_responses (attempt_id, question_id, answer, correct, score,"
                        " answered_at) VALUES (:a, :q, '\"x\"', :c, :s, :t)"
                    ),
                    {"a": attempt_id, "q": question, "c": correct, "s": score, "t": at},
                )
        upgrade()
        with db.engine.connect() as conn:
            numbers = conn.execute(sa.text("SELECT id, number FROM quiz_attempts ORDER BY id")).all()
            questions = conn.execute(
                sa.text(
                    "SELECT question_id, quiz_id, mastered, last_score"
                    " FROM question_summaries ORDER BY question_id"
                )
            ).all()
            quizzes = conn.execute(
                sa.text("SELECT quiz_id, best_score, finished_attempts FROM quiz_summaries ORDER BY quiz_id")
            ).all()
        assert numbers == [(1, 1), (2, 2), (3, 3), (4, 1)]
        assert [(q, quiz, bool(m), s) for q, quiz, m, s in questions] == [
            ("q1", "routing", True, 1.0),
            ("q2", "routing", True, 0.0),
            ("v1", "views", False, 0.25),
        ]
        assert quizzes == [("routing", 0.5, 2), ("views", 0.25, 1)]
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.engine.dispose()


@pytest.mark.storage
def test_migration_0005_adds_the_report_indexes_and_takes_them_back(bare_app_settings):
    app = create_app("testing", bare_app_settings)
    report_indexes = {
        "question_responses": {
            "ix_question_responses_question_id_attempt_id_correct",
            "ix_question_responses_attempt_id_answered_at_id",
            "ix_question_responses_answered_at",
        },
        "question_summaries": {"ix_question_summaries_question_id"},
        "quiz_attempts": {"ix_quiz_attempts_quiz_id"},
    }

    def indexes() -> dict[str, set[str]]:
        inspector = sa.inspect(db.engine)
        return {table: {index["name"] for index in inspector.get_indexes(table)} for table in report_indexes}

    with app.app_context():
        upgrade()
        upgraded = indexes()
        assert all(names <= upgraded[table] for table, names in report_indexes.items())
        assert "ix_question_responses_question_id" not in upgraded["question_responses"]
        downgrade(revision="0004")
        downgraded = indexes()
        assert not any(names & downgraded[table] for table, names in report_indexes.items())
        assert "ix_question_responses_question_id" in downgraded["question_responses"]
        upgrade()
        assert indexes() == upgraded
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.engine.dispose()
