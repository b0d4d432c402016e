"""The audit log: one call records who did what to what, before and after. Callers commit."""
from __future__ import annotations

from community.extensions import db
from moderation.models import AuditEntry


def record(actor, action: str, *, target: str | None = None, before=None, after=None, note: str | None = None):
    entry = AuditEntry(actor_id=getattr(actor, "id", None), action=action, target=target, before=before,
                       after=after, note=note)
    db.session.add(entry)
    return entry
