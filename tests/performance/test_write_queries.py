"""Writing a reply runs a fixed number of SQL statements whatever the number of members following its thread (N and
3N followers), apart from the new notification rows themselves: the followers' settings are read in one query, and
the live `notification` events of one commit are prepared together (quiet hours, visibility and every member's
unread count: three queries, not three each)."""
from __future__ import annotations

from sqlalchemy import select

from community.extensions import db
from community.forum import services as forum
from community.notifications.models import Notification
from tests.performance.test_query_budget import counted


def _thread_with_followers(make_member, n: int, tag: str):
    author = make_member(f"author-{tag}")
    thread, _opening, _ = forum.create_thread(author, forum.get_board("off-topic"), f"Thread {tag}", "hello")
    for i in range(n):
        forum.create_reply(make_member(f"f{i}-{tag}"), thread, f"reply {i}")  # each one follows the thread now
    return thread


def test_a_reply_costs_the_same_statements_however_many_follow_its_thread(app, make_member, token_for):
    budgets, told = {}, {}
    for n, tag in ((3, "small"), (9, "big")):
        thread = _thread_with_followers(make_member, n, tag)
        headers = token_for(make_member(f"writer-{tag}"))
        client = app.test_client()
        client.post(f"/api/v1/threads/{thread.id}/posts", json={"body": "warming up"}, headers=headers)  # follows now
        db.session.expire_all()
        with counted() as statements:
            r = client.post(f"/api/v1/threads/{thread.id}/posts", json={"body": "one more reply"}, headers=headers)
        assert r.status_code == 201, r.data[:300]
        told[n] = db.session.scalar(select(db.func.count(Notification.id)).where(
            Notification.post_id == r.get_json()["post"]["id"]))
        # (SQLite has no multi-row INSERT ... RETURNING that keeps the rows' order, so SQLAlchemy sends the new
        # notifications one row at a time there: those are counted apart.)
        inserts = [s for s in statements if s.startswith("INSERT INTO notifications")]
        assert len(inserts) in (1, told[n]), inserts
        budgets[n] = len(statements) - len(inserts)
    assert told == {3: 4, 9: 10}  # every follower but the writer: the thread's author and the n repliers
    assert budgets[3] == budgets[9], budgets
