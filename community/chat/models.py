"""Chat rooms, their messages, and per-room mutes."""
from __future__ import annotations

from community.extensions import Authored, NamedPlace, db, iso, member_ref, utcnow
from community.members.models import verification_to_dict
from community.rendering import RENDERER_VERSION, render_markdown

PUBLISHED, HELD, REMOVED = "published", "held", "removed"


class ChatRoom(NamedPlace, db.Model):
    __tablename__ = "chat_rooms"

    archived = db.Column(db.Boolean, nullable=False, default=False)
    position = db.Column(db.Integer, nullable=False, default=0)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class ChatMessage(Authored, db.Model):
    __tablename__ = "chat_messages"
    __table_args__ = (db.Index("ix_chat_messages_room_id_id", "room_id", "id"),)

    id = db.Column(db.Integer, primary_key=True)
    room_id = db.Column(db.Integer, db.ForeignKey("chat_rooms.id"), nullable=False)
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
    removed_by_id = member_ref(nullable=True)

    room = db.relationship("ChatRoom")


class ChatMute(db.Model):
    """A member may not send in a room until `until` (set by a moderator)."""

    __tablename__ = "chat_mutes"

    id = db.Column(db.Integer, primary_key=True)
    room_id = db.Column(db.Integer, db.ForeignKey("chat_rooms.id"), nullable=False, index=True)
    member_id = member_ref(nullable=False, index=True)
    until = db.Column(db.DateTime, nullable=False)
    by_id = member_ref(nullable=True)
    reason = db.Column(db.String(300), nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


# --- what a message shows: its HTML, rendered once when written, and its JSON form -----------------------------------

def store_html(message: ChatMessage) -> None:
    """Render the message's Markdown (links as plain text, sanitised) once, to store with it."""
    message.html = str(render_markdown(message.body, links=False))
    message.html_version = RENDERER_VERSION


def render(message: ChatMessage) -> str:
    """The stored HTML; only a row of another renderer version not yet re-rendered by `forum rerender` is rendered
    here (and not stored: reads never write)."""
    if message.html is not None and message.html_version == RENDERER_VERSION:
        return message.html
    return str(render_markdown(message.body, links=False))


def message_to_dict(message: ChatMessage) -> dict:
    # The author's verified badge is read from the member on every read, never stored in the message's HTML, so
    # granting or removing it shows on old messages too.
    return {"id": message.id, "room": message.room.slug, "author": message.author.handle, "body": message.body,
            "html": render(message), "created_at": iso(message.created_at), "status": message.status,
            "author_verification": verification_to_dict(message.author)}
