"""Language choice: the user's setting, then the session, then Accept-Language."""

from __future__ import annotations

from flask import Flask
from flask import current_app
from flask import g
from flask import request
from flask import session
from flask_login import current_user

from app.extensions import babel


def select_locale() -> str:
    """Return the reader's language: account > session > Accept-Language > English."""
    languages = current_app.config["LANGUAGES"]
    if g.get("session_unavailable"):
        return request.accept_languages.best_match(languages) or "en"
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def init_i18n(app: Flask) -> None:
    """Bind Flask-Babel with the locale selector."""
    babel.init_app(app, locale_selector=select_locale)
