"""Hardening of accounts and the site's edges: redirects, enumeration, passwords, logout, hosts."""

from __future__ import annotations

import statistics
import time

import pytest
import sqlalchemy as sa
from conftest import csrf_token
from test_content_catalog import copy_course

from app import create_app
from app.auth.models import LoginFailure
from app.auth.passwords import DEFAULT_HASH_METHOD
from app.auth.passwords import common_passwords
from app.auth.passwords import is_common
from app.auth.redirects import same_site_path
from app.extensions import db
from app.models import User

# Open redirects ------------------------------------------------------------------------------

#: A path Flask answers without a session (Redis is absent in some tests here); the Host
#: check runs before it.
PAGE = "/static/css/site.css"


def page_status(client, host: str) -> int:
    """Return the status of ``PAGE`` asked for under ``host`` (the file is closed)."""
    response = client.get(PAGE, headers={"Host": host})
    response.close()
    return response.status_code


OFFSITE = [
    "//evil.example",
    "//evil.example/path",
    "/\t/evil.example",
    "/\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "https://evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    "data:text/html,hi",
    "evil.example",
    "../evil",
    "/\r\nSet-Cookie: x=1",
    "/ok\r\nLocation: //evil.example",
    "/\x00//evil.example",
    "/\u2028/evil.example",
    "/\u200b/evil.example",
    "",
    "/" + "a" * 5000,
]


@pytest.mark.parametrize("target", OFFSITE)
def test_same_site_path_refuses_every_offsite_or_odd_target(target):
    assert same_site_path(target, "/fallback") == "/fallback"


@pytest.mark.parametrize(
    "target",
    ["/", "/topics/routing/", "/topics/intro/wsgi?tab=2#quiz", "/dashboard?next=//x", "/a%2F%2Fb"],
)
def test_same_site_path_keeps_paths_of_this_site(target):
    assert same_site_path(target, "/fallback") == target


def test_same_site_path_refuses_what_is_not_a_string():
    assert same_site_path(None, "/f") == "/f"
    assert same_site_path(["/x"], "/f") == "/f"


def login_with_next(client, next_in_query=None, next_in_form=None):
    """Post a correct login, with ``next`` in the query string and/or the form."""
    token = csrf_token(client, "/auth/login")
    data = {"email": "ada@example.com", "password": "correct horse", "csrf_token": token}
    if next_in_form is not None:
        data["next"] = next_in_form
    url = "/auth/login"
    return client.post(url, data=data, query_string={"next": next_in_query} if next_in_query else None)


@pytest.mark.parametrize("target", ["/\t/evil.example", "//evil.example", "/\r\n/x", "https://evil.example"])
def test_login_never_redirects_offsite(client, auth, target):
    auth.create_user()
    response = login_with_next(client, next_in_query=target)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_login_with_crlf_in_the_form_next_is_a_safe_redirect(client, auth):
    auth.create_user()
    response = login_with_next(client, next_in_form="/x\r\nSet-Cookie: a=b")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert "a=b" not in str(response.headers)


def test_login_page_carries_next_through_its_form_and_links(client, auth):
    html = client.get("/auth/login?next=/topics/routing/").get_data(as_text=True)
    assert 'name="next" type="hidden" value="/topics/routing/"' in html
    assert "/auth/register?next=/topics/routing/" in html
    auth.create_user()
    # The form's hidden field alone brings the learner back.
    response = login_with_next(client, next_in_form="/topics/routing/")
    assert response.headers["Location"] == "/topics/routing/"


def test_login_page_drops_an_offsite_next(client):
    html = client.get("/auth/login?next=//evil.example").get_data(as_text=True)
    assert 'name="next" type="hidden" value=""' in html
    assert 'href="/auth/register"' in html


def test_register_returns_to_next_and_refuses_offsite(client):
    html = client.get("/auth/register?next=/topics/intro/").get_data(as_text=True)
    assert 'name="next" type="hidden" value="/topics/intro/"' in html
    assert "/auth/login?next=/topics/intro/" in html
    response = register(client, next="/topics/intro/")
    assert response.headers["Location"] == "/topics/intro/"
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})
    response = register(client, email="other@example.com", next="/\t/evil.example")
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\\evil.example", "/x\r\ny", "//evil.example"])
def test_language_switch_never_redirects_offsite(client, target):
    token = csrf_token(client, "/")
    response = client.post("/language", data={"lang": "zh", "next": target, "csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_language_switch_returns_to_the_page(client):
    token = csrf_token(client, "/")
    response = client.post(
        "/language", data={"lang": "zh", "next": "/topics/routing/?x=1", "csrf_token": token}
    )
    assert response.headers["Location"] == "/topics/routing/?x=1"


# Registration and the password policy -------------------------------------------------------


def register(client, **fields):
    """Post the registration form with a good password unless told otherwise."""
    data = {
        "email": "lin@example.com",
        "display_name": "Lin",
        "password": "a long password",
        "confirm": "a long password",
        **fields,
    }
    data["csrf_token"] = csrf_token(client, "/auth/register")
    return client.post("/auth/register", data=data)


def test_the_common_password_list_is_shipped_and_large():
    words = common_passwords()
    assert isinstance(words, frozenset)
    assert len(words) >= 10_000
    assert common_passwords() is words  # read once per process
    for word in ("password", "123456", "qwerty", "iloveyou", "password123"):
        assert word in words
    assert is_common("PassWord123") and is_common("  qwertyuiop ")
    assert not is_common("a long password")


@pytest.mark.parametrize("password", ["password123", "qwertyuiop", "1234567890", "Password1234"])
def test_register_refuses_common_passwords(app, client, password):
    response = register(client, password=password, confirm=password)
    assert response.status_code == 400
    assert "one of the most common" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_register_refuses_nine_characters_and_accepts_ten(client):
    response = register(client, password="zq8!vk2#p", confirm="zq8!vk2#p")
    assert response.status_code == 400
    assert "10 to 256 characters" in response.get_data(as_text=True)
    assert register(client, password="zq8!vk2#pw", confirm="zq8!vk2#pw").status_code == 303


def test_password_messages_are_translated(client):
    token = csrf_token(client, "/")
    client.post("/language", data={"lang": "zh", "csrf_token": token})
    html = register(client, password="password123", confirm="password123").get_data(as_text=True)
    assert "常见" in html
    html = register(client, password="short", confirm="short").get_data(as_text=True)
    assert "10 到 256" in html
    assert "至少 10 个字符" in client.get("/auth/register").get_data(as_text=True)


def test_register_probes_for_taken_addresses_count_against_the_address(app, client, auth):
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = 3
    auth.create_user("lin@example.com")
    for _ in range(3):
        assert register(client).status_code == 400
    response = register(client, email="free@example.com")
    assert response.status_code == 429
    with app.app_context():
        # The owner's own logins are not locked by the probes.
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(LoginFailure)
                .where(LoginFailure.email == "lin@example.com")
            )
            == 0
        )


def test_a_successful_registration_is_not_counted(app, client):
    assert register(client).status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure)) == 0


# Login timing --------------------------------------------------------------------------------


def median_login_seconds(client, email: str, rounds: int) -> float:
    """Return the median time of ``rounds`` failed logins for ``email``."""
    token = csrf_token(client, "/auth/login")
    times = []
    for n in range(rounds):
        started = time.perf_counter()
        response = client.post(
            "/auth/login",
            data={"email": email, "password": f"wrong guess {n}", "csrf_token": token},
            environ_base={"REMOTE_ADDR": f"10.7.0.{n}"},
        )
        times.append(time.perf_counter() - started)
        assert response.status_code == 400
    return statistics.median(times)


def test_login_takes_as_long_for_an_unknown_address_as_for_a_known_one(app, client, auth):
    app.config["PASSWORD_HASH_METHOD"] = DEFAULT_HASH_METHOD  # the real cost, not the tests' cheap one
    auth.create_user()
    median_login_seconds(client, "nobody@example.com", 1)  # the dummy hash is made once
    known = median_login_seconds(client, "ada@example.com", 5)
    unknown = median_login_seconds(client, "nobody@example.com", 5)
    # Without the dummy hash the unknown address answered ~13 times faster.
    assert 0.5 < known / unknown < 2, (known, unknown)


def test_passwords_are_hashed_at_the_configured_cost(app, auth):
    """Production hashes at Werkzeug's full scrypt cost; the tests' cheaper cost is their own."""
    from config import Config
    from config import ProductionConfig

    assert Config.PASSWORD_HASH_METHOD == ProductionConfig.PASSWORD_HASH_METHOD == DEFAULT_HASH_METHOD
    assert DEFAULT_HASH_METHOD == "scrypt:32768:8:1"
    app.config["PASSWORD_HASH_METHOD"] = DEFAULT_HASH_METHOD
    auth.create_user()
    with app.app_context():
        stored = db.session.scalar(sa.select(User.password_hash))
    assert stored.startswith("scrypt:32768:8:1$")


# Logout ---------------------------------------------------------------------------------------


def test_logout_says_so_once(client, auth):
    auth.create_user()
    auth.login()
    old_cookie = client.get_cookie("insideflask_session").value
    response = auth.logout()
    assert response.status_code == 303
    assert client.get_cookie("insideflask_session").value != old_cookie
    assert "You are logged out." in client.get("/").get_data(as_text=True)
    assert "You are logged out." not in client.get("/").get_data(as_text=True)


# Host header trust ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def production_app(tmp_path_factory):
    """Build one production app that trusts example.org and www.example.org."""
    import os

    from app.extensions import db as _db

    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("REDIS_URL is not configured; `make test` provides it")
    tmp = tmp_path_factory.mktemp("hosts")
    lessons, quizzes = copy_course(tmp / "course")
    settings = {
        "SECRET_KEY": "x" * 32,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'db.sqlite3'}",
        "REDIS_URL": redis_url,
        "SESSION_KEY_PREFIX": "test:hosts:session:",
        "LESSONS_DIR": str(lessons),
        "QUIZZES_DIR": str(quizzes),
        "TRUSTED_HOSTS": "example.org, www.example.org",
    }
    app = create_app("production", settings)

    @app.get("/_test/external")
    def external_url():
        from flask import url_for

        return url_for("main.index", _external=True)

    with app.app_context():
        _db.create_all()
    return app


@pytest.mark.parametrize("host", ["evil.example", "example.org.evil.example", "127.0.0.1", "localhost"])
def test_production_answers_400_to_a_forged_host(production_app, host):
    client = production_app.test_client()
    for path in ("/", "/_test/external", "/auth/login"):
        response = client.get(path, headers={"Host": host})
        assert response.status_code == 400, (path, host)
        assert host not in response.get_data(as_text=True)


@pytest.mark.parametrize("host", ["example.org", "www.example.org", "example.org:443"])
def test_production_answers_its_own_hosts_with_their_external_urls(production_app, host):
    client = production_app.test_client()
    response = client.get("/_test/external", headers={"Host": host}, base_url="https://example.org")
    assert response.status_code == 200
    # The default port of the scheme is left out of the URL.
    assert response.get_data(as_text=True) == f"https://{host.removesuffix(':443')}/"


def test_production_without_trusted_hosts_answers_only_loopback_and_says_so(monkeypatch, tmp_path, caplog):
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    for name, value in {
        "SECRET_KEY": "x" * 32,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": "redis://127.0.0.1:1/0",
    }.items():
        monkeypatch.setenv(name, value)
    lessons, quizzes = copy_course(tmp_path / "course")
    app = create_app("production", {"LESSONS_DIR": str(lessons), "QUIZZES_DIR": str(quizzes)})
    assert app.config["TRUSTED_HOSTS"] == ["localhost", "127.0.0.1"]
    assert "TRUSTED_HOSTS is not set" in caplog.text
    assert page_status(app.test_client(), "evil.example") == 400
    assert page_status(app.test_client(), "127.0.0.1:8000") == 200


def test_production_reads_trusted_hosts_from_the_environment(monkeypatch, tmp_path):
    for name, value in {
        "SECRET_KEY": "x" * 32,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "TRUSTED_HOSTS": "example.org,.example.net",
    }.items():
        monkeypatch.setenv(name, value)
    lessons, quizzes = copy_course(tmp_path / "course")
    app = create_app("production", {"LESSONS_DIR": str(lessons), "QUIZZES_DIR": str(quizzes)})
    assert app.config["TRUSTED_HOSTS"] == ["example.org", ".example.net"]
    client = app.test_client()
    assert page_status(client, "docs.example.net") == 200
    assert page_status(client, "example.com") == 400
    # The probes answer whatever the Host: a container runtime calls them by address.
    assert client.get("/healthz", headers={"Host": "10.0.3.7:8000"}).json == {"status": "ok"}
    ready = client.get("/readyz", headers={"Host": "127.0.0.1:8000"})
    # Not a 400: the probe ran, and says this database is not migrated and this Redis is absent.
    assert ready.status_code == 503
    assert ready.json["failed"] == ["database", "session_store"]


@pytest.mark.parametrize("host", ["127.0.0.1:5000", "localhost", "anything.test"])
def test_development_and_testing_answer_any_local_host(client, host):
    assert page_status(client, host) == 200
