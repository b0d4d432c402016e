"""Known rows with set timestamps for the transparency report: March 2025 and its neighbours.

What the report must then say for 2025-03 is worked out by hand in EXPECTED (times in minutes after each item was
opened), so the tests compare the report with these sums, never with the report's own code.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from community.chat.models import ChatMessage, ChatRoom
from community.extensions import db
from community.forum.models import Board, Post, Thread
from community.members.services import create_member
from moderation.models import Appeal, AuditEntry, QueueItem, StaffMessage

MARCH = datetime(2025, 3, 10, 12, 0)
FEB = datetime(2025, 2, 20, 12, 0)
APRIL = datetime(2025, 4, 2, 12, 0)
SECRET_TEXT = "words only the author wrote, never in a report"

EXPECTED = {
    "screened": {"posts": 13, "chat_messages": {"fewer_than": 5}, "messages_to_moderators": 6},
    "held_for_review": {"toxicity": 5, "self_harm": {"fewer_than": 5}, "reports": {"fewer_than": 5}},
    "removed": {"automatically": {"toxicity": {"fewer_than": 5}},
                "by_moderators": {"report": 5, "toxicity": {"fewer_than": 5}}},
    "published_with_support": {"fewer_than": 5},
    "reached_out_privately": {"fewer_than": 5},
    "appeals": {"received": 6, "outcomes": {"decision_upheld": 5, "overturned": {"fewer_than": 5}, "pending": 0}},
    # normal: first human after 5, 10, 15, 20, 30, 40 minutes; one more item only the system resolved.
    # Nearest rank: median = 3rd of 6 = 15; 90th percentile = 6th of 6 = 40.
    "normal": {"items": 7, "reached_by_a_person": 6, "median_minutes": 15.0, "p90_minutes": 40.0},
    "urgent": {"items": {"fewer_than": 5}, "reached_by_a_person": {"fewer_than": 5}, "median_minutes": None,
               "p90_minutes": None},
}


def _verdict(status, reason=None):
    return {"status": status, "hold_reason": reason, "reasons": [], "scores": {}}


def seed() -> dict:
    """Write the rows (caller is inside an app context); returns the handles used, to check none leaks."""
    author, _ = create_member("seed-author", "a-good-password", allow_reserved=True)
    moderator, _ = create_member("seed-moderator", "a-good-password", role="moderator", allow_reserved=True)
    db.session.flush()
    board = db.session.scalar(db.select(Board).order_by(Board.id))
    thread = Thread(board_id=board.id, author_id=author.id, title="Seeded thread", created_at=FEB,
                    last_activity_at=FEB, status="published")
    db.session.add(thread)
    db.session.flush()

    def post(at, status, verdict, body=SECRET_TEXT):
        row = Post(thread_id=thread.id, author_id=author.id, body=body, status=status, created_at=at,
                   verdict=verdict, hold_reason=(verdict or {}).get("hold_reason"))
        db.session.add(row)
        return row

    # 13 posts in March: 5 held for toxicity, 2 for self-harm, 1 removed for toxicity, 5 published.
    for i in range(5):
        post(MARCH + timedelta(minutes=i), "held", _verdict("held", "toxicity"))
    for i in range(2):
        post(MARCH + timedelta(hours=1, minutes=i), "held", _verdict("held", "self_harm"))
    post(MARCH + timedelta(hours=2), "removed", _verdict("removed", "toxicity"))
    for i in range(5):
        post(MARCH + timedelta(hours=3, minutes=i), "published", _verdict("published"))
    post(FEB, "held", _verdict("held", "toxicity"))  # other months never count
    post(APRIL, "held", _verdict("held", "toxicity"))
    room = db.session.scalar(db.select(ChatRoom).order_by(ChatRoom.id))
    for i in range(3):
        db.session.add(ChatMessage(room_id=room.id, author_id=author.id, body=SECRET_TEXT, status="published",
                                   verdict=_verdict("published"), created_at=MARCH + timedelta(minutes=i)))
    db.session.add(ChatMessage(room_id=room.id, author_id=author.id, body=SECRET_TEXT, status="published",
                               verdict=_verdict("published"), created_at=APRIL))
    for i in range(6):  # from the member to the moderators
        db.session.add(StaffMessage(member_id=author.id, sender_id=author.id, body=SECRET_TEXT,
                                    created_at=MARCH + timedelta(minutes=i)))
    for i in range(2):  # replies from staff are not screened member writing
        db.session.add(StaffMessage(member_id=author.id, sender_id=moderator.id, body="a reply",
                                    created_at=MARCH + timedelta(minutes=i)))
    db.session.add(AuditEntry(action="post.hold_by_reports", target="post:1", created_at=MARCH))
    db.session.flush()

    content_ids = iter(range(10_000, 20_000))

    def item(created, priority, kind="toxicity", **fields):
        row = QueueItem(content_type="post", content_id=next(content_ids), author_id=author.id, kind=kind,
                        priority=priority, rank=3, status=fields.pop("status", "open"), reasons=[], report_count=0,
                        version=1, created_at=created, **fields)
        db.session.add(row)
        db.session.flush()
        return row

    def claim(row, minutes):
        """A claim as the claim service leaves it: an audit entry, and the item's first claim time."""
        at = row.created_at + timedelta(minutes=minutes)
        db.session.add(AuditEntry(actor_id=moderator.id, action="queue.claim", target=f"queue:{row.id}",
                                  created_at=at))
        if row.first_claimed_at is None or at < row.first_claimed_at:
            row.first_claimed_at = at

    def resolved(minutes, resolution, by=moderator):
        return {"status": "resolved", "resolution": resolution, "resolved_at": MARCH + timedelta(minutes=minutes),
                "resolved_by_id": by.id if by is not None else None}

    one = item(MARCH, "normal")
    claim(one, 5)
    claim(one, 100)  # a later claim never moves the first human
    claim(item(MARCH, "normal"), 10)
    three = item(MARCH, "normal", **resolved(60, "remove"))
    claim(three, 15)
    item(MARCH, "normal", kind="self_harm", **resolved(20, "with_support"))
    item(MARCH, "normal", kind="self_harm", **resolved(30, "reach_out"))
    six = item(MARCH, "normal", **resolved(40, "approve"))
    claim(six, 50)
    item(MARCH, "normal", kind="unscreened", **resolved(3, "rescreened", by=None))  # no person: not reached
    claim(item(MARCH, "urgent", kind="self_harm"), 1)
    claim(item(MARCH, "urgent", kind="self_harm"), 2)
    for _ in range(5):  # opened in February, removed in March
        item(FEB, "normal", kind="report", **resolved(5, "remove"))
    # Six appeals in March: five turned down, one overturned (their items opened in February).
    for i in range(6):
        row = item(FEB, "low", kind="appeal", **resolved(10, "remove" if i < 5 else "approve"))
        db.session.add(Appeal(content_type="post", content_id=row.content_id, member_id=author.id, text=SECRET_TEXT,
                              created_at=MARCH + timedelta(minutes=i)))
    db.session.add(Appeal(content_type="post", content_id=99_999, member_id=author.id, text=SECRET_TEXT,
                          created_at=APRIL))
    db.session.commit()
    return {"handles": [author.handle, moderator.handle]}
