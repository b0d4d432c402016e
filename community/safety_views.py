"""Issue 11 pages and API: notices and strikes for members, trust for moderators, watched words for admins."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from community.api_support import ApiError, json_body, require, token_required
from community.errors import NotFound, ServiceError
from community.extensions import db
from community.members import trust
from community.redirects import safe_target
from moderation import notices, watched

bp = Blueprint("safety", __name__)
api_bp = Blueprint("safety_api", __name__, url_prefix="/api/v1")


class PlainForm(FlaskForm):
    pass


def _member_by_handle(handle):
    from community.members.services import find_by_handle
    member = find_by_handle(handle)
    if member is None or member.deleted_at is not None:
        raise NotFound("member_not_found", "There is no member with that handle.")
    return member


# --- pages -------------------------------------------------------------------------------------------------------

@bp.get("/notices")
@login_required
def notices_page():
    found = notices.notices(current_user)
    unread = {n.id for n in found if n.read_at is None}
    page = render_template("safety/notices.html", notices=found, unread=unread,
                           strikes=notices.strikes(current_user), safety_plan_url=notices.safety_plan_url())
    notices.mark_read(current_user)
    return page


@bp.post("/moderation/members/<handle>/trust")
@login_required
def trust_page(handle):
    if not current_user.is_staff:
        abort(403)
    member = _member_by_handle(handle)
    if PlainForm().validate_on_submit():
        try:
            trust.set_level(current_user, member, request.form.get("level"))
            flash(f"{member.handle}'s trust is now: {member.trust_level}.", "info")
        except ServiceError as err:
            db.session.rollback()
            flash(err.message, "error")
    back = request.form.get("next") or ""
    return redirect(safe_target(back, url_for("queue.queue"), prefix="/moderation/"))


# --- API ---------------------------------------------------------------------------------------------------------

@api_bp.get("/me/notices")
@token_required()
def my_notices():
    found = notices.notices(g.api_member)
    body = {"notices": [notices.notice_to_dict(n) for n in found], "unread": notices.unread_count(g.api_member)}
    if request.args.get("mark_read") in ("1", "true"):
        notices.mark_read(g.api_member)
    return jsonify(body)


@api_bp.get("/me/strikes")
@token_required()
def my_strikes():
    return jsonify({"strikes": [notices.strike_to_dict(s) for s in notices.strikes(g.api_member)]})


@api_bp.get("/moderation/members/<handle>")
@token_required("staff")
def member_summary(handle):
    member = _member_by_handle(handle)
    return jsonify({"member": trust.summary(member),
                    "strikes": [notices.strike_to_dict(s) for s in notices.strikes(member)]})


@api_bp.post("/moderation/members/<handle>/trust")
@token_required("staff")
def set_trust(handle):
    member = _member_by_handle(handle)
    data = json_body()
    trust.set_level(g.api_member, member, require(data, "level"))
    return jsonify({"member": trust.summary(member)})


@api_bp.get("/admin/watched-words")
@token_required("admin")
def watched_words():
    return jsonify({"watched_words": [watched.to_dict(w) for w in watched.words()]})


@api_bp.post("/admin/watched-words")
@token_required("admin")
def add_watched_word():
    data = json_body()
    entry = watched.add(g.api_member, data.get("pattern"), data.get("action"), data.get("regex", False))
    return jsonify({"watched_word": watched.to_dict(entry)}), 201


@api_bp.delete("/admin/watched-words/<int:entry_id>")
@token_required("admin")
def delete_watched_word(entry_id):
    watched.remove(g.api_member, watched.get(entry_id))
    return "", 204


@api_bp.get("/admin/safety-settings")
@token_required("admin")
def get_safety_settings():
    from moderation.safety_settings import load
    return jsonify({"safety_settings": load()})


@api_bp.patch("/admin/safety-settings")
@token_required("admin")
def patch_safety_settings():
    from moderation import audit
    from moderation.safety_settings import save
    try:
        before, after = save(json_body())
    except ValueError as exc:
        raise ApiError("invalid_settings", str(exc), status=422) from None
    audit.record(g.api_member, "policy.safety", target="safety", before=before, after=after)
    db.session.commit()
    return jsonify({"safety_settings": after})


# --- template helpers and the header count -------------------------------------------------------------------------

@bp.app_template_filter("trusted")
def trusted_filter(member) -> bool:
    """Whether links in this author's text render as links (new accounts: plain text)."""
    from community.members.models import Member
    return trust.is_trusted(member) if isinstance(member, Member) else False


@bp.app_template_filter("how_new")
def how_new_filter(member) -> str:
    from community.members.models import Member
    return trust.describe(member) if isinstance(member, Member) else ""


@bp.app_context_processor
def notice_count():
    count = 0
    if current_user.is_authenticated:
        try:
            count = notices.unread_count(current_user)
        except Exception:  # noqa: BLE001 - the header must render even when the database is struggling
            db.session.rollback()
    return {"unread_notices": count}
