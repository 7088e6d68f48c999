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


def safe_next(target: str | None) -> str:
    """Return ``target`` when it is a same-site path, else the home page."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("main.index")


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
    """Check the credentials (within the rate limit) and log the user in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        email = normalize_email(form.email.data)
        ip = client_ip()
        wait = throttle.retry_after(email, ip)
        if wait is not None:
            minutes = max(1, round(wait / 60))
            raise TooManyRequests(
                _(
                    "Too many failed logins. Wait %(minutes)d minutes before trying again.",
                    minutes=minutes,
                ),
                retry_after=wait,
            )
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None or not user.check_password(form.password.data):
            throttle.record_failure(email, ip)
            form.password.errors.append(_("Wrong email or password."))
            return render_template("auth/login.html", form=form), 400
        throttle.clear_failures(email)
        sign_in(user)
        flash(_("Welcome back, %(name)s.", name=user.display_name), "success")
        return redirect(safe_next(request.args.get("next")), code=303)
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create an account, log it in, and keep the progress made so far."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = service.register_user(
                form.email.data, form.display_name.data, form.password.data, language=session.get("lang")
            )
        except IntegrityError:
            # Another request registered the same address a moment earlier.
            form.email.errors.append(_("An account with this email already exists. Log in instead."))
            return render_template("auth/register.html", form=form), 400
        sign_in(user)
        welcome = _("Welcome, %(name)s. Your progress is now saved to your account.", name=user.display_name)
        flash(welcome, "success")
        return redirect(safe_next(request.args.get("next")), code=303)
    status = 400 if form.errors else 200
    return render_template("auth/register.html", form=form), status


@bp.post("/logout")
def logout():
    """Log out and delete the server-side session."""
    logout_user()
    end_session()
    return redirect(url_for("main.index"), code=303)
