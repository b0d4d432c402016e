"""Socket.IO connection handling: who may connect, and the private rooms each connection joins.

A client authenticates with the signed-in session cookie, or with an API token as auth data {"token": "..."}.
Anonymous visitors and suspended or deleted members are refused. The member's session epoch is recorded at connect:
when it changes (role change, sign-out-everywhere...) the connection is refused at its next event, and
community.realtime.end_live_sessions disconnects it at once. Staff join the live queue room; every member joins
their own room for private notices. The Origin check is Flask-SocketIO's (same origin, or SITE_URL when set). Connections that have not signed in
yet are capped and timed out in community/socket_limits.py.
"""
from __future__ import annotations

import hashlib
from datetime import datetime

from flask import current_app, request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room
from sqlalchemy import select

from community import realtime
from community.extensions import db, socketio
from community.members.models import ApiToken, Member
from community.members.services import member_for_token


def socket_member(auth=None):
    """The member behind this socket event (checked again on every event, not just at connect)."""
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
    token = auth.get("token") if isinstance(auth, dict) else None
    identities = getattr(socketio.server.manager, "identities", None)
    if identities is not None:  # community.live_connections checks the staff room against it at send time
        identities[request.sid] = (member.id, member.session_epoch,
                                   hashlib.sha256(token.encode()).hexdigest() if token else None)
    join_room(realtime.member_room(member.id))
    if member.is_staff:
        join_room(realtime.STAFF_ROOM)
    # Accepted: the connection leaves the not-signed-in caps and its sign-in deadline (community/socket_limits.py).
    limits = current_app.extensions.get("socket_limits")
    if limits is not None:
        limits.authenticated(request.environ)


def still_staff(app, identities: dict) -> set:
    """The connections (sids) among `identities` {sid: (member id, epoch at connect, token digest or None)} whose
    member is still staff now: same session epoch, not suspended or deleted, and their token (if they connected
    with one) not revoked. Runs on the process holding the connections, before each staff-room broadcast."""
    if not identities:
        return set()
    with app.app_context():
        ids = {member_id for member_id, _epoch, _digest in identities.values()}
        members = {m.id: m for m in db.session.scalars(select(Member).where(Member.id.in_(ids)))}
        digests = {d for _m, _e, d in identities.values() if d}
        live_tokens = set(db.session.scalars(select(ApiToken.token_hash).where(ApiToken.token_hash.in_(digests)))) \
            if digests else set()
        allowed = set()
        for sid, (member_id, epoch, digest) in identities.items():
            m = members.get(member_id)
            if (m is not None and m.is_staff and m.session_epoch == epoch and m.deleted_at is None
                    and not m.is_suspended and (digest is None or digest in live_tokens)):
                allowed.add(sid)
        db.session.remove()
        return allowed
