"""Lets the moderation queue act on forum posts without importing forum services (registered in create_app)."""
from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from community.extensions import db, is_row_id, iso, utcnow
from community.forum import services
from community.forum.models import PUBLISHED, Post, Report, Thread, store_html
from community.forum.api import post_to_dict
from community.notifications import services as notifications
from moderation.queue.content import RecordContent, RowContent


class PostContent(RowContent):
    content_type = "post"
    model = Post

    def load_many(self, content_ids):
        """Many posts in one query, with their threads, boards and authors (the queue page)."""
        ids = [i for i in content_ids if is_row_id(i)]
        posts = list(db.session.scalars(select(Post).where(Post.id.in_(ids)).options(
            joinedload(Post.author), joinedload(Post.thread).joinedload(Thread.board)))) if ids else []
        services.prime_pages(posts, None)
        return posts

    def text(self, post):
        return services.screened_text(post)

    def set_status(self, post, status, *, hold_reason, note, verdict=None):
        was_public = post.status == PUBLISHED
        super().set_status(post, status, hold_reason=hold_reason, note=note, verdict=verdict)
        if status == PUBLISHED and not was_public:
            services.protect_if_at_risk(post)  # a person at risk's post published with support: protected replies
        services.recount(post.thread, opening_changed=bool(post.is_opening))
        if status == PUBLISHED and not was_public:
            # Approving a held post publishes it as if it had just been posted: the thread rises to the top. Set
            # after the recount (which locks the thread row), so both go out in one UPDATE of the thread.
            post.thread.last_activity_at = utcnow()
            notifications.post_published(post)  # held until now: followers and mentioned members hear of it now

    def lift_mask(self, post):
        """A moderator shows the text as written (method details no longer masked). Returns whether it was masked."""
        if post.original_body is None:
            return False
        post.body, post.original_body = post.original_body, None
        store_html(post)
        return True

    def revisions(self, post):
        return services.revisions_of(post)

    def to_dict(self, post):
        data = post_to_dict(post)
        data["thread_title"] = post.thread.title
        data["board"] = post.thread.board.slug
        data["author_joined_at"] = iso(post.author.created_at)
        # Staff only (the queue): the text as written when method details are masked in `body`.
        data["original_body"] = post.original_body
        data["masked"] = post.original_body is not None
        data["thread_protected"] = bool(post.thread.protected)
        data["reply_mode"] = post.thread.reply_mode
        return data


class ReportContent(RecordContent):
    """A report whose note reads as a crisis: the queue item is about the reporter (see report_post). A note to the
    moderators: a decision resolves the item (reach out with a message)."""

    content_type, model, author_field, text_field, fixed_status = "report", Report, "reporter_id", "note", "submitted"

    def to_dict(self, report):
        return {"id": report.id, "post_id": report.post_id, "reason": report.reason, "note": report.note,
                "body": report.note, "created_at": iso(report.created_at),
                "post_url": url_for("forum.thread", thread_id=report.post.thread_id) + f"#post-{report.post_id}"}
