from flask import Blueprint, g, jsonify, request

from community.api_support import ApiError, json_body, require, token_required
from community.extensions import db
from community.paging import parse_page
from moderation import audit
from moderation.queue import services
from moderation.queue.content import adapter_for
from moderation.settings import load_thresholds, save_thresholds

bp = Blueprint("moderation_api", __name__, url_prefix="/api/v1/moderation")


def _iso(value):
    return value.isoformat() + "Z" if value else None


def _reports_by_post(post_ids) -> dict:
    from community.forum.models import Report
    found: dict = {post_id: [] for post_id in post_ids}
    if post_ids:
        for r in db.session.query(Report).filter(Report.post_id.in_(post_ids)).order_by(Report.id):
            found[r.post_id].append({"reason": r.reason, "note": r.note, "created_at": _iso(r.created_at)})
    return found


def item_to_dict(item, reports_by_post: dict | None = None) -> dict:
    """A queue item as moderators see it (API and the live staff room). `reports_by_post`: the reports of a list
    of items, loaded at once (otherwise this item's are loaded here)."""
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
        "claimed_by": claimant.handle if claimant else None, "claimed_until": _iso(item.claimed_until)
        if claimant else None, "version": item.version, "resolution": item.resolution,
        "created_at": _iso(item.created_at), "post": None, "message": None,
    }
    if content is not None:
        body[{"post": "post", "message": "message"}.get(item.content_type, item.content_type)] = adapter.to_dict(content)
    from community.members.trust import summary
    body["author"] = summary(item.author)  # how new the author is: handle, joined_at, published_posts, trusted
    return body


@bp.get("/queue")
@token_required("staff")
def queue():
    items = services.items(request.args.get("status", "open"), page=parse_page(request.args.get("page")))
    loaded = services.preload(items)  # noqa: F841 - keeps the rows in the session while the items are listed
    reports = _reports_by_post([i.content_id for i in items if i.content_type == "post"])
    return jsonify({"items": [item_to_dict(i, reports) for i in items], "counts": services.counts()})


@bp.get("/items/<int:item_id>")
@token_required("staff")
def item(item_id):
    found = services.get_item(item_id)
    from moderation.resources import for_region
    author = found.author
    return jsonify({"item": item_to_dict(found),
                    "author": {"handle": author.handle, "region": author.region,
                               "joined_at": _iso(author.created_at)} if author else None,
                    "resources": for_region(author.region if author else None),
                    "history": [item_to_dict(i) for i in services.author_history(found)]})


@bp.post("/items/<int:item_id>/claim")
@token_required("staff")
def claim(item_id):
    return jsonify({"item": item_to_dict(services.claim(services.get_item(item_id), g.api_member))})


@bp.post("/items/<int:item_id>/release")
@token_required("staff")
def release(item_id):
    return jsonify({"item": item_to_dict(services.release(services.get_item(item_id), g.api_member))})


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
@token_required("staff")
def message(item_id):
    data = json_body()
    msg = services.message_author(services.get_item(item_id), g.api_member, require(data, "body"))
    return jsonify({"message": {"id": msg.id, "body": msg.body, "created_at": _iso(msg.created_at)}}), 201


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
