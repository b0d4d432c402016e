"""Notifications: who is told what, when it shows, and when it is pushed live.

- Replies: a published reply notifies everyone following its thread (community/forum/follows.py) but its author.
- Mentions: "@handle" of an existing member in a published post notifies them (a follower mentioned gets the
  mention, not also the reply). Members who blocked each other, either way, are never told of each other.
- Reactions: batched per post and kind while unread ("3 people sent a hug").
- Moderation: every Notice (moderators' decisions, moderation/notices.py) and every message a moderator writes
  joins the list; they cannot be switched off.
Only published content notifies: a held post notifies nobody until it is published (community/forum calls
`post_published` then, once per post), and a notification whose post is later held, removed or deleted stops
showing (checked when listed, so nothing stale leaks). Live: the `notification` event to the member's own room,
after commit, unless the member is in their quiet hours (then it is only listed).
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import has_request_context, url_for
from sqlalchemy import and_, bindparam, event, exists, func, insert, or_, select
from sqlalchemy.orm import Session, joinedload

from community import page_cache, realtime
from community.errors import ServiceError
from community.extensions import db, iso, is_row_id, utcnow
from community.forum import follows, reaction_kinds
from community.forum.models import PUBLISHED, Post, Thread
from community.members.blocks import Block
from community.members.models import ADMIN, MODERATOR, Member
from community.notifications.models import (KINDS, MENTION, MODERATION, OPTIONAL_KINDS, REACTION, REPLY,
                                            Notification, NotificationSettings)
from community.rendering import mentioned_handles
from moderation.models import Notice

LIST_MAX = 100
IDS_MAX = 500
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_OFFSET = re.compile(r"^(?:UTC)?([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


# --- settings ----------------------------------------------------------------------------------------------------

def settings_of(member: Member) -> NotificationSettings:
    found = db.session.get(NotificationSettings, member.id)
    return found if found is not None else NotificationSettings(member_id=member.id, disabled=[])


def settings_to_dict(found: NotificationSettings) -> dict:
    disabled = set(found.disabled or [])
    quiet = ({"start": found.quiet_start, "end": found.quiet_end} if found.quiet_start and found.quiet_end
             else None)
    return {"kinds": {k: k not in disabled for k in KINDS}, "quiet_hours": quiet,
            "time_zone": found.time_zone or "UTC", "switchable": list(OPTIONAL_KINDS)}


def parse_zone(value):
    """A tzinfo from an IANA name ("Europe/London") or a UTC offset ("+05:30", "UTC-4"); ServiceError otherwise."""
    if not isinstance(value, str) or not value.strip() or len(value) > 64 or "\x00" in value:
        raise ServiceError("invalid_time_zone", "Give a time zone such as Europe/London, or a UTC offset such as "
                                                "+05:30.", field="time_zone")
    value = value.strip()
    if value.upper() in ("UTC", "Z", "GMT"):
        return timezone.utc
    offset = _OFFSET.match(value)
    if offset:
        sign, hours, minutes = offset.group(1), int(offset.group(2)), int(offset.group(3) or 0)
        if hours > 14 or minutes > 59:
            raise ServiceError("invalid_time_zone", "A UTC offset is between -14:00 and +14:00.", field="time_zone")
        delta = timedelta(hours=hours, minutes=minutes)
        return timezone(delta if sign == "+" else -delta)
    if value in available_timezones():
        try:
            return ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    raise ServiceError("invalid_time_zone", f"'{value}' is not a time zone we know. Use a name such as "
                                            "Europe/London, or a UTC offset such as +05:30.", field="time_zone")


def _hhmm(value, field: str) -> str:
    if not isinstance(value, str) or not _HHMM.match(value.strip()):
        raise ServiceError("invalid_time", "Times are written HH:MM, from 00:00 to 23:59.", field=field)
    return value.strip()


def update_settings(member: Member, data) -> NotificationSettings:
    """data: {"kinds"?: {kind: bool}, "quiet_hours"?: {"start", "end"} | null, "time_zone"?: str}. Validates all
    before changing anything; commits."""
    if not isinstance(data, dict):
        raise ServiceError("invalid_body", "Send a JSON object.")
    unknown = set(data) - {"kinds", "quiet_hours", "time_zone"}
    if unknown:
        raise ServiceError("unknown_field", f"Unknown setting(s): {', '.join(sorted(unknown))}.",
                           field=sorted(unknown)[0])
    found = db.session.get(NotificationSettings, member.id)
    disabled = set(found.disabled or []) if found else set()
    start, end = (found.quiet_start, found.quiet_end) if found else (None, None)
    zone = found.time_zone if found else None
    if "kinds" in data:
        kinds = data["kinds"]
        if not isinstance(kinds, dict) or not all(isinstance(v, bool) for v in kinds.values()):
            raise ServiceError("invalid_field", "'kinds' maps a kind to true or false.", field="kinds")
        for kind, on in kinds.items():
            if kind == MODERATION and not on:
                raise ServiceError("cannot_disable", "Moderators' messages and decisions always reach you.",
                                   field="kinds")
            if kind not in KINDS:
                raise ServiceError("invalid_field", f"Unknown kind '{kind}'. Kinds: {', '.join(KINDS)}.",
                                   field="kinds")
            (disabled.discard if on else disabled.add)(kind)
    if "quiet_hours" in data:
        quiet = data["quiet_hours"]
        if quiet is None:
            start = end = None
        elif isinstance(quiet, dict) and set(quiet) == {"start", "end"}:
            start, end = _hhmm(quiet["start"], "quiet_start"), _hhmm(quiet["end"], "quiet_end")
            if start == end:
                raise ServiceError("invalid_time", "Quiet hours need a different start and end.", field="quiet_end")
        else:
            raise ServiceError("invalid_field", "'quiet_hours' is {\"start\": \"22:00\", \"end\": \"07:00\"} or "
                                                "null.", field="quiet_hours")
    if "time_zone" in data:
        zone = data["time_zone"]
        parse_zone(zone)
        zone = zone.strip()
    if found is None:
        found = NotificationSettings(member_id=member.id)
        db.session.add(found)
    found.disabled, found.quiet_start, found.quiet_end = sorted(disabled), start, end
    found.time_zone, found.updated_at = zone, utcnow()
    db.session.commit()
    return found


def in_quiet_hours(found: NotificationSettings, now: datetime | None = None) -> bool:
    """Whether `now` (UTC, naive as stored) falls in the member's quiet hours, in their time zone."""
    if not found.quiet_start or not found.quiet_end:
        return False
    try:
        zone = parse_zone(found.time_zone or "UTC")
    except ServiceError:
        zone = timezone.utc
    local = (now or utcnow()).replace(tzinfo=timezone.utc).astimezone(zone)
    minute = local.hour * 60 + local.minute
    start = int(found.quiet_start[:2]) * 60 + int(found.quiet_start[3:])
    end = int(found.quiet_end[:2]) * 60 + int(found.quiet_end[3:])
    return start <= minute < end if start < end else (minute >= start or minute < end)


def _wants(member_id: int, kind: str, settings: dict | None = None) -> bool:
    """`settings`: {member id: their row or None} when the caller read many at once (post_published)."""
    found = settings.get(member_id) if settings is not None else db.session.get(NotificationSettings, member_id)
    return found is None or kind not in (found.disabled or [])


def _settings_of_many(member_ids) -> dict[int, NotificationSettings | None]:
    """{member id: their settings row, or None for a member who never changed them}, in one query (a get per
    member is a query each for every member without a row: most members)."""
    ids = set(member_ids)
    found = {s.member_id: s for s in db.session.scalars(_SETTINGS_OF, {"ids": sorted(ids)})} if ids else {}
    return {member_id: found.get(member_id) for member_id in ids}


_SETTINGS_OF = select(NotificationSettings).where(NotificationSettings.member_id.in_(bindparam("ids", expanding=True)))


# --- who may tell whom -------------------------------------------------------------------------------------------

# Built once, as every statement of a reply's fan-out below: building them cost about as much as running them.
_ALREADY_TOLD = select(Notification.member_id).where(Notification.post_id == bindparam("post_id"),
                                                     Notification.kind.in_((REPLY, MENTION)))
_following = Member.id.in_(follows.FOLLOWER_IDS)
_mentioned = and_(Member.handle_key.in_(bindparam("handle_keys", expanding=True)), Member.deleted_at.is_(None),
                  Member.id != bindparam("author_id"))
_blocked_either_way = exists().where(or_(
    and_(Block.blocker_id == bindparam("author_id"), Block.blocked_id == Member.id),
    and_(Block.blocked_id == bindparam("author_id"), Block.blocker_id == Member.id)))
# Everyone a published post may tell, in one query: the thread's followers and the members it mentions, each with
# whether they follow, are mentioned, blocked the author or were blocked by them, and their settings row (None for
# a member who never changed them).
_READERS = (select(Member.id, Member.deleted_at, Member.role, _following.label("following"),
                   _mentioned.label("mentioned"), _blocked_either_way.label("blocked"), NotificationSettings)
            .outerjoin(NotificationSettings, NotificationSettings.member_id == Member.id)
            .where(or_(_following, _mentioned)).order_by(Member.id))


def _can_see_thread(member: Member, thread: Thread) -> bool:
    return thread.status == PUBLISHED or member.is_staff or member.id == thread.author_id


def _reader_can_see_thread(member_id: int, role: str, thread: Thread) -> bool:
    """_can_see_thread for a reader read as (id, role) rather than as a whole member row."""
    return thread.status == PUBLISHED or role in (MODERATOR, ADMIN) or member_id == thread.author_id


# --- creating ----------------------------------------------------------------------------------------------------

def post_published(post: Post) -> None:
    """A post just became public (written clean, or approved): tell followers and the members it mentions. Once per
    post: publishing again after a hold tells nobody twice. Caller commits."""
    if post.status != PUBLISHED or post.deleted_at is not None:
        return
    announced = db.session().info.setdefault(_ANNOUNCED, set())
    if post.id is not None and post.id in announced:
        # Already told in this transaction (a new post is announced when its verdict is stored, and its writer
        # asks again after): the second pass would find every reader notified already.
        return
    thread = post.thread
    # A post written in this transaction has no notifications but the ones made here (announced just above).
    fresh = post.id is not None and post.id in db.session().info.get(_FRESH_POSTS, ())
    already = set() if fresh else set(db.session.scalars(_ALREADY_TOLD, {"post_id": post.id}))
    keys = mentioned_handles(post.body)[:50]
    # An opening post tells the members it mentions only (its thread has no followers but its author yet).
    readers = db.session.execute(_READERS, {"thread_id": None if post.is_opening else thread.id,
                                            "handle_keys": keys, "author_id": post.author_id}) \
        if keys or not post.is_opening else ()
    told = []
    for row in readers:
        mentioned, following = bool(row.mentioned), bool(row.following) and row.id != post.author_id
        if (not (mentioned or following) or row.blocked or row.id in already or row.deleted_at is not None
                or not _reader_can_see_thread(row.id, row.role, thread)):
            continue
        # A mention where mentions are wanted; else a reply for a follower who wants replies.
        settings = {row.id: row.NotificationSettings}
        if mentioned and _wants(row.id, MENTION, settings):
            kind = MENTION
        elif following and _wants(row.id, REPLY, settings):
            kind = REPLY
        else:
            continue
        told.append((row.id, kind))
    _add_for_post(post, told)
    if post.id is not None:
        announced.add(post.id)


def _add_for_post(post: Post, told: list[tuple[int, str]]) -> None:
    """The notifications of a published post, [(member id, kind)]. A member this process knows has no live
    connection (one process, no message queue: realtime.listening) is pushed nothing, so their rows need no ids and
    no ORM objects: they go out in one INSERT of many rows, straight away (the post has its id, so its row is
    written), and their members' pages are marked as changed for the commit as a flushed row would mark them. The
    rest (connected members, or every member when this process cannot tell) are ORM rows whose ids the pushes
    carry."""
    if not told:
        return
    listening = realtime.listening({member_id for member_id, _kind in told}) if post.id is not None else None
    unheard = [] if listening is None else [(m, k) for m, k in told if m not in listening]
    for member_id, kind in told:
        if listening is None or member_id in listening:
            _add(Notification(member_id=member_id, kind=kind, actor_id=post.author_id, post_id=post.id))
    if unheard:
        now = utcnow()
        # On the session's connection, not session.execute: a bulk statement there counts as one no row event can
        # attribute, and would render every reader's pages afresh (community/page_cache.py); these rows' members
        # are known.
        db.session.connection().execute(_INSERT_NOTIFICATIONS, [
            {"member_id": member_id, "kind": kind, "actor_id": post.author_id, "post_id": post.id, "count": 1,
             "created_at": now, "updated_at": now} for member_id, kind in unheard])
        page_cache.members_written(db.session(), [*(m for m, _k in unheard), post.author_id])


_INSERT_NOTIFICATIONS = insert(Notification.__table__)


def reaction_added(post: Post, reactor: Member, kind: str) -> None:
    """Batch into the author's unread notification for this post and kind, or start one. Caller commits."""
    if post.author_id == reactor.id or not _wants(post.author_id, REACTION):
        return
    found = db.session.scalar(select(Notification).where(
        Notification.member_id == post.author_id, Notification.kind == REACTION, Notification.post_id == post.id,
        Notification.reaction == kind, Notification.read_at.is_(None)))
    if found is not None:
        found.count, found.actor_id, found.updated_at = found.count + 1, reactor.id, utcnow()
        _push(found)
        return
    _add(Notification(member_id=post.author_id, kind=REACTION, actor_id=reactor.id, post_id=post.id,
                      reaction=kind, count=1))


def reaction_removed(post: Post, reactor: Member, kind: str) -> None:
    found = db.session.scalar(select(Notification).where(
        Notification.member_id == post.author_id, Notification.kind == REACTION, Notification.post_id == post.id,
        Notification.reaction == kind, Notification.read_at.is_(None)))
    if found is None:
        return
    if found.count <= 1:
        db.session.delete(found)
    else:
        found.count -= 1


def staff_message_sent(member_id: int) -> None:
    """A moderator wrote to the member (moderation's signal, sent inside the transaction)."""
    _add(Notification(member_id=member_id, kind=MODERATION))


def _add(notification: Notification) -> None:
    now = utcnow()
    notification.created_at = notification.updated_at = now
    db.session.add(notification)
    _push(notification)


def _push(notification: Notification) -> None:
    """After commit: the `notification` event to the member's own room. Every push of one transaction is prepared
    together (a reply notifies each follower of its thread), so the checks cost three queries, not three each."""
    session = db.session()
    batch = session.info.get(_PUSHES)
    if batch is None:
        batch = session.info[_PUSHES] = []

        def build():
            if session.info.get(_PUSHES) is batch:
                del session.info[_PUSHES]  # pushes queued from here on (a build's flush) start a batch of their own
            return _payloads(batch)
        realtime.notifications(build)
    batch.append(notification)


def _payloads(batch: list[Notification]) -> list[tuple[int, dict]]:
    """For each pushed notification, in order: nothing while its member is in their quiet hours (listed, not
    pushed) or once its content stopped being public; else (member id, {"notification", "unread"})."""
    listening = realtime.listening({n.member_id for n in batch})
    if listening is not None:
        # One process holds every connection: members with none would be sent nothing, so nothing is prepared
        # for them (their notifications are listed all the same).
        batch = [n for n in batch if n.member_id in listening]
    if not batch:
        return []
    member_ids = {n.member_id for n in batch}
    settings = _settings_of_many(member_ids)  # (flushes: the notifications have their ids now)
    now = utcnow()
    quiet = {m for m, found in settings.items() if found is not None and in_quiet_hours(found, now)}
    ids = {n.id for n in batch if n.id is not None and n.member_id not in quiet}
    if not ids:
        return []
    visible = set(db.session.scalars(_VISIBLE_OF, {"ids": sorted(ids)}))
    counted = {n.member_id for n in batch if n.id in visible}
    unread = dict(db.session.execute(_UNREAD_COUNTS, {"member_ids": sorted(counted)}).all()) if counted else {}
    return [(n.member_id, {"notification": to_dict(n), "unread": int(unread.get(n.member_id, 0))})
            for n in batch if n.id in visible]


# session.info keys: the posts announced in this transaction, the notifications it will push, and the posts it
# wrote.
_ANNOUNCED = "haven.notifications.announced"
_PUSHES = "haven.notifications.pushes"
_FRESH_POSTS = "haven.notifications.fresh_posts"


@event.listens_for(Session, "after_flush")
def _note_fresh_posts(session, flush_context):
    fresh = [obj.id for obj in session.new if isinstance(obj, Post) and obj.id is not None]
    if fresh:
        session.info.setdefault(_FRESH_POSTS, set()).update(fresh)


@event.listens_for(Session, "after_transaction_end")
def _forget_transaction(session, transaction):
    if transaction.parent is None:  # the outermost transaction ended (committed, rolled back or closed)
        session.info.pop(_ANNOUNCED, None)
        session.info.pop(_PUSHES, None)
        session.info.pop(_FRESH_POSTS, None)


@event.listens_for(Session, "before_flush")
def _notices_join_the_list(session, flush_context, instances):
    """Every new Notice (moderation/notices.py) becomes a moderation notification in the same transaction."""
    for obj in list(session.new):
        if isinstance(obj, Notice) and obj.member_id is not None and not getattr(obj, "_haven_listed", False):
            obj._haven_listed = True
            made = Notification(member_id=obj.member_id, kind=MODERATION, notice=obj)
            made.created_at = made.updated_at = utcnow()
            session.add(made)
            _push(made)


# --- reading -----------------------------------------------------------------------------------------------------

def _visible_to(member_id):
    """What of the notifications of `member_id` (a value, a bound parameter, or the notification's own
    member_id column for many members at once) may show: the post is public, in a thread the member can still open
    (a thread whose opening post is held later shows only to its author and staff), and its actor and the member
    have not blocked each other."""
    post_public = exists(select(Post.id).join(Thread, Thread.id == Post.thread_id).where(
        Post.id == Notification.post_id, Post.status == PUBLISHED, Post.deleted_at.is_(None),
        or_(Thread.status == PUBLISHED, Thread.author_id == member_id)))
    if member_id is Notification.member_id:
        # Many members at once: a block either way between this row's member and actor, one index look-up each
        # (a NOT IN list per row would be built again for every row).
        not_blocked = and_(
            ~exists(select(Block.id).where(Block.blocker_id == member_id, Block.blocked_id == Notification.actor_id)),
            ~exists(select(Block.id).where(Block.blocker_id == Notification.actor_id, Block.blocked_id == member_id)))
    else:
        # One member: their blocks, read once for the whole statement.
        blocked = select(Block.blocked_id).where(Block.blocker_id == member_id)
        blocking = select(Block.blocker_id).where(Block.blocked_id == member_id)
        not_blocked = and_(Notification.actor_id.notin_(blocked), Notification.actor_id.notin_(blocking))
    actor_ok = or_(Notification.kind == MODERATION, Notification.actor_id.is_(None), not_blocked)
    return and_(or_(Notification.post_id.is_(None), post_public), actor_ok)


def _visible_clause(member_id: int):
    return and_(Notification.member_id == member_id, _visible_to(member_id))


# Built once (building the clause cost more than running it): the unread count of one member, and for the live
# pushes of a commit, which of their notifications show to their own members and those members' unread counts.
_UNREAD_COUNT = select(func.count(Notification.id)).where(_visible_clause(bindparam("member_id")),
                                                         Notification.read_at.is_(None))
_VISIBLE_TO_OWNER = _visible_to(Notification.member_id)
_VISIBLE_OF = select(Notification.id).where(Notification.id.in_(bindparam("ids", expanding=True)), _VISIBLE_TO_OWNER)
_UNREAD_COUNTS = (select(Notification.member_id, func.count(Notification.id))
                  .where(Notification.member_id.in_(bindparam("member_ids", expanding=True)),
                         Notification.read_at.is_(None), _VISIBLE_TO_OWNER)
                  .group_by(Notification.member_id))


def notifications_of(member: Member, *, unread_only: bool = False, limit: int = LIST_MAX) -> list[Notification]:
    query = (select(Notification).where(_visible_clause(member.id))
             .options(joinedload(Notification.actor), joinedload(Notification.post).joinedload(Post.thread),
                      joinedload(Notification.notice)))
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(db.session.scalars(query.order_by(Notification.updated_at.desc(), Notification.id.desc())
                                   .limit(limit)))


def unread_count(member: Member | None) -> int:
    if member is None:
        return 0
    return db.session.scalar(_UNREAD_COUNT, {"member_id": member.id}) or 0


def parse_ids(value) -> list[int] | None:
    """The "ids" of a mark-read request: absent (None: all) or a list of notification ids (400 otherwise)."""
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        raise ServiceError("invalid_ids", "'ids' is a non-empty list of notification ids (leave it out to mark "
                                          "everything read).", field="ids")
    if len(value) > IDS_MAX:
        raise ServiceError("invalid_ids", f"At most {IDS_MAX} ids at a time.", field="ids")
    bad = [v for v in value if isinstance(v, bool) or not isinstance(v, int) or not is_row_id(v)]
    if bad:
        raise ServiceError("invalid_ids", f"These are not notification ids: {', '.join(map(repr, bad[:10]))}.",
                           field="ids")
    return list(dict.fromkeys(value))


def mark_read(member: Member, ids: list[int] | None = None) -> int:
    """Mark these (or all) of the member's notifications read; ids that are not theirs are a 400. Commits."""
    query = select(Notification).where(Notification.member_id == member.id, Notification.read_at.is_(None))
    if ids is not None:
        mine = set(db.session.scalars(select(Notification.id).where(Notification.member_id == member.id,
                                                                     Notification.id.in_(ids))))
        missing = [i for i in ids if i not in mine]
        if missing:
            raise ServiceError("invalid_ids", f"No notification of yours has the id(s): "
                                              f"{', '.join(map(str, missing[:10]))}.", field="ids")
        query = query.where(Notification.id.in_(ids))
    now = utcnow()
    found = list(db.session.scalars(query))
    for notification in found:
        notification.read_at = now
    realtime.notifications_read(member.id, lambda: {"unread": unread_count(member)})
    db.session.commit()
    return len(found)


def mark_moderation_read(member: Member, *, notices: bool = False, messages: bool = False) -> None:
    """The member opened /notices (decisions) or /messages (moderators' messages): the matching moderation
    notifications are read too, so one decision is never "unread" in two places. Commits when anything changed."""
    kinds = []
    if notices:
        kinds.append(Notification.notice_id.isnot(None))
    if messages:
        kinds.append(Notification.notice_id.is_(None))
    if not kinds:
        return
    found = list(db.session.scalars(select(Notification).where(
        Notification.member_id == member.id, Notification.kind == MODERATION, Notification.read_at.is_(None),
        or_(*kinds))))
    if not found:
        return
    now = utcnow()
    for notification in found:
        notification.read_at = now
    realtime.notifications_read(member.id, lambda: {"unread": unread_count(member)})
    db.session.commit()


def _post_url(post: Post) -> str:
    try:
        return url_for("forum.post_link", post_id=post.id)
    except RuntimeError:
        return f"/p/{post.id}"


def describe(notification: Notification) -> dict:
    """What a notification says and where it leads (the page and the API agree)."""
    actor = notification.actor.handle if notification.actor is not None and notification.actor.deleted_at is None \
        else "Someone"
    post = notification.post
    title = post.thread.title if post is not None else None
    if notification.kind == REPLY:
        return {"text": f"{actor} replied in “{title}”", "url": _post_url(post)}
    if notification.kind == MENTION:
        return {"text": f"{actor} mentioned you in “{title}”", "url": _post_url(post)}
    if notification.kind == REACTION:
        kinds = reaction_kinds.load()
        verb = kinds.get(notification.reaction, {}).get("verb", "reacted")
        who = actor if notification.count == 1 else f"{notification.count} people"
        return {"text": f"{who} {verb} on your post in “{title}”", "url": _post_url(post)}
    notice = notification.notice
    if notice is not None:
        return {"text": notice.title, "url": _url("members.notices_page", "/notices") + f"#notice-{notice.id}"}
    return {"text": "A moderator wrote to you", "url": _url("members.messages", "/messages")}


def _url(endpoint: str, fallback: str) -> str:
    try:
        return url_for(endpoint) if has_request_context() else fallback
    except RuntimeError:
        return fallback


def to_dict(notification: Notification) -> dict:
    said = describe(notification)
    return {"id": notification.id, "kind": notification.kind, "text": said["text"], "url": said["url"],
            "actor": notification.actor.handle if notification.actor is not None
            and notification.actor.deleted_at is None and notification.kind != MODERATION else None,
            "post_id": notification.post_id,
            "thread_id": notification.post.thread_id if notification.post is not None else None,
            "reaction": notification.reaction, "count": notification.count,
            "notice_id": notification.notice_id,
            "created_at": iso(notification.created_at), "updated_at": iso(notification.updated_at),
            "read": notification.read_at is not None, "read_at": iso(notification.read_at)}
