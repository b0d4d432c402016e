"""How long a queue item waited for a person: the one definition of "first human", as SQL.

`first_human_at(item)` is the earliest of the item's first claim (the `queue.claim` entries of the audit log) and
its resolution by a moderator (`resolved_at` when `resolved_by_id` is set: a decision without a claim counts; the
unscreened retry resolving an item on its own does not). This is the only place that says so: the transparency
report and anything else reading response times use it, so switching it to a stored first-seen or first-claimed
time is a change here alone.
"""
from __future__ import annotations

from sqlalchemy import String, case, cast, func, literal, literal_column, select

from moderation.models import AuditEntry, QueueItem


def first_claim_at(item=QueueItem):
    """The item's first claim, from the audit log (a correlated scalar subquery)."""
    return (select(func.min(AuditEntry.created_at))
            .where(AuditEntry.action == "queue.claim",
                   AuditEntry.target == literal("queue:", String) + cast(item.id, String))
            .scalar_subquery())


def first_human_at(item=QueueItem):
    """The time a person first took the item up (a SQL expression over `item`, QueueItem or an alias; NULL when no
    one has yet)."""
    claimed = first_claim_at(item)
    resolved = case((item.resolved_by_id.isnot(None), item.resolved_at), else_=None)
    return case((claimed.is_(None), resolved), (resolved.is_(None), claimed), (claimed <= resolved, claimed),
                else_=resolved)


def seconds_between(start, end, dialect: str):
    """`end - start` in seconds, as SQL, on SQLite and PostgreSQL."""
    if dialect == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * literal_column("86400.0")
    return func.extract("epoch", end - start)
