"""Members: anonymous handles, passwords, recovery codes, roles, regions and API tokens.

There is no e-mail on purpose (people here may not want any trace), so a one-time recovery code, shown once at
sign-up and stored only as a hash, is the way back into a forgotten account.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_request_context
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from community import countries as iso_countries
from community import realtime
from community.errors import Conflict, NotFound, ServiceError
from community.extensions import db, is_row_id, utcnow
from community.members import limits, sessions
from community.members.models import ApiToken, find_by_handle, Member, MEMBER, ReleasedHandle, ROLES
from moderation.screen import screen, screen_handle
from moderation.settings import load_guidelines

HANDLE_RE = re.compile(r"^[A-Za-z0-9_-]{3,24}$")
PASSWORD_MIN, PASSWORD_MAX = 8, 256

# Handles that would let someone pass as staff or as the site itself. Checked per word and on the squashed handle.
RESERVED_WORDS = {
    "admin", "administrator", "moderator", "mod", "mods", "staff", "support", "haven", "official", "system",
    "root", "team", "helpdesk", "crisis", "security", "sysop", "owner", "deleted",
}
RESERVED_INFIXES = ("admin", "moderator", "havenstaff", "havensupport", "haventeam")

ADJECTIVES = [
    "amber", "brave", "calm", "cosy", "gentle", "golden", "hopeful", "kind", "lucky", "mellow", "misty", "patient",
    "quiet", "sunny", "steady", "silver", "soft", "warm", "wise", "bright", "cheerful", "curious", "hazel", "velvet",
]
NOUNS = [
    "otter", "heron", "maple", "willow", "fox", "sparrow", "harbor", "meadow", "comet", "pebble", "river", "lantern",
    "badger", "finch", "cedar", "orchid", "koala", "panda", "robin", "tide", "fern", "owl", "birch", "dune",
]


def _hasher() -> PasswordHasher:
    # argon2id (argon2-cffi's default type); cost is configurable so the test suite can run fast.
    cfg = current_app.config
    return PasswordHasher(time_cost=cfg.get("ARGON2_TIME_COST", 3), memory_cost=cfg.get("ARGON2_MEMORY_KIB", 65536))


_DUMMY_HASHES: dict[tuple, str] = {}


def _dummy_hash() -> str:
    """A hash of nothing anyone knows, made with the current cost: verifying against it when the handle does not
    exist takes as long as a real check, so the answer's timing does not tell which handles exist."""
    cfg = current_app.config
    key = (cfg.get("ARGON2_TIME_COST", 3), cfg.get("ARGON2_MEMORY_KIB", 65536))
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = _hasher().hash(secrets.token_urlsafe(24))
    return _DUMMY_HASHES[key]


def _verify(hash_: str | None, secret: str) -> bool:
    if not hash_:
        hash_ = _dummy_hash()  # same work either way; a dummy hash never matches
        secret = secret if isinstance(secret, str) else ""
        try:
            _hasher().verify(hash_, secret)
        except (VerificationError, InvalidHashError):
            pass
        return False
    try:
        return _hasher().verify(hash_, secret)
    except (VerificationError, InvalidHashError):
        return False


def suggest_handle() -> str:
    """A friendly random handle (adjective-noun-number) that is free right now."""
    for _ in range(20):
        handle = f"{secrets.choice(ADJECTIVES)}-{secrets.choice(NOUNS)}-{secrets.randbelow(90) + 10}"
        if find_by_handle(handle) is None:
            return handle
    return f"member-{secrets.token_hex(4)}"


# Characters that read alike in a handle: digits for letters, "rn" for "m", "vv" for "w", "l" for "I".
_LOOKALIKE_DIGITS = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g"})
HANDLE_RESERVE_DAYS = 30  # a handle given up by a rename or a deletion stays reserved this long


def skeleton(handle: str) -> str:
    """What a handle looks like, whatever the look-alike spelling: lower case, digits read as letters, no separators,
    rn -> m, vv -> w, l -> i. "Calm_L1ghthouse" and "calmlighthouse" share a skeleton."""
    text = handle.lower().translate(_LOOKALIKE_DIGITS)
    text = re.sub(r"[_\-]+", "", text)
    return text.replace("rn", "m").replace("vv", "w").replace("l", "i")


def _reserved(handle: str) -> bool:
    words = [w for w in re.split(r"[_\-0-9]+", handle.lower()) if w]
    read_as = [w for w in re.split(r"[_\-]+", handle.lower().translate(_LOOKALIKE_DIGITS)) if w]
    squashed = "".join(words)
    look = skeleton(handle)
    reserved_looks = {skeleton(w) for w in RESERVED_WORDS}
    return (squashed in RESERVED_WORDS or any(w in RESERVED_WORDS for w in words + read_as)
            or any(infix in squashed for infix in RESERVED_INFIXES)
            or look in reserved_looks or any(skeleton(w) in reserved_looks for w in read_as)
            or any(skeleton(infix) in look for infix in RESERVED_INFIXES))


def _looks_like_staff(handle: str, member=None) -> bool:
    look = skeleton(handle)
    staff = db.session.scalars(select(Member).where(Member.role.in_(("moderator", "admin")),
                                                    Member.deleted_at.is_(None)))
    return any(skeleton(m.handle) == look for m in staff if member is None or m.id != member.id)


def _recently_released(handle: str, member=None) -> bool:
    row = db.session.scalar(select(ReleasedHandle).where(ReleasedHandle.handle_key == handle.lower(),
                                                         ReleasedHandle.until > utcnow()))
    return row is not None and (member is None or row.member_id != member.id)


def release_handle(member: Member, old_handle: str) -> None:
    """Keep a handle someone gave up reserved for HANDLE_RESERVE_DAYS (no one can step into their name at once)."""
    key = old_handle.lower()
    row = db.session.scalar(select(ReleasedHandle).where(ReleasedHandle.handle_key == key))
    until = utcnow() + timedelta(days=HANDLE_RESERVE_DAYS)
    if row is None:
        db.session.add(ReleasedHandle(handle_key=key, member_id=member.id, until=until))
    else:
        row.member_id, row.until = member.id, until


def validate_handle(handle, member=None) -> str:
    if not isinstance(handle, str) or not HANDLE_RE.match(handle.strip()):
        raise ServiceError("invalid_handle", "A handle is 3 to 24 characters: letters, digits, _ or -.", field="handle")
    handle = handle.strip()
    if _reserved(handle) or _looks_like_staff(handle, member):
        raise ServiceError(
            "reserved_handle",
            "That handle could be mistaken for staff or for the site itself. Please choose another.",
            field="handle",
        )
    screen_handle(handle)  # admins' watched words (422 watched_word)
    # The toxicity classifier too: a name is shown everywhere, so an abusive one is refused rather than held.
    verdict = screen(" ".join(w for w in re.split(r"[_\-]+", handle) if w), context="handle")
    if verdict.hold_reason == "toxicity" or verdict.status == "removed":
        raise ServiceError("offensive_handle", "That handle could hurt or upset people here. Please choose another.",
                           status=422, field="handle")
    if _recently_released(handle, member):
        raise Conflict("handle_taken", "That handle was in use recently. Try another.", field="handle")
    return handle


def validate_password(password) -> str:
    if not isinstance(password, str) or not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise ServiceError(
            "invalid_password", f"A password is {PASSWORD_MIN} to {PASSWORD_MAX} characters long.", field="password"
        )
    return password


def validate_region(region) -> str | None:
    """An ISO 3166-1 alpha-2 code (upper-cased), or None to clear it."""
    if region is None or region == "":
        return None
    if not isinstance(region, str) or not iso_countries.is_country(region.strip()):
        raise ServiceError("invalid_region", "Region must be a two-letter country code such as GB or US.",
                           field="region")
    return region.strip().upper()


def countries() -> list[tuple[str, str]]:
    """(code, name) pairs for region selectors, sorted by name."""
    return iso_countries.all_countries()


def region_from_accept_language(accept_languages) -> str | None:
    """'en-GB,en;q=0.8' -> 'GB'. Only the region part of a language tag counts; unknown -> None."""
    for lang, _quality in accept_languages:
        parts = re.split(r"[-_]", lang)
        for part in parts[1:]:
            if len(part) == 2 and part.isalpha():
                try:
                    return validate_region(part)
                except ServiceError:
                    continue
    return None


def existing_member(handle: str) -> Member:
    """The member with this handle who has not deleted their account, or 404 member_not_found."""
    member = find_by_handle(handle)
    if member is None or member.deleted_at is not None:
        raise NotFound("member_not_found", "There is no member with that handle.")
    return member


def get_member(member_id: int) -> Member:
    member = db.session.get(Member, member_id)
    if member is None:
        raise NotFound("member_not_found", "No member with that id.")
    return member


def new_recovery_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
    raw = "".join(secrets.choice(alphabet) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def _normalise_code(code: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", code.upper())


def create_member(handle: str | None, password: str, region: str | None = None, role: str = MEMBER,
                  allow_reserved: bool = False, accepted_guidelines: bool = False) -> tuple[Member, str]:
    """Create a member; returns (member, recovery_code). The code is shown once and only its hash kept.
    `accepted_guidelines`: the person ticked "I have read the community guidelines" (recorded with its version)."""
    if handle is None or handle == "":
        handle = suggest_handle()
    if allow_reserved:
        if not isinstance(handle, str) or not HANDLE_RE.match(handle):
            raise ServiceError("invalid_handle", "A handle is 3 to 24 characters: letters, digits, _ or -.")
    else:
        handle = validate_handle(handle)
    validate_password(password)
    region = validate_region(region)
    if role not in ROLES:
        raise ServiceError("invalid_role", f"Role must be one of {', '.join(ROLES)}.")
    if find_by_handle(handle) is not None:
        raise Conflict("handle_taken", "That handle is taken. Try another, or keep the suggested one.", field="handle")
    code = new_recovery_code()
    member = Member(handle=handle, handle_key=handle.lower(), password_hash=_hasher().hash(password),
                    recovery_code_hash=_hasher().hash(_normalise_code(code)), role=role, region=region)
    if accepted_guidelines:
        member.guidelines_version, member.guidelines_accepted_at = load_guidelines()["version"], utcnow()
    db.session.add(member)
    try:
        db.session.commit()
    except Exception:  # a concurrent sign-up took the handle between our check and the insert
        db.session.rollback()
        if find_by_handle(handle) is not None:
            raise Conflict("handle_taken", "That handle is taken. Try another.", field="handle")
        raise
    return member, code


def authenticate(handle, password) -> Member:
    if has_request_context():
        limits.before_attempt("login", handle)  # refused (429) or slowed down, never locked out for the owner
    member = find_by_handle(handle) if isinstance(handle, str) else None
    usable = member is not None and member.deleted_at is None
    # Always one Argon2 verification, against a dummy hash when there is no such member.
    matches = _verify(member.password_hash if usable else None, password if isinstance(password, str) else "")
    if not usable or not isinstance(password, str) or not matches:
        if has_request_context():
            limits.record_failure("login", handle)
        raise ServiceError("invalid_credentials", "That handle and password don't match.", status=401)
    return member


def recover(handle, code, new_password) -> str:
    """Reset the password with the recovery code; returns a NEW recovery code (the old one is used up)."""
    if has_request_context():
        limits.before_attempt("recover", handle)
    member = find_by_handle(handle) if isinstance(handle, str) else None
    usable = member is not None and member.deleted_at is None
    matches = _verify(member.recovery_code_hash if usable else None,
                      _normalise_code(code) if isinstance(code, str) else "")
    if not usable or not isinstance(code, str) or not matches:
        if has_request_context():
            limits.record_failure("recover", handle)
        raise ServiceError("invalid_recovery_code", "That handle and recovery code don't match.", status=401)
    validate_password(new_password)
    fresh = new_recovery_code()
    member.password_hash = _hasher().hash(new_password)
    member.recovery_code_hash = _hasher().hash(_normalise_code(fresh))
    _end_every_session(member)
    db.session.commit()
    return fresh


def change_password(member: Member, current: str, new: str) -> None:
    if not _verify(member.password_hash, current or ""):
        raise ServiceError("invalid_credentials", "Your current password is not right.", status=400,
                           field="current_password")
    validate_password(new)
    member.password_hash = _hasher().hash(new)
    _end_every_session(member)
    db.session.commit()


def _end_every_session(member: Member) -> None:
    """Session cookies (epoch), every API token and every live socket, on every process (after the commit)."""
    member.session_epoch += 1
    db.session.query(ApiToken).filter_by(member_id=member.id).delete()
    sessions.end_all(member)
    realtime.end_live_sessions(member.id)


def update_settings(member: Member, *, handle=None, region=...) -> Member:
    """Change handle and/or region. `region=None` clears it; leaving it out keeps it."""
    if handle is not None and handle != member.handle:
        handle = validate_handle(handle, member)
        other = find_by_handle(handle)
        if other is not None and other.id != member.id:
            raise Conflict("handle_taken", "That handle is taken. Try another.", field="handle")
        if handle.lower() != member.handle_key:
            release_handle(member, member.handle)
        member.handle, member.handle_key = handle, handle.lower()
    if region is not ...:
        member.region = validate_region(region)
    db.session.commit()
    return member


def set_role(member: Member, role: str) -> Member:
    """Change a member's role (promotion or demotion). What happens to their live sessions:

    - session cookies stop working (the epoch moves): they sign in again and get pages for their new role;
    - live Socket.IO connections are disconnected after the commit (a demoted moderator leaves the staff room and
      stops receiving queue items at once) and any still-open one is refused at its next event;
    - API tokens stay valid, because rights are read from the role on every request: a demoted moderator's token
      gets 403 on staff endpoints from the next request on.
    """
    if role not in ROLES:
        raise ServiceError("invalid_role", f"Role must be one of {', '.join(ROLES)}.")
    member.role = role
    member.session_epoch += 1
    realtime.end_live_sessions(member.id)
    db.session.commit()
    return member


def sign_out_everywhere(member: Member) -> None:
    """End every session: cookies (epoch), API tokens (deleted) and live Socket.IO connections (disconnected)."""
    _end_every_session(member)
    db.session.commit()


def list_members(role: str | None = None) -> list[Member]:
    query = select(Member).order_by(Member.handle_key)
    if role:
        query = query.where(Member.role == role)
    return list(db.session.scalars(query))


def count_members() -> int:
    return db.session.scalar(select(func.count(Member.id)))


# --- API tokens -------------------------------------------------------------------------------------------------

def _token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(member: Member) -> str:
    raw = secrets.token_urlsafe(32)
    db.session.add(ApiToken(member_id=member.id, token_hash=_token_digest(raw)))
    db.session.commit()
    return raw


def member_for_token(raw: str) -> Member | None:
    if not raw or len(raw) > 200:
        return None
    # The member comes with the token (one query, not two: every API request asks).
    token = db.session.scalar(_TOKEN_WITH_MEMBER, {"token_hash": _token_digest(raw)})
    if token is None or token.member.deleted_at is not None:
        return None
    now = utcnow()
    if token_expired(token, now):
        db.session.delete(token)  # past its lifetime or unused too long: gone for good, sign in again
        db.session.commit()
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        token.last_used_at = now  # coarse, so reads do not turn into a write per request
        db.session.commit()
    return token.member


# Built once: every API request and every chat event asks, and building the statement cost about as much as
# running it.
_TOKEN_WITH_MEMBER = (select(ApiToken).options(joinedload(ApiToken.member))
                      .where(ApiToken.token_hash == bindparam("token_hash")))


def token_expired(token: ApiToken, now=None) -> bool:
    """True past API_TOKEN_LIFETIME_DAYS since it was made, or API_TOKEN_IDLE_DAYS since it was last used."""
    now = now or utcnow()
    cfg = current_app.config
    lifetime = timedelta(days=float(cfg.get("API_TOKEN_LIFETIME_DAYS", 90)))
    idle = timedelta(days=float(cfg.get("API_TOKEN_IDLE_DAYS", 14)))
    last = token.last_used_at or token.created_at
    return now - token.created_at > lifetime or now - last > idle


def list_tokens(member: Member) -> list[ApiToken]:
    """The member's live API tokens (apps and devices), newest first; expired ones are dropped on the way."""
    tokens = list(db.session.scalars(select(ApiToken).where(ApiToken.member_id == member.id)
                                     .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))
    live = [t for t in tokens if not token_expired(t)]
    if len(live) != len(tokens):
        for t in tokens:
            if t not in live:
                db.session.delete(t)
        db.session.commit()
    return live


def revoke_token_id(member: Member, token_id) -> bool:
    """Revoke one of the member's own tokens by id (Settings); False when there is no such token of theirs."""
    if not is_row_id(token_id):
        return False
    deleted = db.session.query(ApiToken).filter_by(id=token_id, member_id=member.id).delete()
    if deleted:
        realtime.end_live_sessions(member.id)  # a socket opened with it must reconnect (and is refused)
    db.session.commit()
    return bool(deleted)


def revoke_token(raw: str) -> None:
    db.session.query(ApiToken).filter_by(token_hash=_token_digest(raw)).delete()
    db.session.commit()



# --- community guidelines and the late-night break nudge -------------------------------------------------------

def needs_guidelines(member: Member) -> bool:
    """Whether this member has yet to accept the current guidelines (a new version asks again). Never blocks
    anything: a banner asks, and a person in crisis can always post."""
    return member.guidelines_version is None or member.guidelines_version < load_guidelines()["version"]


def accept_guidelines(member: Member, version=None) -> int:
    """Record that the member read and accepted the guidelines (`version`, when given, must be the current one)."""
    current = load_guidelines()["version"]
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise ServiceError("invalid_version", "version must be the guidelines' version number.", field="version")
    if version is not None and version != current:
        raise Conflict("guidelines_changed", f"The guidelines changed (now version {current}): please read them "
                                             "again.", field="version")
    member.guidelines_version, member.guidelines_accepted_at = current, utcnow()
    db.session.commit()
    return current


def set_break_nudge(member: Member, on) -> None:
    if not isinstance(on, bool):
        raise ServiceError("invalid_break_nudge", "break_nudge must be true or false.", field="break_nudge")
    member.break_nudge = on
    db.session.commit()
