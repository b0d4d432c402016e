"""Site-wide pages and plumbing: home, help, health check, friendly error pages and security headers."""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import text
from werkzeug.exceptions import HTTPException

from community.api_support import HTTP_CODES, error_response
from community.extensions import db

log = logging.getLogger(__name__)
bp = Blueprint("pages", __name__)

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

ERROR_TITLES = {
    400: "That request didn't look right", 403: "You don't have access to this page",
    404: "We couldn't find that page", 405: "That action isn't available here", 413: "That was too large to send",
    429: "Slow down a little", 500: "Something went wrong on our side", 503: "We're having trouble right now",
}


@bp.get("/")
def index():
    from community.forum.services import list_boards
    return render_template("index.html", boards=list_boards())


@bp.get("/help")
def help_page():
    from community.members.services import countries
    from moderation.resources import for_region
    region = request.args.get("region") or (current_user.region if current_user.is_authenticated else None)
    return render_template("help.html", found=for_region(region), countries=countries(),
                           region=region.upper() if isinstance(region, str) else None)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        return jsonify({"status": "ok", "database": "ok"})
    except Exception as exc:  # noqa: BLE001 - report, don't crash
        db.session.rollback()
        return jsonify({"status": "error", "database": f"error: {type(exc).__name__}"}), 503


def error_page(status: int, message: str | None = None):
    from moderation.resources import for_region
    try:
        region = current_user.region if current_user.is_authenticated else None
        found = for_region(region)
    except Exception:  # noqa: BLE001 - the database itself may be what failed; help still shows
        db.session.rollback()
        found = None
    return render_template("error.html", status=status, title=ERROR_TITLES.get(status, "Something went wrong"),
                           message=message, found=found), status


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def init_app(app) -> None:
    from community.forum.services import post_html
    from community.rendering import render_markdown
    app.register_blueprint(bp)
    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(post_html, "post_html")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        if _wants_json():
            message = exc.description if status != 429 else "Too many requests. Please wait a moment and try again."
            return error_response(status, HTTP_CODES.get(status, "error"), message)
        return error_page(status, exc.description if status in (400, 413, 429) else None)

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return error_page(400, "This form had expired. Please go back, refresh the page and try again - "
                               "your text is still in the box if you use the back button.")

    @app.errorhandler(Exception)
    def unexpected(exc):
        from sqlalchemy.exc import OperationalError
        log.exception("unhandled error on %s", request.path)
        db.session.rollback()
        status = 503 if isinstance(exc, OperationalError) else 500
        if _wants_json():
            return error_response(status, HTTP_CODES[status],
                                  "Something went wrong on our side. Nothing you sent was half-saved; try again.")
        return error_page(status)

    from community.api_support import register_api_errors
    register_api_errors(app)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if current_user.is_authenticated and response.mimetype == "text/html":
            response.headers["Cache-Control"] = "no-store"  # private pages never sit in a shared cache
        return response

    @app.context_processor
    def header_context():
        unread = 0
        urgent = 0
        if current_user.is_authenticated:
            from moderation.queue.services import counts, unread_count
            try:
                unread = unread_count(current_user)
                urgent = counts()["urgent"] if current_user.is_staff else 0
            except Exception:  # noqa: BLE001 - the header must render even when the database is struggling
                db.session.rollback()
        return {"unread_messages": unread, "urgent_count": urgent,
                "classifier_names": lambda: current_app.extensions.get("moderation_backends")}
