#!/usr/bin/env python
"""CPU per request, in-process (the Flask test client, no network, no wrk): figures that a busy shared machine
disturbs much less than requests/s, since they count the process's own CPU time (`time.process_time`, all threads).

    python bench/cpu_per_request.py read                 # signed-in 20-post thread page, kept and not kept
    python bench/cpu_per_request.py read --anchor 7678cc0   # the same on another commit's code (git archive)
    python bench/cpu_per_request.py post --batch 1 4     # 8 writers posting at once, embedded models
    python bench/cpu_per_request.py models               # the embedded models alone, per text by batch size

Each mode builds a fresh SQLite database in a temporary directory (migrated, one thread), so it never touches
anything else. `read` signs a member in through the login form, as a browser does.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPLIES = ["Thank you for sharing this, it helps to know I'm not the only one.",
           "I tried writing things down before bed and it made the nights a bit easier.",
           "Sending you a bit of calm today. Small steps still count.",
           "Same here. Walking to the shop and back was my win this week."]


def _app(backend: str, **config):
    from community import create_app
    from flask_migrate import upgrade
    tmp = tempfile.mkdtemp(prefix="haven-cpu-")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/haven.sqlite3", "SECRET_KEY": "bench",
                      "PRIVACY_HMAC_KEY": "bench", "RATELIMIT_ENABLED": False, "REDIS_URL": None,
                      "MODERATION_TOXICITY_BACKEND": backend, "MODERATION_SELF_HARM_BACKEND": backend, **config},
                     instance_path=tmp)
    with app.app_context():
        upgrade()
    return app


def _writers(app, n: int):
    from community.extensions import db
    from community.members.services import create_member, issue_token
    with app.app_context():
        members = []
        for i in range(n):
            member, _code = create_member(f"bench-{i}", "a-bench-password", allow_reserved=True)
            member.trust_level = "trusted"
            members.append(member)
        db.session.commit()
        return [issue_token(m) for m in members]


def read(args) -> None:
    sys.path.insert(0, str(args.tree))
    for size in args.kept:
        app = _app("lexicon", READER_PAGE_CACHE_SIZE=size)
        tokens = _writers(app, 1)
        client = app.test_client()
        auth = {"Authorization": f"Bearer {tokens[0]}"}
        made = client.post("/api/v1/boards/anxiety/threads", json={"title": "A bench thread", "body": "opening"},
                           headers=auth).get_json()
        url = f"/t/{made['thread']['id']}"
        for i in range(19):
            client.post(f"/api/v1/threads/{made['thread']['id']}/posts", json={"body": f"reply {i}: {REPLIES[i % 4]}"},
                        headers=auth)
        page = client.get("/login").get_data(as_text=True)
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        client.post("/login", data={"handle": "bench-0", "password": "a-bench-password",
                                    **({"csrf_token": found.group(1)} if found else {})})
        for _ in range(20):
            state = client.get(url).headers.get("X-Page-Cache")
        start = time.process_time()
        for _ in range(args.requests):
            assert client.get(url).status_code == 200
        cpu = (time.process_time() - start) / args.requests * 1000
        print(f"read  tree={args.tree.name} READER_PAGE_CACHE_SIZE={size} X-Page-Cache={state} "
              f"requests={args.requests} cpu/request={cpu:.3f} ms")


def post(args) -> None:
    sys.path.insert(0, str(args.tree))
    for batch in args.batch:
        app = _app(args.backend, MODERATION_BATCH_TEXTS=batch)
        tokens = _writers(app, 16)
        client = app.test_client()
        made = client.post("/api/v1/boards/anxiety/threads", json={"title": "A bench thread", "body": "opening"},
                           headers={"Authorization": f"Bearer {tokens[0]}"}).get_json()
        thread_id = made["thread"]["id"]
        statuses = []

        def write(k: int, count: int, base: int) -> None:
            own = app.test_client()
            for j in range(count):
                i = base + k * 1000 + j
                response = own.post(f"/api/v1/threads/{thread_id}/posts", json={"body": f"{REPLIES[i % 4]} ({i})"},
                                    headers={"Authorization": f"Bearer {tokens[(k + j * 2) % 16]}"})
                statuses.append(response.get_json()["post"]["status"] if response.status_code == 201
                                else response.status_code)
        write(0, 10, 0)  # warm-up (models loaded)
        statuses.clear()
        from moderation import screen as screening
        calls_before = sum(c.calls for _, c in getattr(screening, "_coalescers", {}).values())
        writers = [threading.Thread(target=write, args=(k, args.posts // args.writers, 10_000))
                   for k in range(args.writers)]
        start, wall = time.process_time(), time.perf_counter()
        for t in writers:
            t.start()
        for t in writers:
            t.join()
        cpu = (time.process_time() - start) / len(statuses) * 1000
        wall = time.perf_counter() - wall
        calls = sum(c.calls for _, c in getattr(screening, "_coalescers", {}).values()) - calls_before
        counted = {s: statuses.count(s) for s in set(statuses)}
        print(f"post  backend={args.backend} MODERATION_BATCH_TEXTS={batch} writers={args.writers} "
              f"posts={len(statuses)} {counted} classifier_calls={calls} cpu/post={cpu:.1f} ms "
              f"posts/s={len(statuses) / wall:.1f}")


def models(args) -> None:
    from moderation.classifiers import registry
    app = _app("embedded")
    with app.app_context():
        backends = registry.backends(app)
        counter = [0]

        def texts(n):
            counter[0] += n
            return [f"{REPLIES[(counter[0] + i) % 4]} ({counter[0] + i})" for i in range(n)]
        for n in args.sizes:
            for _ in range(3):
                t = texts(n)
                backends.toxicity.score(t), backends.self_harm.score(t)
            reps = max(4, 64 // n)
            start = time.process_time()
            for _ in range(reps):
                t = texts(n)
                backends.toxicity.score(t), backends.self_harm.score(t)
            print(f"models batch={n:2d} cpu/text={(time.process_time() - start) / (reps * n) * 1000:.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    r = sub.add_parser("read")
    r.add_argument("--requests", type=int, default=1500)
    r.add_argument("--kept", type=int, nargs="+", default=[500, 0], help="READER_PAGE_CACHE_SIZE values to run")
    r.add_argument("--anchor", help="run on this commit's code instead (extracted with git archive)")
    p = sub.add_parser("post")
    p.add_argument("--batch", type=int, nargs="+", default=[1, 4], help="MODERATION_BATCH_TEXTS values to run")
    p.add_argument("--posts", type=int, default=160)
    p.add_argument("--writers", type=int, default=8)
    p.add_argument("--backend", default="embedded")
    p.add_argument("--anchor", help="run on this commit's code instead (extracted with git archive)")
    m = sub.add_parser("models")
    m.add_argument("--sizes", type=int, nargs="+", default=[1, 2, 4, 8, 16])
    args = parser.parse_args()
    args.tree = ROOT
    if getattr(args, "anchor", None):
        args.tree = Path(tempfile.mkdtemp(prefix="haven-anchor-")) / args.anchor
        args.tree.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.anchor], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(args.tree)], input=archive.stdout, check=True)
    else:
        sys.path.insert(0, str(ROOT))
    {"read": read, "post": post, "models": models}[args.mode](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
