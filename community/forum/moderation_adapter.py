"""Lets the moderation queue act on forum posts without importing forum services (registered in create_app)."""
from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from community.extensions import db, get_row, is_row_id, iso, utcnow
from community.forum import services
from community.forum.models import PUBLISHED, Post, Report, Thread, store_html
from community.forum.api import post_to_dict


class PostContent:
    content_type = "post"

    def load(self, content_id):
        return get_row(Post, content_id)

    def load_many(self, content_ids):
        """Many posts in one query, with their threads, boards and authors (the queue page)."""
        ids = [i for i in content_ids if is_row_id(i)]
        posts = list(db.session.scalars(select(Post).where(Post.id.in_(ids)).options(
            joinedload(Post.author), joinedload(Post.thread).joinedload(Thread.board)))) if ids else []
        services.prime_pages(posts, None)
        return posts

    def author_id(self, post):
        return post.author_id

    def text(self, post):
        return services.screened_text(post)

    def status(self, post):
        return post.status

    def set_status(self, post, status, *, hold_reason, note, verdict=None):
        was_public = post.status == PUBLISHED
        post.status = status
        post.hold_reason = None if status == PUBLISHED else hold_reason
        if note is not None:
            post.moderator_note = note
        if verdict is not None:
            post.verdict = verdict
        if status == PUBLISHED and not was_public:
            # Approving a held post publishes it as if it had just been posted: the thread rises to the top.
            post.thread.last_activity_at = utcnow()
            services.protect_if_at_risk(post)  # a person at risk's post published with support: protected replies
        services.recount(post.thread, opening_changed=bool(post.is_opening))

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


class ReportContent:
    """A report whose note reads as a crisis: the queue item is about the reporter (see report_post)."""

    content_type = "report"

    def load(self, content_id):
        return get_row(Report, content_id)

    def author_id(self, report):
        return report.reporter_id

    def text(self, report):
        return report.note or ""

    def status(self, report):
        return "submitted"  # a note to the moderators: never held, published or removed

    def set_status(self, report, status, *, hold_reason, note, verdict=None):
        """Nothing to publish or remove: a decision resolves the item (reach out with a message)."""

    def to_dict(self, report):
        return {"id": report.id, "post_id": report.post_id, "reason": report.reason, "note": report.note,
                "body": report.note, "created_at": iso(report.created_at),
                "post_url": url_for("forum.thread", thread_id=report.post.thread_id) + f"#post-{report.post_id}"}
