"""Privacy rights (README "Security and privacy"): download everything you wrote, and delete your account.

Deletion keeps what moderation audit needs (audit rows, queue items, reports and staff messages, and the text of
content that is in the moderation queue) and removes everything else from view: posts are soft-deleted and, unless
a queue item refers to them, their text and revisions are erased; chat messages likewise; the safety plan, blocks,
muted words, notices and API tokens are deleted; every session is cut; the handle becomes "deleted member".
"""
from __future__ import annotations

import secrets

from sqlalchemy import select

from community.errors import ServiceError
from community.extensions import db, iso, utcnow
from community.members import blocks, safety_plan, sessions
from community.members.models import ApiToken, Member
from community import realtime
from community.members.services import _hasher, _verify, release_handle
from moderation.models import Appeal, ModeratorPreference, Notice, QueueItem, StaffMessage
from moderation import audit
from community.members.safety_plan import SafetyPlan
from community.forum.models import Post, PostRevision, Reaction, Report, Thread, ThreadState
from community.notifications.models import Notification, NotificationSettings
from community.forum import services as forum
from community.chat.services import store_html
from community.chat.models import ChatMessage, REMOVED

DELETED_HANDLE = "deleted member"


def export(member: Member) -> dict:
    """Everything this member wrote or set, as plain JSON-able data (their own copy: nothing is withheld from it)."""

    posts = []
    for post in db.session.scalars(select(Post).where(Post.author_id == member.id).order_by(Post.id)):
        revisions = db.session.scalars(select(PostRevision).where(PostRevision.post_id == post.id)
                                       .order_by(PostRevision.id))
        posts.append({"id": post.id, "thread_id": post.thread_id,
                      "thread_title": post.thread.title if post.is_opening else None, "body": post.body,
                      "content_warning": post.content_warning, "status": post.status,
                      "created_at": iso(post.created_at), "edited_at": iso(post.edited_at),
                      "deleted": post.deleted_at is not None,
                      "revisions": [{"body": r.body, "content_warning": r.content_warning} for r in revisions]})
    messages = [{"id": m.id, "room": m.room.slug if getattr(m, "room", None) else m.room_id, "body": m.body,
                 "status": m.status, "created_at": iso(m.created_at)}
                for m in db.session.scalars(select(ChatMessage).where(ChatMessage.author_id == member.id)
                                            .order_by(ChatMessage.id))]
    reports = [{"id": r.id, "post_id": r.post_id, "reason": r.reason, "note": r.note,
                "created_at": iso(r.created_at)}
               for r in db.session.scalars(select(Report).where(Report.reporter_id == member.id).order_by(Report.id))]
    staff = [{"id": s.id, "from": "you" if s.sender_id == member.id else "moderators", "body": s.body,
              "created_at": iso(s.created_at)}
             for s in db.session.scalars(select(StaffMessage).where(StaffMessage.member_id == member.id)
                                         .order_by(StaffMessage.id))]
    appeals = [{"content_type": a.content_type, "content_id": a.content_id, "text": a.text,
                "created_at": iso(a.created_at)}
               for a in db.session.scalars(select(Appeal).where(Appeal.member_id == member.id).order_by(Appeal.id))]
    notices = [{"kind": n.kind, "title": n.title, "body": n.body, "rule": n.rule,
                "moderator_note": n.moderator_note, "created_at": iso(getattr(n, "created_at", None))}
               for n in db.session.scalars(select(Notice).where(Notice.member_id == member.id).order_by(Notice.id))]
    sent = [{"post_id": r.post_id, "kind": r.kind, "created_at": iso(r.created_at)}
            for r in db.session.scalars(select(Reaction).where(Reaction.member_id == member.id).order_by(Reaction.id))]
    threads = [{"thread_id": t.thread_id, "following": t.following, "last_read_at": iso(t.last_read_at)}
               for t in db.session.scalars(select(ThreadState).where(ThreadState.member_id == member.id)
                                           .order_by(ThreadState.id))]
    chosen = db.session.get(NotificationSettings, member.id)
    return {
        "format": "haven-export/1", "exported_at": iso(utcnow()),
        "member": {"handle": member.handle, "role": member.role, "joined_at": iso(member.created_at)},
        "settings": {"region": member.region, "trust_level": member.trust_level},
        "posts": posts, "chat_messages": messages, "reports": reports, "staff_messages": staff,
        "appeals": appeals, "notices": notices,
        "blocks": [blocks.block_to_dict(b) for b in blocks.list_blocks(member)],
        "muted_words": blocks.muted_words(member),
        "safety_plan": safety_plan.export_plan(member),
        "reactions_sent": sent, "threads": threads,
        "notification_settings": None if chosen is None else {
            "disabled": chosen.disabled or [], "quiet_start": chosen.quiet_start, "quiet_end": chosen.quiet_end,
            "time_zone": chosen.time_zone},
    }


def delete_account(member: Member, password) -> None:
    """Delete `member`'s account after checking their password (ServiceError "wrong_password", 403)."""

    if member.deleted_at is not None:
        raise ServiceError("already_deleted", "This account is already deleted.", status=404)
    if not isinstance(password, str) or not _verify(member.password_hash, password):
        raise ServiceError("wrong_password", "That password isn't right. Your account was not deleted.",
                           field="password", status=403)
    now = utcnow()

    def queued(kind):
        return set(db.session.scalars(select(QueueItem.content_id).where(QueueItem.content_type == kind)))

    queued_posts, queued_messages = queued("post"), queued("message")
    threads = set()
    for post in db.session.scalars(select(Post).where(Post.author_id == member.id)):
        threads.add(post.thread_id)
        if post.deleted_at is None:
            post.deleted_at, post.deleted_by_id = now, member.id
        if post.id not in queued_posts:
            post.body, post.content_warning = "", None
            db.session.query(PostRevision).filter_by(post_id=post.id).delete()
            if post.is_opening:
                post.thread.title = "(deleted)"
    db.session.flush()
    for thread_id in threads:
        forum.recount(db.session.get(Thread, thread_id))
    for message in db.session.scalars(select(ChatMessage).where(ChatMessage.author_id == member.id)):
        message.status, message.hold_reason = REMOVED, "author_deleted"
        if message.id not in queued_messages:
            message.body = ""
            store_html(message)  # the stored rendering goes with the text
    db.session.query(SafetyPlan).filter_by(member_id=member.id).delete()
    db.session.query(blocks.Block).filter_by(blocker_id=member.id).delete()
    db.session.query(blocks.MutedWord).filter_by(member_id=member.id).delete()
    # Notifications for them first (some point at their notices), their reactions, follows and read positions.
    db.session.query(Notification).filter_by(member_id=member.id).delete()
    db.session.query(NotificationSettings).filter_by(member_id=member.id).delete()
    db.session.query(Reaction).filter_by(member_id=member.id).delete()
    db.session.query(ThreadState).filter_by(member_id=member.id).delete()
    db.session.query(Notice).filter_by(member_id=member.id).delete()
    db.session.query(ModeratorPreference).filter_by(member_id=member.id).delete()
    db.session.query(ApiToken).filter_by(member_id=member.id).delete()
    release_handle(member, member.handle)
    member.handle, member.handle_key = DELETED_HANDLE, f"deleted:{member.id}"
    member.verified_label = member.verified_at = None  # a deleted account vouches for nothing
    member.password_hash = _hasher().hash(secrets.token_urlsafe(32))  # nobody knows it: no way back in
    member.recovery_code_hash = None
    member.region = None
    member.deleted_at = now
    member.session_epoch += 1  # every session cookie stops working; sockets are refused on their next event
    sessions.end_all(member)
    audit.record(member, "member.delete", target=f"member:{member.id}", before=None, after={"deleted": True})
    realtime.end_live_sessions(member.id)  # after the commit: live sockets are disconnected at once
    db.session.commit()
