from __future__ import annotations

from sqlalchemy import event, inspect, select

from community.extensions import Authored, NamedPlace, db, member_ref, utcnow
from community.members.models import Member
from community.rendering import RENDERER_VERSION, mentioned_handles, render_stored

PUBLISHED, HELD, REMOVED = "published", "held", "removed"
REPLY_MODES = ("open", "trusted", "closed")
REPORT_REASONS = ("harassment", "self_harm_risk", "spam", "misinformation", "other")


class Board(NamedPlace, db.Model):
    __tablename__ = "boards"

    position = db.Column(db.Integer, nullable=False, default=0)


class Thread(Authored, db.Model):
    __tablename__ = "threads"
    # A board's order (community/paging.py reads far pages from the other end of it).
    __table_args__ = (db.Index("ix_threads_board_id_last_activity_at_id", "board_id", "last_activity_at", "id"),)

    id = db.Column(db.Integer, primary_key=True)
    board_id = db.Column(db.Integer, db.ForeignKey("boards.id"), nullable=False, index=True)
    title = db.Column(db.String(150), nullable=False)
    # Mirrors the opening post: a thread whose opening post is held is visible only to its author and staff.
    status = db.Column(db.String(16), nullable=False, default=PUBLISHED)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_activity_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    post_count = db.Column(db.Integer, nullable=False, default=0)  # published, not deleted
    # Protected: a post about a person at risk was published with support, so replies are screened more strictly
    # (moderation.screen(protected=True)). Who may reply: open | trusted (trusted members and staff) | closed.
    protected = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    reply_mode = db.Column(db.String(8), nullable=False, default="open", server_default="open")

    board = db.relationship("Board")


class Post(Authored, db.Model):
    __tablename__ = "posts"
    # A thread's order (community/paging.py reads far pages from the other end of it).
    __table_args__ = (db.Index("ix_posts_thread_id_created_at_id", "thread_id", "created_at", "id"),)

    id = db.Column(db.Integer, primary_key=True)
    thread_id = db.Column(db.Integer, db.ForeignKey("threads.id"), nullable=False, index=True)
    is_opening = db.Column(db.Boolean, nullable=False, default=False)
    body = db.Column(db.Text, nullable=False)
    # `body` rendered to sanitised HTML when written (community/rendering.py): with links, and with links as plain
    # text (shown for new accounts), and the renderer version that produced both. Pages never render on read.
    html = db.Column(db.Text, nullable=True)
    html_plain = db.Column(db.Text, nullable=True)
    html_version = db.Column(db.String(32), nullable=True, index=True)
    content_warning = db.Column(db.String(100), nullable=True)
    # The text as written when `body` has method details masked ("[details removed for safety]"): moderators read
    # it (collapsed) and may lift the mask; everyone else reads `body`.
    original_body = db.Column(db.Text, nullable=True)
    status = db.Column(db.String(16), nullable=False, default=HELD, index=True)
    hold_reason = db.Column(db.String(32), nullable=True)  # self_harm | toxicity | unscreened | reports | ...
    # The screen's verdict that set `status`: scores, classifier names and versions, policy version, reasons.
    verdict = db.Column(db.JSON, nullable=True)
    moderator_note = db.Column(db.Text, nullable=True)  # shown to the author when staff removed or approved
    # A note from the moderators shown under the post to everyone (a misleading claim, say); who wrote it is in the
    # audit log, never on the page.
    context_note = db.Column(db.Text, nullable=True)
    context_note_at = db.Column(db.DateTime, nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    edited_at = db.Column(db.DateTime, nullable=True)
    deleted_at = db.Column(db.DateTime, nullable=True)
    deleted_by_id = member_ref(nullable=True)
    # The post this reply quotes (same thread). Only the reference is stored: the quote is shown from the quoted
    # post itself when the page is rendered, so a quoted post later held or removed shows "quoted post removed".
    quote_of_id = db.Column(db.Integer, db.ForeignKey("posts.id", ondelete="SET NULL"), nullable=True, index=True)

    thread = db.relationship("Thread")
    quote_of = db.relationship("Post", remote_side=[id], foreign_keys=[quote_of_id])


def existing_handles(text: str, connection=None) -> set[str]:
    """The lower-cased handles @mentioned in `text` that belong to members (not deleted)."""
    wanted = mentioned_handles(text)[:50]
    if not wanted:
        return set()
    query = select(Member.handle_key).where(Member.handle_key.in_(wanted), Member.deleted_at.is_(None))
    if connection is not None:
        return set(connection.execute(query).scalars())
    with db.session.no_autoflush:
        return set(db.session.scalars(query))


def store_html(post: Post, connection=None) -> None:
    """Render the post's body into its stored HTML. The services call it before they write (on SQLite, rendering
    inside the flush would hold the database's write lock meanwhile); the flush events below catch any other path.
    @mentions of existing members become links to their profile."""
    post.html, post.html_plain = render_stored(post.body, existing_handles(post.body, connection))
    post.html_version = RENDERER_VERSION
    post._html_for = post.body


def _needs_html(post: Post) -> bool:
    return post.html_version is None or getattr(post, "_html_for", None) != post.body


@event.listens_for(Post, "before_insert")
def _render_new(mapper, connection, post):
    if _needs_html(post):
        store_html(post, connection)


@event.listens_for(Post, "before_update")
def _render_edited(mapper, connection, post):
    # Every write path that changes the text (edit, account erasure, moderation tools) stores fresh HTML.
    if inspect(post).attrs.body.history.has_changes() and _needs_html(post):
        store_html(post, connection)
    elif post.html_version is None:
        store_html(post, connection)


class PostRevision(db.Model):
    """The text a post had before an edit: kept for moderation and audit, never shown publicly. `created_at` is when
    that text was replaced (it was written when the previous revision was replaced, or when the post was made)."""

    __tablename__ = "post_revisions"

    id = db.Column(db.Integer, primary_key=True)
    post_id = db.Column(db.Integer, db.ForeignKey("posts.id"), nullable=False, index=True)
    body = db.Column(db.Text, nullable=False)
    content_warning = db.Column(db.String(100), nullable=True)
    # What the screen said about this text (the post's verdict before the edit), so moderators see why it was held.
    verdict = db.Column(db.JSON, nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class Report(db.Model):
    __tablename__ = "reports"
    __table_args__ = (db.UniqueConstraint("post_id", "reporter_id", name="uq_reports_post_reporter"),)

    id = db.Column(db.Integer, primary_key=True)
    post_id = db.Column(db.Integer, db.ForeignKey("posts.id"), nullable=False, index=True)
    reporter_id = member_ref(nullable=False)
    reason = db.Column(db.String(32), nullable=False)
    note = db.Column(db.String(1000), nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    reporter = db.relationship("Member")
    post = db.relationship("Post")


class ThreadState(db.Model):
    """One member's relation to one thread: whether they follow it (set automatically when they start or reply to
    it, unless they chose otherwise) and how far they have read (the newest post they were shown)."""

    __tablename__ = "thread_states"
    __table_args__ = (db.UniqueConstraint("member_id", "thread_id", name="uq_thread_states_member_thread"),)

    id = db.Column(db.Integer, primary_key=True)
    member_id = member_ref(ondelete="CASCADE", nullable=False, index=True)
    thread_id = db.Column(db.Integer, db.ForeignKey("threads.id", ondelete="CASCADE"), nullable=False, index=True)
    following = db.Column(db.Boolean, nullable=False, default=False)
    # "auto" (started or replied) or "member" (pressed follow/unfollow): a member's own choice is never overridden.
    follow_source = db.Column(db.String(8), nullable=True)
    last_read_at = db.Column(db.DateTime, nullable=True)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class Reaction(db.Model):
    """A supportive reaction (community/forum/reactions.py): one per kind per member per post."""

    __tablename__ = "reactions"
    __table_args__ = (db.UniqueConstraint("post_id", "member_id", "kind", name="uq_reactions_post_member_kind"),)

    id = db.Column(db.Integer, primary_key=True)
    post_id = db.Column(db.Integer, db.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False, index=True)
    member_id = member_ref(ondelete="CASCADE", nullable=False, index=True)
    kind = db.Column(db.String(16), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    post = db.relationship("Post")
    member = db.relationship("Member")
