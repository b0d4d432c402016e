#!/usr/bin/env python
"""Do pages stay as cheap as the community grows? First page vs last page, SQLite and PostgreSQL side by side.

For each database (a SQLite file, then a throw-away PostgreSQL database created and dropped here) it migrates, then
bulk-inserts (Core executemany, stored HTML included) one thread with 10,000 posts, one board with 100,000 threads
and 10,000 open queue items, and times in-process requests through the whole Flask stack (test client, no network,
page cache off):

    GET /t/<id>?page=1 and ?page=<last>                 thread page (anonymous, HTML)
    GET /api/v1/threads/<id>?page=1 and ?page=<last>   its API twin
    GET /b/<slug>?page=1 and ?page=<last>               board page (anonymous, HTML)
    GET /api/v1/moderation/queue?page=1 and ?page=<last>   queue (staff token; 200 items a page)
    GET /                                               home, with and without the 100,000 threads

Each URL: a few warm-up requests, then the median of --repeat timed requests; the ratio last/first is the figure
(target <= 2). On PostgreSQL it also prints EXPLAIN for the last-page queries, to show they use the indexes.

    /work/main/.venv/bin/python bench/growth.py --json /tmp/growth.json
    /work/main/.venv/bin/python bench/growth.py --posts 2000 --threads 20000 --queue 2000 --no-postgres  # quick
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import ROOT, ThrowawayDatabase, log, machine  # noqa: E402

sys.path.insert(0, str(ROOT))

BATCH = 5000


def _bulk(table, rows):
    from community.extensions import db
    for start in range(0, len(rows), BATCH):
        db.session.execute(table.insert(), rows[start:start + BATCH])
    db.session.commit()


def seed(app, posts: int, threads: int, queue: int) -> dict:
    from sqlalchemy import select

    from community.extensions import db
    from community.forum.models import Board, Post, Thread
    from community.members.models import Member, utcnow
    from community.members.services import create_member, issue_token
    from community.rendering import RENDERER_VERSION, render_stored
    from moderation.models import QueueItem
    with app.app_context():
        author, _ = create_member("grower", "a-good-password-1")
        staff, _ = create_member("grow-mod", "a-good-password-1", role="moderator", allow_reserved=True)
        token = issue_token(staff)
        now = utcnow() - timedelta(days=30)
        board = db.session.scalar(select(Board).order_by(Board.id))
        big_board = Board(slug="big-board", name="Big board", description="100,000 threads", position=99)
        thread = Thread(board_id=board.id, author_id=author.id, title="A long thread", created_at=now,
                        last_activity_at=now, post_count=posts)
        db.session.add_all([big_board, thread])
        db.session.commit()
        html, plain = render_stored("A reply with **some** words and [a link](https://example.org).")
        started = time.perf_counter()
        _bulk(Post.__table__, [
            {"thread_id": thread.id, "author_id": author.id, "is_opening": i == 0, "status": "published",
             "body": "A reply with **some** words and [a link](https://example.org).", "html": html,
             "html_plain": plain, "html_version": RENDERER_VERSION, "created_at": now + timedelta(seconds=i)}
            for i in range(posts)])
        _bulk(Thread.__table__, [
            {"board_id": big_board.id, "author_id": author.id, "title": f"Thread {i}", "status": "published",
             "created_at": now, "last_activity_at": now + timedelta(seconds=i), "post_count": 1}
            for i in range(threads)])
        ranks = {"urgent": 0, "high": 1, "normal": 3, "low": 4}
        # Each item points at a real post (the long thread's), as in a real queue: its page loads the content.
        post_ids = list(db.session.scalars(select(Post.id).where(Post.thread_id == thread.id).order_by(Post.id)))
        _bulk(QueueItem.__table__, [
            {"content_type": "post", "content_id": post_ids[i % len(post_ids)], "author_id": author.id,
             "kind": "toxicity",
             "priority": p, "rank": ranks[p], "status": "open", "reasons": ["bench"], "version": 1,
             "report_count": 0, "escalated": False, "created_at": now + timedelta(seconds=i),
             "updated_at": now + timedelta(seconds=i)}
            for i, p in ((i, ("urgent", "high", "normal", "low")[i % 4]) for i in range(queue))])
        if db.engine.dialect.name == "postgresql":
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
        log(f"  seeded in {time.perf_counter() - started:.1f}s")
        return {"thread_id": thread.id, "token": token, "big_board": big_board.slug,
                "thread_pages": -(-posts // 20), "board_pages": -(-threads // 20), "queue_pages": -(-queue // 200)}


def timed(client, url, headers, repeat: int) -> float:
    for _ in range(3):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code, response.data[:200])
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    return statistics.median(times) * 1000


def explain(app, seeded) -> list[str]:
    """EXPLAIN of the last-page queries as the app builds them (PostgreSQL)."""
    from sqlalchemy import select

    from community.extensions import db
    from community.forum.models import Board, Post, Thread
    from moderation.models import QueueItem
    out = []
    with app.app_context():
        board = db.session.scalar(select(Board).where(Board.slug == seeded["big_board"]))
        queries = {
            "thread last page": select(Post.id).where(Post.thread_id == seeded["thread_id"],
                                                      Post.status == "published")
            .order_by(Post.created_at.desc(), Post.id.desc()).limit(20).offset(0),
            "board last page": select(Thread.id).where(Thread.board_id == board.id, Thread.status == "published")
            .order_by(Thread.last_activity_at.asc(), Thread.id.asc()).limit(20).offset(0),
            "queue last page": select(QueueItem.id).where(QueueItem.status == "open")
            .order_by(QueueItem.rank.desc(), QueueItem.created_at.desc(), QueueItem.id.desc()).limit(200),
        }
        for label, query in queries.items():
            compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
            plan = [row[0] for row in db.session.execute(db.text(f"EXPLAIN {compiled}"))]
            out.append(f"{label}:\n    " + "\n    ".join(plan))
    return out


def run(kind: str, tmp: Path, args) -> dict:
    log(f"{kind}: migrating and seeding")
    database = ThrowawayDatabase(tmp, kind, f"growth-{kind}")
    try:
        from community.extensions import db
        from community.forum.models import Board
        app = database.app
        # The database's work, not the page cache's: anonymous pages would otherwise be served from memory.
        app.config["PAGE_CACHE_SECONDS"] = 0
        home_empty = None
        with app.app_context():
            client = app.test_client()
            home_empty = timed(client, "/", {}, args.repeat)
        seeded = seed(app, args.posts, args.threads, args.queue)
        staff = {"Authorization": f"Bearer {seeded['token']}"}
        rows = []
        with app.app_context():
            client = app.test_client()
            t, b, q = seeded["thread_id"], seeded["big_board"], seeded["queue_pages"]
            for label, url, headers, last in [
                    ("thread page", f"/t/{t}", {}, seeded["thread_pages"]),
                    ("thread API", f"/api/v1/threads/{t}", {}, seeded["thread_pages"]),
                    ("board page", f"/b/{b}", {}, seeded["board_pages"]),
                    ("board API", f"/api/v1/boards/{b}/threads", {}, seeded["board_pages"]),
                    ("queue API", "/api/v1/moderation/queue", staff, q)]:
                first = timed(client, f"{url}?page=1", headers, args.repeat)
                final = timed(client, f"{url}?page={last}", headers, args.repeat)
                rows.append({"what": label, "last_page": last, "first_ms": first, "last_ms": final,
                             "ratio": final / first})
                log(f"  {label}: first {first:.1f} ms, last (page {last}) {final:.1f} ms, x{final / first:.2f}")
            home = timed(client, "/", {}, args.repeat)
            rows.append({"what": "home", "last_page": None, "first_ms": home_empty, "last_ms": home,
                         "ratio": home / home_empty, "note": "before vs after seeding"})
            log(f"  home: {home_empty:.1f} ms empty, {home:.1f} ms with {args.threads} threads")
            del Board, db
        plans = explain(app, seeded) if kind == "postgresql" else []
        for plan in plans:
            log("  " + plan)
        return {"database": kind, "rows": rows, "explain": plans}
    finally:
        database.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=100_000)
    parser.add_argument("--queue", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--json")
    args = parser.parse_args()
    started = machine()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ["sqlite"] + ([] if args.no_postgres else ["postgresql"]):
            results.append(run(kind, Path(tmp), args))
    print(f"\nposts in the thread {args.posts:,}, threads in the board {args.threads:,}, open queue items "
          f"{args.queue:,}; median of {args.repeat} requests (ms)\n")
    print("| page | database | first | last | last/first |\n|---|---|---|---|---|")
    for result in results:
        for row in result["rows"]:
            label = row["what"] + (f" (page {row['last_page']})" if row["last_page"] else " (empty → seeded)")
            print(f"| {label} | {result['database']} | {row['first_ms']:.1f} | {row['last_ms']:.1f} | "
                  f"{row['ratio']:.2f} |")
    print(f"\nmachine: {started}")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": started, "args": vars(args), "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
