"""Forms of the instructor pages."""

from __future__ import annotations

from wtforms import SubmitField
from wtforms import TextAreaField

from app.forms import SiteForm


class PreviewForm(SiteForm):
    """Markdown to preview, pasted by an instructor."""

    markdown = TextAreaField("Markdown")
    submit = SubmitField("Preview")
