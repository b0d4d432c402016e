from flask import Blueprint, g, jsonify, request

from community.extensions import db, iso
from community.forum.models import Report
from community.members.models import Member
from community.paging import parse_page
from community.web import ApiError, json_body, require, token_required
from moderation import audit, authors, care
from moderation.queue import bulk, canned, history, messages, response_times, services, stats, workspace
from moderation.queue.content import adapter_for
from moderation.resources import for_region
from moderation.settings import load_thresholds, save_thresholds

bp = Blueprint("moderation_api", __name__, url_prefix="/api/v1/moderation")


@bp.after_request
def count_queue_work(response):
    """A staff member's use of the moderation API is queue work too (moderation/queue/workspace.py)."""
    member = g.get("api_member")
    if member is not None and member.is_staff:
        workspace.touch_activity(member)
    return response


def _reports_by_post(post_ids) -> dict:
    found: dict = {post_id: [] for post_id in post_ids}
    if post_ids:
        for r in db.session.query(Report).filter(Report.post_id.in_(post_ids)).order_by(Report.id):
            found[r.post_id].append({"reason": r.reason, "note": r.note, "created_at": iso(r.created_at)})
    return found


def item_to_dict(item, reports_by_post: dict | None = None, targets: dict | None = None) -> dict:
    """A queue item as moderators see it (API and the live staff room). `reports_by_post`: the reports of a list
    of items, loaded at once (otherwise this item's are loaded here); `targets`: the response-time targets, loaded
    once for a list (otherwise here)."""
    adapter = adapter_for(item.content_type)
    content = adapter.load(item.content_id)
    claimant = services.active_claimant(item)
    reports = []
    if item.content_type == "post":
        if reports_by_post is None or item.content_id not in reports_by_post:
            reports_by_post = _reports_by_post([item.content_id])
        reports = reports_by_post[item.content_id]
    body = {
        "id": item.id, "priority": item.priority, "kind": item.kind, "status": item.status,
        "content_type": item.content_type, "reasons": item.reasons or [], "scores": item.scores or {},
        "report_count": item.report_count, "reports": reports, "escalated": item.escalated,
        "claimed_by": claimant.handle if claimant else None, "claimed_until": iso(item.claimed_until)
        if claimant else None, "version": item.version, "resolution": item.resolution,
        "created_at": iso(item.created_at), "post": None, "message": None,
        # Response times: opened_at, first_seen_at, first_claimed_at, resolved_at, response_target_minutes,
        # overdue (true/false) and overdue_minutes.
        **response_times.timing_dict(item, response_times.targets() if targets is None else targets),
    }
    if content is not None:
        body[{"post": "post", "message": "message"}.get(item.content_type, item.content_type)] = adapter.to_dict(content)
    appeal = services.appeal_of(item)
    body["appeal"] = appeal_to_dict(appeal) if appeal is not None else None
    body["actions"] = list(services.actions_for(item, content))  # the choices offered (the API also takes approve)
    body["author"] = authors.summary(item.author)  # how new the author is: handle, joined_at, published_posts, trusted
    body["why"] = workspace.why_line(item, content)  # the queue card's one line: rules, model and score, reports, wait
    return body


def appeal_to_dict(appeal) -> dict:
    """The member's appeal and the decision it is about, as the moderator deciding it sees them."""
    original = dict(appeal.original_decision or {})
    decider = db.session.get(Member, original["decided_by"]) if original.get("decided_by") else None
    original["decided_by"] = decider.handle if decider is not None else None
    return {"id": appeal.id, "text": appeal.text, "created_at": iso(appeal.created_at), "original_decision": original}


@bp.get("/queue")
@token_required("staff")
def queue():
    """The queue, narrowed by `kind=`, `priority=` (comma-separated), `claimed=me|none|any`, paged by `page=` and
    `per_page=` (1-200, default 200): {"items", "counts", "total", "pages", "page", "per_page"}."""
    args = request.args
    wanted = services.parse_filter(args.get("kind"), args.get("priority"), args.get("claimed"), args.get("age"),
                                    args.get("board"), args.get("room"))
    found = services.filtered(args.get("status", "open"), wanted, g.api_member, page=parse_page(args.get("page")),
                              per_page=services.parse_per_page(args.get("per_page"), services.QUEUE_PAGE))
    items = list(found.items)
    loaded = services.preload(items)  # noqa: F841 - keeps the rows in the session while the items are listed
    reports = _reports_by_post([i.content_id for i in items if i.content_type == "post"])
    targets = response_times.targets()
    return jsonify({"items": [item_to_dict(i, reports, targets) for i in items], "counts": services.counts(),
                    "total": found.total, "pages": found.pages, "page": found.page, "per_page": found.per_page})


@bp.get("/items/<int:item_id>")
@token_required("staff")
def item(item_id):
    found = services.get_item(item_id)
    response_times.mark_seen(found)  # the first moderator to open it: the time to a first human
    author = found.author
    return jsonify({"item": item_to_dict(found),
                    "author": {"handle": author.handle, "region": author.region,
                               "joined_at": iso(author.created_at)} if author else None,
                    "resources": for_region(author.region if author else None),
                    "revisions": [_revision_to_dict(r) for r in services.revisions(found)],
                    "notes": [services.note_to_dict(n) for n in services.notes_for(found)],
                    "follow_ups": [care.to_dict(r) for r in care.for_item(found)],
                    # The member's case history, newest first: earlier items, decisions, notices, appeals,
                    # strikes and staff messages (moderation/queue/history.py).
                    "history": history.to_dicts(history.case_history(found)),
                    # The author's private conversation with staff: their replies show on the item they answer.
                    "conversation": [messages.message_to_dict(m) for m in messages.thread(author)] if author else []})


def _revision_to_dict(version: dict) -> dict:
    return {**version, "written_at": iso(version["written_at"]), "replaced_at": iso(version["replaced_at"])}


@bp.patch("/follow-ups/<int:followup_id>")
@token_required("staff")
def follow_up(followup_id):
    """A moderator personalises one caring check-in: {"body": "..."} (null or "" = the admin's template)."""
    data = json_body()
    if "body" not in data:
        raise ApiError("missing_field", "body is required (null goes back to the template).", field="body")
    row = care.personalise(g.api_member, care.get_followup(followup_id), data["body"])
    return jsonify({"follow_up": care.to_dict(row)})


@bp.post("/items/<int:item_id>/claim")
@token_required("staff")
def claim(item_id):
    return jsonify({"item": item_to_dict(services.claim(services.get_item(item_id), g.api_member))})


@bp.post("/items/<int:item_id>/release")
@token_required("staff")
def release(item_id):
    """Optional body {"note": "..."}: a hand-off note for the next moderator."""
    note = require(json_body(), "note", optional=True) if request.data else None
    return jsonify({"item": item_to_dict(services.release(services.get_item(item_id), g.api_member, note))})


@bp.get("/items/<int:item_id>/notes")
@token_required("staff")
def notes(item_id):
    return jsonify({"notes": [services.note_to_dict(n) for n in services.notes_for(services.get_item(item_id))]})


@bp.post("/items/<int:item_id>/notes")
@token_required("staff", write="staff_note")
def add_note(item_id):
    data = json_body()
    note = services.add_note(services.get_item(item_id), g.api_member, require(data, "body"),
                             about=require(data, "about", optional=True) or "item")
    return jsonify({"note": services.note_to_dict(note)}), 201


@bp.post("/items/<int:item_id>/decision")
@token_required("staff")
def decision(item_id):
    data = json_body()
    found = services.get_item(item_id)
    decided = services.decide(found, g.api_member, require(data, "action"), version=require(data, "version", int),
                              note=require(data, "note", optional=True),
                              days=require(data, "days", int, optional=True))
    return jsonify({"item": item_to_dict(decided)})


@bp.post("/items/<int:item_id>/messages")
@token_required("staff", write="staff_message")
def message(item_id):
    data = json_body()
    msg = services.message_author(services.get_item(item_id), g.api_member, require(data, "body"))
    return jsonify({"message": {"id": msg.id, "body": msg.body, "created_at": iso(msg.created_at)}}), 201


@bp.get("/inbox")
@token_required("staff")
def inbox():
    return jsonify({"conversations": messages.conversations(), "unread": messages.staff_unread_total()})


@bp.get("/inbox/<int:member_id>")
@token_required("staff")
def inbox_thread(member_id):
    member = messages.get_member(member_id)
    found = messages.thread(member)
    summary = messages.conversation_summary(member)
    messages.mark_read_by_staff(member)
    return jsonify({"conversation": summary, "messages": [messages.message_to_dict(m) for m in found]})


@bp.post("/inbox/<int:member_id>/messages")
@token_required("staff")
def inbox_reply(member_id):
    data = json_body()
    member = messages.get_member(member_id)
    msg = messages.staff_reply(g.api_member, member, require(data, "body"))
    return jsonify({"message": messages.message_to_dict(msg)}), 201


@bp.get("/thresholds")
@token_required("admin")
def get_thresholds():
    return jsonify({"thresholds": load_thresholds().as_dict()})


@bp.patch("/thresholds")
@token_required("admin")
def patch_thresholds():
    data = json_body()
    try:
        before, after = save_thresholds(data)
    except (ValueError, TypeError) as exc:
        raise ApiError("invalid_thresholds", str(exc)) from None
    audit.record(g.api_member, "policy.thresholds", target="thresholds", before=before.as_dict(),
                 after=after.as_dict())
    db.session.commit()
    return jsonify({"thresholds": after.as_dict()})


@bp.get("/stats")
@token_required("staff")
def get_stats():
    """The dashboard's figures over the last `days=` days (1-366, default 30); never per moderator."""
    return jsonify({"stats": stats.dashboard(stats.parse_days(request.args.get("days")))})


@bp.get("/canned-replies")
@token_required("staff")
def canned_replies():
    return jsonify({"canned_replies": [canned.to_dict(r) for r in canned.replies()]})


@bp.post("/bulk")
@token_required("staff")
def bulk_decision():
    """{"item_ids": [...], "action": "approve"|"remove", "note"?}: low-risk items only; refused whole (nothing
    applied) when any item may be about a person at risk or is not a bulk kind."""
    data = json_body()
    note = require(data, "note", optional=True)
    if note is not None and (not isinstance(note, str) or len(note) > services.MESSAGE_MAX):
        raise ApiError("invalid_note", f"note must be text of at most {services.MESSAGE_MAX} characters.")
    results = bulk.decide(g.api_member, data.get("item_ids"), data.get("action"), note=note)
    return jsonify({"action": data.get("action"), "results": results,
                    "done": sum(1 for r in results if r["done"])})


# --- the moderator's workspace (moderation/queue/workspace.py) ---------------------------------------------------

@bp.get("/me/workspace")
@token_required("staff")
def my_workspace():
    """{"preferences", "stretch", "claims"}: my own preferences, my current stretch of queue work (and whether the
    break reminder is due) and the ids of the items I hold claims on."""
    prefs = workspace.preferences_for(g.api_member)
    return jsonify({"preferences": workspace.preferences_dict(prefs), "stretch": workspace.stretch(prefs),
                    "claims": [i.id for i in workspace.my_claims(g.api_member)]})


@bp.patch("/me/preferences")
@token_required("staff")
def my_preferences():
    """Body: any of {"keep_collapsed", "alert_sound", "alert_notification"}: true/false (all false by default)."""
    return jsonify({"preferences": workspace.save_preferences(g.api_member, json_body())})


@bp.post("/me/claims/release")
@token_required("staff")
def hand_off_my_claims():
    """Release every claim I hold; optional body {"note": "..."}: one hand-off note, left on each item."""
    note = require(json_body(), "note", optional=True) if request.data else None
    released = workspace.hand_off_claims(g.api_member, note)
    return jsonify({"released": [item_to_dict(i) for i in released]})


@bp.get("/workspace-settings")
@token_required("admin")
def get_workspace_settings():
    return jsonify({"workspace_settings": workspace.load_workspace()})


@bp.patch("/workspace-settings")
@token_required("admin")
def patch_workspace_settings():
    """Body: {"break_reminder_minutes": 0-1440 (0 = off), "break_gap_minutes": 1-240}; audited."""
    return jsonify({"workspace_settings": workspace.save_workspace(g.api_member, json_body())})
