from __future__ import annotations

from flask_login import UserMixin
from sqlalchemy import select

from community.extensions import db, iso, member_ref, utcnow

MEMBER, MODERATOR, ADMIN = "member", "moderator", "admin"
ROLES = (MEMBER, MODERATOR, ADMIN)


class Member(UserMixin, db.Model):
    __tablename__ = "members"

    id = db.Column(db.Integer, primary_key=True)
    handle = db.Column(db.String(24), nullable=False)
    # Lower-cased handle, unique: "Sky" and "sky" are the same person to readers.
    handle_key = db.Column(db.String(24), nullable=False, unique=True)
    password_hash = db.Column(db.String(255), nullable=False)
    recovery_code_hash = db.Column(db.String(255), nullable=True)
    role = db.Column(db.String(16), nullable=False, default=MEMBER)
    region = db.Column(db.String(2), nullable=True)  # ISO 3166-1 alpha-2, picks crisis resources
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    suspended_until = db.Column(db.DateTime, nullable=True)
    deleted_at = db.Column(db.DateTime, nullable=True)
    # Bumped on sign-out-everywhere, password change and role change: every older session cookie stops working.
    session_epoch = db.Column(db.Integer, nullable=False, default=0)
    # Trust for new accounts (community/members/trust.py): auto | new | trusted; a moderator may pin it.
    trust_level = db.Column(db.String(8), nullable=False, default="auto", server_default="auto")
    # The community guidelines' version this member accepted (moderation/settings.py load_guidelines) and when;
    # None for accounts made before guidelines, or through the API without `accept_guidelines`.
    guidelines_version = db.Column(db.Integer, nullable=True)
    guidelines_accepted_at = db.Column(db.DateTime, nullable=True)
    # A gentle "it's late, maybe take a break" after a long stretch of reading or chat at night (opt-out).
    break_nudge = db.Column(db.Boolean, nullable=False, default=True, server_default=db.true())
    # The profile (community/members/profiles.py): a short self-written "about", screened like a post (status
    # published | held | removed, and why), whether the member's post list shows there, and their colour theme.
    about = db.Column(db.Text, nullable=True)
    about_status = db.Column(db.String(16), nullable=True)
    about_hold_reason = db.Column(db.String(32), nullable=True)
    about_verdict = db.Column(db.JSON, nullable=True)
    show_posts = db.Column(db.Boolean, nullable=False, default=True, server_default=db.true())
    theme = db.Column(db.String(8), nullable=False, default="system", server_default="system")
    # What Haven's admins checked out of band ("Registered nurse (UK)"), shown beside the handle; None = not verified.
    verified_label = db.Column(db.String(80), nullable=True)
    verified_at = db.Column(db.DateTime, nullable=True)

    tokens = db.relationship("ApiToken", back_populates="member", cascade="all, delete-orphan")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_epoch}"

    @property
    def is_staff(self) -> bool:
        return self.role in (MODERATOR, ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def is_suspended(self) -> bool:
        return self.suspended_until is not None and self.suspended_until > utcnow()

    @property
    def is_active(self) -> bool:  # Flask-Login: a deleted account cannot sign in
        return self.deleted_at is None

    def __repr__(self) -> str:
        return f"<Member {self.handle} {self.role}>"


def verified_text(label: str) -> str:
    """What a verified professional's badge says to readers (its tooltip, and its text for screen readers)."""
    return f"Verified by Haven's admins: {label}"


def verification_to_dict(member: Member | None) -> dict | None:
    """The badge in JSON (posts, chat messages, the admin API): {"label", "text", "verified_at"}, or None."""
    if member is None or not member.verified_label or member.deleted_at is not None:
        return None
    return {"label": member.verified_label, "text": verified_text(member.verified_label),
            "verified_at": iso(member.verified_at)}


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id = db.Column(db.Integer, primary_key=True)
    member_id = member_ref(ondelete="CASCADE", nullable=False, index=True)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    last_used_at = db.Column(db.DateTime, nullable=True)

    member = db.relationship("Member", back_populates="tokens")


class MemberSession(db.Model):
    """One signed-in browser. The cookie holds a random key; only its SHA-256 is stored. Signing out deletes the row,
    so a copied cookie stops working at once. A recovery code waiting to be shown once sits here, encrypted, never
    in the cookie."""

    __tablename__ = "member_sessions"

    id = db.Column(db.Integer, primary_key=True)
    member_id = member_ref(ondelete="CASCADE", nullable=False, index=True)
    key_hash = db.Column(db.String(64), nullable=False, unique=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    pending_recovery_code = db.Column(db.Text, nullable=True)  # Fernet token, cleared when shown


class ReleasedHandle(db.Model):
    """A handle given up by a rename or an account deletion: nobody else may take it until `until`."""

    __tablename__ = "released_handles"

    id = db.Column(db.Integer, primary_key=True)
    handle_key = db.Column(db.String(24), nullable=False, unique=True)
    member_id = member_ref(ondelete="CASCADE", nullable=True)
    until = db.Column(db.DateTime, nullable=False, index=True)


class SafetyPlan(db.Model):
    __tablename__ = "safety_plans"

    id = db.Column(db.Integer, primary_key=True)
    member_id = member_ref(ondelete="CASCADE", nullable=False, unique=True)
    # A Fernet token of the plan's JSON; nothing of the plan is stored in the clear.
    ciphertext = db.Column(db.Text, nullable=False)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow)


def find_by_handle(handle: str) -> Member | None:
    """The member with this handle (case and surrounding space ignored), deleted or not; None for anything else."""
    if not isinstance(handle, str) or "\x00" in handle:  # PostgreSQL refuses NUL in text, even to compare
        return None
    return db.session.scalar(select(Member).where(Member.handle_key == handle.strip().lower()))
