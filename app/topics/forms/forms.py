"""The form of the forms topic's demo: a registration form that is validated, never saved."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField
from wtforms import EmailField
from wtforms import PasswordField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Email
from wtforms.validators import EqualTo
from wtforms.validators import Length
from wtforms.validators import Regexp

from app.forms import SiteForm


class RegisterForm(SiteForm):
    """Username, email, a password typed twice and the terms; CSRF comes from FlaskForm."""

    username = StringField(
        _l("Username"),
        validators=[
            DataRequired(),
            Length(min=3, max=20),
            Regexp(r"^[A-Za-z0-9_]+$", message=_l("Letters, digits and _ only.")),
        ],
    )
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=8, max=128)])
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
    accept_terms = BooleanField(_l("I accept the terms"), validators=[DataRequired()])
