"""Every Socket.IO emit in the app lives here, with the names of its rooms and events.

Services call these functions; they never call `socketio.emit` themselves. Moderation does not import this module:
it sends signals (moderation/signals.py) that `subscribe()` connects here, once, in `create_app`. Events that announce a database change
are sent only after the transaction commits (a moderator must never be told about an item they cannot load yet),
and dropped if it rolls back.

Rooms:
  staff            moderators and admins: live queue changes, new member messages to staff
  member:<id>      one member's own connections: private notices (held messages, crisis resources, staff messages,
                   notifications)
  room:<slug>      a chat room
"""
from __future__ import annotations

import logging

from flask import current_app, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from community.extensions import db, socketio
from community.live_connections import CHAT_DELIVERY, END_SESSIONS, FILTERS_CHANGED, STAFF_ROOM
from community.chat.models import message_to_dict
from community.members.models import Member
from moderation import signals
from moderation.queue import messages
from moderation.queue.api import item_to_dict
from moderation.queue.cards import render_card
from moderation.queue.services import counts
from moderation.queue.workspace import is_intent

log = logging.getLogger(__name__)

# Event names (the contract; README has the table).
QUEUE_ITEM = "queue_item"
STAFF_MESSAGE = "staff_message"
MEMBER_MESSAGE = "member_message"


def member_room(member_id: int) -> str:
    return f"member:{member_id}"


def chat_room(slug: str) -> str:
    return f"room:{slug}"


# --- deferred emits ----------------------------------------------------------------------------------------------

def _pending(session) -> list:
    return session.info.setdefault("realtime_pending", [])


def after_commit(build) -> None:
    """Queue `build()` -> [(event, payload, room)] to run just before commit (so it may still read the database)
    and emit the result after the commit succeeds."""
    _pending(db.session()).append(build)


@event.listens_for(Session, "before_commit")
def _prepare(session):
    if session.in_nested_transaction():  # releasing a savepoint is not the commit: wait for the real one
        return
    if session.new or session.dirty or session.deleted:
        session.flush()  # (commit would flush next) rows have their ids, and flush-time events queue theirs now
    # A build may queue more (its reads flush, and a flush may add rows that announce themselves): until none left.
    while session.info.get("realtime_pending"):
        builds = session.info.pop("realtime_pending")
        ready = session.info.setdefault("realtime_ready", [])
        for build in builds:
            try:
                ready.extend(build() or [])
            except Exception:  # noqa: BLE001 - a notice must never break the write it announces
                log.exception("could not prepare a live event")


@event.listens_for(Session, "after_commit")
def _send(session):
    if session.in_nested_transaction():
        return
    for name, payload, room, *skip in session.info.pop("realtime_ready", []):
        if name is _DISCONNECT:
            _disconnect_room(room)
            continue
        try:
            # An optional 4th item lists connections to leave out (live chat per member: blocks, muted words).
            socketio.emit(name, payload, to=room, skip_sid=skip[0] if skip and skip[0] else None)
        except Exception:  # noqa: BLE001 - e.g. Redis down: the write stands, the live update is lost
            log.exception("could not emit %s", name)


@event.listens_for(Session, "after_rollback")
def _discard(session):
    session.info.pop("realtime_pending", None)
    session.info.pop("realtime_ready", None)


# --- sessions ----------------------------------------------------------------------------------------------------

_DISCONNECT = object()  # marker in the deferred list: disconnect a room's connections instead of emitting


def end_live_sessions(member_id: int) -> None:
    """After commit: disconnect every live connection of this member (role changed, signed out everywhere, account
    deleted), so a demoted moderator stops receiving the staff room's queue broadcasts at once and any client must
    reconnect with its current rights. With a message queue the request reaches every server process, and each one
    disconnects the member's connections it holds (community/live_connections.py); a connection that still slips
    through gets no staff broadcast (checked at send time) and is refused at its next event (community/chat/events.py
    compares the session epoch recorded at connect)."""
    after_commit(lambda: [(_DISCONNECT, None, member_room(member_id))])


def _disconnect_room(room: str) -> None:
    try:
        if socketio.server is None:
            return
        socketio.emit(END_SESSIONS, None, to=room)  # handled by the client manager on every process, never sent
    except Exception:  # noqa: BLE001 - the change stands; the next event on the connection is refused anyway
        log.exception("could not end live connections in %s", room)


# --- moderation --------------------------------------------------------------------------------------------------

def subscribe() -> None:
    """Connect moderation's signals to the live events below (idempotent: blinker keeps one connection each)."""
    signals.queue_item_changed.connect(queue_changed)
    signals.staff_message_sent.connect(staff_message)
    signals.member_message_received.connect(member_message)


def queue_changed(item) -> None:
    """`queue_item` {"item", "counts", "card", "intent"}: the item as the API shows it, the open counts, the item's
    queue card rendered once (moderation/queue/cards.py: the queue page inserts or updates it in place, in its
    filter's order) and whether it is an open urgent crisis (intent) item that must not sit unseen."""
    def payload():
        return [(QUEUE_ITEM, {"item": item_to_dict(item), "counts": counts(), "card": render_card(item),
                              "intent": is_intent(item)}, STAFF_ROOM)]

    def build():
        if not _may_be_heard(STAFF_ROOM):
            return []  # nobody on the staff room (one process holds every connection): nothing to prepare
        if not has_request_context():
            # CLI / periodic jobs (e.g. `moderation retry`): item_to_dict builds URLs, which needs a request.
            with current_app.test_request_context():
                return payload()
        return payload()
    after_commit(build)


def staff_message(member_id: int) -> None:
    after_commit(lambda: [(STAFF_MESSAGE, {"member_id": member_id}, member_room(member_id))])


def member_message(message) -> None:
    """A member wrote to the moderators: the staff room hears the message, its conversation (with the open item's
    priority) and the inbox's unread total, for the inbox page and the badge on every staff page."""
    def build():
        member = db.session.get(Member, message.member_id)
        payload = {"message": messages.message_to_dict(message),
                   "conversation": messages.conversation_summary(member),
                   "unread": messages.staff_unread_total()}
        return [(MEMBER_MESSAGE, payload, STAFF_ROOM)]
    after_commit(build)


# --- notifications ----------------------------------------------------------------------------------------------
# Server -> client, to the member's own room (README "Notifications" has the payloads).
NOTIFICATION = "notification"
NOTIFICATIONS_READ = "notifications_read"


def _rooms_listening(rooms) -> set[str] | None:
    """Of these rooms, those with a live connection now, when this process can tell: one process and no message
    queue, so every connection is here. None when it cannot (processes sharing a message queue: a member may be
    connected to another one)."""
    manager = getattr(socketio.server, "manager", None)
    return set(manager.listening(rooms)) if hasattr(manager, "listening") else None


def listening(member_ids) -> set[int] | None:
    """Of these members, those with a live connection now, when this process can tell (_rooms_listening)."""
    rooms = {member_room(m): m for m in member_ids}
    heard = _rooms_listening(rooms)
    return None if heard is None else {rooms[room] for room in heard}


def _may_be_heard(room: str) -> bool:
    """False only when this process can tell nobody is connected to the room (_rooms_listening)."""
    heard = _rooms_listening({room})
    return heard is None or bool(heard)


def notifications(build) -> None:
    """After commit: `build()` -> [(member id, payload {"notification", "unread"})], one event to each member's room
    in that order (nothing for a member in their quiet hours, or for content that stopped being public before the
    commit: the build leaves those out)."""
    def deferred():
        return [(NOTIFICATION, payload, member_room(member_id)) for member_id, payload in build()]
    after_commit(deferred)


def notifications_read(member_id: int, build) -> None:
    """After commit: the member read notifications (on any device): {"unread": n} keeps every open badge right."""
    after_commit(lambda: [(NOTIFICATIONS_READ, build(), member_room(member_id))])


# --- chat --------------------------------------------------------------------------------------------------------
# Server -> client chat events (README "Chat" has the table with payloads and errors).
CHAT_MESSAGE = "message"
CHAT_HELD = "held"
CRISIS_RESOURCES = "crisis_resources"
CHAT_REMOVED = "removed"
PRESENCE = "presence"
CHAT_MUTED = "muted"
CHAT_JOINED = "joined"
ERROR = "error"


def chat_published(message) -> None:
    """A message everyone in its room may now see (just sent, or approved by a moderator). Serialised once here;
    each process holding connections in the room filters it per connection from their cached filters
    (community/live_connections.py): members who blocked the author get nothing, members who muted a word in it get
    it marked "filtered"."""
    def build():
        delivery = {"event": CHAT_MESSAGE, "payload": message_to_dict(message), "author_id": message.author_id,
                    "texts": [message.body]}
        return [(CHAT_DELIVERY, delivery, chat_room(message.room.slug))]
    after_commit(build)


def chat_filters_changed(member_id: int) -> None:
    """After commit: the member changed their blocks or muted words. Every process drops its cached filter for the
    member's connections (the next message builds it again), so the change holds without reconnecting."""
    after_commit(lambda: [(FILTERS_CHANGED, {"member_id": member_id}, member_room(member_id))])


def chat_held(message) -> None:
    """Only the author's own connections learn that their message is held (with its text, to show it greyed)."""
    def build():
        data = message_to_dict(message)
        data["reason"] = message.hold_reason
        return [(CHAT_HELD, data, member_room(message.author_id))]
    after_commit(build)


def crisis_resources(member_id: int, support: dict) -> None:
    """Help for the author alone, at once: resources for their region and the emergency number."""
    payload = {"resources": support.get("resources") or [], "emergency": support.get("emergency"),
               "message": support.get("support_message"), "help_url": support.get("help_url", "/help"),
               "safety_plan": support.get("safety_plan"), "about": support.get("about", "self"),
               # The crisis panel rendered by the one macro every page uses (community/crisis_panel.py): chat.js
               # shows this, so the chat panel cannot drift from the forum's.
               "html": support.get("html", "")}
    after_commit(lambda: [(CRISIS_RESOURCES, payload, member_room(member_id))])


def chat_removed(message) -> None:
    slug = message.room.slug
    after_commit(lambda: [(CHAT_REMOVED, {"id": message.id, "room": slug}, chat_room(slug)),
                          (CHAT_REMOVED, {"id": message.id, "room": slug}, member_room(message.author_id))])


def chat_muted(member_id: int, slug: str, until_iso: str) -> None:
    after_commit(lambda: [(CHAT_MUTED, {"room": slug, "until": until_iso}, member_room(member_id))])


def chat_room_archived(slug: str) -> None:
    """An admin archived the room: everyone in it is told (an `error` with code `room_archived`), sends are refused."""
    payload = {"code": "room_archived", "room": slug,
               "message": "This room has been archived: you can read it but no longer talk in it."}
    after_commit(lambda: [(ERROR, payload, chat_room(slug))])


def presence(slug: str, handles: list[str]) -> None:
    """Who is in a room now (not a database change: sent at once)."""
    try:
        socketio.emit(PRESENCE, {"room": slug, "members": handles}, to=chat_room(slug))
    except Exception:  # noqa: BLE001
        log.exception("could not emit presence")


def reply(name: str, payload: dict) -> None:
    """To the connection whose event is being handled only (errors, join confirmations)."""
    from flask_socketio import emit
    emit(name, payload)


def reply_error(code: str, message: str, **extra) -> None:
    reply(ERROR, {"code": code, "message": message, **extra})
