"""Chat pages: the list of rooms and one page per room (history, live messages, who is here), and the appeal of a
removed message (the same one-time appeal a removed post has)."""
from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from community.errors import ServiceError
from community.web import AppealForm
from community.write_limits import write_limit
from moderation.outcomes import member_view
from moderation.queue.services import appeal as make_appeal
from moderation.resources import for_member

from community.chat import services
from community.extensions import db
from community.members.blocks import blocked_members
from community.chat.api import history_page

bp = Blueprint("chat", __name__, url_prefix="/chat")


@bp.app_context_processor
def _people_here_now():
    """The header's "Chat" link carries how many people are in the rooms now (every page)."""
    try:
        count = services.people_here_now()
    except Exception:  # noqa: BLE001 - the header must render even when Redis or the database is struggling
        db.session.rollback()
        count = 0
    return {"chat_here_now": count}


@bp.get("")
@bp.get("/")
def rooms():
    found = services.rooms()
    viewer = current_user._get_current_object() if current_user.is_authenticated else None
    here = services.here_now(found)
    hidden = {m.handle.lower() for m in blocked_members(viewer)} if viewer is not None else set()
    latest = services.latest_activity(found)
    listing = []
    for room in found:
        handles = here.get(room.slug, [])
        listing.append({"room": room, "count": len(handles), "latest": latest.get(room.id),
                        "latest_text": services.relative_time(latest[room.id]) if room.id in latest else None,
                        # Handles only for signed-in members, and never someone they blocked.
                        "handles": [h for h in handles if h.lower() not in hidden] if viewer is not None else []})
    return render_template("chat/rooms.html", rooms=listing)


@bp.get("/<slug>")
@login_required
def room(slug):
    found = services.room_by_slug(slug)
    page = history_page(found, current_user._get_current_object(), None)
    return render_template("chat/room.html", room=found, page=page)


@bp.get("/<slug>/history")
@login_required
def history(slug):
    """"Load earlier" for the page (session cookie; GET only, so no CSRF concern)."""
    found = services.room_by_slug(slug)
    return jsonify(history_page(found, current_user._get_current_object(),
                                services.parse_before(request.args.get("before"))))


@bp.route("/messages/<int:message_id>/appeal", methods=["GET", "POST"])
@login_required
@write_limit("appeal")
def appeal(message_id):
    """Appeal the removal of one of your chat messages: once, decided by a moderator who did not remove it. The text
    is screened for urgency only; a crisis in it answers here with the crisis panel."""
    member = current_user._get_current_object()
    message = services.own_message(message_id, member)
    form = AppealForm()
    view = member_view("message", message)
    status = 200
    if form.validate_on_submit():
        try:
            _record, support = make_appeal(member, "message", message.id, form.text.data)
        except ServiceError as err:
            db.session.rollback()
            form.text.errors = [*form.text.errors, err.message]
            status = err.status
        else:
            if "support_message" not in support:
                flash("Your appeal is in. Another moderator will review the decision.", "info")
                return redirect(url_for("members.notices_page"))
            return render_template("chat/appeal.html", message=message, form=form, view=view, crisis=support,
                                   found=for_member(member))
    elif request.method == "POST":
        status = 400
    return render_template("chat/appeal.html", message=message, form=form, view=view), status
