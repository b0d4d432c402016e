"""Trust for new accounts.

A member is *new* while their account is younger than TRUST_MIN_AGE_HOURS (default 24) or they have fewer than
TRUST_MIN_POSTS (default 3) published posts. New accounts' links show as plain text, they get the stricter
NEW_ACCOUNT_* rate limits, and (admin setting, off by default) their posts wait for a moderator until one has been
approved. Trust rises on its own; a moderator can pin it with Member.trust_level ("new" or "trusted"; "auto" lets
the rule decide again). Staff are always trusted.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, has_app_context, has_request_context, request
from sqlalchemy import func, select

from community.extensions import db, iso, utcnow
from community.members.models import Member
from moderation import audit
from community.errors import Forbidden, ServiceError
from community.forum.models import Post, PUBLISHED

LEVELS = ("auto", "new", "trusted")


def _setting(name: str, default: int) -> int:
    """A number from the app's settings (community/config.py reads them once at start-up)."""
    raw = current_app.config.get(name) if has_app_context() else None
    try:
        return int(raw) if raw not in (None, "") else default
    except (TypeError, ValueError):
        return default


def min_age_hours() -> int:
    return _setting("TRUST_MIN_AGE_HOURS", 24)


def min_posts() -> int:
    return _setting("TRUST_MIN_POSTS", 3)


def published_posts(member: Member) -> int:
    counts = _counts_cache()
    if counts is not None and member.id in counts:
        return counts[member.id]
    return db.session.scalar(select(func.count(Post.id)).where(
        Post.author_id == member.id, Post.status == PUBLISHED, Post.deleted_at.is_(None))) or 0


def _auto_trusted(member: Member) -> bool:
    if member.created_at is None or utcnow() - member.created_at < timedelta(hours=min_age_hours()):
        return False
    return published_posts(member) >= min_posts()


def is_trusted(member: Member | None) -> bool:
    """Cached per request (posts on a page share authors)."""
    if member is None:
        return False
    if member.is_staff:
        return True
    level = getattr(member, "trust_level", None) or "auto"
    if level == "trusted":
        return True
    if level == "new":
        return False
    if not has_request_context():
        return _auto_trusted(member)
    cache = request.environ.setdefault("haven.trust_cache", {})  # per request (an app context may outlive one)
    if member.id not in cache:
        cache[member.id] = _auto_trusted(member)
    return cache[member.id]


def _counts_cache() -> dict | None:
    return request.environ.setdefault("haven.post_counts", {}) if has_request_context() else None


def prime(members) -> None:
    """Count the published posts of many members with one query (a page's authors), so that is_trusted,
    published_posts and describe cost no query for them afterwards in this request."""
    counts = _counts_cache()
    if counts is None:
        return
    wanted = {m.id for m in members if m is not None and m.id is not None and m.id not in counts}
    if not wanted:
        return
    found = dict(db.session.execute(
        select(Post.author_id, func.count(Post.id)).where(Post.author_id.in_(wanted), Post.status == PUBLISHED,
                                                          Post.deleted_at.is_(None)).group_by(Post.author_id)).all())
    for member_id in wanted:
        counts[member_id] = found.get(member_id, 0)


def forget(member: Member) -> None:
    if has_request_context():
        request.environ.setdefault("haven.trust_cache", {}).pop(member.id, None)
        request.environ.setdefault("haven.post_counts", {}).pop(member.id, None)


def summary(member: Member | None) -> dict | None:
    """What staff see in the queue: {"handle", "joined_at", "published_posts", "trusted", "trust_level"}."""
    if member is None:
        return None
    return {"handle": member.handle, "joined_at": iso(member.created_at),
            "published_posts": published_posts(member), "trusted": is_trusted(member),
            "trust_level": getattr(member, "trust_level", None) or "auto"}


def ago(when) -> str:
    """'2 hours ago', for the queue."""
    if when is None:
        return "at an unknown time"
    seconds = max(0, int((utcnow() - when).total_seconds()))
    for size, name in ((86400 * 365, "year"), (86400 * 30, "month"), (86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = seconds // size
            return f"{n} {name}{'' if n == 1 else 's'} ago"
    return "just now"


def describe(member: Member | None) -> str:
    """'joined 2 hours ago, 1 post' (plus 'new account' when not trusted)."""
    if member is None:
        return ""
    n = published_posts(member)
    text = f"joined {ago(member.created_at)}, {n} post{'' if n == 1 else 's'}"
    level = getattr(member, "trust_level", None) or "auto"
    if member.is_staff:
        return text
    state = "trusted" if is_trusted(member) else "new account"
    if level != "auto":
        state += " (set by a moderator)"
    return f"{text} · {state}"


def set_level(moderator: Member, member: Member, level) -> Member:
    if moderator is None or not moderator.is_staff:
        raise Forbidden("forbidden", "Only moderators can do that.")
    if level not in LEVELS:
        raise ServiceError("invalid_level", f"level must be one of: {', '.join(LEVELS)}.", field="level")
    before = member.trust_level or "auto"
    member.trust_level = level
    forget(member)
    audit.record(moderator, "member.trust", target=f"member:{member.id}", before={"trust_level": before},
                 after={"trust_level": level})
    db.session.commit()
    return member


def new_account_limit(kind: str) -> str:
    """The stricter Flask-Limiter limit for new accounts (NEW_ACCOUNT_THREAD_LIMIT / NEW_ACCOUNT_REPLY_LIMIT)."""
    defaults = {"thread": "3 per hour", "reply": "10 per hour", "report": "10 per hour"}
    raw = current_app.config.get(f"NEW_ACCOUNT_{kind.upper()}_LIMIT") if has_app_context() else None
    return raw or defaults[kind]
