"""Every Socket.IO emit in the app lives here, with the names of its rooms and events.

Services call these functions; they never call `socketio.emit` themselves. Events that announce a database change
are sent only after the transaction commits (a moderator must never be told about an item they cannot load yet),
and dropped if it rolls back.

Rooms:
  staff            moderators and admins: live queue changes
  member:<id>      one member's own connections: private notices (held messages, crisis resources, staff messages)
  room:<slug>      a chat room
"""
from __future__ import annotations

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

from community.extensions import db, socketio

log = logging.getLogger(__name__)

STAFF_ROOM = "staff"

# Event names (the contract; README has the table).
QUEUE_ITEM = "queue_item"
STAFF_MESSAGE = "staff_message"


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
    builds = session.info.pop("realtime_pending", None)
    if builds:
        ready = session.info.setdefault("realtime_ready", [])
        for build in builds:
            try:
                ready.extend(build())
            except Exception:  # noqa: BLE001 - a notice must never break the write it announces
                log.exception("could not prepare a live event")


@event.listens_for(Session, "after_commit")
def _send(session):
    for name, payload, room in session.info.pop("realtime_ready", []):
        try:
            socketio.emit(name, payload, to=room)
        except Exception:  # noqa: BLE001 - e.g. Redis down: the write stands, the live update is lost
            log.exception("could not emit %s", name)


@event.listens_for(Session, "after_rollback")
def _discard(session):
    session.info.pop("realtime_pending", None)
    session.info.pop("realtime_ready", None)


# --- moderation --------------------------------------------------------------------------------------------------

def queue_changed(item) -> None:
    def build():
        from moderation.queue.api import item_to_dict
        from moderation.queue.services import counts
        from flask import current_app, has_request_context
        if not has_request_context():
            # CLI / periodic jobs (e.g. `moderation retry`): item_to_dict builds URLs, which needs a request.
            with current_app.test_request_context():
                return [(QUEUE_ITEM, {"item": item_to_dict(item), "counts": counts()}, STAFF_ROOM)]
        return [(QUEUE_ITEM, {"item": item_to_dict(item), "counts": counts()}, STAFF_ROOM)]
    after_commit(build)


def staff_message(member_id: int) -> None:
    after_commit(lambda: [(STAFF_MESSAGE, {"member_id": member_id}, member_room(member_id))])
