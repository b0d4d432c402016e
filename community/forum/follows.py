"""Following threads and how far each member has read them.

A member follows a thread automatically when they start it or reply in it, unless they chose otherwise (a member's
own follow/unfollow is never overridden). Following means replies there notify them (community/notifications).
The read position is the creation time of the newest post the member was shown in the thread; posts after it are
"new since your last visit" on thread lists and in the thread, and /t/<id>/unread jumps to the first of them.
"""
from __future__ import annotations

from sqlalchemy import and_, bindparam, func, or_, select

from community import page_cache
from community.extensions import db, utcnow
from community.forum.models import PUBLISHED, Post, Thread, ThreadState
from community.members.models import Member

AUTO, CHOSEN = "auto", "member"


def state(member: Member | None, thread: Thread) -> ThreadState | None:
    if member is None:
        return None
    return db.session.scalar(_STATE, {"member_id": member.id, "thread_id": thread.id})


# Built once (asked on every post and every signed-in thread page): building them cost about as much as running them.
_STATE = select(ThreadState).where(ThreadState.member_id == bindparam("member_id"),
                                   ThreadState.thread_id == bindparam("thread_id"))
# The members following the thread `thread_id` (a statement of their own, or a subquery of the notifications' one).
FOLLOWER_IDS = select(ThreadState.member_id).where(ThreadState.thread_id == bindparam("thread_id"),
                                                   ThreadState.following.is_(True))


def _state_for_write(member: Member, thread: Thread) -> ThreadState:
    found = state(member, thread)
    if found is None:
        found = ThreadState(member_id=member.id, thread_id=thread.id, following=False, updated_at=utcnow())
        db.session.add(found)
    return found


def is_following(member: Member | None, thread: Thread) -> bool:
    found = state(member, thread)
    return bool(found and found.following)


def auto_follow(member: Member, thread: Thread) -> None:
    """The author of a thread or a reply follows it, unless they unfollowed it themselves (caller commits)."""
    found = _state_for_write(member, thread)
    if found.follow_source != CHOSEN:
        found.following, found.follow_source, found.updated_at = True, AUTO, utcnow()


def follow_to_confirm(member: Member, thread: Thread) -> ThreadState | None:
    """The member's follow, read before their reply is written, when the reply only confirms it: they follow the
    thread already (started it or replied before), or chose for themselves. On SQLite every statement from a write
    to the commit holds the database's write lock, so what can be read before it is. None when the follow must be
    read and changed with the reply (auto_follow): a first reply, or a row the reply would change, so that no row
    is duplicated and no choice made meanwhile is overwritten. The caller confirms it (confirm_follow) once the
    reply holds its thread's row lock, as auto_follow would: row locks taken in one order, so two replies of one
    member never wait for each other's."""
    found = state(member, thread)
    if found is not None and (found.follow_source == CHOSEN or (found.following and found.follow_source == AUTO)):
        return found
    if found is not None:
        db.session.expire(found)  # read again, with the reply, by auto_follow
    return None


def confirm_follow(found: ThreadState) -> None:
    """What auto_follow does to a follow follow_to_confirm returned (the UPDATE writes `updated_at` only, so a
    choice committed meanwhile stays)."""
    if found.follow_source != CHOSEN:
        found.updated_at = utcnow()


def set_following(member: Member, thread: Thread, following: bool) -> ThreadState:
    found = _state_for_write(member, thread)
    found.following, found.follow_source, found.updated_at = bool(following), CHOSEN, utcnow()
    db.session.commit()
    page_cache.reads_changed(member.id, page_changes=True)  # the follow button
    return found


def followers(thread: Thread) -> list[int]:
    return list(db.session.scalars(FOLLOWER_IDS, {"thread_id": thread.id}))


def mark_read(member: Member | None, thread: Thread, posts) -> None:
    """The member was shown these posts: move their read position forward (never back) and commit."""
    if member is None:
        return
    newest = max((p.created_at for p in posts), default=None)
    if newest is None:
        return
    found = _state_for_write(member, thread)
    if found.last_read_at is None or newest > found.last_read_at:
        # The page showed "new since your last visit" markers (others' posts after the old position; a first visit
        # shows none): once read, they go, so the reader's kept thread page must render afresh.
        had_markers = found.last_read_at is not None and any(
            p.author_id != member.id and p.deleted_at is None and p.created_at > found.last_read_at for p in posts)
        found.last_read_at, found.updated_at = newest, utcnow()
        db.session.commit()
        page_cache.reads_changed(member.id, page_changes=had_markers)
    elif found.id is None:
        db.session.commit()
        page_cache.reads_changed(member.id, page_changes=False)


def first_unread(member: Member, thread: Thread, visibility) -> Post | None:
    """The first post after the member's read position that they can see (`visibility`: the forum's clause)."""
    found = state(member, thread)
    query = select(Post).where(Post.thread_id == thread.id, visibility, Post.deleted_at.is_(None))
    if found is not None and found.last_read_at is not None:
        query = query.where(Post.created_at > found.last_read_at)
    return db.session.scalar(query.order_by(Post.created_at, Post.id).limit(1))


def unread_on_lists(member: Member | None, threads) -> dict[int, dict]:
    """{thread id: {"visited": bool, "new": number of published posts by others after the read position}} for a
    page of threads, in two queries whatever their number."""
    if member is None:
        return {}
    ids = [t.id for t in threads]
    if not ids:
        return {}
    states = {s.thread_id: s for s in db.session.scalars(
        select(ThreadState).where(ThreadState.member_id == member.id, ThreadState.thread_id.in_(ids)))}
    joined = and_(ThreadState.thread_id == Post.thread_id, ThreadState.member_id == member.id)
    counts = dict(db.session.execute(
        select(Post.thread_id, func.count(Post.id)).select_from(Post).outerjoin(ThreadState, joined)
        .where(Post.thread_id.in_(ids), Post.status == PUBLISHED, Post.deleted_at.is_(None),
               Post.author_id != member.id,
               or_(ThreadState.last_read_at.is_(None), Post.created_at > ThreadState.last_read_at))
        .group_by(Post.thread_id)).all())
    out = {}
    for thread_id in ids:
        found = states.get(thread_id)
        visited = found is not None and found.last_read_at is not None
        out[thread_id] = {"visited": visited, "new": int(counts.get(thread_id, 0)),
                          "following": bool(found and found.following)}
    return out
