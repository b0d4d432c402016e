from community.extensions import db, member_ref, utcnow


class ModerationSetting(db.Model):
    """Key/value settings an admin edits (thresholds, report limits); every change is audited."""

    __tablename__ = "moderation_settings"

    key = db.Column(db.String(64), primary_key=True)
    value = db.Column(db.JSON, nullable=False)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)


class AuditEntry(db.Model):
    """Every moderation action and policy change: who, what, when, before/after. Readable by admins."""

    __tablename__ = "audit_log"

    id = db.Column(db.Integer, primary_key=True)
    actor_id = member_ref(nullable=True, index=True)  # None = the system
    action = db.Column(db.String(64), nullable=False, index=True)
    target = db.Column(db.String(64), nullable=True, index=True)  # "post:12", "member:3", "thresholds"
    before = db.Column(db.JSON, nullable=True)
    after = db.Column(db.JSON, nullable=True)
    note = db.Column(db.Text, nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)

    actor = db.relationship("Member")


class QueueItem(db.Model):
    """One item per piece of content needing a human (unique per content: more reports add to it)."""

    __tablename__ = "queue_items"
    __table_args__ = (db.UniqueConstraint("content_type", "content_id", name="uq_queue_items_content"),
                      # The queue's order, so any page of a long queue is read from the index.
                      db.Index("ix_queue_items_status_rank_created_at_id", "status", "rank", "created_at", "id"))

    id = db.Column(db.Integer, primary_key=True)
    content_type = db.Column(db.String(16), nullable=False)  # "post" | "message"
    content_id = db.Column(db.Integer, nullable=False)
    author_id = member_ref(nullable=True, index=True)
    kind = db.Column(db.String(24), nullable=False)  # self_harm | toxicity | unscreened | check_in | report | ...
    priority = db.Column(db.String(8), nullable=False)  # urgent | high | normal | low
    # Sort key: urgent, high, reported, normal, low (the order moderators work in); oldest first within a rank.
    rank = db.Column(db.Integer, nullable=False, index=True)
    status = db.Column(db.String(12), nullable=False, default="open", index=True)  # open | resolved
    reasons = db.Column(db.JSON, nullable=False, default=list)
    scores = db.Column(db.JSON, nullable=True)
    report_count = db.Column(db.Integer, nullable=False, default=0)
    escalated = db.Column(db.Boolean, nullable=False, default=False)
    claimed_by_id = member_ref(nullable=True)
    claimed_until = db.Column(db.DateTime, nullable=True)
    # Optimistic lock: every change bumps it; a decision naming an older version gets 409.
    version = db.Column(db.Integer, nullable=False, default=1)
    resolution = db.Column(db.String(16), nullable=True)
    resolved_by_id = member_ref(nullable=True)
    resolved_at = db.Column(db.DateTime, nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    # Response times. One item per content is re-opened when the content needs a human again (an appeal, new
    # reports): `opened_at` is when it last opened (created_at the first time), and the first moderator to see it
    # (item page or item API) and to claim it after that opening are recorded once each.
    opened_at = db.Column(db.DateTime, nullable=True, default=utcnow, index=True)
    first_seen_at = db.Column(db.DateTime, nullable=True)
    first_claimed_at = db.Column(db.DateTime, nullable=True)

    claimed_by = db.relationship("Member", foreign_keys=[claimed_by_id])
    author = db.relationship("Member", foreign_keys=[author_id])


class StaffMessage(db.Model):
    """A private conversation between staff and one member (one thread per member)."""

    __tablename__ = "staff_messages"

    id = db.Column(db.Integer, primary_key=True)
    member_id = member_ref(nullable=False, index=True)
    sender_id = member_ref(nullable=False)
    queue_item_id = db.Column(db.Integer, db.ForeignKey("queue_items.id"), nullable=True)
    body = db.Column(db.Text, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    read_at = db.Column(db.DateTime, nullable=True)
    # None for a moderator's own words; "care_followup" for a scheduled caring check-in from the team.
    kind = db.Column(db.String(24), nullable=True)

    sender = db.relationship("Member", foreign_keys=[sender_id])


class Appeal(db.Model):
    """A member's one appeal against a removal."""

    __tablename__ = "appeals"
    __table_args__ = (db.UniqueConstraint("content_type", "content_id", name="uq_appeals_content"),)

    id = db.Column(db.Integer, primary_key=True)
    content_type = db.Column(db.String(16), nullable=False)
    content_id = db.Column(db.Integer, nullable=False)
    member_id = member_ref(nullable=False)
    text = db.Column(db.Text, nullable=False)
    original_decision = db.Column(db.JSON, nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class CannedReply(db.Model):
    """A ready-made staff message an admin keeps (title + body); a moderator picks one, edits it, then sends it."""

    __tablename__ = "canned_replies"

    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(120), nullable=False)
    body = db.Column(db.Text, nullable=False)
    position = db.Column(db.Integer, nullable=False, default=0)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)


# --- watched words, notices and strikes ---------------------------------------------------------------------
WATCH_ACTIONS = ("block", "require_approval", "flag", "censor")


class WatchedWord(db.Model):
    """An admin's watched word or phrase (or regular expression) and what happens to text containing it."""

    __tablename__ = "watched_words"

    id = db.Column(db.Integer, primary_key=True)
    pattern = db.Column(db.String(200), nullable=False)
    action = db.Column(db.String(20), nullable=False)  # block | require_approval | flag | censor
    regex = db.Column(db.Boolean, nullable=False, default=False)
    created_by_id = member_ref(ondelete="SET NULL", nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    created_by = db.relationship("Member")


class Notice(db.Model):
    """What a moderator decided about a member's content, told to that member."""

    __tablename__ = "notices"

    id = db.Column(db.Integer, primary_key=True)
    member_id = member_ref(ondelete="CASCADE", nullable=False, index=True)
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
    member_id = member_ref(ondelete="CASCADE", nullable=False, index=True)
    kind = db.Column(db.String(16), nullable=False)  # removal | warning
    reason = db.Column(db.String(64), nullable=True)  # the queue item's kind: toxicity, report, watched_word...
    content_type = db.Column(db.String(16), nullable=True)
    content_id = db.Column(db.Integer, nullable=True)
    moderator_id = member_ref(ondelete="SET NULL", nullable=True)
    note = db.Column(db.Text, nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)


class StaffNote(db.Model):
    """A moderator's internal note on a queue item, or about a member (staff only, audited, never shown to the
    member). `kind` "handoff": left when releasing a claim, for the next moderator, who sees it first."""

    __tablename__ = "staff_notes"

    id = db.Column(db.Integer, primary_key=True)
    item_id = db.Column(db.Integer, db.ForeignKey("queue_items.id", ondelete="CASCADE"), nullable=True, index=True)
    member_id = member_ref(ondelete="CASCADE", nullable=True, index=True)
    author_id = member_ref(ondelete="SET NULL", nullable=True)
    kind = db.Column(db.String(16), nullable=False, default="note")  # note | handoff
    body = db.Column(db.Text, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)

    author = db.relationship("Member", foreign_keys=[author_id])


class ModeratorPreference(db.Model):
    """One moderator's workspace: how their queue looks and alerts them (all off by default), and the stretch of
    continuous queue work the break reminder measures (moderation/queue/workspace.py)."""

    __tablename__ = "moderator_preferences"

    member_id = member_ref(ondelete="CASCADE", primary_key=True)
    keep_collapsed = db.Column(db.Boolean, nullable=False, default=False)  # every text collapsed, whatever its kind
    alert_sound = db.Column(db.Boolean, nullable=False, default=False)  # a soft chime for a new intent item
    alert_notification = db.Column(db.Boolean, nullable=False, default=False)  # a browser notification for one
    stretch_started_at = db.Column(db.DateTime, nullable=True)  # first activity of the current stretch
    last_active_at = db.Column(db.DateTime, nullable=True)
    break_snoozed_until = db.Column(db.DateTime, nullable=True)  # "remind me later"
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)


class CareFollowUp(db.Model):
    """A caring check-in from the team, offered when a self-harm item is resolved (moderation/care.py).

    offered -> scheduled (the member said yes) -> sent; or stopped (the member said no more) / cancelled (the
    account was deleted or suspended before it was due)."""

    __tablename__ = "care_followups"

    id = db.Column(db.Integer, primary_key=True)
    member_id = member_ref(ondelete="CASCADE", nullable=False, index=True)
    item_id = db.Column(db.Integer, db.ForeignKey("queue_items.id", ondelete="SET NULL"), nullable=True, index=True)
    notice_id = db.Column(db.Integer, db.ForeignKey("notices.id", ondelete="SET NULL"), nullable=True)
    # The moderator who resolved the item: the message is sent in their name, shown as "from the Haven team".
    moderator_id = member_ref(ondelete="SET NULL", nullable=True)
    delay_days = db.Column(db.Integer, nullable=False)
    status = db.Column(db.String(12), nullable=False, default="offered")
    due_at = db.Column(db.DateTime, nullable=True, index=True)
    body = db.Column(db.Text, nullable=True)  # a moderator's personalised words; None: the admin's template
    personalised_by_id = member_ref(ondelete="SET NULL", nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    sent_at = db.Column(db.DateTime, nullable=True)
    message_id = db.Column(db.Integer, db.ForeignKey("staff_messages.id", ondelete="SET NULL"), nullable=True)
