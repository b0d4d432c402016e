"""Supportive reactions on posts: "hug", "me too", "thank you", "sending strength" (community/forum/reaction_kinds.py),
never downvotes.

Counts show on every post; who reacted is shown to the post's author only. One reaction per kind per member per
post. Only published posts take reactions (a held or removed one answers 409 `post_not_published`), and members
who blocked each other (either way) cannot react to each other's posts (403 `blocked`). Reactions carry no words,
so there is nothing to screen.
"""
from __future__ import annotations

from sqlalchemy import and_, func, or_, select

from community.errors import Conflict, Forbidden, ServiceError
from community.extensions import db, utcnow
from community.forum import reaction_kinds
from community.forum.models import PUBLISHED, Post, Reaction
from community.members.blocks import Block
from community.members.models import Member
from community.notifications import services as notifications


def _check(member: Member, post: Post, kind, *, adding: bool) -> None:
    kinds = reaction_kinds.load()
    if not isinstance(kind, str) or kind not in kinds:
        raise ServiceError("unknown_reaction", f"There is no reaction '{kind}'. Reactions: "
                                               f"{', '.join(reaction_kinds.KINDS)}.", field="kind")
    if adding and not kinds[kind]["enabled"]:
        raise ServiceError("reaction_disabled", f"The “{kinds[kind]['label']}” reaction is switched off here.",
                           field="kind")
    if member.is_suspended:
        raise Forbidden("suspended", "Your account is suspended for now, so you can't react to posts.")
    if post.deleted_at is not None or post.status != PUBLISHED:
        raise Conflict("post_not_published", "Only published posts take reactions: this one is held for review "
                                             "or was removed.")
    blocked = db.session.scalar(select(func.count(Block.id)).where(or_(
        and_(Block.blocker_id == member.id, Block.blocked_id == post.author_id),
        and_(Block.blocker_id == post.author_id, Block.blocked_id == member.id))))
    if blocked:
        raise Forbidden("blocked", "You can't react to this member's posts.")


def add(member: Member, post: Post, kind) -> Reaction:
    _check(member, post, kind, adding=True)
    found = db.session.scalar(select(Reaction).where(Reaction.post_id == post.id, Reaction.member_id == member.id,
                                                     Reaction.kind == kind))
    if found is not None:
        raise Conflict("already_reacted", "You've already sent this reaction to this post.")
    reaction = Reaction(post_id=post.id, member_id=member.id, kind=kind, created_at=utcnow())
    db.session.add(reaction)
    try:
        db.session.flush()
    except Exception:  # a double click raced us to the unique constraint
        db.session.rollback()
        raise Conflict("already_reacted", "You've already sent this reaction to this post.")
    notifications.reaction_added(post, member, kind)
    db.session.commit()
    return reaction


def remove(member: Member, post: Post, kind) -> bool:
    """Take your reaction back; True when there was one (removing one you never sent is not an error)."""
    if not isinstance(kind, str) or kind not in reaction_kinds.KINDS:
        raise ServiceError("unknown_reaction", f"There is no reaction '{kind}'. Reactions: "
                                               f"{', '.join(reaction_kinds.KINDS)}.", field="kind")
    found = db.session.scalar(select(Reaction).where(Reaction.post_id == post.id, Reaction.member_id == member.id,
                                                     Reaction.kind == kind))
    if found is None:
        return False
    db.session.delete(found)
    notifications.reaction_removed(post, member, kind)
    db.session.commit()
    return True


def summary(posts, viewer: Member | None) -> dict[int, dict]:
    """{post id: {"counts": {kind: n}, "mine": {kinds}, "by": {kind: [handles]} (author only)}} for a page of
    posts, in at most three queries whatever their number."""
    ids = [p.id for p in posts]
    out = {i: {"counts": {}, "mine": set(), "by": None} for i in ids}
    if not ids:
        return out
    for post_id, kind, n in db.session.execute(select(Reaction.post_id, Reaction.kind, func.count(Reaction.id))
                                               .where(Reaction.post_id.in_(ids))
                                               .group_by(Reaction.post_id, Reaction.kind)):
        out[post_id]["counts"][kind] = int(n)
    if viewer is not None:
        for post_id, kind in db.session.execute(select(Reaction.post_id, Reaction.kind).where(
                Reaction.post_id.in_(ids), Reaction.member_id == viewer.id)):
            out[post_id]["mine"].add(kind)
        own = [p.id for p in posts if p.author_id == viewer.id]
        if own:
            for post_id in own:
                out[post_id]["by"] = {}
            for post_id, kind, handle in db.session.execute(
                    select(Reaction.post_id, Reaction.kind, Member.handle).join(Member, Member.id == Reaction.member_id)
                    .where(Reaction.post_id.in_(own), Member.deleted_at.is_(None))
                    .order_by(Reaction.created_at, Reaction.id)):
                out[post_id]["by"].setdefault(kind, []).append(handle)
    return out


def to_dict(post: Post, viewer: Member | None) -> dict:
    found = summary([post], viewer)[post.id]
    kinds = reaction_kinds.load()
    data = {"post_id": post.id,
            "reactions": [{"kind": k, "label": v["label"], "enabled": v["enabled"],
                           "count": found["counts"].get(k, 0), "mine": k in found["mine"]} for k, v in kinds.items()]}
    if found["by"] is not None:
        data["by"] = {k: found["by"].get(k, []) for k in kinds}
    return data
