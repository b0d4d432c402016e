"""The notifications page, its API and a signed-in thread page with reactions and quotes run a fixed number of SQL
statements whatever the number of notifications, reactions or quotes on them (N and 3N)."""
from __future__ import annotations

from community.extensions import db
from community.forum import reactions, services as forum
from community.forum.models import Post
from tests.conftest import login
from tests.performance.test_query_budget import counted


def _world(make_member, n: int, tag: str):
    author = make_member(f"author-{tag}")
    thread, opening, _ = forum.create_thread(author, forum.get_board("off-topic"), f"Thread {tag}", "hello")
    for i in range(n):
        friend = make_member(f"f{i}-{tag}")
        post, _ = forum.create_reply(friend, thread, f"reply {i} for @author-{tag}",
                                     quote_post_id=opening.id if i % 2 else None)
        reactions.add(friend, opening, "hug")
        reactions.add(author, db.session.get(Post, post.id), "thank_you")
    return author, thread


def _count(client, url, headers=None):
    db.session.expire_all()
    with counted() as statements:
        r = client.get(url, headers=headers or {})
    assert r.status_code == 200, r.data[:300]
    return len(statements)


def test_notification_and_thread_pages_have_a_fixed_query_budget(app, make_member, token_for):
    budgets = {}
    for n, tag in ((4, "small"), (12, "big")):
        author, thread = _world(make_member, n, tag)
        client = app.test_client()
        login(client, f"author-{tag}")
        headers = token_for(author)
        api = app.test_client()
        budgets[n] = (_count(api, "/api/v1/notifications", headers),
                      _count(client, f"/t/{thread.id}"),
                      _count(client, "/notifications"))
    assert budgets[4] == budgets[12], budgets

