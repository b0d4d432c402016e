"""Canned replies: ready-made staff messages an admin keeps (title + body). A moderator picks one on the item page
or in the inbox; it fills the message box, and they edit it before sending (nothing is ever sent as it stands).
The defaults (moderation/queue/canned_defaults.py) are seeded by migration 0012. Every change is audited."""
from __future__ import annotations

from sqlalchemy import func, select

from community.errors import Forbidden, ServiceError
from community.extensions import db, existing_row, get_row, iso, utcnow
from community.members.models import Member
from moderation import audit
from moderation.models import CannedReply

TITLE_MAX = 120
BODY_MAX = 2000  # a staff message's limit


def replies() -> list[CannedReply]:
    return list(db.session.scalars(select(CannedReply).order_by(CannedReply.position, CannedReply.id)))


def get(reply_id) -> CannedReply:
    return existing_row(CannedReply, reply_id, "canned_reply_not_found", "No canned reply with that id.")


def find(reply_id) -> CannedReply | None:
    """The reply a "use" button asked for, or None for a missing or bad id (the page just shows the empty box)."""
    try:
        return get_row(CannedReply, int(reply_id))
    except (TypeError, ValueError):
        return None


def to_dict(reply: CannedReply) -> dict:
    return {"id": reply.id, "title": reply.title, "body": reply.body, "position": reply.position,
            "updated_at": iso(reply.updated_at)}


def _require_admin(member: Member) -> None:
    if member is None or not member.is_admin:
        raise Forbidden("forbidden", "Only an admin can change the canned replies.")


def _text(value, field: str, limit: int) -> str:
    if not isinstance(value, str) or not value.replace("\x00", "").strip():
        raise ServiceError(f"invalid_{field}", f"The {field} can't be empty.", field=field)
    value = value.replace("\x00", "").strip()
    if len(value) > limit:
        raise ServiceError(f"invalid_{field}", f"The {field} can be at most {limit} characters ({len(value)} sent).",
                           field=field)
    return value


def _position(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10_000:
        raise ServiceError("invalid_position", "position must be a whole number from 0 to 10000.", field="position")
    return value


def create(admin: Member, title, body, position=None) -> CannedReply:
    _require_admin(admin)
    title, body, position = _text(title, "title", TITLE_MAX), _text(body, "body", BODY_MAX), _position(position)
    if position is None:
        position = (db.session.scalar(select(func.max(CannedReply.position))) or 0) + 1
    reply = CannedReply(title=title, body=body, position=position, created_at=utcnow(), updated_at=utcnow())
    db.session.add(reply)
    db.session.flush()
    audit.record(admin, "canned_reply.add", target=f"canned_reply:{reply.id}", after=to_dict(reply))
    db.session.commit()
    return reply


def update(admin: Member, reply: CannedReply, title, body, position=None) -> CannedReply:
    _require_admin(admin)
    title, body, position = _text(title, "title", TITLE_MAX), _text(body, "body", BODY_MAX), _position(position)
    before = to_dict(reply)
    reply.title, reply.body = title, body
    if position is not None:
        reply.position = position
    reply.updated_at = utcnow()
    audit.record(admin, "canned_reply.update", target=f"canned_reply:{reply.id}", before=before, after=to_dict(reply))
    db.session.commit()
    return reply


def delete(admin: Member, reply: CannedReply) -> None:
    _require_admin(admin)
    audit.record(admin, "canned_reply.delete", target=f"canned_reply:{reply.id}", before=to_dict(reply))
    db.session.delete(reply)
    db.session.commit()
