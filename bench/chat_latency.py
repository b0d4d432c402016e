#!/usr/bin/env python
"""Chat send -> receive latency and throughput, screening included, on real server processes.

For each scenario (50 and 200 connected clients; one server process, and two processes sharing Redis) this script:

1. starts real Haven servers on loopback (the production command, the Dockerfile's CMD: gunicorn with one gevent
   worker, as README "Server, async mode and scale-out" deploys them; `--server gunicorn-threads` the old
   `-w 1 --threads N` command, `--server werkzeug` Flask-SocketIO's own server), on one database
   (a throw-away PostgreSQL database when reachable, else a SQLite file) with the rate limits off
   (RATELIMIT_ENABLED=false, CHAT_RATE_LIMIT very large) and the screening backend asked for (default: the
   embedded models; `--backend lexicon` for the phrase lexicon);
2. connects N python-socketio clients (WebSocket transport, API-token auth), spread evenly over the processes, and
   has them all join one fresh room;
3. has S senders (default 20, spread over the processes) each send M messages closed-loop (send, wait for its own
   echo, send the next); every message is screened by the server before it is broadcast;
4. records, for every delivery to every client, the time from the sender's `emit` to the receiver's `message`
   event (one clock: every client lives in this process), and reports p50/p95/p99 of those latencies, messages/s
   (messages fully delivered / wall time of the sending phase) and deliveries/s.

Every wait is bounded; every server process is killed at the end (and on Ctrl-C). The screening backend actually
used is read back from the stored verdicts (`classifiers` in `chat_messages.verdict`).

    /work/venv/bin/python bench/chat_latency.py                       # all four scenarios, embedded models
    /work/venv/bin/python bench/chat_latency.py --clients 50 --procs 1 --backend lexicon

Needs Redis for the two-process scenarios (REDIS_URL, default redis://127.0.0.1:6379/12).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import ROOT, ThrowawayDatabase, free_port, log, percentile, production_command  # noqa: E402
from _support import machine as basic_machine  # noqa: E402

sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
BODIES = ["Evening everyone, hope today was gentle on you.", "Went for a short walk and it helped a little.",
          "Thanks for listening earlier, it meant a lot.", "Anyone else trying the breathing exercise tonight?",
          "Made tea and sat by the window for a while.", "Small win: I answered two emails today."]


# --- database ----------------------------------------------------------------------------------------------------

class Database(ThrowawayDatabase):
    """A throw-away PostgreSQL database (or a SQLite file), migrated, with members and tokens."""

    def __init__(self, tmp: Path, prefer_postgres: bool = True):
        if prefer_postgres:
            try:
                super().__init__(tmp, "postgresql", "bench")
                return
            except Exception as exc:  # noqa: BLE001
                log(f"PostgreSQL not used ({exc}); falling back to SQLite")
        super().__init__(tmp, "sqlite", "bench")

    def members(self, n: int) -> list[str]:
        from community.extensions import db
        from community.members.services import create_member, issue_token
        tokens = []
        with self.app.app_context():
            for i in range(n):
                member, _ = create_member(f"bench-{i:03d}-{uuid.uuid4().hex[:4]}", "a-bench-password",
                                          allow_reserved=True)
                tokens.append(issue_token(member))
            db.session.remove()
        return tokens

    def new_room(self) -> str:
        from community.chat.models import ChatRoom
        from community.extensions import db
        slug = f"bench-{uuid.uuid4().hex[:10]}"
        with self.app.app_context():
            db.session.add(ChatRoom(slug=slug, name=f"Bench {slug}", description=""))
            db.session.commit()
            db.session.remove()
        return slug

    def backends_used(self, slug: str) -> dict:
        from sqlalchemy import select

        from community.chat.models import ChatMessage, ChatRoom
        from community.extensions import db
        with self.app.app_context():
            verdicts = db.session.scalars(select(ChatMessage.verdict).join(ChatRoom)
                                          .where(ChatRoom.slug == slug).limit(50)).all()
            statuses = db.session.execute(select(ChatMessage.status, db.func.count()).join(ChatRoom)
                                          .where(ChatRoom.slug == slug).group_by(ChatMessage.status)).all()
            # Why anything was held (e.g. "unscreened": screening exceeded MODERATION_TIMEOUT and failed closed).
            held = db.session.execute(select(ChatMessage.hold_reason, ChatMessage.verdict).join(ChatRoom)
                                      .where(ChatRoom.slug == slug, ChatMessage.status != "published")).all()
            db.session.remove()
        seen = {}
        for v in verdicts:
            for slot, info in ((v or {}).get("classifiers") or {}).items():
                seen[slot] = info
        reasons = {}
        for reason, verdict in held:
            detail = ",".join((verdict or {}).get("reasons") or [])[:120]
            key = f"{reason}: {detail}" if detail else str(reason)
            reasons[key] = reasons.get(key, 0) + 1
        return {"classifiers": seen, "statuses": {s: c for s, c in statuses}, "hold_reasons": reasons}


# --- servers -----------------------------------------------------------------------------------------------------

SERVER = """
import sys
from community import create_app
from community.extensions import socketio
from moderation.jobs import warm_up
app = create_app(instance_path=sys.argv[2])
warm_up(app)
socketio.run(app, host="127.0.0.1", port=int(sys.argv[1]), allow_unsafe_werkzeug=True, use_reloader=False)
"""


class Servers:
    def __init__(self, n: int, db_url: str, redis_url: str | None, backend: str, server: str, tmp: Path,
                 threads: int):
        self.procs: list[subprocess.Popen] = []
        self.ports = [free_port() for _ in range(n)]
        self.logs = []
        env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": "bench", "PRIVACY_HMAC_KEY": "bench",
               "RATELIMIT_ENABLED": "false", "CHAT_RATE_LIMIT": "1000000/1 second", "SITE_URL": "",
               "MODERATION_TOXICITY_BACKEND": backend, "MODERATION_SELF_HARM_BACKEND": backend,
               "PYTHONPATH": str(ROOT), "HAVEN_BACKGROUND_JOBS": "1", "UNSCREENED_RETRY_SECONDS": "3600"}
        env.pop("REDIS_URL", None)
        env.pop("RATELIMIT_STORAGE_URI", None)
        if redis_url:
            env["REDIS_URL"] = redis_url
        for i, port in enumerate(self.ports):
            instance = tmp / f"instance-{port}"
            instance.mkdir(parents=True, exist_ok=True)
            out = open(tmp / f"server-{port}.log", "wb")
            self.logs.append(tmp / f"server-{port}.log")
            if server == "gunicorn":  # the production command, the Dockerfile's CMD (gevent worker)
                cmd = production_command(f"127.0.0.1:{port}")
                env_i = {**env, "HAVEN_INSTANCE_PATH": str(instance)}
            elif server == "gunicorn-threads":  # the command production used before gevent
                cmd = [str(Path(sys.executable).with_name("gunicorn")), "-w", "1", "--threads", str(threads),
                       "-b", f"127.0.0.1:{port}", "--timeout", "120", "wsgi:app"]
                env_i = {**env, "HAVEN_INSTANCE_PATH": str(instance)}
            else:
                cmd = [sys.executable, "-c", SERVER, str(port), str(instance)]
                env_i = env
            self.procs.append(subprocess.Popen(cmd, cwd=ROOT, env=env_i, stdout=out, stderr=subprocess.STDOUT,
                                               start_new_session=True))
        self.cmds = cmd

    def wait_ready(self, timeout: float) -> float:
        import requests
        started = time.monotonic()
        deadline = started + timeout
        for port, proc in zip(self.ports, self.procs):
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"server on {port} exited:\n{self.tail(port)}")
                try:
                    if requests.get(f"http://127.0.0.1:{port}/api/v1/rooms", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server on {port} not ready in {timeout}s:\n{self.tail(port)}")
                time.sleep(0.2)
        return time.monotonic() - started

    def tail(self, port: int) -> str:
        path = self.logs[self.ports.index(port)]
        return path.read_bytes().decode(errors="replace")[-3000:] if path.exists() else ""

    def kill(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(10)


# --- clients -----------------------------------------------------------------------------------------------------

class Run:
    """Shared bookkeeping: when each message was sent, and every delivery's latency."""

    def __init__(self, n_clients: int):
        self.lock = threading.Lock()
        self.sent_at: dict[str, float] = {}
        self.latencies: list[float] = []
        self.deliveries: dict[str, int] = {}
        self.echo: dict[str, threading.Event] = {}
        self.held = 0
        self.errors: list[dict] = []
        self.last_delivery = 0.0
        self.n_clients = n_clients

    def on_message(self, data) -> None:
        now = time.perf_counter()
        key = data.get("body", "").rsplit("#", 1)[-1] if isinstance(data, dict) else ""
        with self.lock:
            sent = self.sent_at.get(key)
            if sent is None:
                return
            self.latencies.append(now - sent)
            self.deliveries[key] = self.deliveries.get(key, 0) + 1
            self.last_delivery = now
            event = self.echo.get(key)
        if event is not None and data.get("_echo_for_me"):
            event.set()


def make_client(url: str, token: str, run: Run, joined: threading.Event, room: str):
    import socketio
    c = socketio.Client(reconnection=False)
    mine: dict[str, threading.Event] = {}

    def on_message(data):
        run.on_message(data)
        key = data.get("body", "").rsplit("#", 1)[-1] if isinstance(data, dict) else ""
        ev = mine.get(key)
        if ev is not None:
            ev.set()

    def on_held(data):
        key = data.get("body", "").rsplit("#", 1)[-1] if isinstance(data, dict) else ""
        with run.lock:
            run.held += 1
        ev = mine.get(key)
        if ev is not None:
            ev.set()

    def on_error(data):
        with run.lock:
            run.errors.append(data)
        for ev in list(mine.values()):
            ev.set()

    c.on("message", on_message)
    c.on("held", on_held)
    c.on("error", on_error)
    c.on("joined", lambda data: joined.set())
    c.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=20)
    c.emit("join", {"room": room})
    return c, mine


def scenario(db: Database, tokens: list[str], n_clients: int, n_procs: int, args, tmp: Path) -> dict:
    redis_url = REDIS_URL if n_procs > 1 else None
    if redis_url:
        import redis
        redis.Redis.from_url(redis_url, socket_timeout=2).ping()
    room = db.new_room()
    servers = Servers(n_procs, db.url, redis_url, args.backend, args.server, tmp, args.threads)
    clients = []
    result = {"clients": n_clients, "processes": n_procs, "redis": bool(redis_url)}
    try:
        result["startup_s"] = round(servers.wait_ready(args.start_timeout), 1)
        run = Run(n_clients)
        log(f"[{n_clients} clients / {n_procs} proc] servers up in {result['startup_s']}s; connecting")
        t0 = time.monotonic()
        for i in range(n_clients):
            joined = threading.Event()
            port = servers.ports[i % n_procs]
            c, mine = make_client(f"http://127.0.0.1:{port}", tokens[i], run, joined, room)
            if not joined.wait(20):
                raise RuntimeError(f"client {i} was not let into the room:{servers.tail(port)}")
            clients.append((c, mine))
        result["connect_s"] = round(time.monotonic() - t0, 1)

        # Warm-up: one message through each process (loads the models if they are still loading), not measured.
        for p in range(n_procs):
            c, mine = clients[p]
            key = f"warm{p}"
            with run.lock:
                run.sent_at[key] = time.perf_counter()
            ev = mine[key] = threading.Event()
            c.emit("send", {"room": room, "body": f"warming up #{key}"})
            if not ev.wait(args.start_timeout):
                raise RuntimeError(f"warm-up message {p} never came back:\n{servers.tail(servers.ports[p])}")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # let the warm-up fan-out finish
            with run.lock:
                if all(run.deliveries.get(f"warm{p}", 0) >= n_clients for p in range(n_procs)):
                    break
            time.sleep(0.05)
        with run.lock:
            run.latencies.clear()
            run.held = 0
            run.errors.clear()

        senders = min(args.senders, n_clients)
        timeouts = [0]

        def send_loop(s: int) -> None:
            c, mine = clients[s]
            for m in range(args.messages):
                key = f"s{s}m{m}"
                ev = mine[key] = threading.Event()
                body = f"{BODIES[(s + m) % len(BODIES)]} #{key}"
                with run.lock:
                    run.sent_at[key] = time.perf_counter()
                c.emit("send", {"room": room, "body": body})
                if not ev.wait(args.message_timeout):
                    with run.lock:
                        timeouts[0] += 1

        start = time.perf_counter()
        threads = [threading.Thread(target=send_loop, args=(s,), daemon=True) for s in range(senders)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(args.messages * args.message_timeout + 10)
        total = senders * args.messages
        expected = total * n_clients
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # let the last broadcasts reach everyone
            with run.lock:
                got = sum(v for k, v in run.deliveries.items() if not k.startswith("warm"))
            if got >= expected:
                break
            time.sleep(0.05)
        with run.lock:
            end = max(run.last_delivery, start)
            lat = [x * 1000 for x in run.latencies]
            delivered = sum(v for k, v in run.deliveries.items() if not k.startswith("warm"))
            complete = sum(1 for k, v in run.deliveries.items() if not k.startswith("warm") and v >= n_clients)
            held, errors = run.held, list(run.errors)
        elapsed = end - start
        result.update({
            "senders": senders, "messages_sent": total, "messages_fully_delivered": complete,
            "deliveries": delivered, "deliveries_expected": expected, "held": held, "timeouts": timeouts[0],
            "errors": errors[:5], "elapsed_s": round(elapsed, 2),
            "p50_ms": round(percentile(lat, 50), 1), "p95_ms": round(percentile(lat, 95), 1),
            "p99_ms": round(percentile(lat, 99), 1), "max_ms": round(max(lat), 1) if lat else None,
            "msgs_per_s": round(complete / elapsed, 1) if elapsed > 0 else None,
            "deliveries_per_s": round(delivered / elapsed, 0) if elapsed > 0 else None,
        })
    finally:
        for c, _ in clients:
            try:
                c.disconnect()
            except Exception:  # noqa: BLE001
                pass
        servers.kill()
    result.update(db.backends_used(room))
    log(json.dumps(result))
    return result


def machine() -> dict:
    free = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.strip()
    return {**basic_machine(), "free_h": free}


def markdown(results: list[dict], info: dict, args, dbkind: str) -> str:
    lines = ["| clients | processes | p50 ms | p95 ms | p99 ms | max ms | messages/s | deliveries/s | "
             "delivered | held | timeouts | backend (from verdicts) |", "|" + "---|" * 12]
    for r in results:
        backend = ", ".join(f"{slot}={c.get('name')}@{c.get('version')}" if isinstance(c, dict) else f"{slot}={c}"
                            for slot, c in sorted(r.get("classifiers", {}).items())) or "?"
        lines.append(f"| {r['clients']} | {r['processes']}{' + Redis' if r['redis'] else ''} | {r.get('p50_ms')} | "
                     f"{r.get('p95_ms')} | {r.get('p99_ms')} | {r.get('max_ms')} | {r.get('msgs_per_s')} | "
                     f"{r.get('deliveries_per_s')} | {r.get('deliveries')}/{r.get('deliveries_expected')} | "
                     f"{r.get('held')} | {r.get('timeouts')} | {backend} |")
    for r in results:
        if r.get("hold_reasons"):
            lines.append(f"held in the {r['clients']}-client / {r['processes']}-process run: {r['hold_reasons']}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--procs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--senders", type=int, default=20)
    parser.add_argument("--messages", type=int, default=10, help="messages per sender")
    parser.add_argument("--backend", default="embedded", help="embedded (default), lexicon, detoxify")
    parser.add_argument("--server", choices=["gunicorn", "gunicorn-threads", "werkzeug"], default="gunicorn",
                        help="gunicorn: the production command (Dockerfile CMD); gunicorn-threads: the old "
                             "-w 1 --threads N command")
    parser.add_argument("--threads", type=int, default=300, help="gunicorn-threads: --threads (one per WebSocket)")
    parser.add_argument("--start-timeout", type=float, default=240.0)
    parser.add_argument("--message-timeout", type=float, default=30.0)
    parser.add_argument("--sqlite", action="store_true", help="use a SQLite file even if PostgreSQL is reachable")
    parser.add_argument("--json", help="also write the raw results here")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="haven-bench-"))
    db = Database(tmp, prefer_postgres=not args.sqlite)
    results = []
    try:
        tokens = db.members(max(args.clients))
        for n_procs in args.procs:
            for n in args.clients:
                results.append(scenario(db, tokens, n, n_procs, args, tmp))
    finally:
        db.close()
    info = machine()
    print(markdown(results, info, args, db.kind))
    print()
    print(f"database: {db.kind}; server: {args.server}"
          f"{f' -w 1 --threads {args.threads}' if args.server == 'gunicorn-threads' else ''}; senders: {args.senders} x "
          f"{args.messages} messages each, closed loop; backend asked: {args.backend}")
    print(json.dumps(info))
    if args.json:
        Path(args.json).write_text(json.dumps({"results": results, "machine": info, "database": db.kind,
                                               "args": vars(args)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
