"""Register, log in and log out; each sign-in claims the browser's anonymous progress."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_user
from flask_login import logout_user
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import TooManyRequests

from app.auth import bp
from app.auth import service
from app.auth import throttle
from app.auth.forms import LoginForm
from app.auth.forms import RegisterForm
from app.auth.redirects import same_site_path
from app.extensions import db
from app.extensions import login as login_manager
from app.models import User
from app.models import normalize_email
from app.progress import identity
from app.progress.service import claim
from app.sessions import end_session
from app.sessions import regenerate_session


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Return the user whose id Flask-Login stored in the session."""
    if not user_id.isdigit():
        return None
    return db.session.get(User, int(user_id))


def next_target(form: LoginForm | RegisterForm) -> str:
    """Return where to go afterwards: the form's ``next`` (or the query's), if same-site."""
    return same_site_path(form.next.data or request.args.get("next"), url_for("main.index"))


def carry_next(form: LoginForm | RegisterForm) -> str | None:
    """Put the query's ``next`` into the form, and return it for links (``None`` if unsafe)."""
    target = same_site_path(form.next.data or request.args.get("next"), "")
    form.next.data = target
    return target or None


def too_many_attempts(wait: int) -> TooManyRequests:
    """Return the 429 for a client that must wait ``wait`` seconds."""
    minutes = max(1, round(wait / 60))
    return TooManyRequests(
        _("Too many failed logins. Wait %(minutes)d minutes before trying again.", minutes=minutes),
        retry_after=wait,
    )


def client_ip() -> str:
    """Return the address the request came from (set ProxyFix behind a proxy)."""
    return request.remote_addr or "unknown"


def sign_in(user: User) -> None:
    """Log ``user`` in on a fresh session id and give them this browser's progress."""
    anonymous_id = identity.anonymous_learner_id()
    chosen_lang = session.get("lang")
    # A new id at login defeats session fixation.
    regenerate_session()
    login_user(user)
    claim(anonymous_id, user)
    identity.forget_anonymous_learner()
    if user.language is None and chosen_lang:
        service.set_language(user, chosen_lang)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Check the credentials (within the rate limit) and log the user in.

    A known and an unknown address take the same path and the same time: the
    attempt is counted first, and the password is always checked against a hash
    (a dummy one when there is no such account).
    """
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email = normalize_email(form.email.data)
        _row, wait = throttle.reserve(email, client_ip())
        if wait is not None:
            raise too_many_attempts(wait)
        user = service.authenticate(email, form.password.data)
        if user is None:
            # The reserved row stays: it is this failure.
            form.password.errors.append(_("Wrong email or password."))
            return render_template("auth/login.html", form=form, next=carry_next(form)), 400
        throttle.clear_failures(email)
        sign_in(user)
        flash(_("Welcome back, %(name)s.", name=user.display_name), "success")
        return redirect(next_target(form), code=303)
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form, next=carry_next(form)), status


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create an account, log it in, and keep the progress made so far.

    An address that already has an account is refused with a message saying so.
    This does reveal that the address is registered, on purpose: registration logs
    the new account in at once and the site sends no email, so there is no answer
    that could look the same for a taken and a free address (one visitor is logged
    in, the other is not) and no other channel to tell the owner. What limits the
    leak is the rate limit: every registration attempt counts against the
    visitor's address like a failed login (30 per 15 minutes), and only attempts
    that create an account are forgiven. Logging in reveals nothing (see ``login``).
    """
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        email = normalize_email(form.email.data)
        row, wait = throttle.reserve(None, client_ip())
        if wait is not None:
            raise too_many_attempts(wait)
        taken = db.session.scalar(sa.select(User.id).where(User.email == email)) is not None
        try:
            user = (
                None
                if taken
                else service.register_user(
                    email, form.display_name.data, form.password.data, language=session.get("lang")
                )
            )
        except IntegrityError:
            # Another request registered the same address a moment earlier.
            user = None
        if user is None:
            form.email.errors.append(_("An account with this email already exists. Log in instead."))
            return render_template("auth/register.html", form=form, next=carry_next(form)), 400
        throttle.release(row)
        sign_in(user)
        welcome = _("Welcome, %(name)s. Your progress is now saved to your account.", name=user.display_name)
        flash(welcome, "success")
        return redirect(next_target(form), code=303)
    status = 400 if form.errors else 200
    return render_template("auth/register.html", form=form, next=carry_next(form)), status


@bp.post("/logout")
def logout():
    """Log out and delete the server-side session."""
    logout_user()
    end_session()
    # The message is all the emptied session keeps, and under a new id: the old one
    # must not outlive the login it belonged to.
    flash(_("You are logged out."), "info")
    regenerate_session()
    return redirect(url_for("main.index"), code=303)
