"""Socket.IO connection handling: who may connect, and the private rooms each connection joins.

A client authenticates with the signed-in session cookie, or with an API token as auth data {"token": "..."}.
Anonymous visitors and suspended or deleted members are refused. The member's session epoch is recorded at connect:
when it changes (role change, sign-out-everywhere...) the connection is refused at its next event, and
community.realtime.end_live_sessions disconnects it at once. Staff join the live queue room; every member joins
their own room for private notices. The Origin check is Flask-SocketIO's (same origin, or SITE_URL when set). Connections that have not signed in
yet are capped and timed out in community/socket_limits.py.
"""
from __future__ import annotations

from flask import current_app, request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room

from community import realtime
from community.extensions import socketio


def socket_member(auth=None):
    """The member behind this socket event (checked again on every event, not just at connect)."""
    from community.members.services import member_for_token
    if isinstance(auth, dict) and isinstance(auth.get("token"), str):
        member = member_for_token(auth["token"])
    elif current_user.is_authenticated:
        member = current_user._get_current_object()
    else:
        member = None
    if member is None or member.deleted_at is not None:
        return None
    return member


@socketio.on("connect")
def on_connect(auth=None):
    member = socket_member(auth)
    if member is None:
        raise ConnectionRefusedError("Sign in first.")
    if member.is_suspended:
        raise ConnectionRefusedError("Your account is suspended for now.")
    request.environ["haven.member_id"] = member.id
    # Role changes, sign-out-everywhere, password resets and account deletion bump the epoch: every later event on
    # this connection is then refused (community/chat/events.py), whatever the token says.
    request.environ["haven.epoch"] = member.session_epoch
    request.environ["haven.token"] = auth.get("token") if isinstance(auth, dict) else None
    join_room(realtime.member_room(member.id))
    if member.is_staff:
        join_room(realtime.STAFF_ROOM)
    # Accepted: the connection leaves the not-signed-in caps and its sign-in deadline (community/socket_limits.py).
    limits = current_app.extensions.get("socket_limits")
    if limits is not None:
        limits.authenticated(request.environ)
