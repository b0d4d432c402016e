from __future__ import annotations

from community.extensions import db, member_ref, utcnow

REPLY, MENTION, REACTION, MODERATION = "reply", "mention", "reaction", "moderation"
KINDS = (REPLY, MENTION, REACTION, MODERATION)
# Kinds a member may switch off. Moderators' messages and decisions always reach the member.
OPTIONAL_KINDS = (REPLY, MENTION, REACTION)


class Notification(db.Model):
    """Something for one member to see. A reply, mention or reaction points at its post and is shown only while that
    post is published (and its author not blocked either way); reactions of one kind on one post are batched in one
    unread row (`count`). A moderation notification points at the member's Notice (a decision) or says a moderator
    wrote (staff message)."""

    __tablename__ = "notifications"
    __table_args__ = (db.Index("ix_notifications_member_id_read_at", "member_id", "read_at"),)

    id = db.Column(db.Integer, primary_key=True)
    member_id = member_ref(ondelete="CASCADE", nullable=False, index=True)
    kind = db.Column(db.String(16), nullable=False)
    actor_id = member_ref(ondelete="SET NULL", nullable=True)
    post_id = db.Column(db.Integer, db.ForeignKey("posts.id", ondelete="CASCADE"), nullable=True, index=True)
    notice_id = db.Column(db.Integer, db.ForeignKey("notices.id", ondelete="CASCADE"), nullable=True)
    reaction = db.Column(db.String(16), nullable=True)
    count = db.Column(db.Integer, nullable=False, default=1)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    read_at = db.Column(db.DateTime, nullable=True)

    actor = db.relationship("Member", foreign_keys=[actor_id])
    post = db.relationship("Post")
    notice = db.relationship("Notice")


class NotificationSettings(db.Model):
    """A member's choices: kinds switched off, and quiet hours (nothing pushed live; still listed) in their time zone
    (an IANA name such as "Europe/London", or a UTC offset such as "+05:30")."""

    __tablename__ = "notification_settings"

    member_id = member_ref(ondelete="CASCADE", primary_key=True)
    disabled = db.Column(db.JSON, nullable=False, default=list)
    quiet_start = db.Column(db.String(5), nullable=True)  # "HH:MM"
    quiet_end = db.Column(db.String(5), nullable=True)
    time_zone = db.Column(db.String(64), nullable=True)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)
