"""Site-wide pages and plumbing: home, help, health check, friendly error pages and security headers."""
from __future__ import annotations

import logging

from flask import (Blueprint, abort, current_app, g, jsonify, make_response, render_template, request,
                   send_from_directory)
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from community import countries as iso_countries
from community.errors import ServiceError
from community.extensions import db
from community.forum.follows import unread_on_lists
from community.forum.services import board_activity, list_boards, post_html, recent_threads
from community.members.services import countries, region_from_accept_language
from community.rendering import render_markdown
from community.web import HTTP_CODES, error_response, submitted_texts
from moderation.queue.api import item_to_dict
from moderation.queue.messages import staff_unread_total
from moderation.queue.services import counts, unread_count
from moderation.resources import for_region
from moderation.resources.services import safety_plan_link, support_for_refused_text

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
    viewer = current_user._get_current_object() if current_user.is_authenticated else None
    recent = recent_threads(viewer)
    return render_template("index.html", boards=list_boards(), activity=board_activity(), recent=recent,
                           unread=unread_on_lists(viewer, recent))


REGION_COOKIE = "help_region"  # holds the visitor's chosen country code (or * for international), nothing else
INTERNATIONAL = "*"
# How the picker names a country in "Not in ...?" where the plain name reads badly.
PLACE_NAMES = {"GB": "the UK", "US": "the US", "NL": "the Netherlands", "PH": "the Philippines",
               "AE": "the UAE", "CZ": "Czechia", "KR": "South Korea", "RU": "Russia", "IR": "Iran"}


def _country_code(value) -> str | None:
    """A real ISO country code from anything a visitor can send, or None. Never raises."""
    if not isinstance(value, str) or len(value.strip()) != 2 or not value.strip().isascii():
        return None
    code = value.strip().upper()
    return code if iso_countries.is_country(code) else None


def help_region() -> tuple[str | None, bool]:
    """(country code or None for international, whether the visitor chose it just now). Order: ?region=, then a
    signed-in member's region, then the remembered choice, then the browser's Accept-Language (as sign-up does)."""
    asked = request.args.get("region")
    if asked is not None and (asked.strip() == INTERNATIONAL or _country_code(asked)):
        return _country_code(asked), True
    if current_user.is_authenticated and _country_code(current_user.region):
        return _country_code(current_user.region), False
    remembered = request.cookies.get(REGION_COOKIE)
    if remembered == INTERNATIONAL:
        return None, False
    if _country_code(remembered):
        return _country_code(remembered), False
    try:
        return _country_code(region_from_accept_language(request.accept_languages)), False
    except Exception:  # noqa: BLE001 - a strange header never stands between a person and help
        return None, False


@bp.get("/help")
def help_page():
    """Help for anyone, signed in or not: the emergency number and lines of their country first, a country picker
    at the top. Answers 200 for any input."""
    region, chosen = help_region()
    found = for_region(region)
    place_name = PLACE_NAMES.get(region) or (iso_countries.name(region) if region else None)
    member = current_user._get_current_object() if current_user.is_authenticated else None
    response = make_response(render_template(
        "help.html", found=found, countries=countries(), region=region, place_name=place_name,
        safety_plan=safety_plan_link(member) if member is not None else None))
    if chosen:
        response.set_cookie(REGION_COOKIE, region or INTERNATIONAL, max_age=365 * 24 * 3600, path="/help",
                            httponly=True, samesite="Lax", secure=request.is_secure)
    return response


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for it on every site; answered (cached for a day) instead of a 404 in every log."""
    return send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=24 * 3600)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        return jsonify({"status": "ok", "database": "ok"})
    except Exception as exc:  # noqa: BLE001 - report, don't crash
        db.session.rollback()
        return jsonify({"status": "error", "database": f"error: {type(exc).__name__}"}), 503


def error_page(status: int, message: str | None = None):
    """A friendly error page, always with the lines for the reader's region; a refused write (429/503) whose words
    read as a crisis shows the crisis panel first, emergency number on top."""
    crisis = refused_write_support(status)
    try:
        region = current_user.region if current_user.is_authenticated else None
        found = for_region(region)
    except Exception:  # noqa: BLE001 - the database itself may be what failed; help still shows
        db.session.rollback()
        found = None
    return render_template("error.html", status=status, title=ERROR_TITLES.get(status, "Something went wrong"),
                           message=message, found=found, crisis=crisis), status


def refused_write_support(status: int) -> dict:
    """A write refused with 429 (too fast) or 503 (too busy) whose words read as a crisis still gets the crisis
    resources in the same answer: a person in crisis never meets only "slow down"."""
    if status not in (429, 503):
        return {}
    texts = submitted_texts()
    if not texts:
        return {}
    member = g.get("api_member")
    if member is None and current_user.is_authenticated:
        member = current_user
    try:
        return support_for_refused_text(texts, member)
    except Exception:  # noqa: BLE001 - the database may be what failed: the refusal itself still answers
        return {}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


# Answer 200 for any input, whatever it is (the region parameter is ignored when it is unusable).
HELP_ENDPOINTS = ("pages.help_page", "resources_api.resources")


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(post_html, "post_html")

    @app.before_request
    def refuse_nul_in_the_address():
        """NUL (%00) is never part of a real address, and PostgreSQL refuses it even in a comparison: a clear 400
        on every page and endpoint (staff searches included) instead of a database error. The help page and the
        resources API are the exception: a person looking for help never meets an error, so there the unusable
        region is simply not recognised (international lines)."""
        if request.endpoint in HELP_ENDPOINTS:
            return
        if any("\x00" in key or any("\x00" in v for v in request.args.getlist(key)) for key in request.args):
            abort(400, "The address contains a character that is not allowed (%00). Please remove it.")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        if _wants_json():
            message = exc.description if status != 429 else "Too many requests. Please wait a moment and try again."
            return error_response(status, HTTP_CODES.get(status, "error"), message, **refused_write_support(status))
        return error_page(status, exc.description if status in (400, 413, 429) else None)

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return error_page(400, "This form had expired. Please go back, refresh the page and try again - "
                               "your text is still in the box if you use the back button.")

    @app.errorhandler(Exception)
    def unexpected(exc):
        log.exception("unhandled error on %s", request.path)
        db.session.rollback()
        status = 503 if isinstance(exc, OperationalError) else 500
        if _wants_json():
            return error_response(status, HTTP_CODES[status],
                                  "Something went wrong on our side. Nothing you sent was half-saved; try again.")
        return error_page(status)

    @app.errorhandler(ServiceError)
    def service_error(exc: ServiceError):
        """API paths answer every error in the JSON shape (a stale decision carries the item's current state);
        pages keep their friendly HTML."""
        if request.path.startswith("/api/"):
            current = getattr(exc, "current", None)
            extra = {"item": item_to_dict(current)} if current is not None else {}
            extra.update(refused_write_support(exc.status))
            return error_response(exc.status, exc.code, exc.message, **extra)
        return error_page(exc.status, exc.message)

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
        inbox_unread = 0
        if current_user.is_authenticated:
            try:
                unread = unread_count(current_user)
                if current_user.is_staff:
                    urgent = counts()["urgent"]
                    inbox_unread = staff_unread_total()
            except Exception:  # noqa: BLE001 - the header must render even when the database is struggling
                db.session.rollback()
        return {"unread_messages": unread, "urgent_count": urgent, "inbox_unread": inbox_unread,
                "classifier_names": lambda: current_app.extensions.get("moderation_backends")}
