"""The moderation dashboard's figures: how the queue is doing, never how any one moderator is.

No figure here is per moderator, and no moderator is named or ranked: volunteer moderators are not measured against
each other. Figures (over the items that opened in the last `days` days, UTC):

- open items by priority (now, whatever their age), and how many of them are overdue now;
- time to a first human: from opening to the first moderator seeing it (item page or API), claiming it or
  deciding it, whichever came first (response_times.first_human_at, the definition the transparency report uses
  too); and time to resolution: from opening to a moderator's decision (items the system closed
  itself, e.g. a retry that published, are left out). Each as count, median and 90th percentile in seconds, per
  priority and per ISO week of opening (with that week's per-priority figures);
- appeals sent in the window and their outcomes (waiting, accepted, upheld, other);
- items opened in the window by kind (why things were held or raised).

Percentiles: the median is the middle value (the mean of the two middle ones for an even count); the 90th
percentile is the nearest-rank one (the smallest value at or above 90 % of the values). Both None for no values.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select

from community.extensions import db, iso, utcnow
from community.paging import parse_whole
from moderation.models import Appeal, QueueItem
from moderation.policy import HIGH, LOW, NORMAL, URGENT
from moderation.queue import response_times
from moderation.queue.history import appeal_outcome

PRIORITIES = (URGENT, HIGH, NORMAL, LOW)
DEFAULT_DAYS = 30
MAX_DAYS = 366
OUTCOMES = ("waiting", "accepted", "upheld", "other")


def parse_days(raw) -> int:
    """`days=` from a query string: a whole number from 1 to 366 (default 30), else 400 invalid_days."""
    return parse_whole(raw, "days", DEFAULT_DAYS, MAX_DAYS, echo=True)


def median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest rank: the ceil(pct/100 * n)-th smallest value."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(pct / 100 * len(ordered))) - 1]


def summary(values: list[float]) -> dict:
    return {"count": len(values), "median_seconds": _round(median(values)),
            "p90_seconds": _round(percentile(values, 90))}


def _round(value):
    return None if value is None else round(value, 1)


def iso_week(when: datetime) -> str:
    year, week, _ = when.isocalendar()
    return f"{year}-W{week:02d}"


def _times(rows) -> dict:
    """{"first_human": {priority: [...]}, "resolution": {...}, per week too} from (priority, opened, first human,
    resolved, decided_by_a_person) rows."""
    first_human = {p: [] for p in PRIORITIES}
    resolution = {p: [] for p in PRIORITIES}
    weeks: dict[str, dict] = {}
    for priority, began, human, resolved, by_person in rows:
        week = weeks.setdefault(iso_week(began), {"first_human": {p: [] for p in PRIORITIES},
                                                  "resolution": {p: [] for p in PRIORITIES}})
        if human is not None and priority in first_human:
            seconds = max(0.0, (human - began).total_seconds())
            first_human[priority].append(seconds)
            week["first_human"][priority].append(seconds)
        if resolved is not None and by_person and priority in resolution:
            seconds = max(0.0, (resolved - began).total_seconds())
            resolution[priority].append(seconds)
            week["resolution"][priority].append(seconds)
    return {"first_human": first_human, "resolution": resolution, "weeks": weeks}


def dashboard(days: int = DEFAULT_DAYS, now: datetime | None = None) -> dict:
    """Every figure, in a fixed number of queries."""
    now = now or utcnow()
    since = now - timedelta(days=days)
    began = func.coalesce(QueueItem.opened_at, QueueItem.created_at)

    open_rows = db.session.execute(select(QueueItem.priority, func.count(QueueItem.id))
                                   .where(QueueItem.status == "open").group_by(QueueItem.priority)).all()
    open_by_priority = {p: 0 for p in PRIORITIES}
    open_by_priority.update({p: n for p, n in open_rows if p in open_by_priority})
    overdue_now = db.session.scalar(select(func.count(QueueItem.id)).where(
        response_times.overdue_condition(response_times.targets(), now))) or 0

    rows = db.session.execute(select(QueueItem.priority, began, response_times.first_human_at(QueueItem),
                                     QueueItem.resolved_at, QueueItem.resolved_by_id.isnot(None))
                              .where(began >= since, began <= now)).all()
    times = _times(rows)
    by_priority = {p: {"first_human": summary(times["first_human"][p]),
                       "resolution": summary(times["resolution"][p])} for p in PRIORITIES}
    by_week = []
    for week in sorted(times["weeks"]):
        found = times["weeks"][week]
        all_first = [s for p in PRIORITIES for s in found["first_human"][p]]
        all_resolved = [s for p in PRIORITIES for s in found["resolution"][p]]
        by_week.append({"week": week, "first_human": summary(all_first), "resolution": summary(all_resolved),
                        "by_priority": {p: {"first_human": summary(found["first_human"][p]),
                                            "resolution": summary(found["resolution"][p])} for p in PRIORITIES}})

    appeal_rows = db.session.execute(
        select(QueueItem.status, QueueItem.kind, QueueItem.resolution)
        .select_from(Appeal)
        .outerjoin(QueueItem, and_(QueueItem.content_type == Appeal.content_type,
                                   QueueItem.content_id == Appeal.content_id))
        .where(Appeal.created_at >= since, Appeal.created_at <= now)).all()
    outcomes = {o: 0 for o in OUTCOMES}
    for status, kind, resolution in appeal_rows:
        outcomes[appeal_outcome(status, kind, resolution)] += 1

    kind_rows = db.session.execute(select(QueueItem.kind, func.count(QueueItem.id))
                                   .where(began >= since, began <= now).group_by(QueueItem.kind)
                                   .order_by(func.count(QueueItem.id).desc(), QueueItem.kind)).all()
    return {
        "days": days, "since": iso(since), "until": iso(now),
        "open_by_priority": open_by_priority, "overdue_now": overdue_now,
        "time_to_first_human": {p: by_priority[p]["first_human"] for p in PRIORITIES},
        "time_to_resolution": {p: by_priority[p]["resolution"] for p in PRIORITIES},
        "by_week": by_week,
        "appeals": {"total": len(appeal_rows), "outcomes": outcomes},
        "holds_by_kind": {kind: n for kind, n in kind_rows},
    }
