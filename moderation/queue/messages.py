"""Messages between a member and the moderators: a crisis channel, and the staff inbox.

A member's message to staff is addressed to them, so it is never refused or hidden from staff (watched words
included). It still passes `moderation.screen` (context "staff_message"), and the verdict decides how urgent it is:

- self-harm ideation / intent -> the conversation's queue item (kind `member_message`) is `high` / `urgent` at once,
  and the member is shown the crisis panel in the same response;
- screening could not finish -> `high` (a human reads it soon);
- anything else -> `normal`.

One open `member_message` item per conversation (one conversation per member): a new message joins the open item
(raising its priority, never lowering it) or, when none is open, opens a new item whose content is that message.
Staff see each new member message live in the staff room (community/realtime.py, through moderation/signals.py) and in /moderation/inbox.
"""
from __future__ import annotations

from sqlalchemy import and_, func, select

from community.errors import NotFound, ServiceError
from community.extensions import db, get_row, iso, utcnow
from community.members.models import Member
from moderation import audit, signals
from moderation.models import QueueItem, StaffMessage
from moderation.queue.content import RecordContent
from moderation.queue.services import MESSAGE_MAX, RANKS, _get_or_create, _rank, _require_staff, _touch
from moderation.screen import Verdict
from moderation.urgency import screen_for_urgency, support, urgency

CONTENT_TYPE = "staff_message"
KIND = "member_message"
CONTEXT = "staff_message"


def clean_body(body, *, field: str = "body") -> str:
    """The text as stored: NUL dropped (PostgreSQL cannot hold it), trimmed; 1 to MESSAGE_MAX characters."""
    if not isinstance(body, str):
        raise ServiceError("invalid_body", "The message must be text.", field=field)
    body = body.replace("\x00", "").strip()
    if not body:
        raise ServiceError("invalid_body", "Write a message first: it can't be empty.", field=field)
    if len(body) > MESSAGE_MAX:
        raise ServiceError("invalid_body", f"A message can be at most {MESSAGE_MAX} characters ({len(body)} sent). "
                           "Nothing was sent; your text is still here.", field=field)
    return body


def _raise_priority(item: QueueItem, priority: str, reasons: list[str], scores: dict | None) -> None:
    """Join new reasons to an open item; a more urgent verdict raises it, a calmer one never lowers it."""
    item.reasons = list(dict.fromkeys([*(item.reasons or []), *reasons]))
    if RANKS.get(priority, 9) < RANKS.get(item.priority, 9):
        item.priority = priority
        if scores:
            item.scores = scores
    elif scores and not item.scores:
        item.scores = scores
    item.rank = _rank(item.priority, item.report_count or 0)


def open_item(member: Member) -> QueueItem | None:
    return db.session.scalar(select(QueueItem).where(QueueItem.content_type == CONTENT_TYPE,
                                                     QueueItem.author_id == member.id, QueueItem.status == "open")
                             .order_by(QueueItem.id.desc()).limit(1))


def send_to_staff(member: Member, body) -> tuple[StaffMessage, Verdict, dict]:
    """A member writes to the moderators. Returns (message, verdict, support): `support` is what the member is
    shown beside their message (the crisis panel's fields for a crisis; see moderation.resources)."""
    body = clean_body(body)
    verdict = screen_for_urgency(body, member, CONTEXT)
    priority = urgency(verdict)
    reasons = ["member_message", *verdict.reasons]
    if db.engine.dialect.name != "sqlite":
        # One open item per conversation: two messages at once from one member must not both open one.
        db.session.execute(select(Member.id).where(Member.id == member.id).with_for_update())
    msg = StaffMessage(member_id=member.id, sender_id=member.id, body=body, created_at=utcnow())
    db.session.add(msg)
    db.session.flush()
    item = open_item(member)
    if item is None:
        item, _created = _get_or_create(CONTENT_TYPE, msg.id, member.id, kind=KIND, priority=priority,
                                        rank=_rank(priority, 0), reasons=reasons, scores=verdict.scores or None)
    else:
        _raise_priority(item, priority, reasons, verdict.scores or None)
    msg.queue_item_id = item.id
    db.session.flush()
    _touch(item)
    signals.member_message_received.send(msg)
    db.session.commit()
    return msg, verdict, support(verdict, member, "message")


# --- reading -----------------------------------------------------------------------------------------------------

def message_to_dict(msg: StaffMessage) -> dict:
    from_member = msg.sender_id == msg.member_id
    return {"id": msg.id, "body": msg.body, "created_at": iso(msg.created_at),
            "from": "member" if from_member else "staff", "sender": msg.sender.handle if msg.sender else None,
            "queue_item_id": msg.queue_item_id, "read_at": iso(msg.read_at), "kind": msg.kind}


def thread(member: Member) -> list[StaffMessage]:
    return list(db.session.scalars(select(StaffMessage).where(StaffMessage.member_id == member.id)
                                   .order_by(StaffMessage.created_at, StaffMessage.id)))


def _unread_by_staff():
    return and_(StaffMessage.sender_id == StaffMessage.member_id, StaffMessage.read_at.is_(None))


def staff_unread_total() -> int:
    """Member messages no moderator has opened yet (the inbox badge on every staff page)."""
    return db.session.scalar(select(func.count(StaffMessage.id)).where(_unread_by_staff())) or 0


def conversations(limit: int = 200) -> list[dict]:
    """The staff inbox: one row per member who has a conversation, newest activity first."""
    unread = func.sum(db.case((_unread_by_staff(), 1), else_=0))
    rows = db.session.execute(
        select(StaffMessage.member_id, func.max(StaffMessage.created_at).label("last"), func.count(StaffMessage.id),
               unread)
        .group_by(StaffMessage.member_id).order_by(func.max(StaffMessage.created_at).desc(),
                                                   StaffMessage.member_id.desc()).limit(limit)).all()
    return [_summary(db.session.get(Member, member_id), last, count, int(n or 0))
            for member_id, last, count, n in rows]


def conversation_summary(member: Member) -> dict:
    last, count, n = db.session.execute(
        select(func.max(StaffMessage.created_at), func.count(StaffMessage.id),
               func.sum(db.case((_unread_by_staff(), 1), else_=0)))
        .where(StaffMessage.member_id == member.id)).one()
    return _summary(member, last, count, int(n or 0))


def _summary(member: Member, last, count: int, unread: int) -> dict:
    latest = db.session.scalar(select(StaffMessage).where(StaffMessage.member_id == member.id)
                               .order_by(StaffMessage.created_at.desc(), StaffMessage.id.desc()).limit(1))
    item = open_item(member)
    return {
        "member": {"id": member.id, "handle": member.handle, "region": member.region},
        "last_activity_at": iso(last), "message_count": count, "unread": unread,
        "last_message": message_to_dict(latest) if latest else None,
        "item": {"id": item.id, "priority": item.priority, "kind": item.kind, "status": item.status,
                 "version": item.version} if item else None,
        "url": f"/moderation/inbox/{member.id}",  # (plain path: also built outside a request, for live events)
    }


def get_member(member_id) -> Member:
    member = get_row(Member, member_id)
    if member is None or not db.session.scalar(select(func.count(StaffMessage.id))
                                               .where(StaffMessage.member_id == member.id)):
        raise NotFound("conversation_not_found", "No conversation with that member.")
    return member


def mark_read_by_staff(member: Member) -> None:
    """A moderator opened the conversation: the member's messages in it are read."""
    db.session.query(StaffMessage).filter(StaffMessage.member_id == member.id,
                                          StaffMessage.sender_id == member.id,
                                          StaffMessage.read_at.is_(None)).update({"read_at": utcnow()},
                                                                                 synchronize_session=False)
    db.session.commit()


# --- staff replying ----------------------------------------------------------------------------------------------

def staff_reply(moderator: Member, member: Member, body) -> StaffMessage:
    """A moderator answers in the member's conversation (audited). Linked to the conversation's open item."""
    _require_staff(moderator)
    body = clean_body(body)
    item = open_item(member)
    msg = StaffMessage(member_id=member.id, sender_id=moderator.id, queue_item_id=item.id if item else None,
                       body=body, created_at=utcnow())
    db.session.add(msg)
    db.session.flush()
    # Answering is reading: the member's messages so far are no longer unread.
    db.session.query(StaffMessage).filter(StaffMessage.member_id == member.id, StaffMessage.sender_id == member.id,
                                          StaffMessage.read_at.is_(None)).update({"read_at": utcnow()},
                                                                                 synchronize_session=False)
    audit.record(moderator, "inbox.reply", target=f"member:{member.id}",
                 after={"message": msg.id, "item": item.id if item else None})
    signals.staff_message_sent.send(member.id)
    if item is not None:
        _touch(item)
    db.session.commit()
    return msg


# --- the queue adapter: a member_message item's content is the message that opened it ----------------------------

class StaffMessageContent(RecordContent):
    """Addressed to staff: a decision only resolves (or escalates) the conversation's item."""
    content_type, model, author_field, fixed_status = CONTENT_TYPE, StaffMessage, "member_id", "delivered"

    def to_dict(self, msg):
        return message_to_dict(msg)
