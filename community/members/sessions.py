"""Browser sessions kept server-side: signing out ends the session, not just this copy of the cookie.

The signed cookie holds the member id and session epoch (Flask-Login) plus a random session key; the database holds
only the key's SHA-256 (`MemberSession`). A request is signed in only while that row exists, so a copied cookie dies
with sign-out, and "sign out everywhere", a password change or a recovery delete every row of the member.

A one-time recovery code waiting to be shown lives in the row, Fernet-encrypted with a key derived from SECRET_KEY,
and is erased when shown: it is never in the cookie.
"""
from __future__ import annotations

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app, session
from flask_login import login_user, logout_user
from sqlalchemy import bindparam, select

from community.extensions import db
from community.members.models import Member, MemberSession

SESSION_KEY = "sk"


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _fernet() -> Fernet:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret + b":pending-recovery-code").digest()))


def start(member: Member, recovery_code: str | None = None) -> None:
    """Sign this browser in as `member` (a new server-side session), optionally holding a recovery code to show."""
    end_current()
    raw = secrets.token_urlsafe(32)
    row = MemberSession(member_id=member.id, key_hash=_digest(raw))
    if recovery_code:
        row.pending_recovery_code = _fernet().encrypt(recovery_code.encode()).decode()
    db.session.add(row)
    db.session.commit()
    login_user(member)
    session[SESSION_KEY] = raw


def _current_row() -> MemberSession | None:
    raw = session.get(SESSION_KEY)
    if not isinstance(raw, str) or not raw or len(raw) > 100:
        return None
    return db.session.scalar(select(MemberSession).where(MemberSession.key_hash == _digest(raw)))


def live_member(member_id: int) -> Member | None:
    """The member `member_id` if this browser's server-side session is theirs and still exists: the member and the
    session row in one query (every signed-in request asks)."""
    raw = session.get(SESSION_KEY)
    if not isinstance(raw, str) or not raw or len(raw) > 100:
        return None
    return db.session.scalar(_LIVE_MEMBER, {"member_id": member_id, "key_hash": _digest(raw)})


# Built once: constructing the statement cost as much as running it, on every signed-in request.
_LIVE_MEMBER = (select(Member).join(MemberSession, MemberSession.member_id == Member.id)
                .where(Member.id == bindparam("member_id"), MemberSession.key_hash == bindparam("key_hash")))


def is_live(member: Member) -> bool:
    row = _current_row()
    return row is not None and row.member_id == member.id


def end_current() -> None:
    """Sign this browser out: the server-side session is deleted, so the cookie (and any copy) stops working."""
    row = _current_row()
    if row is not None:
        db.session.delete(row)
        db.session.commit()
    session.pop(SESSION_KEY, None)
    logout_user()


def end_all(member: Member) -> None:
    """Part of a transaction the caller commits: every browser session of this member ends."""
    db.session.query(MemberSession).filter_by(member_id=member.id).delete()


def take_recovery_code() -> str | None:
    """The recovery code waiting for this session, once: it is erased as it is read."""
    row = _current_row()
    if row is None or not row.pending_recovery_code:
        return None
    token, row.pending_recovery_code = row.pending_recovery_code, None
    db.session.commit()
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:  # SECRET_KEY changed since: nothing to show
        return None
