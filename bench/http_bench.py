#!/usr/bin/env python
"""HTTP throughput and latency against the ceiling, SQLite and PostgreSQL side by side, plus server memory.

What it does, in one run (every server on loopback, every phase bounded in time):

1. starts a bare Flask "hello" app (bench/hello_app.py) with the production server config, gunicorn
   `-w 1 --threads 100`, and loads it with wrk: the ceiling for this stack (Flask + gunicorn threads + Python);
2. for each database (a SQLite file, then a throw-away PostgreSQL database created and dropped here): migrates it,
   creates a member with an API token and a thread with 20 replies, starts Haven with the same gunicorn command
   (`wsgi:app`, the default embedded screening models, RATELIMIT_ENABLED=false), warms it up, then loads it with
   wrk for
     - read:  GET /t/<id>          the thread page (HTML, 20 posts, anonymous reader: the page cache serves it)
     - read signed in: the same page with a signed-in member's session cookie (personal: kept for that reader and
                       browser session alone, community/page_cache.py reader_page)
     - post:  POST /api/v1/threads/<id>/posts   a reply through the API, every body different, so each request is
              screened by both classifiers, stored and broadcast, exactly as a member's post is; 16 members
              take turns writing them (one member may only have a few posts waiting for screening at once);
3. reports requests/s, p50 and p99 (wrk's own latency histogram, via a Lua `done` hook), non-2xx answers, the
   ratio to the hello ceiling and the targets (anonymous read >= 40 % of hello, signed-in read >= 20 %, create
   post >= 60 posts/s on each database); reads back from the stored verdicts which classifiers screened the posts;
4. memory: the resident size (VmRSS, and the peak VmHWM) of the gunicorn worker that serves Haven, after warm-up
   with the embedded models, right after the SQLite load, and once its memory trimmer has run after the load
   (community/allocator.py); and of a second server started with the lexicon backend.

    /work/venv/bin/python bench/http_bench.py --json /tmp/http_bench.json
    /work/venv/bin/python bench/http_bench.py --duration 5 --connections 8 --no-postgres   # quick look

Needs `wrk` (Debian: apt-get install wrk) and, for the PostgreSQL column, a server at BENCH_POSTGRES_URL
(default postgresql://postgres@127.0.0.1:5432/test; the bench creates and drops its own database).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import ROOT, ThrowawayDatabase, free_port, log, wait_serving  # noqa: E402
from _support import machine as basic_machine  # noqa: E402

sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

TRIM_SECONDS = 30.0  # community/config.py's MEMORY_TRIM_SECONDS default (the servers here run with the default)
GUNICORN_ARGS = ["-w", "1", "--threads", "100"]  # README "Running in production"; -b is added per server
REPLIES = ["Thank you for sharing this, it helps to know I'm not the only one.",
           "I tried writing things down before bed and it made the nights a bit easier.",
           "Sending you a bit of calm today. Small steps still count.",
           "Same here. Walking to the shop and back was my win this week."]

WRK_SCRIPT = r"""
local method, body = os.getenv("BENCH_METHOD") or "GET", os.getenv("BENCH_BODY")
local cookie = os.getenv("BENCH_COOKIE") or ""
local tokens = {}
for t in string.gmatch(os.getenv("BENCH_TOKENS") or "", "[^,]+") do tokens[#tokens + 1] = t end
local counter = 0
local thread_id = 0
setup = function(thread) thread:set("tid", thread_id); thread_id = thread_id + 1 end
request = function()
  if method == "GET" and cookie ~= "" then return wrk.format("GET", nil, {["Cookie"] = cookie}) end
  if method == "GET" then return wrk.format("GET") end
  counter = counter + 1
  local text = string.format("%s (reply %d-%d)", body, tid, counter)
  local payload = '{"body": "' .. text .. '"}'
  -- The writers take turns (each wrk thread its own rotation), so no member has more than a post or two in
  -- flight: one member's own screening queue is bounded (moderation/scheduling.py) and would hold the rest.
  local token = tokens[((tid + counter * 2) % #tokens) + 1]
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token},
                    payload)
end
done = function(summary, latency, requests)
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"mean_us": %.1f, "connect_errors": %d, "read_errors": %d, "write_errors": %d, "status_errors": %d, ' ..
    '"timeouts": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
end
"""


def machine() -> dict:
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    return {**basic_machine(),
            "wrk": (wrk.stdout or wrk.stderr).splitlines()[0] if (wrk.stdout or wrk.stderr) else "?"}


# --- databases ---------------------------------------------------------------------------------------------------

class Database(ThrowawayDatabase):
    """A migrated database with one member (API token, a session for the signed-in read) who starts a thread of
    20 posts, and `writers` more members with API tokens who write the replies of the post workload."""

    def __init__(self, kind: str, tmp: Path, writers: int = 16):
        super().__init__(tmp, kind, f"http-{kind}")
        self.handle = f"bench-{uuid.uuid4().hex[:6]}"
        self.token, self.thread_id = self._seed()
        self.writer_tokens = self._writers(writers)

    def _seed(self) -> tuple[str, int]:
        from community.extensions import db
        from community.members.services import create_member, issue_token
        with self.app.app_context():
            member, _ = create_member(self.handle, "a-bench-password", allow_reserved=True)
            token = issue_token(member)
            db.session.remove()
        client = self.app.test_client()
        auth = {"Authorization": f"Bearer {token}"}
        board = client.get("/api/v1/boards").get_json()["boards"][0]["slug"]
        made = client.post(f"/api/v1/boards/{board}/threads", headers=auth,
                           json={"title": "How do you get through the evenings?",
                                 "body": "Evenings are the hardest part of the day for me lately. What helps you?"})
        assert made.status_code == 201, made.get_data(as_text=True)
        thread_id = made.get_json()["thread"]["id"]
        for i in range(19):
            r = client.post(f"/api/v1/threads/{thread_id}/posts", headers=auth,
                            json={"body": f"{REPLIES[i % len(REPLIES)]} ({i})"})
            assert r.status_code == 201, r.get_data(as_text=True)
        return token, thread_id

    def _writers(self, n: int) -> list[str]:
        from community.extensions import db
        from community.members.services import create_member, issue_token
        with self.app.app_context():
            tokens = [issue_token(create_member(f"{self.handle}-w{i}", "a-bench-password", allow_reserved=True)[0])
                      for i in range(n)]
            db.session.remove()
        return tokens

    def verdicts(self, after_id: int = 0) -> dict:
        """Which classifiers screened the posts the server made (id > after_id), and their statuses."""
        from collections import Counter

        from sqlalchemy import select

        from community.extensions import db
        from community.forum.models import Post
        with self.app.app_context():
            rows = db.session.execute(select(Post.verdict, Post.status, Post.hold_reason)
                                      .where(Post.id > after_id)).all()
            db.session.remove()
        used, statuses = Counter(), Counter()
        for verdict, status, reason in rows:
            names = (verdict or {}).get("classifiers") or {}
            used[", ".join(f"{slot}={info}" for slot, info in sorted(names.items())) or "none"] += 1
            statuses[f"{status} ({reason})" if reason else status] += 1
        return {"classifiers": dict(used), "statuses": dict(statuses)}

    def last_post_id(self) -> int:
        from sqlalchemy import func, select

        from community.extensions import db
        from community.forum.models import Post
        with self.app.app_context():
            value = db.session.scalar(select(func.max(Post.id))) or 0
            db.session.remove()
        return value


# --- servers -----------------------------------------------------------------------------------------------------

class Server:
    def __init__(self, target: str, env_extra: dict, tmp: Path, cwd: Path = ROOT):
        self.port = free_port()
        self.cmd = [str(Path(sys.executable).with_name("gunicorn")), *GUNICORN_ARGS, "-b", f"127.0.0.1:{self.port}",
                    target]
        env = {**os.environ, "PYTHONPATH": str(ROOT), **env_extra}
        for key in ("REDIS_URL", "RATELIMIT_STORAGE_URI"):
            env.pop(key, None)
        self.log_path = tmp / f"server-{self.port}.log"
        self.proc = subprocess.Popen(self.cmd, cwd=cwd, env=env, stdout=open(self.log_path, "wb"),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, path: str, timeout: float = 120) -> None:
        wait_serving(self.url + path, self.proc, "server", self.tail, timeout)

    def worker_pid(self) -> int:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        return int(children[0]) if children else self.proc.pid

    def memory(self) -> dict:
        status = Path(f"/proc/{self.worker_pid()}/status").read_text()
        values = {}
        for line in status.splitlines():
            key = line.split(":", 1)[0]
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(line.split()[1]) / 1024  # kB -> MiB
        return values

    def tail(self) -> str:
        return self.log_path.read_bytes().decode(errors="replace")[-3000:] if self.log_path.exists() else ""

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(10)


def haven_env(db_url: str, backend: str, instance: Path) -> dict:
    return {"DATABASE_URL": db_url, "SECRET_KEY": "bench-secret-key-bench-secret-key-00",
            "PRIVACY_HMAC_KEY": "bench", "RATELIMIT_ENABLED": "false", "SITE_URL": "",
            "MODERATION_TOXICITY_BACKEND": backend, "MODERATION_SELF_HARM_BACKEND": backend,
            "HAVEN_BACKGROUND_JOBS": "1", "UNSCREENED_RETRY_SECONDS": "3600",
            "SAFETY_PLAN_KEY": "", "MEMORY_TRIM_SECONDS": str(TRIM_SECONDS)}


def warm_up(server: Server, db: Database, posts: int = 5) -> None:
    """Models load in the background as the server starts; posting waits for them. Then a few reads."""
    import requests
    auth = {"Authorization": f"Bearer {db.token}"}
    for i in range(posts):
        r = requests.post(f"{server.url}/api/v1/threads/{db.thread_id}/posts", headers=auth, timeout=120,
                          json={"body": f"Warming up, reply {i}: {REPLIES[i % len(REPLIES)]}"})
        if r.status_code != 201:
            raise RuntimeError(f"warm-up post failed: {r.status_code} {r.text[:300]}")
    for _ in range(20):
        requests.get(f"{server.url}/t/{db.thread_id}", timeout=30).raise_for_status()


def session_cookie(server: Server, db: Database) -> str:
    """Sign the bench member in through the login form (CSRF included); the Cookie header for wrk."""
    import re

    import requests
    browser = requests.Session()
    page = browser.get(f"{server.url}/login", timeout=30).text
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = {"handle": db.handle, "password": "a-bench-password", **({"csrf_token": found.group(1)} if found else {})}
    r = browser.post(f"{server.url}/login", data=data, timeout=30, allow_redirects=False)
    if r.status_code != 302:
        raise RuntimeError(f"bench login failed: {r.status_code} {r.text[:300]}")
    check = browser.get(f"{server.url}/t/{db.thread_id}", timeout=30)
    # (A signed-in page may come from the reader's own page cache, never from the anonymous one.)
    if "Sign in</a> to reply" in check.text or 'name="csrf_token"' not in check.text:
        raise RuntimeError("bench session is not signed in")
    return "; ".join(f"{c.name}={c.value}" for c in browser.cookies)


# --- load --------------------------------------------------------------------------------------------------------

def wrk(url: str, args, tmp: Path, method: str = "GET", tokens=(), body: str = "", cookie: str = "") -> dict:
    script = tmp / "bench.lua"
    script.write_text(WRK_SCRIPT)
    cmd = ["wrk", f"-t{args.wrk_threads}", f"-c{args.connections}", f"-d{args.duration}s",
           f"--timeout={args.timeout}s", "-s", str(script), url]
    env = {**os.environ, "BENCH_METHOD": method, "BENCH_TOKENS": ",".join(tokens), "BENCH_BODY": body, "BENCH_COOKIE": cookie}
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=args.duration + args.timeout + 60)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result: {out.stdout}\n{out.stderr}")
    r = json.loads(line[len("BENCH_JSON "):])
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    r["p50_ms"], r["p99_ms"] = r["p50_us"] / 1000, r["p99_us"] / 1000
    r["errors"] = r["connect_errors"] + r["read_errors"] + r["write_errors"] + r["status_errors"] + r["timeouts"]
    r["command"] = " ".join(cmd[:-3] + ["<script>", url]) + (f"  ({method})" if method != "GET" else "")
    return r


# --- report ------------------------------------------------------------------------------------------------------

def markdown(results: dict, info: dict, memory: dict) -> str:
    hello = results["hello"]
    lines = ["| workload | database | requests/s | p50 ms | p99 ms | ratio to hello (req/s) | target | met | requests "
             "| non-2xx / errors |",
             "|---|---|---|---|---|---|---|---|---|---|",
             f"| hello (bare Flask) | - | {hello['rps']:.0f} | {hello['p50_ms']:.1f} | {hello['p99_ms']:.1f} | 1.00 | "
             f"- | - | {hello['requests']} | {hello['errors']} |"]
    workloads = (("read", "anonymous thread page `GET /t/<id>`", "ratio", 0.40),
                 ("read_member", "signed-in thread page `GET /t/<id>`", "ratio", 0.20),
                 ("post", "create post `POST /api/v1/threads/<id>/posts`", "rps", 60.0))
    for kind in ("sqlite", "postgresql"):
        for work, label, measure, target in workloads:
            r = results.get(f"{kind}_{work}")
            if not r:
                continue
            ratio = r["rps"] / hello["rps"]
            value = ratio if measure == "ratio" else r["rps"]
            wanted = f">= {target:.0%} of hello" if measure == "ratio" else f">= {target:.0f}/s"
            lines.append(f"| {label} | {kind} | {r['rps']:.1f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
                         f"{ratio:.3f} | {wanted} | {'yes' if value >= target and not r['errors'] else 'no'} | "
                         f"{r['requests']} | {r['errors']} |")
    lines += ["", "| server (one gunicorn worker) | RSS MiB after warm-up | peak RSS MiB (VmHWM) |", "|---|---|---|"]
    for name, m in memory.items():
        lines.append(f"| {name} | {m['VmRSS']:.0f} | {m['VmHWM']:.0f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=15, help="seconds of load per workload")
    parser.add_argument("--connections", type=int, default=16, help="wrk open connections")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=10, help="wrk per-request timeout, seconds")
    parser.add_argument("--backend", default="embedded", help="screening backend for the Haven servers")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--json", help="also write the raw results here")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        log("wrk is not installed (Debian: apt-get install wrk)")
        return 2

    info = machine()
    log(json.dumps(info))
    tmp = Path(tempfile.mkdtemp(prefix="haven-http-bench-"))
    results, memory, verdicts, commands = {}, {}, {}, {}
    servers: list[Server] = []
    dbs: list[Database] = []
    try:
        hello = Server("hello_app:app", {}, tmp, cwd=ROOT / "bench")
        servers.append(hello)
        hello.wait_ready("/")
        for _ in range(200):
            __import__("requests").get(hello.url + "/", timeout=5)
        results["hello"] = wrk(hello.url + "/", args, tmp)
        commands["hello server"] = " ".join(hello.cmd) + "   (cwd bench/)"
        log("hello", round(results["hello"]["rps"]), "req/s")
        hello.kill()

        kinds = ["sqlite"] + ([] if args.no_postgres else ["postgresql"])
        for kind in kinds:
            try:
                db = Database(kind, tmp)
            except Exception as exc:  # noqa: BLE001
                log(f"{kind} skipped: {exc}")
                continue
            dbs.append(db)
            seeded_up_to = db.last_post_id()
            server = Server("wsgi:app", haven_env(db.url, args.backend, tmp / f"instance-{kind}"), tmp)
            servers.append(server)
            server.wait_ready("/healthz")
            started = time.monotonic()
            warm_up(server, db)
            log(f"{kind}: warm-up (model load included) {time.monotonic() - started:.1f}s")
            commands["haven server"] = " ".join(server.cmd)
            if kind == "sqlite":
                memory[f"Haven, {args.backend} models, after warm-up"] = server.memory()
            results[f"{kind}_read"] = wrk(f"{server.url}/t/{db.thread_id}", args, tmp)
            log(kind, "read", round(results[f"{kind}_read"]["rps"], 1), "req/s")
            results[f"{kind}_read_member"] = wrk(f"{server.url}/t/{db.thread_id}", args, tmp,
                                                 cookie=session_cookie(server, db))
            log(kind, "read signed in", round(results[f"{kind}_read_member"]["rps"], 1), "req/s")
            results[f"{kind}_post"] = wrk(f"{server.url}/api/v1/threads/{db.thread_id}/posts", args, tmp,
                                          method="POST", tokens=db.writer_tokens, body=REPLIES[0])
            log(kind, "post", round(results[f"{kind}_post"]["rps"], 1), "req/s")
            if kind == "sqlite":
                memory[f"Haven, {args.backend} models, after the read and post load"] = server.memory()
                # Idle until the worker's memory trimmer has run once (community/allocator.py, MEMORY_TRIM_SECONDS).
                time.sleep(TRIM_SECONDS + 3)
                memory[f"Haven, {args.backend} models, {TRIM_SECONDS + 3:.0f} s after the load (one trim)"] = \
                    server.memory()
            server.kill()
            verdicts[kind] = db.verdicts(after_id=seeded_up_to)

        # Memory with the phrase lexicon instead of the models, same database, same warm-up.
        if dbs and args.backend != "lexicon":
            lex = Server("wsgi:app", haven_env(dbs[0].url, "lexicon", tmp / "instance-lexicon"), tmp)
            servers.append(lex)
            lex.wait_ready("/healthz")
            warm_up(lex, dbs[0])
            memory["Haven, lexicon backend, after warm-up"] = lex.memory()
            lex.kill()
    finally:
        for s in servers:
            s.kill()
        for db in dbs:
            db.close()

    out = {"machine": info, "args": vars(args), "results": results, "memory_mib": memory, "verdicts": verdicts,
           "commands": commands}
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2, default=str))
    print(markdown(results, info, memory))
    print()
    for name, cmd in commands.items():
        print(f"{name}: {cmd}")
    print("wrk:", results["hello"]["command"])
    print("verdicts:", json.dumps(verdicts, default=str))
    print("machine:", json.dumps(info))
    return 0


if __name__ == "__main__":
    sys.exit(main())
