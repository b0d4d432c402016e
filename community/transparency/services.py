"""The public transparency report: what moderation did in one calendar month (UTC), in aggregate numbers only.

It follows the Santa Clara Principles (numbers of items actioned, by rule and by how they were found, appeals and
their outcomes, the automated tools in use and how well they work) and the Samaritans' online safety guidelines
(report how self-harm content is handled, never expose the people who wrote it). So:

- Every figure is a count or a time computed by aggregate SQL over the month; no text, no handle, no moderator.
- A count from 1 to 4 is shown as "fewer than 5" (`{"fewer_than": 5}` in JSON), so a small number can never point
  at one person; 0 is shown as 0. Response times for a priority are shown only when at least 5 items had a person.

What each figure counts (all by the time it happened, within the month):
- screened: posts and chat messages written, and messages members sent to the moderators (every one is screened).
- held_for_review: posts and chat messages written in the month that the screen held for a person, by the hold
  reason of their verdict (the latest, for an edited post: self_harm, toxicity, unscreened, new_account, ...), plus
  published posts that members' reports took down for review ("reports", from the audit log).
- removed: removed automatically when written (by reason), and removed by a moderator's decision (by the queue
  item's kind). A decision on an appeal is counted under appeals, not here.
- published_with_support: a moderator published a post from a person at risk with support beside it; reached_out:
  a moderator kept it private and wrote to the person instead.
- appeals: appeals made in the month, and where each stands now (decision upheld, overturned, still open).
- response_times: for queue items opened in the month, per priority, the median and 90th percentile (nearest rank)
  of the time to the first human (moderation/queue/response_times.py first_human_at).
- classifiers: the screening models running now (moderation.classifiers.registry describe) and their published
  quality figures (moderation/classifiers/quality.py).
"""
from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, func, select

from community.chat.models import ChatMessage
from community.errors import ServiceError
from community.extensions import db, utcnow
from community.forum.models import Post
from moderation.classifiers.quality import published_figures
from moderation.classifiers.registry import backends
from moderation.models import Appeal, AuditEntry, QueueItem, StaffMessage
from moderation.policy import HIGH, LOW, NORMAL, URGENT
from moderation.queue.response_times import first_human_at, seconds_between

# Plain words for the reasons the report groups by (queue kinds and hold reasons); anything else shows as itself.
REASON_LABELS = {
    "self_harm": "Self-harm or suicide risk (held so a person could reach out)",
    "someone_else": "Worry about someone else's safety", "toxicity": "Abuse, insults or threats",
    "auto_removed": "Severe abuse, removed automatically", "unscreened": "Could not be checked automatically",
    "reports": "Reported by members", "report": "Reported by members", "new_account": "A new member's first post",
    "watched_word": "A word or phrase the admins watch for", "check_in": "Signs of distress (a check-in)",
    "member_message": "Messages to the moderators", "suspension_proposal": "Repeated rule-breaking",
    "appeal": "Appeals", "kept_private": "Kept private while a moderator reached out",
    "unspecified": "No reason recorded",
}
PRIORITY_LABELS = {URGENT: "Urgent (a risk to life)", HIGH: "High", NORMAL: "Normal", LOW: "Low"}

SMALL = 5  # counts below this are shown as "fewer than 5"
PRIORITIES = (URGENT, HIGH, NORMAL, LOW)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Month:
    start: datetime
    end: datetime  # the first moment of the next month

    @property
    def label(self) -> str:
        return self.start.strftime("%Y-%m")

    @property
    def name(self) -> str:
        return self.start.strftime("%B %Y")


def _month_at(year: int, month: int) -> Month:
    start = datetime(year, month, 1)
    end = datetime(year + (month == 12), month % 12 + 1, 1)
    return Month(start, end)


def last_complete_month(now: datetime | None = None) -> Month:
    now = now or utcnow()
    year, month = (now.year - 1, 12) if now.month == 1 else (now.year, now.month - 1)
    return _month_at(year, month)


def parse_month(raw, now: datetime | None = None) -> Month:
    """`YYYY-MM` (default: the last complete month). A malformed month or one that has not started is a 400."""
    now = now or utcnow()
    if raw in (None, ""):
        return last_complete_month(now)
    found = _MONTH.match(raw) if isinstance(raw, str) else None
    if found is None or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 2000:
        raise ServiceError("invalid_month", "month must be a calendar month written YYYY-MM, e.g. 2026-11.",
                           field="month")
    month = _month_at(int(found.group(1)), int(found.group(2)))
    if month.start > now:
        raise ServiceError("month_in_future", f"{month.label} hasn't started yet: pick this month or an earlier one.",
                           field="month")
    return month


def shown(count: int):
    """A count as published: 1 to 4 become {"fewer_than": 5}."""
    count = int(count or 0)
    return {"fewer_than": SMALL} if 0 < count < SMALL else count


def _in(column, month: Month):
    return and_(column >= month.start, column < month.end)


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _grouped(query) -> dict[str, int]:
    out: dict[str, int] = {}
    for reason, count in db.session.execute(query):
        key = reason or "unspecified"
        out[key] = out.get(key, 0) + int(count)
    return out


def _added(*parts: dict[str, int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in parts:
        for key, count in part.items():
            out[key] = out.get(key, 0) + count
    return out


def _at_screening(model, status: str, month: Month) -> dict[str, int]:
    """Content written in the month whose verdict (the screen's decision) had this status, by its hold reason."""
    verdict_status = model.verdict["status"].as_string()
    reason = model.verdict["hold_reason"].as_string()
    return _grouped(select(reason, func.count()).where(_in(model.created_at, month), verdict_status == status)
                    .group_by(reason))


def _resolutions(month: Month) -> dict[str, dict[str, int]]:
    """Moderators' decisions in the month ({resolution: {kind: count}}), appeals left out."""
    rows = db.session.execute(
        select(QueueItem.resolution, QueueItem.kind, func.count())
        .where(QueueItem.status == "resolved", QueueItem.resolved_by_id.isnot(None),
               _in(QueueItem.resolved_at, month), QueueItem.kind != "appeal")
        .group_by(QueueItem.resolution, QueueItem.kind))
    out: dict[str, dict[str, int]] = {}
    for resolution, kind, count in rows:
        out.setdefault(resolution or "unspecified", {})[kind] = int(count)
    return out


APPEAL_OUTCOMES = {"remove": "decision_upheld", "approve": "overturned", "with_support": "overturned"}


def _appeals(month: Month) -> dict:
    item = QueueItem
    joined = (select(item.status, item.kind, item.resolution, func.count(Appeal.id))
              .select_from(Appeal)
              .outerjoin(item, and_(item.content_type == Appeal.content_type, item.content_id == Appeal.content_id))
              .where(_in(Appeal.created_at, month))
              .group_by(item.status, item.kind, item.resolution))
    outcomes = {"decision_upheld": 0, "overturned": 0, "pending": 0}
    received = 0
    for status, kind, resolution, count in db.session.execute(joined):
        received += int(count)
        if status == "resolved" and kind == "appeal":
            outcomes[APPEAL_OUTCOMES.get(resolution, "decision_upheld")] += int(count)
        else:
            outcomes["pending"] += int(count)
    return {"received": shown(received), "outcomes": {k: shown(v) for k, v in outcomes.items()}}


def _nearest_rank(values_query, n: int, fraction: float):
    """The value at nearest rank ceil(fraction * n) of an ordered one-column query (one row read, in SQL)."""
    rank = max(1, math.ceil(fraction * n))
    return db.session.scalar(values_query.offset(rank - 1).limit(1))


def _response_times(month: Month) -> dict:
    dialect = db.engine.dialect.name
    human = first_human_at(QueueItem).label("first_human_at")
    timed = (select(QueueItem.priority.label("priority"), QueueItem.created_at.label("created_at"), human)
             .where(_in(QueueItem.created_at, month)).subquery())
    waited = seconds_between(timed.c.created_at, timed.c.first_human_at, dialect).label("seconds")
    totals = {p: [0, 0] for p in PRIORITIES}
    for priority, items, answered in db.session.execute(
            select(timed.c.priority, func.count(), func.count(timed.c.first_human_at)).group_by(timed.c.priority)):
        totals.setdefault(priority, [0, 0])
        totals[priority] = [int(items), int(answered)]
    out = {}
    for priority, (items, answered) in totals.items():
        row = {"items": shown(items), "reached_by_a_person": shown(answered), "median_minutes": None,
               "p90_minutes": None}
        if answered >= SMALL:
            ordered = (select(waited).where(timed.c.priority == priority, timed.c.first_human_at.isnot(None))
                       .order_by(waited))
            row["median_minutes"] = round(float(_nearest_rank(ordered, answered, 0.5)) / 60, 1)
            row["p90_minutes"] = round(float(_nearest_rank(ordered, answered, 0.9)) / 60, 1)
        elif answered:
            row["note"] = "Fewer than 5 items: times not shown."
        out[priority] = row
    return out


def _classifiers() -> list[dict]:
    app = current_app._get_current_object()
    rows = []
    for row in backends(app).describe():
        quality = published_figures(row["slot"], row["name"], row["version"], app.config.get("EMBEDDED_WEIGHTS_DIR"))
        rows.append({"slot": row["slot"], "name": row["name"], "version": row["version"],
                     "loaded": row.get("error") is None, **quality})
    return rows


def report(month: Month) -> dict:
    """The month's figures, ready to publish (JSON and the /transparency page)."""
    now = utcnow()
    screened = {
        "posts": _count(Post, _in(Post.created_at, month)),
        "chat_messages": _count(ChatMessage, _in(ChatMessage.created_at, month)),
        "messages_to_moderators": _count(StaffMessage, _in(StaffMessage.created_at, month),
                                         StaffMessage.sender_id == StaffMessage.member_id),
    }
    reports_holds = _count(AuditEntry, AuditEntry.action == "post.hold_by_reports", _in(AuditEntry.created_at, month))
    held = _added(_at_screening(Post, "held", month), _at_screening(ChatMessage, "held", month),
                  {"reports": reports_holds} if reports_holds else {})
    auto_removed = _added(_at_screening(Post, "removed", month), _at_screening(ChatMessage, "removed", month))
    decisions = _resolutions(month)
    complete = month.end <= now
    return {
        "month": month.label,
        "period": {"start": month.start.isoformat() + "Z", "end": month.end.isoformat() + "Z"},
        "complete": complete,
        "note": None if complete else "This month is not over yet: the figures so far.",
        "small_counts": f"Counts from 1 to {SMALL - 1} are shown as {{\"fewer_than\": {SMALL}}}.",
        "screened": {k: shown(v) for k, v in screened.items()},
        "held_for_review": {k: shown(v) for k, v in sorted(held.items())},
        "removed": {
            "automatically": {k: shown(v) for k, v in sorted(auto_removed.items())},
            "by_moderators": {k: shown(v) for k, v in sorted(decisions.get("remove", {}).items())},
        },
        "published_with_support": shown(sum(decisions.get("with_support", {}).values())),
        "reached_out_privately": shown(sum(decisions.get("reach_out", {}).values())),
        "appeals": _appeals(month),
        "response_times": _response_times(month),
        "classifiers": _classifiers(),
    }


KEEP_SECONDS = 300  # a finished month's figures, kept per process: a public page must not be a way to load the database
_keeping = threading.Lock()


def published(month: Month) -> dict:
    """report(month) as the page and the API serve it: a month that is over is kept for KEEP_SECONDS in this
    process (appeal outcomes may still move, so not for ever); the current month is computed every time."""
    app = current_app._get_current_object()
    kept = app.extensions.setdefault("transparency_reports", {})
    now = time.monotonic()
    with _keeping:
        found = kept.get(month.label)
    if found is not None and found[0] > now:
        return found[1]
    figures = report(month)
    if figures["complete"]:
        with _keeping:
            kept[month.label] = (now + KEEP_SECONDS, figures)
    return figures


def recent_months(now: datetime | None = None, count: int = 12) -> list[Month]:
    """The months a reader can pick on the page, newest first (this month included, marked as not over)."""
    now = now or utcnow()
    year, month, out = now.year, now.month, []
    for _ in range(count):
        out.append(_month_at(year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out
