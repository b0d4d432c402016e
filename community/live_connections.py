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

Live chat messages are filtered here too, per connection, on the process that holds it: `chat_delivery` carries the
message once (one payload, encoded once per process for everyone, once more for those who muted a word in it) with
its author and texts, and each process skips the connections whose member blocked the author and marks it
`"filtered": true` for those whose muted words match. Each variant's WebSocket frame is made once too (SharedFrames):
a server's frames are not masked, so a connection that negotiated no extension (no permessage-deflate) is sent the
same bytes as every other such connection, without framing them again for each of them. Each member's filter (community.members.blocks.LiveFilter) is
built when their connection joins a room and kept in this process; `chat_filters_changed` (a block, an unblock, a
muted-word edit, through the message queue like any emit) drops it on every process, and the next delivery builds
it again from the database. A filter is also rebuilt once it is FILTER_MAX_AGE seconds old, so even a lost
invalidation cannot last.
"""
from __future__ import annotations

import logging
import threading
import time

import socketio
from engineio import packet as eio_packet
from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI
from socketio import packet
from wsproto.connection import ConnectionState
from wsproto.frame_protocol import FrameProtocol

log = logging.getLogger(__name__)

STAFF_ROOM = "staff"
END_SESSIONS = "haven:end-sessions"  # internal: never sent to a client
CHAT_DELIVERY = "haven:chat-delivery"  # internal: a chat message to filter per connection, then send as `event`
FILTERS_CHANGED = "haven:filters-changed"  # internal: a member's blocks or muted words changed
FILTER_MAX_AGE = 300.0  # seconds: the backstop if an invalidation is ever lost


class SharedFrames:
    """The WebSocket frames of the latest chat deliveries, by their Engine.IO text: made once, sent as they are to
    every connection without extensions. Bounded: a frame dropped before a slow connection's writer gets to it is
    framed for that connection as before."""

    def __init__(self, size: int = 256):
        self.size = size
        self._frames: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def add(self, text: str) -> None:
        # A server's frame for a complete text message, as wsproto makes it for a connection without extensions.
        frame = bytes(FrameProtocol(client=False, extensions=[]).send_data(text, fin=True))
        with self._lock:
            self._frames[text] = frame
            while len(self._frames) > self.size:
                del self._frames[next(iter(self._frames))]

    def get(self, text) -> bytes | None:
        return self._frames.get(text) if type(text) is str else None


shared_frames = SharedFrames()


def shared_frame_websocket(base: type, frames: SharedFrames = shared_frames) -> type:
    """Engine.IO's simple-websocket wrapper `base`, sending a shared frame (above) when it has one for the text and
    the connection negotiated no extension (its request offered none: a server accepts only what the client
    offers); anything else goes through `base` (wsproto) unchanged."""
    if not (isinstance(base, type) and issubclass(base, SimpleWebSocketWSGI)):
        return base  # another WebSocket implementation: left as it is

    class SharedFrameWebSocket(base):
        plain = False

        def __call__(self, environ, start_response):
            self.plain = not environ.get("HTTP_SEC_WEBSOCKET_EXTENSIONS")
            return super().__call__(environ, start_response)

        def send(self, message):
            frame = frames.get(message) if self.plain else None
            ws = getattr(self, "ws", None)
            if frame is None or ws is None or not ws.connected or ws.ws.state is not ConnectionState.OPEN:
                return super().send(message)  # closed or closing: raises as before
            ws.sock.send(frame)  # as simple-websocket's own send writes wsproto's bytes
            return None

    SharedFrameWebSocket.__name__ = SharedFrameWebSocket.__qualname__ = f"SharedFrame{base.__name__}"
    return SharedFrameWebSocket


def install_shared_frames(sio_server) -> None:
    """This Engine.IO server's WebSocket connections use shared_frame_websocket (the server's own copy of the async
    driver's table: the driver module is not changed)."""
    eio = sio_server.eio
    table = dict(eio._async)
    table["websocket"] = shared_frame_websocket(table.get("websocket"))
    eio._async = table


class _Guard(socketio.Manager):
    """Local delivery (the last step on each process) with the rules above."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.identities: dict[str, tuple] = {}  # sid -> (member id, session epoch at connect, token digest)
        self.staff_checker = None  # callable(identities) -> the sids whose member is still staff
        self._init_filters()

    def _init_filters(self) -> None:
        self.filter_loader = None  # callable(member ids) -> {member id: LiveFilter}
        self.filters: dict[int, tuple] = {}  # member id -> (LiveFilter, built at: monotonic seconds)
        self.filter_generation: dict[int, int] = {}  # member id -> bumped by every invalidation

    def emit(self, event, data, namespace=None, room=None, skip_sid=None, callback=None, to=None, **kwargs):
        room = to or room
        namespace = namespace or "/"
        if event == END_SESSIONS:
            self._end_local(namespace, room)
            return None
        if event == CHAT_DELIVERY:
            self._deliver_chat(namespace, room, data)
            return None
        if event == FILTERS_CHANGED:
            self._forget_filter(data.get("member_id") if isinstance(data, dict) else None)
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
        identity = self.identities.pop(sid, None)
        if identity is not None and not any(other[0] == identity[0] for other in list(self.identities.values())):
            self.filters.pop(identity[0], None)  # the member's last connection here: their filter goes with it
        return super().disconnect(sid, namespace=namespace, **kwargs)

    # --- live chat filters ---------------------------------------------------------------------------------------

    def _forget_filter(self, member_id) -> None:
        if isinstance(member_id, int):
            self.filter_generation[member_id] = self.filter_generation.get(member_id, 0) + 1
            self.filters.pop(member_id, None)

    def prepare_filters(self, member_ids) -> dict:
        """Build (or reuse) the filters of these members: {member id: LiveFilter}; a member whose filter cannot be
        built is left out (and so gets no chat delivery: fail closed)."""
        now = time.monotonic()
        ready, missing = {}, set()
        for member_id in member_ids:
            cached = self.filters.get(member_id)
            if cached is not None and now - cached[1] < FILTER_MAX_AGE:
                ready[member_id] = cached[0]
            else:
                missing.add(member_id)
        if missing and self.filter_loader is not None:
            generations = {m: self.filter_generation.get(m, 0) for m in missing}
            try:
                built = self.filter_loader(missing)
            except Exception:  # noqa: BLE001 - cannot tell who blocked whom: deliver to none of them
                log.exception("could not build live chat filters")
                built = {}
            for member_id, found in built.items():
                ready[member_id] = found
                if self.filter_generation.get(member_id, 0) == generations[member_id]:  # no change meanwhile
                    self.filters[member_id] = (found, now)
        return ready

    def _deliver_chat(self, namespace, room, data) -> None:
        """One chat message to this process's connections in `room`: skipped for whoever blocked the author, marked
        "filtered" for whoever muted a word in it, encoded once per variant."""
        if namespace not in self.rooms or not isinstance(data, dict):
            return
        author_id, texts, payload = data.get("author_id"), data.get("texts") or [], data.get("payload")
        members = {}
        for sid, eio_sid in self.get_participants(namespace, room):
            identity = self.identities.get(sid)
            if identity is None:  # not a signed-in connection we know: it gets nothing
                continue
            members[eio_sid] = identity[0]
        if not members:
            return
        filters = self.prepare_filters(set(members.values()))
        verdicts = {}  # member id -> None (skip) | False (plain) | True (filtered)
        for member_id in set(members.values()):
            found = filters.get(member_id)
            if found is None or found.hides(author_id):
                verdicts[member_id] = None
            else:
                verdicts[member_id] = member_id != author_id and found.mutes(texts)
        plain = [eio_sid for eio_sid, m in members.items() if verdicts[m] is False]
        muted = [eio_sid for eio_sid, m in members.items() if verdicts[m] is True]
        for recipients, body in ((plain, payload), (muted, {**payload, "filtered": True})):
            if not recipients:
                continue
            encoded = self.server.packet_class(packet.EVENT, namespace=namespace,
                                               data=[data.get("event"), body]).encode()
            packets = [eio_packet.Packet(eio_packet.MESSAGE, p)
                       for p in (encoded if isinstance(encoded, list) else [encoded])]
            if len(packets) == 1 and not packets[0].binary:
                shared_frames.add(packets[0].encode())  # Packet.encode() keeps its text: the writers send this one
            for eio_sid in recipients:  # as socketio.Manager.emit sends a packet encoded once to many
                for p in packets:
                    try:
                        self.server._send_eio_packet(eio_sid, p)
                    except Exception:  # noqa: BLE001 - one closing socket must not cost the others the message
                        log.debug("could not deliver to %s", eio_sid, exc_info=True)


class LocalManager(_Guard):
    """One process, no message queue."""

    def listening(self, rooms, namespace="/") -> set:
        """Of these rooms, those with a connection: every connection of the site is in this process, so an event
        to any other room would reach nobody."""
        present = self.rooms.get(namespace) or {}
        return {room for room in rooms if present.get(room)}


class RedisManager(socketio.RedisManager, _Guard):
    """Several processes sharing Redis: PubSubManager publishes every emit and hands it to _Guard.emit on each
    process (including this one), so END_SESSIONS and the staff check run where the connections are."""

    def __init__(self, url, channel="flask-socketio", write_only=False):
        socketio.RedisManager.__init__(self, url, channel=channel, write_only=write_only)
        self.identities = {}
        self.staff_checker = None
        self._init_filters()
