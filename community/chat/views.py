"""Chat pages: the list of rooms and one page per room (history, live messages, who is here)."""
from flask import Blueprint, jsonify, render_template, request
from flask_login import current_user, login_required

from community.chat import services
from community.chat.api import history_page

bp = Blueprint("chat", __name__, url_prefix="/chat")


@bp.get("")
@bp.get("/")
def rooms():
    return render_template("chat/rooms.html", rooms=services.rooms())


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
