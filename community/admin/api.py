"""The admin JSON API for the crisis directory (admin bearer token; everyone else 403)."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from community.web import ApiError, json_body, require, token_required
from community.extensions import db, iso
from moderation import audit, watched
from moderation.resources.services import (InvalidResource, create_resource, get_resource, list_resources,
                                           resource_to_dict, set_active, update_resource)
from moderation.queue import canned
from moderation.settings import (load_care_templates, load_guidelines, load_response_targets, load_safety,
                                 save_care_templates, save_guidelines, save_response_targets, save_safety)
from community.admin.services import remove_verification, set_verification
from community.members.models import verification_to_dict
from community.members.services import existing_member
from community.chat.services import create_room, room_by_slug, room_to_dict, rooms as all_rooms, update_room
from community.forum import reaction_kinds

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


# --- verified professionals -----------------------------------------------------------------------------------------

@bp.post("/members/<handle>/verification")
@token_required("admin")
def verify_member(handle):
    """Mark a member as a verified professional after checking out of band: {"label": "Registered nurse (UK)"}."""
    member = existing_member(handle)
    set_verification(g.api_member, member, require(json_body(), "label"))
    return jsonify({"handle": member.handle, "verification": verification_to_dict(member)})


@bp.delete("/members/<handle>/verification")
@token_required("admin")
def unverify_member(handle):
    remove_verification(g.api_member, existing_member(handle))
    return "", 204


# --- watched words ----------------------------------------------------------------------------------------------

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


# --- settings an admin reads and changes whole: GET answers {name: setting}; the change (PATCH or PUT) validates,
# stores and audits it and answers the whole new setting, or `invalid` (with `status`) saying what was wrong.

SETTINGS = (
    # (path, name, change method, load, save, audit action, audit target, invalid, status, endpoints)
    ("/safety-settings", "safety_settings", "PATCH", load_safety, save_safety, "policy.safety", "safety",
     "invalid_settings", 422, ("get_safety_settings", "patch_safety_settings")),
    # {"day_1": "...", "day_7": "..."} (either or both): the words of the team's caring check-ins.
    ("/care-templates", "care_templates", "PUT", load_care_templates, save_care_templates, "care.templates",
     "care_templates", "invalid_care_templates", 400, ("care_templates", "put_care_templates")),
    # {"urgent"?: minutes, "high"?: ..., "normal"?: ..., "low"?: minutes or null (no target)}.
    ("/response-targets", "response_targets", "PATCH", load_response_targets, save_response_targets,
     "policy.response_targets", "response_targets", "invalid_response_targets", 422,
     ("get_response_targets", "patch_response_targets")),
)


def _add_setting(path, name, change_method, load, save, action, target, invalid, status, endpoints) -> None:
    def show():
        return jsonify({name: load()})

    def change():
        try:
            before, after = save(json_body())
        except ValueError as exc:
            raise ApiError(invalid, str(exc), status=status) from None
        audit.record(g.api_member, action, target=target, before=before, after=after)
        db.session.commit()
        return jsonify({name: after})
    show_endpoint, change_endpoint = endpoints
    bp.add_url_rule(path, show_endpoint, token_required("admin")(show), methods=["GET"])
    bp.add_url_rule(path, change_endpoint, token_required("admin")(change), methods=[change_method])


for _setting in SETTINGS:
    _add_setting(*_setting)


def _kinds() -> list[dict]:
    return [{"kind": k["kind"], "label": k["label"], "enabled": k["enabled"]} for k in reaction_kinds.load().values()]


@bp.get("/reaction-kinds")
@token_required("admin")
def get_reaction_kinds():
    return jsonify({"reaction_kinds": _kinds()})


@bp.patch("/reaction-kinds")
@token_required("admin")
def patch_reaction_kinds():
    before, after = reaction_kinds.save(json_body())
    audit.record(g.api_member, "policy.reactions", target="reactions", before=before, after=after)
    db.session.commit()
    return jsonify({"reaction_kinds": _kinds()})


# --- guidelines -------------------------------------------------------------------------------------------------

@bp.put("/guidelines")
@token_required("admin")
def put_guidelines():
    """{"text": "Markdown"}: a new version of the community guidelines."""
    try:
        before, after = save_guidelines(json_body().get("text"))
    except ValueError as exc:
        raise ApiError("invalid_guidelines", str(exc), field="text") from None
    audit.record(g.api_member, "guidelines.update", target="guidelines", before={"version": before["version"]},
                 after={"version": after["version"]})
    db.session.commit()
    return jsonify({"guidelines": load_guidelines()})


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
