"""What the web layer shares: for every /api/v1 endpoint bearer-token auth, JSON body parsing and the one error shape

    {"error": {"code": "<snake_case>", "message": "<human sentence>"}}

The API authenticates with `Authorization: Bearer <token>` only (never the session cookie), so it needs no CSRF
token and a malicious page cannot ride a member's browser session. Pages share `CsrfForm`, the form for buttons
that carry nothing but the CSRF token.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from functools import wraps

from flask import abort, flash, g, jsonify, request
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.exceptions import HTTPException
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from community.errors import ServiceError
from community.extensions import db
from community.write_limits import write_limit

HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type", 422: "unprocessable",
    429: "rate_limited", 500: "internal_error", 503: "unavailable",
}


def error_response(status: int, code: str, message: str, **extra):
    body = {"error": {"code": code, "message": message}}
    body.update(extra)
    return jsonify(body), status


def role_required(role: str):
    """For pages: signed in (else the sign-in page) and staff (`"staff"`) or an admin (`"admin"`), else 403."""
    def decorate(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not (current_user.is_admin if role == "admin" else current_user.is_staff):
                abort(403)
            return view(*args, **kwargs)
        return wrapper
    return decorate


class CsrfForm(FlaskForm):
    """CSRF only: the buttons that approve, verify, delete, lift a suspension..."""


class AppealForm(FlaskForm):
    """The one appeal a removed post or chat message has (moderation.queue.services.appeal)."""
    text = TextAreaField("Why should this decision change?", validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField("Send appeal")


def show_refusal(form, err: ServiceError) -> None:
    """A page's refused write: rolled back, and each reason shown under the field it is about, else flashed (an
    error with `problems`, [(field, reason)], has several)."""
    db.session.rollback()
    for name, why in getattr(err, "problems", None) or [(err.field, err.message)]:
        if name and name in form:
            form[name].errors = [*form[name].errors, why]
        else:
            flash(why, "error")


def submitted(form, write):
    """What `write()` returns for a valid submitted form; None when the form was not sent, not valid, or the write
    was refused (show_refusal)."""
    if not form.validate_on_submit():
        return None
    try:
        return write()
    except ServiceError as err:
        show_refusal(form, err)
        return None


@contextmanager
def refusal_flashed():
    """Around a page's write: a ServiceError raised in the block is rolled back and flashed as an error, and the
    rest of the block (the "done" flash, say) is skipped."""
    try:
        yield
    except ServiceError as err:
        db.session.rollback()
        flash(err.message, "error")


class ApiError(ServiceError):
    pass


def json_body() -> dict:
    """The request's JSON object, or a 400 with a clear reason."""
    if not request.data:
        raise ApiError("missing_body", "Send a JSON object in the request body.")
    try:
        # Strict JSON: NaN and Infinity are not JSON (and would slip through range checks); bad UTF-8 is refused.
        data = json.loads(request.get_data(cache=True), parse_constant=_refuse_constant)
    except HTTPException:
        raise ApiError("invalid_json", "The request body is not valid JSON.") from None
    except (ValueError, RecursionError):
        raise ApiError("invalid_json", "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ApiError("invalid_json", "The request body must be a JSON object.")
    if has_lone_surrogate(data):
        raise ApiError("invalid_text", "The text contains an invalid character (a lone \\uD800-\\uDFFF escape). "
                                       "Please remove it and send it again.")
    return data


def has_lone_surrogate(value, depth: int = 0) -> bool:
    """True when a decoded JSON value holds a lone UTF-16 surrogate ("\\ud800"): valid JSON, but not text that can be
    stored or shown (the database driver would refuse it later, as a 500)."""
    if isinstance(value, str):
        return any("\ud800" <= ch <= "\udfff" for ch in value)
    if depth > 100:
        return False
    if isinstance(value, dict):
        return any(has_lone_surrogate(k, depth + 1) or has_lone_surrogate(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(has_lone_surrogate(v, depth + 1) for v in value)
    return False


def _refuse_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def require(data: dict, name: str, kind=str, *, optional: bool = False):
    """Read one field, checking its type (the service checks content)."""
    if name not in data or data[name] is None:
        if optional:
            return None
        raise ApiError("missing_field", f"'{name}' is required.", field=name)
    value = data[name]
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ApiError("invalid_type", f"'{name}' must be a whole number.", field=name)
    if kind is not int and not isinstance(value, kind):
        raise ApiError("invalid_type", f"'{name}' must be {'text' if kind is str else kind.__name__}.", field=name)
    return value


_token_loader = None


def register_token_loader(loader) -> None:
    """How a bearer token becomes a member (community/members/services.member_for_token), handed over by
    create_app so the web layer imports no domain code (like flask-login's user_loader)."""
    global _token_loader
    _token_loader = loader


def _member_for(token: str | None):
    return _token_loader(token) if _token_loader is not None and token else None


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


def token_required(role: str | None = None, *, write: str | None = None):
    """Decorator: the caller must present a valid token; `role` = "staff" or "admin" narrows it. `write`: the kind
    of write the endpoint does, counted against its budgets (community/write_limits.py) once the caller is known."""
    def decorate(view):
        if write is not None:
            view = write_limit(write)(view)

        @wraps(view)
        def wrapper(*args, **kwargs):
            member = _member_for(bearer_token())
            if member is None:
                raise ApiError("unauthorized", "Sign in first: send 'Authorization: Bearer <token>'.", status=401)
            if role == "staff" and not member.is_staff:
                raise ApiError("forbidden", "Only moderators and admins can do that.", status=403)
            if role == "admin" and not member.is_admin:
                raise ApiError("forbidden", "Only admins can do that.", status=403)
            g.api_member = member
            return view(*args, **kwargs)
        return wrapper
    return decorate


def optional_member():
    return _member_for(bearer_token())


SUBMITTED_FIELDS = ("title", "body", "content_warning", "text", "message", "reason", "note")
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def submitted_texts() -> list[str]:
    """The words a write sent (JSON or form fields that carry what a person wrote), for a refusal to read."""
    if request.method not in WRITE_METHODS:
        return []
    data = request.get_json(silent=True) if request.is_json else request.form
    if not hasattr(data, "get"):
        return []
    return [v for v in (data.get(name) for name in SUBMITTED_FIELDS) if isinstance(v, str)]
