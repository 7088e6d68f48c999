"""Forms of the instructor pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SubmitField
from wtforms import TextAreaField


class PreviewForm(FlaskForm):
    """Markdown to preview, pasted by an instructor."""

    markdown = TextAreaField("Markdown")
    submit = SubmitField("Preview")
