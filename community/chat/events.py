"""Chat Socket.IO events (client -> server): join, leave, send, and for moderators remove and mute.

Every event checks the member again (a member suspended, deleted or signed out mid-conversation is cut off at their
next event) and answers any bad payload with an `error` event {"code", "message"}: a handler never raises. Emits go
through community.realtime.
"""
from __future__ import annotations

import functools
import logging

from flask import request
from flask_socketio import disconnect, join_room, leave_room

from community import realtime
from community.web import has_lone_surrogate
from community.chat import presence, services
from community.errors import ServiceError
from community.extensions import db, socketio
from community.sockets import socket_member

log = logging.getLogger(__name__)


def current_member():
    """The member behind this connection, re-read now: None when signed out, deleted or suspended, or when their
    session epoch moved since connect (role change, sign-out-everywhere, password reset)."""
    token = request.environ.get("haven.token")
    member = socket_member({"token": token} if token else None)
    if member is None or member.id != request.environ.get("haven.member_id") or member.is_suspended:
        return None
    if member.session_epoch != request.environ.get("haven.epoch"):
        return None  # role changed or signed out everywhere since connect: reconnect with current rights
    return member


CHAT_UNAVAILABLE = ("Live chat is unavailable right now. The forum still works, and your messages there are safe. "
                    "Please try chat again in a few minutes.")


def _redis_down(exc: BaseException) -> bool:
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError, TimeoutError as RedisTimeoutError
    except ImportError:  # pragma: no cover - redis is only needed when REDIS_URL is set
        return False
    return isinstance(exc, (RedisConnectionError, RedisTimeoutError))


def chat_event(name):
    """Register a handler taking (member, data: dict); turn every failure into an `error` event."""
    def decorate(handler):
        @functools.wraps(handler)
        def wrapper(data=None, *extra):
            try:
                member = current_member()
                if member is None:
                    realtime.reply_error("unauthorized", "Your session has ended or your account is paused. "
                                                         "Sign in again to keep talking.")
                    db.session.rollback()
                    _leave_all(request.sid)
                    disconnect()
                    return
                if extra or not isinstance(data, dict):
                    raise ServiceError("invalid_payload", f"'{name}' expects one JSON object.")
                if has_lone_surrogate(data):
                    raise ServiceError("invalid_payload", "The message contains an invalid character (a lone "
                                                          "\\uD800-\\uDFFF escape). Please remove it.")
                handler(member, data)
            except ServiceError as exc:
                db.session.rollback()
                realtime.reply_error(exc.code, exc.message)
            except Exception as exc:  # noqa: BLE001 - the connection must outlive any bug or bad input
                if _redis_down(exc):  # presence and fan-out live in Redis: say so plainly instead of "a bug"
                    db.session.rollback()
                    log.warning("chat event %s: Redis unavailable (%s)", name, exc)
                    realtime.reply_error("chat_unavailable", CHAT_UNAVAILABLE)
                    return
                db.session.rollback()
                log.exception("chat event %s failed", name)
                realtime.reply_error("internal_error", "Something went wrong on our side. Please try again.")
        socketio.on_event(name, wrapper)
        return wrapper
    return decorate


def _slug(data) -> str:
    slug = data.get("room")
    if slug is None:
        raise ServiceError("missing_field", "'room' is required.")
    if not isinstance(slug, str) or len(slug) > 40:
        raise ServiceError("invalid_room", "'room' must be a room's short name, such as \"open-lounge\".")
    return slug


def _announce(slug: str) -> None:
    realtime.presence(slug, presence.handles(slug))


def _leave_all(sid: str) -> None:
    for slug in presence.rooms_of(sid):
        presence.remove(slug, sid)
        _announce(slug)


@chat_event("join")
def on_join(member, data):
    room = services.open_room(_slug(data))
    # The member's live filter (blocks, muted words) is built now, not per message (community/live_connections.py).
    prepare = getattr(socketio.server.manager, "prepare_filters", None)
    if prepare is not None:
        prepare([member.id])
    join_room(realtime.chat_room(room.slug))
    presence.add(room.slug, request.sid, member.handle)
    realtime.reply(realtime.CHAT_JOINED, {"room": room.slug, "name": room.name})
    _announce(room.slug)


@chat_event("leave")
def on_leave(member, data):
    room = services.room_by_slug(_slug(data))
    leave_room(realtime.chat_room(room.slug))
    if presence.remove(room.slug, request.sid):
        _announce(room.slug)


@chat_event("send")
def on_send(member, data):
    slug = _slug(data)
    if "body" not in data:
        raise ServiceError("missing_field", "'body' is required.")
    if not presence.is_in(slug, request.sid):
        services.room_by_slug(slug)  # unknown room -> unknown_room
        raise ServiceError("not_joined", "Join the room before sending to it.")
    message = services.send(slug, member, data["body"])
    if message.status == services.REMOVED and message.hold_reason == "pact":
        # Nobody else saw it; the author already has the crisis panel (crisis_resources), and a moderator will
        # reach out: no "rules" error for a person at risk.
        return
    if message.status == services.REMOVED:
        realtime.reply_error("message_removed", "This message breaks the community rules, so nobody else saw it. "
                                                "You can appeal from your messages page.")


@chat_event("remove")
def on_remove(member, data):
    services.remove(data.get("id"), member, reason=data.get("reason") if isinstance(data.get("reason"), str) else None)


@chat_event("mute")
def on_mute(member, data):
    services.mute(_slug(data), data.get("handle"), data.get("minutes"), member,
                  reason=data.get("reason") if isinstance(data.get("reason"), str) else None)


@socketio.on("disconnect")
def on_disconnect(*args):
    try:
        _leave_all(request.sid)
    except Exception:  # noqa: BLE001
        log.exception("presence clean-up failed")
