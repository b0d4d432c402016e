"""Response times on queue items: when an item opened, when a moderator first saw it and first claimed it, when it
was decided; and the admin's per-priority targets (moderation/settings.py) that mark an open item overdue.

An item is *overdue* while it is still open (undecided) later than its priority's target after it opened: seeing or
claiming it does not stop the clock, a decision does. A priority with no target (None) is never overdue."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, false, func, or_, update

from community.extensions import db, iso, utcnow
from moderation.models import QueueItem
from moderation.settings import load_response_targets


def opened(item: QueueItem) -> datetime:
    return item.opened_at or item.created_at


def reopened(item: QueueItem, now: datetime | None = None) -> None:
    """The item needs a human again (an appeal, new reports, a new verdict): its clock starts afresh."""
    item.opened_at = now or utcnow()
    item.first_seen_at = item.first_claimed_at = None


def overdue_minutes(item: QueueItem, targets: dict, now: datetime | None = None) -> int | None:
    """Whole minutes past the target for an open item that is overdue (at least 1), else None."""
    target = targets.get(item.priority)
    if item.status != "open" or target is None:
        return None
    late = (now or utcnow()) - opened(item) - timedelta(minutes=target)
    if late <= timedelta(0):
        return None
    return max(1, int(late.total_seconds() // 60))


def overdue_condition(targets: dict, now: datetime | None = None):
    """SQL: the open items past their priority's target (for counting in one query)."""
    now = now or utcnow()
    began = func.coalesce(QueueItem.opened_at, QueueItem.created_at)
    each = [and_(QueueItem.priority == priority, began < now - timedelta(minutes=minutes))
            for priority, minutes in targets.items() if minutes is not None]
    return and_(QueueItem.status == "open", or_(*each) if each else false())


def mark_seen(item: QueueItem) -> None:
    """A moderator opened the item (its page, or the item API): the first time after it opened is kept. Does not
    change the item's version (seeing is not a change another moderator must re-read)."""
    if item.status != "open" or item.first_seen_at is not None:
        return
    now = utcnow()
    done = db.session.execute(update(QueueItem).where(QueueItem.id == item.id, QueueItem.first_seen_at.is_(None))
                              .values(first_seen_at=now).execution_options(synchronize_session=False))
    db.session.commit()
    if done.rowcount:
        item.first_seen_at = now
    else:
        db.session.refresh(item)


def timing_dict(item: QueueItem, targets: dict, now: datetime | None = None) -> dict:
    """The item JSON's response-time fields."""
    late = overdue_minutes(item, targets, now)
    return {"opened_at": iso(opened(item)), "first_seen_at": iso(item.first_seen_at),
            "first_claimed_at": iso(item.first_claimed_at), "resolved_at": iso(item.resolved_at),
            "response_target_minutes": targets.get(item.priority), "overdue": late is not None,
            "overdue_minutes": late}


def duration_text(minutes: int | float | None) -> str:
    """7 -> "7 min", 135 -> "2 h 15 min", 3000 -> "2 d 2 h"."""
    if minutes is None:
        return ""
    minutes = int(minutes)
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h" + (f" {rest} min" if rest else "")
    days, hours = divmod(hours, 24)
    return f"{days} d" + (f" {hours} h" if hours else "")


def targets() -> dict:
    return load_response_targets()
