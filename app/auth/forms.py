"""Forms of the auth blueprint."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField
from wtforms import HiddenField
from wtforms import PasswordField
from wtforms import StringField
from wtforms import SubmitField
from wtforms.validators import DataRequired
from wtforms.validators import Email
from wtforms.validators import EqualTo
from wtforms.validators import Length
from wtforms.validators import ValidationError

from app.auth.passwords import MAX_PASSWORD_LENGTH
from app.auth.passwords import MIN_PASSWORD_LENGTH
from app.auth.passwords import is_common
from app.forms import SiteForm


def stripped(value: str | None) -> str | None:
    """Return ``value`` without surrounding spaces (pasted addresses often have them)."""
    return value.strip() if isinstance(value, str) else value


class LoginForm(SiteForm):
    """Email and password."""

    email = EmailField(
        _l("Email"),
        filters=[stripped],
        validators=[
            DataRequired(_l("Enter your email address.")),
            Email(_l("Enter a valid email address.")),
            Length(max=254),
        ],
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=MAX_PASSWORD_LENGTH)]
    )
    #: Where to go after logging in; checked by ``same_site_path`` before use.
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


class RegisterForm(SiteForm):
    """Email, display name and a password typed twice."""

    email = EmailField(
        _l("Email"),
        filters=[stripped],
        validators=[
            DataRequired(_l("Enter your email address.")),
            Email(_l("Enter a valid email address.")),
            Length(max=254, message=_l("An email address has at most 254 characters.")),
        ],
    )
    display_name = StringField(
        _l("Display name"),
        filters=[stripped],
        validators=[
            DataRequired(_l("Choose a display name.")),
            Length(max=80, message=_l("A display name has at most 80 characters.")),
        ],
    )
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(_l("Choose a password.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=_l("A password needs 10 to 256 characters."),
            ),
        ],
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(_l("Repeat the password.")),
            EqualTo("password", _l("The two passwords differ.")),
        ],
    )
    #: Where to go after registering; checked by ``same_site_path`` before use.
    next = HiddenField()
    submit = SubmitField(_l("Create account"))

    def validate_password(self, field: PasswordField) -> None:
        """Refuse a password from the list of the most common ones."""
        if field.data and is_common(field.data):
            raise ValidationError(
                _l("This password is one of the most common ones and easy to guess. Choose another.")
            )

    def validate_display_name(self, field: StringField) -> None:
        """Refuse a name made only of spaces."""
        if not (field.data or "").strip():
            raise ValidationError(_l("Choose a display name."))
