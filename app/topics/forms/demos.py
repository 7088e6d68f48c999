"""Live demos of the forms topic: a Flask-WTF form validated, rendered and taken apart."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l

from app.demos import demo
from app.demos import field_text
from app.demos import render_demo
from app.topics.forms import bp
from app.topics.forms.forms import RegisterForm

#: The longest value any field of the demo accepts before validation even starts.
MAX_INPUT = 300
REDACTED = "«redacted»"
SECRET_FIELDS = ("password", "confirm")


def class_versus_instance(form: RegisterForm) -> dict[str, Any]:
    """Compare ``RegisterForm.username`` (on the class) with ``form.username`` (on the instance).

    Notice: FormMeta leaves each declared field on the class as an UnboundField, a recipe
    numbered by ``creation_counter``; instantiating the form binds each recipe into a real
    field, in counter order, and Flask-WTF adds ``csrf_token`` last.
    """
    unbound = RegisterForm.username
    bound = form.username
    return {
        "metaclass": type(RegisterForm).__name__,
        "class_attribute": {
            "type": type(unbound).__name__,
            "field_class": unbound.field_class.__name__,
            "creation_counter": unbound.creation_counter,
        },
        "instance_attribute": {"type": type(bound).__name__, "name": bound.name, "id": bound.id},
        "unbound_fields": [[name, field.creation_counter] for name, field in RegisterForm._unbound_fields],
        "fields_order": list(form._fields),
    }


def rendered_html(form: RegisterForm) -> dict[str, str]:
    """Return the HTML each field renders, with the CSRF token's value hidden.

    Notice: the validators became attributes (``required``, ``minlength``, ``maxlength``),
    and a PasswordField never writes the submitted value back into the page.
    """
    html = {}
    for field in form:
        if field.name == "csrf_token":
            html[field.name] = str(field(value=REDACTED))
        else:
            html[field.name] = str(field())
    return html


def masked_data(form: RegisterForm) -> dict[str, Any]:
    """Return the submitted data with the passwords masked."""
    data = {}
    for name, value in form.data.items():
        if name in SECRET_FIELDS:
            data[name] = f"•••• ({len(value or '')} characters)"
        elif name != "csrf_token":
            data[name] = value
    return data


def plain_errors(form: RegisterForm) -> dict[str, list[str]]:
    """Return ``form.errors`` as plain strings (some messages are lazy translations)."""
    return {name: [str(message) for message in messages] for name, messages in form.errors.items()}


def check_input_sizes() -> None:
    """Refuse (400) any field longer than MAX_INPUT before WTForms sees it."""
    for name in ("username", "email", "password", "confirm"):
        field_text(name, limit=MAX_INPUT)


@demo(
    bp,
    "/register",
    title=_l("A registration form, validated"),
    summary=_l("Submit a Flask-WTF form, see the errors next to the fields, and see what FormMeta built."),
    methods=("GET", "POST"),
)
def demo_register():
    """Validate the form on POST (nothing is stored) and show its parts."""
    if request.method == "POST":
        check_input_sizes()
    form = RegisterForm()
    submitted = request.method == "POST"
    valid = form.validate() if submitted else None
    result = {
        "submitted": submitted,
        "validate": valid,
        "errors": plain_errors(form),
        "data": masked_data(form) if submitted else {},
        "html": rendered_html(form),
        "internals": class_versus_instance(form),
    }
    return render_demo(
        "forms/register.html",
        result=result,
        sources=[RegisterForm, class_versus_instance, rendered_html, masked_data],
        form=form,
    )
