"""Who is behind each live Socket.IO connection, on every server process.

Socket.IO rooms live inside the process that holds the connection, so a change made on process A (a moderator
demoted, a member signed out everywhere) cannot list or disconnect the connections held by process B. The client
managers here close that gap in two ways:

- `end_sessions(room)` travels as an ordinary emit through the message queue (Redis) and, on every process,
  disconnects the local connections in that room (after taking them out of the staff room) instead of sending
  anything to them;
- every delivery to the staff room is checked at send time, on the process that holds the connection: a connection
  whose member is no longer staff, is suspended or deleted, or whose session epoch moved since connect (role change,
  sign-out-everywhere, password change) gets nothing and is disconnected. So a lost pub/sub message cannot leave a
  demoted moderator reading the queue.

`community.sockets` records (member id, epoch, token digest) for each connection at connect and registers the checker.
"""
from __future__ import annotations

import logging

import socketio

log = logging.getLogger(__name__)

STAFF_ROOM = "staff"
END_SESSIONS = "haven:end-sessions"  # internal: never sent to a client


class _Guard(socketio.Manager):
    """Local delivery (the last step on each process) with the two rules above."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.identities: dict[str, tuple] = {}  # sid -> (member id, session epoch at connect, token digest)
        self.staff_checker = None  # callable(identities) -> the sids whose member is still staff

    def emit(self, event, data, namespace=None, room=None, skip_sid=None, callback=None, to=None, **kwargs):
        room = to or room
        namespace = namespace or "/"
        if event == END_SESSIONS:
            self._end_local(namespace, room)
            return None
        if room == STAFF_ROOM:
            stale = self._stale_staff(namespace)
            if stale:
                skip = skip_sid if isinstance(skip_sid, list) else ([skip_sid] if skip_sid else [])
                skip_sid = skip + stale
                for sid in stale:
                    self._cut(namespace, sid)
        return super().emit(event, data, namespace=namespace, room=room, skip_sid=skip_sid, callback=callback,
                            **kwargs)

    def _stale_staff(self, namespace) -> list[str]:
        sids = [sid for sid, _eio in self.get_participants(namespace, STAFF_ROOM)]
        if not sids:
            return []
        known = {sid: self.identities[sid] for sid in sids if sid in self.identities}
        try:
            allowed = self.staff_checker(known) if self.staff_checker else set(known)
        except Exception:  # noqa: BLE001 - cannot tell who is still staff: deliver to nobody (fail closed)
            log.exception("could not check the staff room before a broadcast")
            allowed = set()
        return [sid for sid in sids if sid not in allowed]

    def _end_local(self, namespace, room) -> None:
        for sid in [sid for sid, _eio in self.get_participants(namespace, room)]:
            self._cut(namespace, sid)

    def _cut(self, namespace, sid) -> None:
        try:
            super().leave_room(sid, namespace, STAFF_ROOM)
            self.server.disconnect(sid, namespace=namespace, ignore_queue=True)
        except Exception:  # noqa: BLE001 - already gone
            log.debug("could not disconnect %s", sid, exc_info=True)

    def disconnect(self, sid, namespace=None, **kwargs):
        self.identities.pop(sid, None)
        return super().disconnect(sid, namespace=namespace, **kwargs)


class LocalManager(_Guard):
    """One process, no message queue."""


class RedisManager(socketio.RedisManager, _Guard):
    """Several processes sharing Redis: PubSubManager publishes every emit and hands it to _Guard.emit on each
    process (including this one), so END_SESSIONS and the staff check run where the connections are."""

    def __init__(self, url, channel="flask-socketio", write_only=False):
        socketio.RedisManager.__init__(self, url, channel=channel, write_only=write_only)
        self.identities = {}
        self.staff_checker = None
