"""A member's case history, as staff see it on a queue item: their earlier items and the decisions on them, the
notices they were sent, their appeals (with what became of each), strikes and their conversation with the
moderators, newest first. A fixed number of queries whatever the history's length; staff only (the views and API
that show it are)."""
from __future__ import annotations

from sqlalchemy import and_, select

from community.extensions import db, iso
from moderation.models import Appeal, Notice, QueueItem, StaffMessage, Strike
from moderation.queue.response_times import opened

PER_KIND = 20  # the newest of each kind of entry
LIMIT = 60  # entries in all


def appeal_outcome(status: str | None, kind: str | None, resolution: str | None) -> str:
    """What became of an appeal, from its queue item: waiting, accepted (published again), upheld (stays removed),
    or other (decided some other way, or its item moved on to something else)."""
    if status is None or kind != "appeal":
        return "other"
    if status == "open":
        return "waiting"
    if resolution in ("approve", "with_support"):
        return "accepted"
    if resolution == "remove":
        return "upheld"
    return "other"


def case_history(item: QueueItem, per_kind: int = PER_KIND, limit: int = LIMIT) -> list[dict]:
    member_id = item.author_id
    if member_id is None:
        return []
    entries: list[dict] = []
    earlier = db.session.scalars(select(QueueItem).where(QueueItem.author_id == member_id, QueueItem.id != item.id)
                                 .order_by(QueueItem.created_at.desc(), QueueItem.id.desc()).limit(per_kind))
    for i in earlier:
        entries.append({"type": "item", "at": opened(i), "id": i.id, "kind": i.kind, "priority": i.priority,
                        "status": i.status, "resolution": i.resolution, "created_at": i.created_at,
                        "resolved_at": i.resolved_at, "url": f"/moderation/items/{i.id}"})
        if i.resolved_at is not None:
            entries.append({"type": "decision", "at": i.resolved_at, "item_id": i.id, "kind": i.kind,
                            "resolution": i.resolution})
    for n in db.session.scalars(select(Notice).where(Notice.member_id == member_id)
                                .order_by(Notice.created_at.desc(), Notice.id.desc()).limit(per_kind)):
        entries.append({"type": "notice", "at": n.created_at, "id": n.id, "kind": n.kind, "title": n.title,
                        "body": n.body, "rule": n.rule, "content_type": n.content_type, "content_id": n.content_id})
    appeals = db.session.execute(
        select(Appeal, QueueItem.status, QueueItem.kind, QueueItem.resolution)
        .outerjoin(QueueItem, and_(QueueItem.content_type == Appeal.content_type,
                                   QueueItem.content_id == Appeal.content_id))
        .where(Appeal.member_id == member_id).order_by(Appeal.created_at.desc(), Appeal.id.desc()).limit(per_kind))
    for a, status, kind, resolution in appeals:
        entries.append({"type": "appeal", "at": a.created_at, "id": a.id, "content_type": a.content_type,
                        "content_id": a.content_id, "text": a.text,
                        "outcome": appeal_outcome(status, kind, resolution)})
    for s in db.session.scalars(select(Strike).where(Strike.member_id == member_id)
                                .order_by(Strike.created_at.desc(), Strike.id.desc()).limit(per_kind)):
        entries.append({"type": "strike", "at": s.created_at, "id": s.id, "kind": s.kind, "reason": s.reason,
                        "note": s.note})
    for m in db.session.scalars(select(StaffMessage).where(StaffMessage.member_id == member_id)
                                .order_by(StaffMessage.created_at.desc(), StaffMessage.id.desc()).limit(per_kind)):
        entries.append({"type": "message", "at": m.created_at, "id": m.id,
                        "from": "member" if m.sender_id == m.member_id else "staff", "body": m.body,
                        "queue_item_id": m.queue_item_id})
    entries.sort(key=lambda e: (e["at"], e.get("id") or 0), reverse=True)
    return entries[:limit]


def to_dicts(entries: list[dict]) -> list[dict]:
    """Entries as JSON: every time as ISO 8601."""
    return [{k: iso(v) if k in ("at", "created_at", "resolved_at") else v for k, v in e.items()} for e in entries]
