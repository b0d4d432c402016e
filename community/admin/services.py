"""What the People page does, audited in the same transaction as the change itself."""
from __future__ import annotations

from sqlalchemy import select

from community.errors import Forbidden, ServiceError
from community.extensions import db, utcnow
from community.members.models import ROLES, Member
from community.members.services import set_role
from moderation import audit
from moderation.models import AuditEntry


def search_members(q: str, limit: int = 100) -> list[Member]:
    query = select(Member).where(Member.deleted_at.is_(None)).order_by(Member.handle_key).limit(limit)
    q = (q or "").strip().lower()
    if q:
        query = query.where(Member.handle_key.contains(q, autoescape=True))
    return list(db.session.scalars(query))


def suspended_members() -> list[Member]:
    return list(db.session.scalars(select(Member).where(Member.suspended_until > utcnow())
                                   .order_by(Member.suspended_until)))


SUSPENSION_ACTIONS = ("member.suspend", "member.unsuspend")


def suspension_history(members) -> dict[int, list]:
    """Each member's suspensions and lifts, newest first, from the audit log (one query for the whole page):
    {member_id: [AuditEntry, ...]}. A suspension is recorded as `member.suspend` with target `member:<id>`."""
    by_target = {f"member:{m.id}": m.id for m in members}
    history: dict[int, list] = {m.id: [] for m in members}
    if not by_target:
        return history
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action.in_(SUSPENSION_ACTIONS),
                                                          AuditEntry.target.in_(list(by_target)))
                                 .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()))
    for entry in entries:
        history[by_target[entry.target]].append(entry)
    return history


def change_role(actor: Member, member: Member, role: str) -> bool:
    """Change a role (signs them out everywhere via set_role). Returns False when nothing changed."""
    if role not in ROLES:
        raise ServiceError("invalid_role", f"Role must be one of {', '.join(ROLES)}.")
    if member.id == actor.id and role != member.role:
        raise Forbidden("own_role", "You can't change your own role: ask another admin.")
    if role == member.role:
        return False
    audit.record(actor, "member.role", target=f"member:{member.id}", before={"role": member.role},
                 after={"role": role})
    set_role(member, role)  # commits the change and the audit entry together
    return True


# --- verified professionals -----------------------------------------------------------------------------------------

VERIFIED_LABEL_MIN, VERIFIED_LABEL_MAX = 3, 80


def _verified_label(label) -> str:
    if not isinstance(label, str):
        raise ServiceError("invalid_label", "label must be text, e.g. \"Registered nurse (UK)\".", field="label")
    label = " ".join(label.replace("\x00", "").split())
    if not VERIFIED_LABEL_MIN <= len(label) <= VERIFIED_LABEL_MAX:
        raise ServiceError("invalid_label", f"Say what was verified in {VERIFIED_LABEL_MIN} to {VERIFIED_LABEL_MAX} "
                                            "characters, e.g. \"Registered nurse (UK)\".", field="label")
    return label


def set_verification(actor: Member, member: Member, label) -> Member:
    """An admin marks a member as a verified professional after checking out of band (a register, a document):
    the label says what was checked and shows beside their handle. Audited; commits."""
    if not actor.is_admin:
        raise Forbidden("forbidden", "Only an admin can verify a member.")
    if member.deleted_at is not None:
        raise ServiceError("member_deleted", "That account has been deleted.", status=404)
    audit.set_stamped(actor, "member.verify", f"member:{member.id}", member, "verified_label", "verified_at",
                      _verified_label(label))
    return member


def remove_verification(actor: Member, member: Member) -> bool:
    """Take the badge away (audited). Returns False when the member had none."""
    if not actor.is_admin:
        raise Forbidden("forbidden", "Only an admin can change a member's verification.")
    if not member.verified_label:
        return False
    audit.set_stamped(actor, "member.unverify", f"member:{member.id}", member, "verified_label", "verified_at", None)
    return True


def lift_suspension(actor: Member, member: Member, note: str | None = None) -> bool:
    if member.suspended_until is None:
        return False
    before = {"suspended_until": member.suspended_until.isoformat()}
    member.suspended_until = None
    audit.record(actor, "member.unsuspend", target=f"member:{member.id}", before=before,
                 after={"suspended_until": None}, note=note or None)
    db.session.commit()
    return True
