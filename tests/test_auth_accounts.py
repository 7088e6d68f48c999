"""Accounts: registering, logging in and out, claiming anonymous progress, the login rate limit."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import csrf_token
from test_learn_catalog import RIGHT
from test_learn_catalog import use_catalog

from app.auth.models import LoginFailure
from app.extensions import db
from app.models import User
from app.models import utcnow
from app.progress.models import Learner
from app.progress.models import LessonProgress
from app.progress.models import QuizAttempt
from app.progress.queries import load_snapshot
from app.progress.stats import best_scores


@pytest.fixture
def course(app):
    """Serve the small test course."""
    return use_catalog(app)


def register(client, **fields):
    """Post the registration form."""
    data = {
        "email": "lin@example.com",
        "display_name": "Lin",
        "password": "a long password",
        "confirm": "a long password",
        **fields,
    }
    data["csrf_token"] = csrf_token(client, "/auth/register")
    return client.post("/auth/register", data=data)


def login(client, email="ada@example.com", password="correct horse", ip="10.0.0.1"):
    """Post the login form from address ``ip``."""
    token = csrf_token(client, "/auth/login")
    return client.post(
        "/auth/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": ip},
    )


def read_and_answer(client):
    """As a visitor: finish one lesson and answer two quiz questions (one right, one wrong)."""
    token = csrf_token(client, "/topics/intro/what-is-flask")
    client.post("/topics/intro/what-is-flask/done", data={"csrf_token": token})
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    for answer in ({"question_id": "rt-single", "answer": "b"}, {"question_id": "rt-tf", "answer": False}):
        assert client.post("/topics/routing/quiz/answer", json=answer, headers=headers).status_code == 200


def learner_of(app, email):
    """Return the learner row of the account ``email``."""
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.email == email))
        return db.session.scalar(sa.select(Learner).where(Learner.user_id == user_id))


# Registering ------------------------------------------------------------------------------


def test_register_page(client):
    html = client.get("/auth/register").get_data(as_text=True)
    assert 'name="display_name"' in html and 'name="confirm"' in html


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"email": ""}, "Enter your email address."),
        ({"display_name": "   "}, "Choose a display name."),
        ({"display_name": "x" * 81}, "at most 80 characters"),
        ({"password": "short", "confirm": "short"}, "10 to 256 characters"),
        ({"password": "ninechars", "confirm": "ninechars"}, "10 to 256 characters"),
        ({"password": "Password123", "confirm": "Password123"}, "one of the most common"),
        ({"confirm": "something else"}, "The two passwords differ."),
    ],
)
def test_register_shows_clear_form_errors(client, fields, message):
    response = register(client, **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_register_refuses_an_address_in_use(client, auth):
    auth.create_user("lin@example.com")
    response = register(client, email="LIN@example.com")
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)


def test_register_creates_a_learner_account_with_a_hashed_password_and_logs_in(app, client):
    response = register(client, email="  Lin@Example.com ")
    assert response.status_code == 303
    with app.app_context():
        user = db.session.scalar(sa.select(User))
        assert user.email == "lin@example.com"
        assert user.role == "learner"
        assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))
        assert "a long password" not in user.password_hash
    assert "Lin" in client.get("/").get_data(as_text=True)


@pytest.mark.storage
def test_register_claims_the_progress_made_in_this_browser(app, client, course):
    read_and_answer(client)
    register(client)
    learner = learner_of(app, "lin@example.com")
    with app.app_context():
        snapshot = load_snapshot(learner.id)
        assert learner.user_id is not None
        assert snapshot.lessons["what-is-flask"].is_completed
        assert len(snapshot.responses) == 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Learner)) == 1
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Finished the lesson “What is Flask”" in html


def test_register_keeps_the_language_chosen_before(app, client):
    token = csrf_token(client, "/")
    client.post("/language", data={"lang": "zh", "csrf_token": token})
    register(client)
    with app.app_context():
        assert db.session.scalar(sa.select(User.language)) == "zh"


# Logging in and out ------------------------------------------------------------------------


@pytest.mark.storage
def test_login_merges_the_browsers_progress_into_the_account(app, client, auth, course):
    auth.create_user()
    # On another device, the account already did the lesson and a full perfect attempt.
    other = app.test_client()
    login(other)
    token = csrf_token(other, "/topics/intro/what-is-flask")
    other.post("/topics/intro/what-is-flask/done", data={"csrf_token": token})
    headers = {"X-CSRFToken": token, "Accept": "application/json"}
    for qid, answer in RIGHT.items():
        other.post(
            "/topics/routing/quiz/answer", json={"question_id": qid, "answer": answer}, headers=headers
        )
    # Here, anonymously: the same lesson, a worse partial attempt, and a new lesson.
    read_and_answer(client)
    client.get("/topics/intro/wsgi")
    assert login(client).status_code == 303
    learner = learner_of(app, "ada@example.com")
    with app.app_context():
        lessons = list(db.session.scalars(sa.select(LessonProgress)))
        assert sorted(row.lesson_slug for row in lessons) == ["what-is-flask", "wsgi"]
        assert {row.learner_id for row in lessons} == {learner.id}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Learner)) == 1
        attempts = list(db.session.scalars(sa.select(QuizAttempt)))
        assert {a.learner_id for a in attempts} == {learner.id} and len(attempts) == 2
        assert best_scores(load_snapshot(learner.id).attempts) == {"routing": 1.0}


def test_logout_leaves_the_progress_with_the_account(app, client, auth, course):
    auth.create_user()
    read_and_answer(client)
    login(client)
    auth.logout()
    # A fresh anonymous visitor sees nothing ...
    assert "Finish a quiz and your scores will show here." in client.get("/dashboard").get_data(as_text=True)
    assert "Start the course" in client.get("/").get_data(as_text=True)
    # ... and the account still has it all.
    login(client)
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Finished the lesson “What is Flask”" in html


def test_login_page_links_to_register_and_back(client):
    assert "/auth/register" in client.get("/auth/login").get_data(as_text=True)
    assert "/auth/login" in client.get("/auth/register").get_data(as_text=True)


def test_login_refuses_offsite_next(client, auth):
    auth.create_user()
    token = csrf_token(client, "/auth/login")
    response = client.post(
        "/auth/login?next=//evil.example/",
        data={"email": "ada@example.com", "password": "correct horse", "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_logged_in_user_is_sent_home_from_login_and_register(client, auth):
    auth.create_user()
    login(client)
    assert client.get("/auth/login").status_code == 302
    assert client.get("/auth/register").status_code == 302


# The login rate limit ----------------------------------------------------------------------


def failures(app) -> int:
    """Return how many failed logins are stored."""
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure))


@pytest.mark.storage
def test_ten_failures_for_one_account_answer_429_even_with_the_right_password(app, client, auth):
    auth.create_user()
    for n in range(10):
        assert login(client, password=f"wrong {n}", ip=f"10.0.1.{n}").status_code == 400
    response = login(client, ip="10.0.2.1")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Too many failed logins" in response.get_data(as_text=True)
    # Another account is not affected.
    auth.create_user("bob@example.com")
    assert login(client, email="bob@example.com", ip="10.0.3.1").status_code == 303


@pytest.mark.storage
def test_thirty_failures_from_one_address_answer_429(app, client, auth):
    auth.create_user()
    for n in range(30):
        assert login(client, email=f"guess{n}@example.com", password="x", ip="10.9.9.9").status_code == 400
    assert login(client, ip="10.9.9.9").status_code == 429
    assert login(client, ip="10.9.9.10").status_code == 303


@pytest.mark.storage
def test_failures_older_than_the_window_do_not_count(app, client, auth):
    auth.create_user()
    with app.app_context():
        old = utcnow() - timedelta(minutes=16)
        db.session.add_all(
            [LoginFailure(email="ada@example.com", ip="10.0.0.1", failed_at=old) for _ in range(12)]
        )
        db.session.commit()
    assert login(client).status_code == 303


def test_a_successful_login_clears_the_accounts_failures(app, client, auth):
    auth.create_user()
    for _ in range(3):
        login(client, password="nope")
    assert failures(app) == 3
    assert login(client).status_code == 303
    assert failures(app) == 0


def test_limits_come_from_the_config(app, client, auth):
    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 2
    auth.create_user()
    login(client, password="nope")
    login(client, password="nope")
    assert login(client).status_code == 429


def test_429_is_json_for_json_clients(app, client, auth):
    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 1
    auth.create_user()
    login(client, password="nope")
    token = csrf_token(client, "/auth/login")
    response = client.post(
        "/auth/login",
        data={"email": "ada@example.com", "password": "correct horse", "csrf_token": token},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 429
    assert response.json["status"] == 429
