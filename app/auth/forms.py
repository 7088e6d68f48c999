"""Forms of the auth blueprint."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from wtforms import EmailField
from wtforms import PasswordField
from wtforms import StringField
from wtforms import SubmitField
from wtforms.validators import DataRequired
from wtforms.validators import Email
from wtforms.validators import EqualTo
from wtforms.validators import Length
from wtforms.validators import ValidationError

from app.extensions import db
from app.forms import SiteForm
from app.models import User
from app.models import normalize_email

MIN_PASSWORD_LENGTH = 8


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
        _l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=256)]
    )
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
                max=256,
                message=_l("A password needs 8 to 256 characters."),
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
    submit = SubmitField(_l("Create account"))

    def validate_email(self, field: EmailField) -> None:
        """Refuse an address that already has an account."""
        exists = db.session.scalar(sa.select(User.id).where(User.email == normalize_email(field.data or "")))
        if exists is not None:
            raise ValidationError(_l("An account with this email already exists. Log in instead."))

    def validate_display_name(self, field: StringField) -> None:
        """Refuse a name made only of spaces."""
        if not (field.data or "").strip():
            raise ValidationError(_l("Choose a display name."))
