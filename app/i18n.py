"""Language choice: the user's setting, then the session, then Accept-Language."""

from __future__ import annotations

from babel.support import NullTranslations
from flask import Flask
from flask import current_app
from flask import g
from flask import has_request_context
from flask import request
from flask import session
from flask_babel import get_translations
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


#: Where the app keeps each language's translations (in ``app.extensions``).
TRANSLATIONS_KEY = "insideflask.translations"


def request_translations() -> NullTranslations:
    """Return the translations of the request's language, looked up once per process and language.

    Flask-Babel's ``get_translations()`` walks the context, the domain and the locale on every
    call (~17 µs), and its first call in a request parses the language into a ``babel.Locale``;
    a template's ``_()`` calls it each time, and the dashboard has ~60 of them. The words of a
    language are the same for every request, so they are kept per language, keyed by the
    language ``current_lang()`` chose. Outside a request, Flask-Babel answers as usual.
    """
    if not has_request_context():
        return get_translations()
    lang = current_language()
    cache = current_app.extensions.setdefault(TRANSLATIONS_KEY, {})
    translations = cache.get(lang)
    if translations is None:
        translations = cache[lang] = get_translations()
    return translations


def current_language() -> str:
    """Return the language pages are shown in (``en`` or ``zh``), chosen once per request.

    The selector's answer itself: Flask-Babel's ``get_locale()`` would parse it into a
    ``babel.Locale`` first, which a page that only needs the code can skip.
    """
    lang = g.get("_current_lang")
    if lang is None:
        lang = g._current_lang = select_locale()
    return lang


def init_i18n(app: Flask) -> None:
    """Bind Flask-Babel with the locale selector; templates get their words per request."""
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
    )
