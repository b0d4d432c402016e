"""The admin JSON API for the crisis directory (admin bearer token; everyone else 403)."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from community.web import ApiError, json_body, token_required
from community.extensions import db, iso
from moderation import audit, watched
from moderation.resources.services import (InvalidResource, create_resource, get_resource, list_resources,
                                           resource_to_dict, set_active, update_resource)
from moderation.queue import canned
from moderation.settings import (load_care_templates, load_guidelines, load_response_targets, load_safety,
                                 save_care_templates, save_guidelines, save_response_targets, save_safety)
from community.chat.services import create_room, room_by_slug, room_to_dict, rooms as all_rooms, update_room

bp = Blueprint("admin_api", __name__, url_prefix="/api/v1/admin")


def _full(r) -> dict:
    return {**resource_to_dict(r), "active": r.active,
            "verified_by": r.verified_by.handle if r.verified_by else None}


def _invalid(exc: InvalidResource):
    raise ApiError("invalid_resource", exc.message, status=422, field=exc.field) from None


@bp.get("/resources")
@token_required("admin")
def resources():
    return jsonify({"resources": [_full(r) for r in list_resources()]})


@bp.post("/resources")
@token_required("admin")
def create():
    try:
        r = create_resource(g.api_member, json_body())
    except InvalidResource as exc:
        _invalid(exc)
    return jsonify({"resource": _full(r)}), 201


@bp.get("/resources/<int:resource_id>")
@token_required("admin")
def show(resource_id):
    return jsonify({"resource": _full(get_resource(resource_id))})


@bp.patch("/resources/<int:resource_id>")
@token_required("admin")
def patch(resource_id):
    r = get_resource(resource_id)
    data = json_body()
    try:
        r = update_resource(g.api_member, r, data)
    except InvalidResource as exc:
        _invalid(exc)
    return jsonify({"resource": _full(r)})


@bp.delete("/resources/<int:resource_id>")
@token_required("admin")
def delete(resource_id):
    """Deactivates (history and the audit trail keep the entry); reactivate with PATCH {"active": true}."""
    r = set_active(g.api_member, get_resource(resource_id), False)
    return jsonify({"resource": _full(r)})


# --- chat rooms ---------------------------------------------------------------------------------------------------

def _room(room) -> dict:
    return {**room_to_dict(room), "position": room.position,
            "created_at": iso(room.created_at)}


@bp.get("/rooms")
@token_required("admin")
def rooms():
    return jsonify({"rooms": [_room(r) for r in all_rooms()]})


@bp.post("/rooms")
@token_required("admin")
def room_create():
    data = json_body()
    r = create_room(g.api_member, data.get("slug"), data.get("name"), data.get("description"))
    return jsonify({"room": _room(r)}), 201


@bp.patch("/rooms/<slug>")
@token_required("admin")
def room_patch(slug):
    room = room_by_slug(slug)
    return jsonify({"room": _room(update_room(g.api_member, room, json_body()))})


# --- watched words and the safety settings ---------------------------------------------------------------------------

@bp.get("/watched-words")
@token_required("admin")
def watched_words():
    return jsonify({"watched_words": [watched.to_dict(w) for w in watched.words()]})


@bp.post("/watched-words")
@token_required("admin")
def add_watched_word():
    data = json_body()
    entry = watched.add(g.api_member, data.get("pattern"), data.get("action"), data.get("regex", False))
    return jsonify({"watched_word": watched.to_dict(entry)}), 201


@bp.delete("/watched-words/<int:entry_id>")
@token_required("admin")
def delete_watched_word(entry_id):
    watched.remove(g.api_member, watched.get(entry_id))
    return "", 204


@bp.get("/safety-settings")
@token_required("admin")
def get_safety_settings():
    return jsonify({"safety_settings": load_safety()})


@bp.patch("/safety-settings")
@token_required("admin")
def patch_safety_settings():
    try:
        before, after = save_safety(json_body())
    except ValueError as exc:
        raise ApiError("invalid_settings", str(exc), status=422) from None
    audit.record(g.api_member, "policy.safety", target="safety", before=before, after=after)
    db.session.commit()
    return jsonify({"safety_settings": after})


# --- guidelines and caring check-in templates ------------------------------------------------------------------------

@bp.put("/guidelines")
@token_required("admin")
def put_guidelines():
    """{"text": "Markdown"}: a new version of the community guidelines."""
    data = json_body()
    try:
        before, after = save_guidelines(data.get("text"))
    except ValueError as exc:
        raise ApiError("invalid_guidelines", str(exc), field="text") from None
    audit.record(g.api_member, "guidelines.update", target="guidelines", before={"version": before["version"]},
                 after={"version": after["version"]})
    db.session.commit()
    return jsonify({"guidelines": load_guidelines()})


@bp.get("/care-templates")
@token_required("admin")
def care_templates():
    return jsonify({"care_templates": load_care_templates()})


@bp.put("/care-templates")
@token_required("admin")
def put_care_templates():
    """{"day_1": "...", "day_7": "..."} (either or both): the words of the team's caring check-ins."""
    try:
        before, after = save_care_templates(json_body())
    except ValueError as exc:
        raise ApiError("invalid_care_templates", str(exc)) from None
    audit.record(g.api_member, "care.templates", target="care_templates", before=before, after=after)
    db.session.commit()
    return jsonify({"care_templates": after})
@bp.get("/response-targets")
@token_required("admin")
def get_response_targets():
    return jsonify({"response_targets": load_response_targets()})


@bp.patch("/response-targets")
@token_required("admin")
def patch_response_targets():
    """{"urgent"?: minutes, "high"?: ..., "normal"?: ..., "low"?: minutes or null (no target)}."""
    try:
        before, after = save_response_targets(json_body())
    except ValueError as exc:
        raise ApiError("invalid_response_targets", str(exc), status=422) from None
    audit.record(g.api_member, "policy.response_targets", target="response_targets", before=before, after=after)
    db.session.commit()
    return jsonify({"response_targets": after})


@bp.post("/canned-replies")
@token_required("admin")
def add_canned_reply():
    data = json_body()
    reply = canned.create(g.api_member, data.get("title"), data.get("body"), data.get("position"))
    return jsonify({"canned_reply": canned.to_dict(reply)}), 201


@bp.put("/canned-replies/<int:reply_id>")
@token_required("admin")
def put_canned_reply(reply_id):
    data = json_body()
    reply = canned.update(g.api_member, canned.get(reply_id), data.get("title"), data.get("body"),
                          data.get("position"))
    return jsonify({"canned_reply": canned.to_dict(reply)})


@bp.delete("/canned-replies/<int:reply_id>")
@token_required("admin")
def delete_canned_reply(reply_id):
    canned.delete(g.api_member, canned.get(reply_id))
    return "", 204
