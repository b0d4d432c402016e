from flask import Blueprint, g, jsonify, request, url_for

from community import page_cache
from community.web import json_body, optional_member, require, token_required
from community.extensions import iso, limiter
from community.forum import follows, reaction_kinds, reactions, services
from community.forum.models import PUBLISHED
from community.members.blocks import blocked_ids, is_filtered
from community.members.models import verification_to_dict
from community.members.trust import is_trusted, new_account_limit
from moderation.outcomes import member_view
from moderation.queue.services import appeal as make_appeal
from moderation.resources import support_for_verdict

bp = Blueprint("forum_api", __name__, url_prefix="/api/v1")


def board_to_dict(board) -> dict:
    return {"slug": board.slug, "name": board.name, "description": board.description}


BLOCKED_TITLE = "A thread started by a member you blocked"


def thread_to_dict(thread, viewer=None) -> dict:
    """A thread for this viewer: one started by someone they blocked (listed because they wrote in it) carries no
    title or handle of its starter (`"starter_blocked": true`)."""
    if viewer is not None and thread.author_id in blocked_ids(viewer):
        return {**_thread_dict(thread), "title": BLOCKED_TITLE, "author": None, "starter_blocked": True}
    return _thread_dict(thread)


def _thread_dict(thread) -> dict:
    return {
        "id": thread.id, "board": thread.board.slug, "title": thread.title, "author": thread.author.handle,
        "status": thread.status, "created_at": iso(thread.created_at),
        "last_activity_at": iso(thread.last_activity_at), "post_count": thread.post_count,
        "url": url_for("forum.thread", thread_id=thread.id),
        # Replies screened in the stricter protected mode, and who may reply (open | trusted | closed).
        "protected": bool(thread.protected), "reply_mode": thread.reply_mode or "open",
    }


def post_to_dict(post, viewer=None, page=None) -> dict:
    """`page`: the page of its thread the post is on for this viewer, when the caller knows it (a listed page)."""
    deleted = post.deleted_at is not None
    body = "" if deleted else post.body
    return {
        "id": post.id, "thread_id": post.thread_id, "author": post.author.handle,
        "body": body, "html": str(services.post_html(post)),
        "status": post.status, "hold_reason": post.hold_reason if post.status != PUBLISHED else None,
        "moderator_note": post.moderator_note if viewer is not None and (viewer.id == post.author_id
                                                                       or viewer.is_staff) else None,
        "deleted": deleted, "content_warning": None if deleted else post.content_warning,
        # The note from the moderators shown under the post to everyone: {"body", "updated_at"} or None.
        "context_note": services.context_note_to_dict(post),
        "author_verification": verification_to_dict(post.author),
        # Collapsed for this viewer by their muted words (community/members/blocks.py); nothing is removed.
        "filtered": not deleted and is_filtered(viewer, post.body, post.content_warning, post_title(post)),
        "created_at": iso(post.created_at), "edited_at": iso(post.edited_at),
        "url": url_for("forum.thread", thread_id=post.thread_id,
                       page=page or services.page_of_post(post, viewer)) + f"#post-{post.id}",
        # A reply's quote, by reference: the quoted post as this viewer may see it now, or only its state.
        "quote": _quote(post, viewer),
        # What the author is told about it (the same words as the thread page and /p/<id>/held).
        "member_view": member_view("post", post) if not deleted and (post.status != PUBLISHED
                                                                      or post.original_body is not None)
        and viewer is not None and (viewer.id == post.author_id or viewer.is_staff) else None,
        # Method details in `body` are replaced by "[details removed for safety]" (moderators read the original on
        # the queue item).
        "masked": not deleted and post.original_body is not None,
    }


def _quote(post, viewer):
    state = services.quote_state(post, viewer)
    if state is None:
        return None
    quoted = post.quote_of
    shown = state == "shown"
    return {"post_id": post.quote_of_id, "state": state,
            "url": url_for("forum.post_link", post_id=post.quote_of_id) if shown else None,
            "author": quoted.author.handle if shown else None,
            "html": str(services.post_html(quoted)) if shown else None}


def post_title(post):
    return post.thread.title if post.is_opening else None


def _api_trusted() -> bool:
    return is_trusted(g.api_member)


def _new_limit(kind):
    return lambda: new_account_limit(kind)


def _page_meta(pagination) -> dict:
    return {"page": pagination.page, "pages": pagination.pages, "total": pagination.total,
            "per_page": pagination.per_page}


def _written(post, verdict, viewer) -> dict:
    """What the author gets back after writing: the post and, for a crisis hold, help at once."""
    body = {"post": post_to_dict(post, viewer)}
    if post.status != PUBLISHED:
        body["hold_reason"] = post.hold_reason
    body.update(support_for_verdict(verdict, viewer))
    return body


@bp.get("/boards")
def boards():
    return jsonify({"boards": [board_to_dict(b) for b in services.list_boards()]})


@bp.get("/boards/<slug>/threads")
def board_threads(slug):
    viewer = optional_member()

    def render(board, pagination):
        return jsonify({"board": board_to_dict(board), "threads": [thread_to_dict(t, viewer) for t in pagination.items],
                        **_page_meta(pagination)})
    return services.board_page(slug, viewer, request.args.get("page"), "json", render)


@bp.post("/boards/<slug>/threads")
@token_required(write="thread")
@limiter.limit(_new_limit("thread"), key_func=lambda: f"member:{g.api_member.id}", exempt_when=_api_trusted)
def create_thread(slug):
    board = services.get_board(slug)
    data = json_body()
    thread, post, verdict = services.create_thread(
        g.api_member, board, require(data, "title"), require(data, "body"),
        require(data, "content_warning", optional=True))
    return jsonify({"thread": thread_to_dict(thread), **_written(post, verdict, g.api_member)}), 201


@bp.get("/threads/<int:thread_id>")
def thread(thread_id):
    viewer = optional_member()

    def render():
        found = services.get_thread(thread_id, viewer)
        pagination = services.list_posts(found, viewer, request.args.get("page"))
        return jsonify({"thread": thread_to_dict(found, viewer),
                        "posts": [post_to_dict(p, viewer, pagination.page) for p in pagination.items],
                        **_page_meta(pagination)})
    page = services.validate_page(request.args.get("page"))
    return page_cache.page_for(viewer, f"thread:{thread_id}", page, "json", render)


@bp.patch("/threads/<int:thread_id>")
@token_required(write="edit")
def update_thread(thread_id):
    """{"reply_mode": "open" | "trusted" | "closed"}: the author or a moderator chooses who may reply."""
    found = services.get_thread(thread_id, g.api_member)
    data = json_body()
    thread = services.set_reply_mode(g.api_member, found, require(data, "reply_mode"))
    return jsonify({"thread": thread_to_dict(thread)})


@bp.post("/threads/<int:thread_id>/posts")
@token_required(write="reply")
@limiter.limit(_new_limit("reply"), key_func=lambda: f"member:{g.api_member.id}", exempt_when=_api_trusted)
def create_post(thread_id):
    found = services.get_thread(thread_id, g.api_member)
    data = json_body()
    post, verdict = services.create_reply(g.api_member, found, require(data, "body"),
                                          require(data, "content_warning", optional=True),
                                          require(data, "quote_post_id", int, optional=True))
    return jsonify(_written(post, verdict, g.api_member)), 201


@bp.route("/threads/<int:thread_id>/follow", methods=["POST", "DELETE"])
@token_required(write="follow")
def follow_thread(thread_id):
    """POST follows the thread, DELETE stops following it."""
    found = services.get_thread(thread_id, g.api_member)
    following = request.method == "POST"
    follows.set_following(g.api_member, found, following)
    return jsonify({"thread_id": found.id, "following": following})


@bp.get("/threads/<int:thread_id>/follow")
@token_required()
def follow_state(thread_id):
    found = services.get_thread(thread_id, g.api_member)
    first = services.first_unread(found, g.api_member)
    return jsonify({"thread_id": found.id, "following": follows.is_following(g.api_member, found),
                    "first_unread_post_id": first.id if first is not None else None,
                    "first_unread_url": url_for("forum.post_link", post_id=first.id) if first is not None else None})


@bp.get("/reaction-kinds")
def list_reaction_kinds():
    return jsonify({"reaction_kinds": [{"kind": k["kind"], "label": k["label"], "enabled": k["enabled"]}
                                       for k in reaction_kinds.load().values()]})


@bp.get("/posts/<int:post_id>/reactions")
def post_reactions(post_id):
    viewer = optional_member()
    return jsonify(reactions.to_dict(services.get_post(post_id, viewer), viewer))


@bp.route("/posts/<int:post_id>/reactions/<kind>", methods=["POST", "DELETE"])
@token_required(write="reaction")
def reaction(post_id, kind):
    """POST sends the reaction (201), DELETE takes it back (200)."""
    post = services.get_post(post_id, g.api_member)
    if request.method == "DELETE":
        reactions.remove(g.api_member, post, kind)
        return jsonify(reactions.to_dict(post, g.api_member))
    reactions.add(g.api_member, post, kind)
    return jsonify(reactions.to_dict(post, g.api_member)), 201


@bp.get("/posts/<int:post_id>")
def get_post(post_id):
    viewer = optional_member()
    return jsonify({"post": post_to_dict(services.get_post(post_id, viewer), viewer)})


@bp.patch("/posts/<int:post_id>")
@token_required(write="edit")
def edit_post(post_id):
    post = services.get_post(post_id, g.api_member)
    data = json_body()
    kwargs = {}
    if "content_warning" in data:
        kwargs["content_warning"] = require(data, "content_warning", optional=True)
    post, verdict = services.edit_post(g.api_member, post, require(data, "body"), **kwargs)
    return jsonify(_written(post, verdict, g.api_member))


@bp.delete("/posts/<int:post_id>")
@token_required(write="delete")
def delete_post(post_id):
    services.delete_post(g.api_member, services.get_post(post_id, g.api_member))
    return "", 204


@bp.post("/reports")
@token_required(write="report")
def report():
    data = json_body()
    post_id = require(data, "post_id", int)
    post = services.get_post(post_id, g.api_member)
    report, support = services.report_post(g.api_member, post, require(data, "reason"),
                                           require(data, "note", optional=True))
    return jsonify({"report": {"id": report.id, "post_id": report.post_id, "reason": report.reason,
                               "note": report.note, "created_at": iso(report.created_at)}, **support}), 201


@bp.post("/posts/<int:post_id>/appeal")
@token_required(write="appeal")
def appeal(post_id):
    data = json_body()
    record, support = make_appeal(g.api_member, "post", post_id, require(data, "text"))
    return jsonify({"appeal": {"id": record.id, "post_id": post_id, "created_at": iso(record.created_at)},
                    **support}), 201


# --- the moderators' context notes (staff) -----------------------------------------------------------------------

@bp.put("/moderation/posts/<int:post_id>/context-note")
@token_required("staff")
def put_context_note(post_id):
    post = services.set_context_note(g.api_member, services.get_post(post_id, g.api_member),
                                     require(json_body(), "body"))
    return jsonify({"post_id": post.id, "context_note": services.context_note_to_dict(post)})


@bp.delete("/moderation/posts/<int:post_id>/context-note")
@token_required("staff")
def delete_context_note(post_id):
    services.remove_context_note(g.api_member, services.get_post(post_id, g.api_member))
    return "", 204
