"""Log in and log out."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_user
from flask_login import logout_user

from app.auth import bp
from app.auth.forms import LoginForm
from app.extensions import db
from app.extensions import login as login_manager
from app.models import User
from app.models import normalize_email
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
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Check the credentials, regenerate the session id and log the user in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(sa.select(User).where(User.email == normalize_email(form.email.data)))
        if user is None or not user.check_password(form.password.data):
            form.password.errors.append(_("Wrong email or password."))
            return render_template("auth/login.html", form=form), 400
        # A new id at login defeats session fixation.
        regenerate_session()
        login_user(user)
        flash(_("Welcome back, %(name)s.", name=user.display_name), "success")
        return redirect(safe_next(request.args.get("next")), code=303)
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    """Log out and delete the server-side session."""
    logout_user()
    end_session()
    return redirect(url_for("main.index"), code=303)
