"""Admission control for Engine.IO connections that have not signed in yet.

An Engine.IO connection (the transport under Socket.IO) exists as soon as its handshake succeeds, before the client
sends the Socket.IO CONNECT that carries its session cookie or token (community/sockets.py). A client that opens
connections and only answers pings would otherwise hold them for ever. So, per process:

- at most `SOCKET_UNAUTHENTICATED_PER_CLIENT` such connections per client address, and `SOCKET_UNAUTHENTICATED_MAX`
  in all; a handshake past either cap is refused with HTTP 401 and a message (a browser that signs in straight away
  never comes near them: its connection stops counting the moment it is accepted);
- a handshake that carries a validly signed session cookie of a signed-in member (a browser tab) is let past the
  process-wide cap, never past the per-client one, so a flood from many addresses does not lock members out;
- a connection that has not been accepted as a member within `SOCKET_AUTH_TIMEOUT` seconds (a refused CONNECT
  counts as not accepted) is closed, and so is one that has been without a member for as long after leaving the
  Socket.IO namespace (the member disconnected it, or the server did: suspension, role change) while keeping the
  transport open.

Client addresses honour `TRUST_PROXY` the way werkzeug's ProxyFix does (the Socket.IO middleware sees the request
before ProxyFix), and only their keyed hash is kept (community/privacy.py), never the raw address.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time

log = logging.getLogger(__name__)

EIO_SID = "haven.eio_sid"  # where the Engine.IO session id is kept in the connection's WSGI environ

REFUSED = "Too many connections that have not signed in from this address. Sign in, or try again in a minute."
FULL = "The server has too many connections that have not signed in. Try again in a minute."


def session_checker(app):
    """environ -> True when the request carries this app's signed session cookie with a signed-in member in it.
    Only the signature is checked (no database): enough to tell a browser tab from an anonymous flood."""
    from http.cookies import SimpleCookie

    def signed_in(environ: dict) -> bool:
        raw = environ.get("HTTP_COOKIE")
        if not raw:
            return False
        morsel = SimpleCookie(raw).get(app.config.get("SESSION_COOKIE_NAME", "session"))
        if morsel is None:
            return False
        serializer = app.session_interface.get_signing_serializer(app)
        if serializer is None:
            return False
        data = serializer.loads(morsel.value, max_age=int(app.permanent_session_lifetime.total_seconds()))
        return bool(data.get("_user_id"))
    return signed_in


def client_address(environ: dict, trusted_proxies: int) -> str:
    """The client's address: REMOTE_ADDR, or with n trusted proxies the n-th X-Forwarded-For entry from the right."""
    address = environ.get("REMOTE_ADDR") or "unknown"
    if trusted_proxies > 0:
        forwarded = [part.strip() for part in environ.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= trusted_proxies:
            address = forwarded[-trusted_proxies]
    return address


class UnauthenticatedConnections:
    """Counts and deadlines of this process's Engine.IO connections not yet accepted as a member."""

    def __init__(self, *, per_client: int, total: int, timeout: float, trusted_proxies: int, hmac_key: str,
                 signed_in=None):
        self.signed_in = signed_in or (lambda environ: False)  # environ -> True when the handshake has a session
        self.per_client = per_client
        self.total = total
        self.timeout = timeout
        self.trusted_proxies = trusted_proxies
        self._key = hmac_key.encode()
        self._lock = threading.Lock()
        self._pending: dict[str, tuple[str, float]] = {}  # eio sid -> (client key, deadline)
        self._per_client: dict[str, int] = {}
        self._eio = None
        self._sio = None
        self._lapsed: dict[str, float] = {}  # eio sid -> when it was first seen open with no member (sweeper only)
        self._sweeper_started = False

    # --- wiring ---------------------------------------------------------------------------------------------------

    def install(self, sio_server) -> None:
        """Wrap the Engine.IO server's connect and disconnect handlers (python-socketio registered them)."""
        self._sio = sio_server
        eio_server = self._eio = sio_server.eio
        inner_connect = eio_server.handlers["connect"]
        inner_disconnect = eio_server.handlers["disconnect"]

        def on_eio_connect(eio_sid, environ):
            refusal = self.admit(eio_sid, environ)
            if refusal is not None:
                return refusal  # Engine.IO answers 401 with this message and forgets the connection
            return inner_connect(eio_sid, environ)

        def on_eio_disconnect(eio_sid, *reason):
            try:
                return inner_disconnect(eio_sid, *reason)
            finally:
                self.release(eio_sid)

        eio_server.on("connect", on_eio_connect)
        eio_server.on("disconnect", on_eio_disconnect)

    def _client_key(self, environ: dict) -> str:
        address = client_address(environ, self.trusted_proxies)
        return hmac.new(self._key, address.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:32]

    # --- bookkeeping ----------------------------------------------------------------------------------------------

    def admit(self, eio_sid: str, environ: dict) -> str | None:
        """Count a new connection, or say why it is refused."""
        key = self._client_key(environ)
        with self._lock:
            if len(self._pending) >= self.total and not self._signed_in(environ):
                log.warning("refused a socket: %d connections have not signed in (SOCKET_UNAUTHENTICATED_MAX)",
                            len(self._pending))
                return FULL
            if self._per_client.get(key, 0) >= self.per_client:
                log.warning("refused a socket: one client already holds %d connections that have not signed in "
                            "(SOCKET_UNAUTHENTICATED_PER_CLIENT)", self.per_client)
                return REFUSED
            self._pending[eio_sid] = (key, time.monotonic() + self.timeout)
            self._per_client[key] = self._per_client.get(key, 0) + 1
        environ[EIO_SID] = eio_sid
        self._start_sweeper()
        return None

    def _signed_in(self, environ: dict) -> bool:
        try:
            return bool(self.signed_in(environ))
        except Exception:  # noqa: BLE001 - a broken cookie is just no session
            return False

    def authenticated(self, environ: dict) -> None:
        """The connection was accepted as a member: it no longer counts, and no deadline applies."""
        self.release(environ.get(EIO_SID))

    def release(self, eio_sid: str | None) -> None:
        if eio_sid is None:
            return
        with self._lock:
            entry = self._pending.pop(eio_sid, None)
            if entry is None:
                return
            key = entry[0]
            left = self._per_client.get(key, 1) - 1
            if left > 0:
                self._per_client[key] = left
            else:
                self._per_client.pop(key, None)

    def counts(self) -> dict:
        with self._lock:
            return {"unauthenticated": len(self._pending), "clients": len(self._per_client)}

    # --- the deadline ---------------------------------------------------------------------------------------------

    def expired(self, now: float | None = None) -> list[str]:
        now = time.monotonic() if now is None else now
        with self._lock:
            return [sid for sid, (_key, deadline) in self._pending.items() if deadline <= now]

    def lapsed(self, now: float | None = None) -> list[str]:
        """Connections accepted once that have had no member in the namespace for the whole time-out."""
        now = time.monotonic() if now is None else now
        with self._lock:
            pending = set(self._pending)
        seen, due = set(), []
        for eio_sid in list(self._eio.sockets):
            if eio_sid in pending or self._sio.manager.sid_from_eio_sid(eio_sid, "/") is not None:
                continue
            seen.add(eio_sid)
            if now - self._lapsed.setdefault(eio_sid, now) >= self.timeout:
                due.append(eio_sid)
        for eio_sid in set(self._lapsed) - seen:
            del self._lapsed[eio_sid]
        return due

    def _start_sweeper(self) -> None:
        if self._sweeper_started or self._eio is None:
            return
        with self._lock:
            if self._sweeper_started:
                return
            self._sweeper_started = True
        # A greenlet under gevent, a thread in threading mode: one per process, whatever the number of sockets.
        self._eio.start_background_task(self._sweep_forever)

    def _sweep_forever(self) -> None:
        interval = max(0.2, min(1.0, self.timeout / 4))
        while True:
            self._eio.sleep(interval)
            try:
                for eio_sid in self.expired():
                    self.release(eio_sid)
                    self._eio.disconnect(eio_sid)
                for eio_sid in self.lapsed():
                    self._eio.disconnect(eio_sid)
            except Exception:  # noqa: BLE001 - the sweeper must outlive one bad connection
                log.exception("could not close a socket that never signed in")
