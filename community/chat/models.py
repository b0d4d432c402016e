"""Chat rooms, their messages, and per-room mutes."""
from __future__ import annotations

from community.extensions import db
from community.members.models import utcnow

PUBLISHED, HELD, REMOVED = "published", "held", "removed"


class ChatRoom(db.Model):
    __tablename__ = "chat_rooms"

    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(40), nullable=False, unique=True)
    name = db.Column(db.String(80), nullable=False)
    description = db.Column(db.String(300), nullable=False, default="")
    archived = db.Column(db.Boolean, nullable=False, default=False)
    position = db.Column(db.Integer, nullable=False, default=0)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class ChatMessage(db.Model):
    __tablename__ = "chat_messages"
    __table_args__ = (db.Index("ix_chat_messages_room_id_id", "room_id", "id"),)

    id = db.Column(db.Integer, primary_key=True)
    room_id = db.Column(db.Integer, db.ForeignKey("chat_rooms.id"), nullable=False)
    author_id = db.Column(db.Integer, db.ForeignKey("members.id"), nullable=False, index=True)
    body = db.Column(db.Text, nullable=False)
    # Rendered once when written (community/chat/services.py store_html), read by the live event and history;
    # `forum rerender` renders again the rows of another renderer version.
    html = db.Column(db.Text, nullable=True)
    html_version = db.Column(db.String(32), nullable=True)
    status = db.Column(db.String(16), nullable=False, default=HELD, index=True)
    hold_reason = db.Column(db.String(32), nullable=True)  # self_harm | toxicity | unscreened | ...
    # The screen's verdict that set `status` (scores, classifier versions, policy version, reasons).
    verdict = db.Column(db.JSON, nullable=True)
    moderator_note = db.Column(db.Text, nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    removed_by_id = db.Column(db.Integer, db.ForeignKey("members.id"), nullable=True)

    room = db.relationship("ChatRoom")
    author = db.relationship("Member", foreign_keys=[author_id])


class ChatMute(db.Model):
    """A member may not send in a room until `until` (set by a moderator)."""

    __tablename__ = "chat_mutes"

    id = db.Column(db.Integer, primary_key=True)
    room_id = db.Column(db.Integer, db.ForeignKey("chat_rooms.id"), nullable=False, index=True)
    member_id = db.Column(db.Integer, db.ForeignKey("members.id"), nullable=False, index=True)
    until = db.Column(db.DateTime, nullable=False)
    by_id = db.Column(db.Integer, db.ForeignKey("members.id"), nullable=True)
    reason = db.Column(db.String(300), nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
