"""Notifications over the JSON API (bearer token)."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from community.notifications import services
from community.web import ApiError, json_body, token_required

bp = Blueprint("notifications_api", __name__, url_prefix="/api/v1")


@bp.get("/notifications")
@token_required()
def notifications():
    unread = request.args.get("unread", "0").strip().lower()
    if unread not in ("0", "1", "true", "false", ""):
        raise ApiError("invalid_parameter", "'unread' is 1 (only unread) or 0 (everything).", field="unread")
    found = services.notifications_of(g.api_member, unread_only=unread in ("1", "true"))
    return jsonify({"notifications": [services.to_dict(n) for n in found],
                    "unread": services.unread_count(g.api_member)})


@bp.post("/notifications/read")
@token_required(write="settings")
def read():
    data = json_body() if request.data else {}
    if not isinstance(data, dict) or set(data) - {"ids"}:
        raise ApiError("invalid_body", "Send {\"ids\": [1, 2]} to mark those read, or nothing to mark all read.")
    marked = services.mark_read(g.api_member, services.parse_ids(data.get("ids")))
    return jsonify({"marked": marked, "unread": services.unread_count(g.api_member)})


@bp.get("/notifications/settings")
@token_required()
def get_settings():
    return jsonify({"settings": services.settings_to_dict(services.settings_of(g.api_member))})


@bp.patch("/notifications/settings")
@token_required(write="settings")
def patch_settings():
    found = services.update_settings(g.api_member, json_body())
    return jsonify({"settings": services.settings_to_dict(found)})
