from flask import Blueprint, g, jsonify, request

from community.web import ApiError, bearer_token, json_body, optional_member, require, token_required
from community.extensions import limiter
from community.members import account, blocks, profiles, safety_plan, services, trust
from community.members.limits import LOGIN_PER_CLIENT, SIGNUPS_PER_CLIENT
from moderation import care, notices
from moderation.settings import load_guidelines
from community.rendering import render_markdown
from moderation.queue import messages as staff_messages
from moderation.queue.services import mark_read

bp = Blueprint("members_api", __name__, url_prefix="/api/v1")


def member_to_dict(member) -> dict:
    return {"id": member.id, "handle": member.handle, "role": member.role, "region": member.region,
            "guidelines_version": member.guidelines_version, "break_nudge": member.break_nudge}


@bp.post("/members")
@limiter.shared_limit(SIGNUPS_PER_CLIENT, scope="signup")
def create_member():
    data = json_body()
    handle = require(data, "handle", optional=True)
    password = require(data, "password")
    region = require(data, "region", optional=True)
    accepted = require(data, "accept_guidelines", bool, optional=True)
    if region is None:
        region = services.region_from_accept_language(request.accept_languages)
    member, code = services.create_member(handle, password, region=region, accepted_guidelines=bool(accepted))
    token = services.issue_token(member)
    return jsonify({"member": member_to_dict(member), "recovery_code": code, "token": token}), 201


@bp.post("/tokens")
@limiter.shared_limit(LOGIN_PER_CLIENT, scope="login-client")
def create_token():
    data = json_body()
    member = services.authenticate(require(data, "handle"), require(data, "password"))
    return jsonify({"token": services.issue_token(member)}), 201


@bp.delete("/tokens/current")
@token_required()
def delete_token():
    services.revoke_token(bearer_token())
    return "", 204


@bp.get("/me")
@token_required()
def me():
    return jsonify({"member": member_to_dict(g.api_member)})


@bp.patch("/me")
@token_required(write="rename")
def update_me():
    data = json_body()
    kwargs = {}
    if "handle" in data:
        kwargs["handle"] = require(data, "handle")
    if "region" in data:
        kwargs["region"] = data["region"] if data["region"] is None else require(data, "region")
    if "break_nudge" in data:
        services.set_break_nudge(g.api_member, data["break_nudge"])
    member = services.update_settings(g.api_member, **kwargs) if kwargs else g.api_member
    if "show_posts" in data or "theme" in data:
        profiles.set_preferences(member, show_posts=data.get("show_posts"), theme=data.get("theme"))
    body = {}
    if "about" in data:
        member, _verdict, support = profiles.set_about(member, data["about"])
        body.update(support)  # a crisis in the about text: the same help a held post's author gets
    return jsonify({"member": member_to_dict(member), "profile": profiles.profile_to_dict(member, member), **body})


@bp.get("/members/<handle>")
def member_profile(handle):
    """A member's public profile (README "Profiles"): 404 when there is no such member or a block stands either
    way. `page` pages their published threads and posts (empty when they hide the list)."""
    viewer = optional_member()
    member = profiles.get_profile(handle, viewer)
    pagination = profiles.list_posts(member, viewer, request.args.get("page"))
    return jsonify({"member": profiles.profile_to_dict(member, viewer),
                    "posts": [profiles.post_summary(p, viewer) for p in pagination.items],
                    "page": pagination.page, "pages": pagination.pages})


@bp.get("/members/suggest-handle")
def suggest_handle():
    return jsonify({"handle": services.suggest_handle()})


# --- messages with the moderators: a crisis channel (moderation/queue/messages.py)

@bp.get("/me/messages")
@token_required()
def list_messages():
    found = staff_messages.thread(g.api_member)
    mark_read(g.api_member)
    return _no_store(jsonify({"messages": [staff_messages.message_to_dict(m) for m in found]}))


@bp.post("/me/messages")
@token_required()
def send_message():
    """Never refused for what it says; a crisis adds the support fields a held post returns."""
    data = json_body()
    msg, _verdict, support = staff_messages.send_to_staff(g.api_member, require(data, "body"))
    return _no_store(jsonify({"message": staff_messages.message_to_dict(msg), **support}), 201)


# --- safety tools (README "Safety plan, blocking and muting"): always the token's own member, never anyone else's

def _no_store(response, status=200):
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/me/safety-plan")
@token_required()
def get_safety_plan():
    return _no_store(jsonify({"safety_plan": safety_plan.get_plan(g.api_member)}))


@bp.put("/me/safety-plan")
@token_required()
def put_safety_plan():
    data = json_body()
    return _no_store(jsonify({"safety_plan": safety_plan.save_plan(g.api_member, data)}))


@bp.get("/me/blocks")
@token_required()
def list_blocks():
    return jsonify({"blocks": [blocks.block_to_dict(b) for b in blocks.list_blocks(g.api_member)]})


@bp.post("/me/blocks")
@token_required()
def create_block():
    entry = blocks.block(g.api_member, require(json_body(), "handle"))
    return jsonify({"block": blocks.block_to_dict(entry)}), 201


@bp.delete("/me/blocks/<handle>")
@token_required()
def delete_block(handle):
    blocks.unblock(g.api_member, handle)
    return "", 204


@bp.get("/me/muted-words")
@token_required()
def get_muted_words():
    return jsonify({"words": blocks.muted_words(g.api_member)})


@bp.put("/me/muted-words")
@token_required()
def put_muted_words():
    data = json_body()
    if "words" not in data:
        raise ApiError("missing_field", "'words' is required.", field="words")
    return jsonify({"words": blocks.set_muted_words(g.api_member, data["words"])})


# --- privacy rights (community/members/account.py)

@bp.get("/me/export")
@token_required()
def export_me():
    return _no_store(jsonify(account.export(g.api_member)))


@bp.delete("/me")
@token_required()
def delete_me():
    account.delete_account(g.api_member, require(json_body(), "password"))
    return "", 204


# --- notices and strikes; moderators' view of a member's trust ------------------------------------------------------

@bp.get("/me/notices")
@token_required()
def my_notices():
    found = notices.notices(g.api_member)
    body = {"notices": [notices.notice_to_dict(n) for n in found], "unread": notices.unread_count(g.api_member)}
    if request.args.get("mark_read") in ("1", "true"):
        notices.mark_read(g.api_member)
    return jsonify(body)


@bp.get("/me/strikes")
@token_required()
def my_strikes():
    return jsonify({"strikes": [notices.strike_to_dict(s) for s in notices.strikes(g.api_member)]})


@bp.get("/moderation/members/<handle>")
@token_required("staff")
def member_summary(handle):
    member = services.existing_member(handle)
    return jsonify({"member": trust.summary(member),
                    "strikes": [notices.strike_to_dict(s) for s in notices.strikes(member)]})


@bp.post("/moderation/members/<handle>/trust")
@token_required("staff")
def set_trust(handle):
    member = services.existing_member(handle)
    data = json_body()
    trust.set_level(g.api_member, member, require(data, "level"))
    return jsonify({"member": trust.summary(member)})


@bp.get("/guidelines")
def guidelines():
    """The community guidelines, public: Markdown source, rendered HTML and version."""
    found = load_guidelines()
    return jsonify({"guidelines": {**found, "html": str(render_markdown(found["text"]))}})


@bp.post("/me/guidelines")
@token_required()
def accept_guidelines():
    """{"version": N} (optional): the member read and accepts the current guidelines; 409 if N is outdated."""
    data = json_body()
    version = services.accept_guidelines(g.api_member, require(data, "version", int, optional=True))
    return jsonify({"guidelines_version": version})


@bp.get("/me/follow-ups")
@token_required()
def follow_ups():
    """The team's caring check-ins offered to, scheduled for or sent to this member."""
    return jsonify({"follow_ups": [care.to_dict(r) for r in care.for_member(g.api_member)]})


@bp.post("/me/follow-ups")
@token_required()
def accept_follow_ups():
    """{"item_id": N}: yes to the check-ins offered with the decision on item N."""
    data = json_body()
    rows = care.accept(g.api_member, require(data, "item_id", int))
    return jsonify({"follow_ups": [care.to_dict(r) for r in rows]})


@bp.delete("/me/follow-ups")
@token_required()
def stop_follow_ups():
    """Stop every offered or scheduled check-in."""
    return jsonify({"stopped": care.stop(g.api_member)})
