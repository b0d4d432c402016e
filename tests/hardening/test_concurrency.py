"""16 threads at once against the real WSGI app (one test client and app context per request, one database
connection per thread): posting, replying, reporting the same posts and deciding the same queue items, on SQLite
(WAL) and PostgreSQL. Nothing is lost, nothing is duplicated, nothing answers 500, and the counts add up."""
from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from community.extensions import db
from community.forum.models import Post, Report, Thread
from moderation.models import QueueItem
from tests.conftest import ScoreControl

THREADS = 16
POSTERS, REPORTERS, MODERATORS = 8, 6, 2
OPS = 6


@pytest.mark.slow
def test_sixteen_threads_lose_nothing(any_app, make_member, token_for):
    ctl = ScoreControl(any_app)
    ctl.toxic("HOLDME", 0.9)
    posters = [token_for(make_member(f"poster-{i}")) for i in range(POSTERS)]
    reporters = [token_for(make_member(f"reporter-{i}")) for i in range(REPORTERS)]
    mods = [token_for(make_member(f"mod-{i}", role="moderator")) for i in range(MODERATORS)]
    setup = any_app.test_client()
    shared = []
    for n in range(2):
        r = setup.post("/api/v1/boards/anxiety/threads", json={"title": f"Shared thread {n}", "body": "start"},
                       headers=posters[0])
        assert r.status_code == 201
        shared.append(r.get_json()["thread"]["id"])
    # Posts everyone will report at once: the first report of each creates its one queue item (the known race).
    targets = []
    for n in range(4):
        r = setup.post(f"/api/v1/threads/{shared[n % 2]}/posts", json={"body": f"report target {n}"},
                       headers=posters[1])
        assert r.status_code == 201
        targets.append(r.get_json()["post"]["id"])
    # Held posts waiting for the moderators.
    for n in range(6):
        assert setup.post(f"/api/v1/threads/{shared[0]}/posts", json={"body": f"HOLDME {n}"},
                          headers=posters[2]).status_code == 201
    db.session.remove()

    statuses: Counter = Counter()
    acknowledged: list[int] = []
    failures: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def note(response, allowed):
        with lock:
            statuses[response.status_code] += 1
            if response.status_code not in allowed:
                failures.append(f"{response.request.method} {response.request.path}: {response.status_code} "
                                f"{response.data[:300]!r}")

    def poster(i):
        client = any_app.test_client()
        headers = posters[i]
        barrier.wait()
        for n in range(OPS):
            if n % 3 == 0:
                r = client.post("/api/v1/boards/anxiety/threads", json={"title": f"New thread {i}-{n}",
                                                                      "body": f"opening {i}-{n}"}, headers=headers)
            else:
                r = client.post(f"/api/v1/threads/{shared[n % 2]}/posts", json={"body": f"reply {i}-{n}"},
                                headers=headers)
            note(r, {201})
            if r.status_code == 201:
                with lock:
                    acknowledged.append(r.get_json()["post"]["id"])

    def reporter(i):
        client = any_app.test_client()
        barrier.wait()
        for post_id in targets:
            # 404 once enough reports have held the post (the reporter can no longer see it).
            note(client.post("/api/v1/reports", json={"post_id": post_id, "reason": "spam"}, headers=reporters[i]),
                 {201, 404})

    def moderator(i):
        client = any_app.test_client()
        barrier.wait()
        for _round in range(3):
            r = client.get("/api/v1/moderation/queue", headers=mods[i])
            note(r, {200})
            for item in (r.get_json() or {}).get("items", []):
                if item["kind"] != "toxicity":
                    continue
                note(client.post(f"/api/v1/moderation/items/{item['id']}/decision",
                                 json={"action": "approve", "version": item["version"]}, headers=mods[i]),
                     {200, 409})

    workers = ([threading.Thread(target=poster, args=(i,)) for i in range(POSTERS)]
               + [threading.Thread(target=reporter, args=(i,)) for i in range(REPORTERS)]
               + [threading.Thread(target=moderator, args=(i,)) for i in range(MODERATORS)])
    assert len(workers) == THREADS
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert not any(w.is_alive() for w in workers)

    assert not failures, failures[:5]
    assert statuses[500] == 0 and statuses[503] == 0
    assert len(acknowledged) == POSTERS * OPS

    db.session.expire_all()
    stored = set(db.session.scalars(select(Post.id)))
    assert set(acknowledged) <= stored, "an acknowledged post is missing"
    # One queue item per piece of content, and its report count is the number of reports.
    pairs = db.session.execute(select(QueueItem.content_type, QueueItem.content_id)).all()
    assert len(pairs) == len(set(pairs))
    for post_id in targets:
        reports = db.session.scalar(select(func.count(Report.id)).where(Report.post_id == post_id))
        items = list(db.session.scalars(select(QueueItem).where(QueueItem.content_type == "post",
                                                                QueueItem.content_id == post_id)))
        assert len(items) == 1 and items[0].report_count == reports, (post_id, reports, items)
    # Every thread's post_count is its published, undeleted posts.
    for thread in db.session.scalars(select(Thread)):
        published = db.session.scalar(select(func.count(Post.id)).where(
            Post.thread_id == thread.id, Post.status == "published", Post.deleted_at.is_(None)))
        assert thread.post_count == published, (thread.id, thread.post_count, published)
