"""The audit log: one call records who did what to what, before and after. Callers commit."""
from __future__ import annotations

from community.extensions import db, utcnow
from moderation.models import AuditEntry


def record(actor, action: str, *, target: str | None = None, before=None, after=None, note: str | None = None):
    entry = AuditEntry(actor_id=getattr(actor, "id", None), action=action, target=target, before=before,
                       after=after, note=note)
    db.session.add(entry)
    return entry


def set_stamped(actor, action: str, target: str, row, field: str, stamp: str, value) -> None:
    """`row.<field>` becomes `value` and `row.<stamp>` now (both None when `value` is None: taken away), recorded as
    `action` with the field's before and after. Commits."""
    before = {field: getattr(row, field)}
    setattr(row, field, value)
    setattr(row, stamp, utcnow() if value is not None else None)
    record(actor, action, target=target, before=before, after={field: value})
    db.session.commit()
