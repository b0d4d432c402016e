"""Chat rules, shared by the socket events, the pages and the API: rooms, sending (screened first), history,
removal and mutes. Live notices go through community.realtime, after the write commits."""
from __future__ import annotations

import re
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from community import realtime
from community.crisis_panel import with_panel
from community.errors import Forbidden, NotFound, ServiceError
from community.extensions import db, in_batches, iso, utcnow
from community.chat import presence
from community.chat.models import HELD, PUBLISHED, REMOVED, ChatMessage, ChatMute, ChatRoom, store_html
from community.members.blocks import blocked_subquery
from community.members.models import Member
from community.rendering import RENDERER_VERSION
from moderation import audit
from moderation.apply import apply
from moderation.queue import services as queue
from moderation.queue.content import adapter_for
from moderation.resources import support_for_verdict
from moderation.resources.services import support_for_refused_text
from moderation.screen import screen

BODY_MAX = 2000
PAGE_SIZE = 50
MUTE_MAX_MINUTES = 7 * 24 * 60
DEFAULT_RATE = "5/10 seconds"


# --- rooms -------------------------------------------------------------------------------------------------------

def rooms(include_archived: bool = True) -> list[ChatRoom]:
    query = select(ChatRoom).order_by(ChatRoom.archived, ChatRoom.position, ChatRoom.id)
    if not include_archived:
        query = query.where(ChatRoom.archived.is_(False))
    return list(db.session.scalars(query))


def room_by_slug(slug) -> ChatRoom:
    # PostgreSQL refuses NUL in text even to compare (a socket "join" with one was a crash in the handler).
    room = db.session.scalar(select(ChatRoom).where(ChatRoom.slug == slug)) \
        if isinstance(slug, str) and "\x00" not in slug else None
    if room is None:
        raise NotFound("unknown_room", "There is no chat room with that name.")
    return room


def open_room(slug) -> ChatRoom:
    room = room_by_slug(slug)
    if room.archived:
        raise ServiceError("room_archived", "This room is archived: you can read it but not talk in it.")
    return room


def room_to_dict(room: ChatRoom) -> dict:
    return {"slug": room.slug, "name": room.name, "description": room.description, "archived": room.archived}


# --- who is here, and the latest activity (the header's count and the rooms list) ---------------------------------

def here_now(open_rooms: list[ChatRoom] | None = None) -> dict[str, list[str]]:
    """{room slug: handles of the people in it now} for the open rooms (community/chat/presence.py)."""
    found = open_rooms if open_rooms is not None else rooms(include_archived=False)
    return {room.slug: presence.handles(room.slug) for room in found if not room.archived}


def people_here_now() -> int:
    """How many different people are in any open room right now."""
    return len({handle.lower() for handles in here_now().values() for handle in handles})


def latest_activity(found: list[ChatRoom]) -> dict[int, object]:
    """{room id: when its latest published message was sent}, in one query."""
    ids = [room.id for room in found]
    if not ids:
        return {}
    return dict(db.session.execute(select(ChatMessage.room_id, func.max(ChatMessage.created_at))
                                   .where(ChatMessage.room_id.in_(ids), ChatMessage.status == PUBLISHED)
                                   .group_by(ChatMessage.room_id)).all())


def relative_time(when, now=None) -> str:
    """"just now", "5 minutes ago", "3 hours ago", "2 days ago", else the date."""
    seconds = int(((now or utcnow()) - when).total_seconds())
    if seconds < 60:
        return "just now"
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = seconds // size
            if unit == "day" and count > 30:
                return when.strftime("%-d %b %Y")
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return "just now"


# --- rooms: the admin console (admins only; every change audited in the same transaction) -------------------------

SLUG_RE = re.compile(r"[a-z0-9-]{2,40}")
NAME_MAX = 80
DESCRIPTION_MAX = 300


def _require_admin(actor: Member) -> None:
    if actor is None or not actor.is_admin:
        raise Forbidden("forbidden", "Only admins can change chat rooms.")


def _clean_name(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ServiceError("invalid_name", f"A room needs a name (1 to {NAME_MAX} characters).", status=422,
                           field="name")
    value = " ".join(value.replace("\x00", "").split())  # PostgreSQL cannot store NUL in text
    if len(value) > NAME_MAX:
        raise ServiceError("invalid_name", f"A room's name can be at most {NAME_MAX} characters.", status=422,
                           field="name")
    return value


def _clean_description(value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ServiceError("invalid_description", "'description' must be text.", status=422, field="description")
    value = value.replace("\x00", "").strip()
    if len(value) > DESCRIPTION_MAX:
        raise ServiceError("invalid_description", f"A description can be at most {DESCRIPTION_MAX} characters.",
                           status=422, field="description")
    return value


def _clean_slug(value) -> str:
    if not isinstance(value, str) or not SLUG_RE.fullmatch(value.strip()):
        raise ServiceError("invalid_slug", "The short name must be 2 to 40 characters: lower-case letters, digits "
                           "and hyphens (e.g. \"late-night\").", status=422, field="slug")
    return value.strip()


def create_room(actor: Member, slug, name, description=None) -> ChatRoom:
    _require_admin(actor)
    slug, name, description = _clean_slug(slug), _clean_name(name), _clean_description(description)
    if db.session.scalar(select(ChatRoom.id).where(ChatRoom.slug == slug)) is not None:
        raise ServiceError("slug_taken", f"There is already a room called \"{slug}\".", status=409, field="slug")
    last = db.session.scalar(select(func.max(ChatRoom.position)))
    room = ChatRoom(slug=slug, name=name, description=description, archived=False,
                    position=(last or 0) + 1, created_at=utcnow())
    db.session.add(room)
    db.session.flush()
    audit.record(actor, "room.create", target=f"room:{slug}", before=None, after=room_to_dict(room))
    try:
        db.session.commit()
    except IntegrityError:  # two admins racing for the same slug
        db.session.rollback()
        raise ServiceError("slug_taken", f"There is already a room called \"{slug}\".", status=409,
                           field="slug") from None
    return room


def update_room(actor: Member, room: ChatRoom, changes: dict) -> ChatRoom:
    """Rename, describe, archive or unarchive. Archiving tells the room's live clients and refuses new messages."""
    _require_admin(actor)
    if not isinstance(changes, dict):
        raise ServiceError("invalid_payload", "Send a JSON object.", status=400)
    unknown = set(changes) - {"name", "description", "archived"}
    if unknown:
        raise ServiceError("unknown_field", f"Only name, description and archived can change "
                           f"(not {', '.join(sorted(map(str, unknown)))}).", status=422)
    updates = {}
    if "name" in changes:
        updates["name"] = _clean_name(changes["name"])
    if "description" in changes:
        updates["description"] = _clean_description(changes["description"])
    if "archived" in changes:
        if not isinstance(changes["archived"], bool):
            raise ServiceError("invalid_archived", "'archived' must be true or false.", status=422, field="archived")
        updates["archived"] = changes["archived"]
    before = room_to_dict(room)
    updates = {k: v for k, v in updates.items() if getattr(room, k) != v}
    if not updates:
        return room
    for key, value in updates.items():
        setattr(room, key, value)
    after = room_to_dict(room)
    if updates.get("archived") is True:
        action = "room.archive"
    elif updates.get("archived") is False:
        action = "room.unarchive"
    else:
        action = "room.rename" if "name" in updates else "room.update"
    audit.record(actor, action, target=f"room:{room.slug}", before={k: before[k] for k in updates},
                 after={k: after[k] for k in updates})
    if updates.get("archived") is True:
        realtime.chat_room_archived(room.slug)
    db.session.commit()
    return room


# --- messages ----------------------------------------------------------------------------------------------------

RERENDER_BATCH = 500


def rerender(*, everything: bool = False) -> dict:
    """Render the stored HTML of chat messages again with the current renderer (the rows of another version, or all
    with `everything`), committed in batches."""
    stale = or_(ChatMessage.html_version.is_(None), ChatMessage.html_version != RENDERER_VERSION)
    done = 0
    query = select(ChatMessage) if everything else select(ChatMessage).where(stale)
    for batch in in_batches(query, ChatMessage, size=RERENDER_BATCH):
        for message in batch:
            store_html(message)
        done += len(batch)
    return {"rerendered": done, "version": RENDERER_VERSION}


def _rate_limiter():
    """Moving window per member (burst-friendly: the whole allowance may be used at once). Shared through the
    Flask-Limiter storage (Redis when REDIS_URL is set), so several processes count together."""
    app = current_app._get_current_object()
    cached = app.extensions.get("chat_rate")
    if cached is None:
        from limits import parse
        from limits.storage import storage_from_string
        from limits.strategies import MovingWindowRateLimiter
        spec = app.config.get("CHAT_RATE_LIMIT") or DEFAULT_RATE
        if str(spec).strip().lower() in ("off", "none", "0"):
            cached = (None, None)
        else:
            uri = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
            cached = (MovingWindowRateLimiter(storage_from_string(uri)), parse(str(spec)))
        app.extensions["chat_rate"] = cached
    return cached


def _check_rate(member: Member) -> None:
    limiter, limit = _rate_limiter()
    if limiter is None:
        return
    if not limiter.hit(limit, "chat", str(member.id)):
        raise ServiceError("rate_limited", f"You're sending messages quickly: at most {limit.amount} every "
                           f"{limit.multiples} {limit.GRANULARITY.name}(s). Take a breath and try again in a moment.",
                           status=429)


def _room_for_sending(slug, member: Member) -> tuple[ChatRoom, ChatMute | None]:
    """open_room(slug) and active_mute(room, member) in one query: every message asks both."""
    found = db.session.execute(_ROOM_AND_MUTE, {"slug": slug, "member_id": member.id, "now": utcnow()}).first() \
        if isinstance(slug, str) and "\x00" not in slug else None
    if found is None:
        raise NotFound("unknown_room", "There is no chat room with that name.")
    room, mute = found
    if room.archived:
        raise ServiceError("room_archived", "This room is archived: you can read it but not talk in it.")
    return room, mute


# The room, and the member's latest mute in it that has not ended (none: NULL), as active_mute orders them.
_ROOM_AND_MUTE = (select(ChatRoom, ChatMute)
                  .outerjoin(ChatMute, and_(ChatMute.room_id == ChatRoom.id,
                                            ChatMute.member_id == bindparam("member_id"),
                                            ChatMute.until > bindparam("now")))
                  .where(ChatRoom.slug == bindparam("slug")).order_by(ChatMute.until.desc()).limit(1))


def active_mute(room: ChatRoom, member: Member) -> ChatMute | None:
    return db.session.scalar(select(ChatMute).where(ChatMute.room_id == room.id, ChatMute.member_id == member.id,
                                                    ChatMute.until > utcnow()).order_by(ChatMute.until.desc()))


def send(room_slug, author: Member, body) -> ChatMessage:
    """Screen, store and announce one message. The caller commits nothing: this commits."""

    if not isinstance(body, str):
        raise ServiceError("invalid_body", "'body' must be text.")
    body = body.strip()
    if not body:
        raise ServiceError("empty_body", "Write something first.")
    if len(body) > BODY_MAX:
        raise ServiceError("body_too_long", f"Messages can be at most {BODY_MAX} characters ({len(body)} sent).")
    room, mute = _room_for_sending(room_slug, author)
    if mute is not None:
        raise ServiceError("muted", f"A moderator has paused your messages in this room until "
                           f"{mute.until.strftime('%H:%M')} UTC.", status=403)
    try:
        _check_rate(author)
    except ServiceError:
        # Refused for speed, but words that read as a crisis still bring help to the author at once.
        support = support_for_refused_text([body], author)
        if support:
            realtime.crisis_resources(author.id, with_panel(support, "chat"))
            db.session.commit()  # nothing was written: the commit only sends the help (emits wait for a commit)
        raise

    verdict = screen(body, author=author, context="chat_message")
    body = verdict.apply_censor(body)  # censor watched words: stored (and so sent live) censored
    message = ChatMessage(room=room, author=author, body=body, status=HELD, created_at=utcnow())
    store_html(message)  # rendered once: the live event and every history page read it
    db.session.add(message)
    # Status, hold, queue item; a published message goes to its room. A message that raises no item is written
    # once, with its verdict, at the commit below (one INSERT, not an INSERT and an UPDATE).
    apply(verdict, "message", message)
    if verdict.pact:
        db.session.flush()  # the partners' items name this message
        _pact_partners(room, author, body, verdict, message)
    if message.status == HELD:
        realtime.chat_held(message)
    # A crisis (held) or worry for someone else (published): help for the author alone, at once.
    support = support_for_verdict(verdict, author)
    if support.get("resources") is not None:
        realtime.crisis_resources(author.id, with_panel(support, "chat"))
    status = message.status
    db.session.commit()
    # The caller (the socket event) reads the outcome: put the committed status back, so that reading it is not a
    # reload of the whole row in a new transaction for every message.
    set_committed_value(message, "status", status)
    return message


_MENTION = re.compile(r"@([A-Za-z0-9_-]{2,40})")


def _pact_partners(room: ChatRoom, author: Member, body: str, verdict, message: ChatMessage) -> None:
    """A suicide pact proposed to members named with @handle: each is at risk too, so their latest message in the
    room gets an urgent self-harm item (the author's own removed message has its urgent item already)."""
    handles = {h.lower() for h in _MENTION.findall(body)} - {author.handle.lower()}
    if not handles:
        return
    for member in db.session.scalars(select(Member).where(func.lower(Member.handle).in_(handles))):
        latest = db.session.scalar(select(ChatMessage).where(ChatMessage.room_id == room.id,
                                                             ChatMessage.author_id == member.id)
                                   .order_by(ChatMessage.created_at.desc(), ChatMessage.id.desc()).limit(1))
        if latest is not None:
            queue.raise_pact_partner("message", latest.id, member.id, verdict, f"message:{message.id}")


def history(room: ChatRoom, viewer: Member | None, before=None, limit: int = PAGE_SIZE) -> list[ChatMessage]:
    """Newest first page (returned oldest first): published messages, plus the viewer's own held ones; staff also
    see the room's held messages."""
    query = select(ChatMessage).where(ChatMessage.room_id == room.id)
    if viewer is not None and viewer.is_staff:
        query = query.where(ChatMessage.status.in_((PUBLISHED, HELD)))
    elif viewer is not None:
        query = query.where(or_(ChatMessage.status == PUBLISHED,
                                (ChatMessage.status == HELD) & (ChatMessage.author_id == viewer.id)))
    else:
        query = query.where(ChatMessage.status == PUBLISHED)
    if viewer is not None:
        query = query.where(ChatMessage.author_id.notin_(blocked_subquery(viewer)))  # what the viewer blocked
    if before is not None:
        query = query.where(ChatMessage.id < before)
    found = list(db.session.scalars(query.options(joinedload(ChatMessage.author))
                                    .order_by(ChatMessage.id.desc()).limit(limit)))
    found.reverse()
    return found


def parse_before(value):
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ServiceError("invalid_before", "'before' must be a message id (a whole number).") from None
    if not 1 <= number <= 2 ** 63 - 1:  # beyond a database integer: no such message
        raise ServiceError("invalid_before", "'before' must be a message id (a whole number).")
    return number


# --- moderation in the room --------------------------------------------------------------------------------------

def _require_staff(member: Member) -> None:
    if not member.is_staff:
        raise Forbidden("forbidden", "Only moderators can do that.")


def remove(message_id, moderator: Member, reason: str | None = None) -> ChatMessage:
    _require_staff(moderator)
    if isinstance(message_id, bool) or not isinstance(message_id, int):
        raise ServiceError("invalid_id", "'id' must be a message id (a whole number).")
    message = db.session.get(ChatMessage, message_id)
    if message is None:
        raise NotFound("unknown_message", "There is no such message.")
    if message.status != REMOVED:
        before = message.status
        adapter_for("message").set_status(message, REMOVED, hold_reason="moderator", note=reason)
        message.removed_by_id = moderator.id
        audit.record(moderator, "message.remove", target=f"message:{message.id}", before={"status": before},
                     after={"status": REMOVED})
        db.session.commit()
    return message


def own_message(message_id, member: Member) -> ChatMessage:
    """The member's own message (404 for anyone else's, as if it did not exist)."""
    message = db.session.get(ChatMessage, message_id) if isinstance(message_id, int) else None
    if message is None or message.author_id != member.id:
        raise NotFound("unknown_message", "There is no such message.")
    return message


def mute(room_slug, handle, minutes, moderator: Member, reason: str | None = None) -> ChatMute:
    _require_staff(moderator)
    room = room_by_slug(room_slug)
    if not isinstance(handle, str):
        raise ServiceError("invalid_handle", "'handle' must be text.")
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MUTE_MAX_MINUTES:
        raise ServiceError("invalid_minutes", f"'minutes' must be a whole number from 1 to {MUTE_MAX_MINUTES}.")
    member = db.session.scalar(select(Member).where(Member.handle_key == handle.strip().lower()))
    if member is None or member.deleted_at is not None:
        raise NotFound("unknown_member", "There is no member with that handle.")
    if member.is_staff:
        raise Forbidden("forbidden", "Moderators cannot be muted.")
    until = utcnow() + timedelta(minutes=minutes)
    entry = ChatMute(room_id=room.id, member_id=member.id, until=until, by_id=moderator.id, reason=reason)
    db.session.add(entry)
    audit.record(moderator, "chat.mute", target=f"member:{member.id}", before=None,
                 after={"room": room.slug, "until": iso(until)})
    realtime.chat_muted(member.id, room.slug, iso(until))
    db.session.commit()
    return entry
