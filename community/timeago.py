"""Relative times for lists ("3 hours ago") beside the exact time (for a title attribute and <time datetime>)."""
from __future__ import annotations

from datetime import datetime

from community.extensions import utcnow


def ago(value: datetime | None, now: datetime | None = None) -> str:
    if value is None:
        return ""
    seconds = int(((now or utcnow()) - value).total_seconds())
    if seconds < 45:
        return "just now"
    for size, unit in ((60 * 60 * 24 * 365, "year"), (60 * 60 * 24 * 30, "month"), (60 * 60 * 24 * 7, "week"),
                       (60 * 60 * 24, "day"), (60 * 60, "hour"), (60, "minute")):
        if seconds >= size * 0.95 or unit == "minute":
            n = max(1, round(seconds / size))
            return f"{n} {unit}{'' if n == 1 else 's'} ago"
    return ""


def exact(value: datetime | None) -> str:
    """The exact time, in UTC (stored times are naive UTC)."""
    return value.strftime("%d %b %Y, %H:%M UTC") if value is not None else ""
