#!/usr/bin/env python
"""Edit flood: does another member's crisis reply still get help while one member floods edits?

One run, three phases, each against the production server command (gunicorn `-w 1 --threads 100`, the embedded
screening models) on a fresh SQLite database:

  no flood     the same crisis replies with nobody flooding: what this machine gives at all (the anchor's context);
  limits on    the production configuration (rate limits on, memory storage);
  limits off   RATELIMIT_ENABLED=false: only the screening queue (new words ahead of edits, a bound per member)
               stands between the flood and the crisis reply.

In each phase one member runs six parallel loops of 10,000-character edits (`PATCH /api/v1/posts/<id>`, each loop on
its own post) for `--duration` seconds, while another member posts a crisis reply every `--every` seconds. It prints,
side by side with the anchor (every crisis reply answered with help in the same response), how many crisis replies
came back held for self-harm with resources, their latency, and what happened to the edits.

    /work/main/.venv/bin/python bench/edit_flood.py            # 30 s per phase
    /work/main/.venv/bin/python bench/edit_flood.py --duration 10 --every 2   # quick look
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import ThrowawayDatabase, log, machine  # noqa: E402
from http_bench import Server  # noqa: E402

LOOPS = 6
EDIT = ("I keep rewriting this because the words never come out right, and that is fine. " * 130)[:10_000]
CRISIS = "I can't do this anymore. I want to end my life tonight."


def prepare(db) -> dict:
    from community.forum.services import create_thread, get_board
    from community.members.services import create_member, issue_token
    with db.app.app_context():
        flooder, _ = create_member("edit-flooder", "bench-password-1")
        crisis, _ = create_member("quiet-replier", "bench-password-2", region="GB")
        board = get_board("anxiety")
        posts = [create_thread(flooder, board, f"Draft {n}", "a first version")[1].id for n in range(LOOPS)]
        thread = create_thread(crisis, board, "Evening", "just checking in")[0].id
        # Each member from their own client address (the server trusts one proxy hop), as on a real site: the
        # flooder's per-client budget is theirs alone.
        return {"flood": {"Authorization": f"Bearer {issue_token(flooder)}", "X-Forwarded-For": "198.51.100.7"},
                "posts": posts, "thread": thread,
                "crisis": {"Authorization": f"Bearer {issue_token(crisis)}", "X-Forwarded-For": "203.0.113.9"}}


def phase(url: str, world: dict, duration: float, every: float, loops: int = LOOPS) -> dict:
    import requests
    stop = threading.Event()
    edits: Counter = Counter()
    edit_latency: list[float] = []

    def loop(post_id: int, n: int) -> None:
        session = requests.Session()
        while not stop.is_set():
            t0 = time.monotonic()
            try:
                r = session.patch(f"{url}/api/v1/posts/{post_id}", headers=world["flood"], timeout=30,
                                  json={"body": EDIT[:-6] + f"{n:06d}"})
                edits[r.status_code] += 1
            except requests.RequestException:
                edits["error"] += 1
            edit_latency.append(time.monotonic() - t0)
            n += 1

    threads = [threading.Thread(target=loop, args=(post_id, i * 100_000), daemon=True)
               for i, post_id in enumerate(world["posts"][:loops])]
    for t in threads:
        t.start()
    replies, latencies = [], []
    started = time.monotonic()
    n = 0
    time.sleep(min(3.0, every))
    while time.monotonic() - started < duration:
        t0 = time.monotonic()
        r = requests.post(f"{url}/api/v1/threads/{world['thread']}/posts", headers=world["crisis"], timeout=60,
                          json={"body": f"{CRISIS} ({n})"})
        latencies.append(time.monotonic() - t0)
        body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
        replies.append({"status": r.status_code,
                        "hold_reason": body.get("hold_reason") if r.status_code < 400 else f"refused {r.status_code}",
                        "help": bool(body.get("resources")) and body.get("emergency") is not None,
                        "why": f"{r.status_code} {body.get('status')}/{body.get('hold_reason')} "
                               f"resources={len(body.get('resources') or [])} "
                               f"emergency={body.get('emergency') is not None}"})
        n += 1
        time.sleep(max(0.0, every - (time.monotonic() - t0)))
    stop.set()
    for t in threads:
        t.join(60)
    helped = sum(1 for r in replies if r["help"])
    return {"replies": len(replies), "helped": helped,
            "held_for": dict(Counter(r["hold_reason"] for r in replies)),
            "unhelped": dict(Counter(r["why"] for r in replies if not r["help"])),
            "reply_p50": statistics.median(latencies) if latencies else None,
            "reply_max": max(latencies) if latencies else None,
            "edits": dict(edits), "edit_p50": statistics.median(edit_latency) if edit_latency else None}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--every", type=float, default=3.0)
    args = parser.parse_args()
    info = machine()
    results = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for name, limits, loops in (("no flood", "true", 0), ("limits on", "true", LOOPS),
                                    ("limits off", "false", LOOPS)):
            db = ThrowawayDatabase(tmp, "sqlite", name.replace(" ", "-"))
            try:
                world = prepare(db)
                server = Server("wsgi:app", {"DATABASE_URL": db.url, "RATELIMIT_ENABLED": limits,
                                             "SECRET_KEY": "bench", "HAVEN_BACKGROUND_JOBS": "1",
                                             "TRUST_PROXY": "1"}, tmp)
                try:
                    server.wait_ready("/healthz")
                    import requests
                    for n in range(3):  # warm-up: the models are loaded and have run once
                        requests.post(f"{server.url}/api/v1/threads/{world['thread']}/posts",
                                      headers=world["crisis"], json={"body": f"warming up, a normal day {n}"},
                                      timeout=120)
                    log(f"{name}: flooding for {args.duration:.0f} s")
                    results[name] = phase(server.url, world, args.duration, args.every, loops)
                finally:
                    server.kill()
            finally:
                db.close()
    print(f"Machine: {info['cpu']} ({info['nproc']} cores), {info['memory']}, Python {info['python']}, "
          f"load before: {info['loadavg_before']} (shared with other workers)")
    print(f"{LOOPS} parallel loops of 10,000-character edits by one member for {args.duration:.0f} s; another "
          f"member posts a crisis reply every {args.every:.0f} s\n")
    names = ["no flood", "limits on", "limits off"]
    print("| | anchor | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    rows = [("crisis replies answered with help in the same response", "all",
             lambda r: f"{r['helped']}/{r['replies']}"),
            ("crisis replies held as", "self_harm", lambda r: str(r["held_for"])),
            ("crisis replies without help (status, verdict, what came back)", "none",
             lambda r: str(r["unhelped"]) if r["unhelped"] else "-"),
            ("crisis reply latency p50 / max (s)", "", lambda r: f"{r['reply_p50']:.2f} / {r['reply_max']:.2f}"),
            ("edits by status", "", lambda r: str(r["edits"]) if r["edits"] else "-"),
            ("edit latency p50 (s)", "", lambda r: f"{r['edit_p50']:.2f}" if r["edit_p50"] is not None else "-")]
    for label, anchor, cell in rows:
        print(f"| {label} | {anchor} | " + " | ".join(cell(results[n]) for n in names) + " |")
    return 0 if all(results[n]["helped"] == results[n]["replies"] for n in names) else 1


if __name__ == "__main__":
    sys.exit(main())
