"""A lost session strands nothing: the signed learner cookie leads back to anonymous progress only."""

from __future__ import annotations

import re

import pytest
import redis
import sqlalchemy as sa
from conftest import csrf_token
from flask import Flask
from itsdangerous import URLSafeTimedSerializer

from app.extensions import db
from app.progress.identity import LEARNER_COOKIE_SALT
from app.progress.models import Learner

LEARNER_COOKIE = "insideflask_learner"
TOPIC_PAGE = "/topics/routing/"


def wipe_session_store(app: Flask, url: str) -> None:
    """Delete every session this app stored, as a Redis restart without persistence does."""
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(f"{app.config['SESSION_KEY_PREFIX']}*"))
    assert keys
    client.delete(*keys)
    client.close()


def mark_done(client, slug: str = "routing") -> None:
    """Mark a routing lesson as done through the real form."""
    token = csrf_token(client, f"/topics/routing/{slug}")
    response = client.post(f"/topics/routing/{slug}/done", data={"csrf_token": token})
    assert response.status_code == 303


def done_badges(client) -> int:
    """Return how many lessons the topic page shows as done."""
    return client.get(TOPIC_PAGE).get_data(as_text=True).count("badge-done")


def learner_count(app: Flask) -> int:
    """Return how many learners are stored."""
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Learner))


def test_progress_made_anonymously_survives_a_wiped_session_store(app, client, redis_url):
    mark_done(client)
    assert done_badges(client) == 1
    wipe_session_store(app, redis_url)
    # The old session id now names nothing; the learner cookie leads back.
    assert done_badges(client) == 1
    mark_done(client, "url-converters")
    assert done_badges(client) == 2
    assert learner_count(app) == 1


def test_the_learner_cookie_is_signed_long_lived_and_http_only(app, client):
    app.config["SESSION_COOKIE_SECURE"] = True
    # Marking a lesson done is the first thing worth keeping: it creates the learner and the cookie.
    token = csrf_token(client, "/topics/routing/routing")
    response = client.post("/topics/routing/routing/done", data={"csrf_token": token})
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(LEARNER_COOKIE))
    for flag in ("HttpOnly", "Secure", "SameSite=Lax", "Path=/"):
        assert flag in header
    max_age = int(re.search(r"Max-Age=(\d+)", header).group(1))
    assert max_age >= 365 * 86400


def test_a_tampered_or_foreign_learner_cookie_leads_nowhere(app, client, redis_url):
    mark_done(client)
    with app.app_context():
        learner = db.session.scalar(sa.select(Learner))
        learner_id, key = learner.id, learner.anonymous_key
    wipe_session_store(app, redis_url)
    stranger = app.test_client()
    forged = [
        "junk",
        URLSafeTimedSerializer("not-the-secret", salt=LEARNER_COOKIE_SALT).dumps([learner_id, key]),
        # Signed with the app's secret but another salt: a value signed for another purpose.
        URLSafeTimedSerializer(app.secret_key, salt="itsdangerous").dumps([learner_id, key]),
        URLSafeTimedSerializer(app.secret_key, salt=LEARNER_COOKIE_SALT).dumps([learner_id, "0" * 64]),
        URLSafeTimedSerializer(app.secret_key, salt=LEARNER_COOKIE_SALT).dumps({"id": learner_id}),
    ]
    for value in forged:
        stranger.set_cookie(LEARNER_COOKIE, value)
        assert done_badges(stranger) == 0
    genuine = URLSafeTimedSerializer(app.secret_key, salt=LEARNER_COOKIE_SALT).dumps([learner_id, key])
    stranger.set_cookie(LEARNER_COOKIE, genuine)
    assert done_badges(stranger) == 1


@pytest.mark.parametrize("then_log_out", [False, True])
def test_the_learner_cookie_never_leads_to_an_accounts_learner(app, client, auth, redis_url, then_log_out):
    mark_done(client)
    cookie = client.get_cookie(LEARNER_COOKIE).value
    auth.create_user()
    auth.login()
    # The account claimed the anonymous learner: its progress is the account's now.
    assert done_badges(client) == 1
    if then_log_out:
        auth.logout()
    else:
        wipe_session_store(app, redis_url)
    stranger = app.test_client()
    stranger.set_cookie(LEARNER_COOKIE, cookie)
    assert done_badges(stranger) == 0
    # Nor does this browser, logged out or with its session lost, see the account's progress.
    assert done_badges(client) == 0


def lesson_done(client, slug: str = "routing") -> bool:
    """Return whether the lesson page shows the lesson as done."""
    return "You marked this lesson as done." in client.get(f"/topics/routing/{slug}").get_data(as_text=True)


def test_the_lesson_page_finds_its_learner_every_way(app, client, auth, redis_url):
    """The lesson page confirms the session's learner in the statement that reads its lessons;
    when that finds nobody, the full lookup (and the learner cookie) still decides."""
    mark_done(client)
    assert lesson_done(client)
    # A lost session: the learner cookie leads back, from the lesson page too.
    wipe_session_store(app, redis_url)
    assert lesson_done(client)
    assert learner_count(app) == 1
    # A session naming a learner that no longer exists shows nothing and creates nobody.
    stranger = app.test_client()
    with stranger.session_transaction() as session:
        session["learner_id"] = 10_000
    assert not lesson_done(stranger)
    with stranger.session_transaction() as session:
        assert "learner_id" not in session
        session["learner_id"] = 10_000
    # So does a page that asks only for the learner's id (the quiz page).
    assert stranger.get("/topics/routing/quiz").status_code == 200
    with stranger.session_transaction() as session:
        assert "learner_id" not in session
    assert learner_count(app) == 1
    # Logged in, the account's learner (which claimed the anonymous one) answers.
    auth.create_user()
    auth.login()
    assert lesson_done(client)
    assert not lesson_done(client, "url-converters")
    assert learner_count(app) == 1
