"""Lets the moderation queue act on chat messages (registered in create_app). Approving a held message broadcasts it
to its room then; removing a published one takes it off everyone's screen live."""
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from community import realtime
from community.chat.models import PUBLISHED, REMOVED, ChatMessage, message_to_dict
from community.extensions import db, iso
from moderation.queue.content import RowContent


class MessageContent(RowContent):
    content_type = "message"
    model = ChatMessage

    def load_many(self, content_ids):
        """Many messages in one query, with their rooms and authors (the queue page)."""
        return list(db.session.scalars(select(ChatMessage).where(ChatMessage.id.in_(list(content_ids))).options(
            joinedload(ChatMessage.author), joinedload(ChatMessage.room)))) if content_ids else []

    def set_status(self, message, status, *, hold_reason, note, verdict=None):
        # A message seen for the first time (chat.services.send) is only announced when published: its author
        # learns of a hold or a removal from the send itself.
        new = message.verdict is None
        was = message.status
        super().set_status(message, status, hold_reason=hold_reason, note=note, verdict=verdict)
        if status == PUBLISHED and was != PUBLISHED:
            realtime.chat_published(message)
        elif new:
            pass
        elif status != PUBLISHED and was == PUBLISHED:
            realtime.chat_removed(message)
        elif status == REMOVED and was != REMOVED:
            realtime.chat_removed(message)  # the author's own greyed copy goes too

    def to_dict(self, message):
        data = message_to_dict(message)
        data["hold_reason"] = message.hold_reason
        data["author_joined_at"] = iso(message.author.created_at)
        return data
