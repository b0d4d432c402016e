"""Member safety tools (issue 11, part B): watched words, notices and strikes."""
from __future__ import annotations

from community.extensions import db
from community.members.models import utcnow

WATCH_ACTIONS = ("block", "require_approval", "flag", "censor")


class WatchedWord(db.Model):
    """An admin's watched word or phrase (or regular expression) and what happens to text containing it."""

    __tablename__ = "watched_words"

    id = db.Column(db.Integer, primary_key=True)
    pattern = db.Column(db.String(200), nullable=False)
    action = db.Column(db.String(20), nullable=False)  # block | require_approval | flag | censor
    regex = db.Column(db.Boolean, nullable=False, default=False)
    created_by_id = db.Column(db.Integer, db.ForeignKey("members.id", ondelete="SET NULL"), nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    created_by = db.relationship("Member")


class Notice(db.Model):
    """What a moderator decided about a member's content, told to that member."""

    __tablename__ = "notices"

    id = db.Column(db.Integer, primary_key=True)
    member_id = db.Column(db.Integer, db.ForeignKey("members.id", ondelete="CASCADE"), nullable=False, index=True)
    kind = db.Column(db.String(24), nullable=False)  # approved | removed | warned | suspended | support | ...
    title = db.Column(db.String(200), nullable=False)
    body = db.Column(db.Text, nullable=False)
    rule = db.Column(db.String(200), nullable=True)
    moderator_note = db.Column(db.Text, nullable=True)
    appeal_url = db.Column(db.String(300), nullable=True)
    content_type = db.Column(db.String(16), nullable=True)
    content_id = db.Column(db.Integer, nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    read_at = db.Column(db.DateTime, nullable=True)


class Strike(db.Model):
    """One strike in a member's history: a removal (or warning) for abuse. Self-harm holds never make one."""

    __tablename__ = "strikes"

    id = db.Column(db.Integer, primary_key=True)
    member_id = db.Column(db.Integer, db.ForeignKey("members.id", ondelete="CASCADE"), nullable=False, index=True)
    kind = db.Column(db.String(16), nullable=False)  # removal | warning
    reason = db.Column(db.String(64), nullable=True)  # the queue item's kind: toxicity, report, watched_word...
    content_type = db.Column(db.String(16), nullable=True)
    content_id = db.Column(db.Integer, nullable=True)
    moderator_id = db.Column(db.Integer, db.ForeignKey("members.id", ondelete="SET NULL"), nullable=True)
    note = db.Column(db.Text, nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
