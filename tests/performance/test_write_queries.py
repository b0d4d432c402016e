"""Writing a reply runs a fixed number of SQL statements whatever the number of members following its thread (N and
3N followers), apart from the new notification rows themselves, and no more than its budget: the followers, their
blocks, member rows and settings are read in one query, and
the live `notification` events of one commit are prepared together (quiet hours, visibility and every member's
unread count: three queries, not three each)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from community.extensions import db
from community.forum import services as forum
from community.notifications.models import Notification
from tests.performance.test_query_budget import counted
from tests.support import received


def _thread_with_followers(make_member, n: int, tag: str):
    author = make_member(f"author-{tag}")
    thread, _opening, _ = forum.create_thread(author, forum.get_board("off-topic"), f"Thread {tag}", "hello")
    followers = [author]
    for i in range(n):
        followers.append(make_member(f"f{i}-{tag}"))
        forum.create_reply(followers[-1], thread, f"reply {i}")  # each one follows the thread now
    return thread, followers


@pytest.mark.parametrize("online", [False, True], ids=["nobody-connected", "every-follower-connected"])
def test_a_reply_costs_the_same_statements_however_many_follow_its_thread(app, make_member, token_for, connect,
                                                                          online):
    """Online: every follower has a live connection, so every notification is pushed with its member's count (one
    process, no message queue: with nobody connected, nothing is prepared for anyone)."""
    budgets, told = {}, {}
    for n, tag in ((3, "small"), (9, "big")):
        thread, followers = _thread_with_followers(make_member, n, tag)
        sockets = [connect(m) for m in followers] if online else []
        headers = token_for(make_member(f"writer-{tag}"))
        client = app.test_client()
        client.post(f"/api/v1/threads/{thread.id}/posts", json={"body": "warming up"}, headers=headers)  # follows now
        for s in sockets:
            s.get_received()
        db.session.expire_all()
        with counted() as statements:
            r = client.post(f"/api/v1/threads/{thread.id}/posts", json={"body": "one more reply"}, headers=headers)
        assert r.status_code == 201, r.data[:300]
        pushed = [e for s in sockets for e in received(s, "notification")]
        assert len(pushed) == (n + 1 if online else 0)
        assert all(e["notification"]["post_id"] == r.get_json()["post"]["id"] for e in pushed)
        told[n] = db.session.scalar(select(db.func.count(Notification.id)).where(
            Notification.post_id == r.get_json()["post"]["id"]))
        # (SQLite has no multi-row INSERT ... RETURNING that keeps the rows' order, so SQLAlchemy sends the new
        # notifications one row at a time there when their ids are needed for the pushes: those are counted apart.
        # With nobody connected no push needs an id: one INSERT of every row.)
        inserts = [s for s in statements if s.startswith("INSERT INTO notifications")]
        assert len(inserts) in ((1, told[n]) if online else (1,)), inserts
        budgets[n] = len(statements) - len(inserts)
    assert told == {3: 4, 9: 10}  # every follower but the writer: the thread's author and the n repliers
    assert budgets[3] == budgets[9], budgets
    # The token and the thread; the author's follow (read, updated); the post's INSERT with its verdict; the thread
    # row locked, its count, one UPDATE of its count and activity time; the fan-out's one query (followers, blocks,
    # member rows, settings); the answer's page. Online, the pushes' three (settings, visibility, unread counts).
    # (17 and 20 before the reply's verdict went out with its INSERT and the fan-out read its readers at once.)
    assert budgets[3] <= (13 if online else 10), budgets
