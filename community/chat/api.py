"""Chat over the JSON API: the room list, and a room's history a page at a time (newest 50, then `before=<id>`)."""
from flask import Blueprint, g, jsonify, request

from community.extensions import iso
from community.web import json_body, optional_member, require, token_required
from moderation.queue.services import appeal as make_appeal
from community.chat import services
from community.chat.models import message_to_dict
from community.members.blocks import is_filtered

bp = Blueprint("chat_api", __name__, url_prefix="/api/v1")


@bp.get("/rooms")
def rooms():
    # Room names are not private: the list answers without a token (sending and reading need one).
    optional_member()
    return jsonify({"rooms": [services.room_to_dict(r) for r in services.rooms()]})


def history_page(room, member, before):
    found = services.history(room, member, before=before)
    more = len(found) == services.PAGE_SIZE
    messages = [{**message_to_dict(m), "filtered": is_filtered(member, m.body)} for m in found]
    return {"room": services.room_to_dict(room), "messages": messages,
            "before": found[0].id if (found and more) else None}


@bp.get("/rooms/<slug>/messages")
@token_required()
def messages(slug):
    room = services.room_by_slug(slug)
    before = services.parse_before(request.args.get("before"))
    return jsonify(history_page(room, g.api_member, before))


@bp.post("/messages/<int:message_id>/appeal")
@token_required(write="appeal")
def appeal(message_id):
    """Appeal the removal of your chat message: the same one-time appeal (and the same answer) as a post's."""
    message = services.own_message(message_id, g.api_member)
    record, support = make_appeal(g.api_member, "message", message.id, require(json_body(), "text"))
    return jsonify({"appeal": {"id": record.id, "message_id": message.id, "created_at": iso(record.created_at)},
                    **support}), 201
