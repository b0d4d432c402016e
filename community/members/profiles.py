"""A member's public profile at /u/<handle>: privacy first.

Shown: the handle, the month they joined, a short "about" they wrote themselves, and their published threads and
posts (paged), unless they chose to hide that list. Never shown: region, counts of any kind (posts, strikes,
reports), trust level, anything held or removed. The about text is screened like a post (moderation.screen, then
moderation.apply with the "about" content adapter): while held, others see no about at all and the member sees it
marked; a crisis in it gets the crisis panel at once, and a moderator is told. A block, either way round, makes the
profile answer as if it did not exist (404), so nobody can check whether they were blocked.
"""
from __future__ import annotations

from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import joinedload

from community.errors import Forbidden, NotFound, ServiceError
from community.extensions import db, iso
from community.forum.models import PUBLISHED, Post, Thread
from community.forum.services import POSTS_PER_PAGE
from community.members.blocks import blocked_ids, is_filtered
from community.members.blocks import Block
from community.members.models import Member, find_by_handle
from community.members.moderation_adapter import AboutText
from community.paging import page_of, parse_page
from moderation import screen as screening
from moderation.apply import apply
from moderation.resources import support_for_verdict

ABOUT_MAX = 500
THEMES = ("system", "light", "dark")


def _blocked_either_way(viewer: Member | None, member: Member) -> bool:
    if viewer is None or viewer.id == member.id:
        return False
    pair = or_(and_(Block.blocker_id == viewer.id, Block.blocked_id == member.id),
               and_(Block.blocker_id == member.id, Block.blocked_id == viewer.id))
    return db.session.scalar(select(Block.id).where(pair).limit(1)) is not None


def get_profile(handle, viewer: Member | None) -> Member:
    """The member whose profile this viewer may see, or 404 (no such member, deleted, or a block either way)."""
    member = find_by_handle(handle) if isinstance(handle, str) else None
    if member is None or member.deleted_at is not None or _blocked_either_way(viewer, member):
        raise NotFound("member_not_found", "There is no member with that handle.")
    return member


def about_for(member: Member, viewer: Member | None) -> dict | None:
    """The about text as this viewer may see it: {"text", "status", "held"} or None. Others see it only when
    published; the member themselves (and staff) also see it while held, marked as such."""
    if not member.about:
        return None
    published = (member.about_status or PUBLISHED) == PUBLISHED
    own_or_staff = viewer is not None and (viewer.id == member.id or viewer.is_staff)
    if not published and not own_or_staff:
        return None
    return {"text": member.about, "status": member.about_status or PUBLISHED, "held": not published}


def posts_visible(member: Member, viewer: Member | None) -> bool:
    return member.show_posts or (viewer is not None and viewer.id == member.id)


def list_posts(member: Member, viewer: Member | None, page=None):
    """The member's published posts in published threads (never deleted ones), newest first, paged. Empty when
    they hide their list (they still see it themselves)."""
    number = parse_page(page)
    query = (select(Post).join(Thread, Thread.id == Post.thread_id)
             .where(Post.author_id == member.id, Post.status == PUBLISHED, Post.deleted_at.is_(None),
                    Thread.status == PUBLISHED)
             .options(joinedload(Post.thread).joinedload(Thread.board)))
    if not posts_visible(member, viewer):
        query = query.where(false())
    return page_of(query, order=(Post.created_at.desc(), Post.id.desc()),
                   reverse=(Post.created_at.asc(), Post.id.asc()), page=number, per_page=POSTS_PER_PAGE)


def post_is_filtered(viewer: Member | None, post: Post) -> bool:
    return is_filtered(viewer, post.body, post.content_warning, post.thread.title if post.is_opening else None)


def joined_month(member: Member) -> str:
    return member.created_at.strftime("%B %Y")


def profile_to_dict(member: Member, viewer: Member | None) -> dict:
    about = about_for(member, viewer)
    return {"handle": member.handle, "joined": member.created_at.strftime("%Y-%m"),
            "about": about["text"] if about else None, "about_held": bool(about and about["held"]),
            "posts_hidden": not member.show_posts, "url": f"/u/{member.handle}"}


BLOCKED_TITLE = "A thread started by a member you blocked"


def thread_title(post: Post, viewer: Member | None) -> str:
    """The thread's title for this viewer: not the words of a member they blocked."""
    return BLOCKED_TITLE if post.thread.author_id in blocked_ids(viewer) else post.thread.title


def post_summary(post: Post, viewer: Member | None) -> dict:
    filtered = post_is_filtered(viewer, post)
    return {"id": post.id, "thread_id": post.thread_id, "thread_title": thread_title(post, viewer),
            "board": post.thread.board.slug, "opening": post.is_opening, "created_at": iso(post.created_at),
            "body": None if filtered else post.body, "filtered": filtered}


# --- the member's own settings --------------------------------------------------------------------------------------

def set_about(member: Member, text) -> tuple[Member, object, dict]:
    """Write (or, with empty text, clear) the member's about. Screened like a post; returns (member, verdict or
    None, support: what a held post's author is shown, crisis panel fields included)."""
    if text is not None and not isinstance(text, str):
        raise ServiceError("invalid_field", "About must be text.", field="about")
    text = (text or "").replace("\x00", "").strip()
    if len(text) > ABOUT_MAX:
        raise ServiceError("too_long", f"About can be at most {ABOUT_MAX} characters (it has {len(text):,}).",
                           field="about")
    if not text:
        member.about = member.about_status = member.about_hold_reason = member.about_verdict = None
        db.session.commit()
        return member, None, {}
    if text == member.about:
        return member, None, {}
    if member.is_suspended:
        raise Forbidden("suspended", "Your account is suspended for now, so you can't change your about text. You "
                                     "can still read, and help is always on the help page.", field="about")
    verdict = screening.screen(text, author=member, context="profile_about")  # a block watched word: 422, kept
    member.about = verdict.apply_censor(text)
    apply(verdict, "about", AboutText(member))
    db.session.commit()
    return member, verdict, support_for_verdict(verdict, member)


def set_preferences(member: Member, *, show_posts=None, theme=None) -> Member:
    if show_posts is not None:
        if not isinstance(show_posts, bool):
            raise ServiceError("invalid_field", "show_posts must be true or false.", field="show_posts")
        member.show_posts = show_posts
    if theme is not None:
        if theme not in THEMES:
            raise ServiceError("invalid_theme", f"Theme must be one of: {', '.join(THEMES)}.", field="theme")
        member.theme = theme
    db.session.commit()
    return member
