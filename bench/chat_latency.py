#!/usr/bin/env python
"""Chat send -> receive latency and throughput, screening included, on real server processes.

Two phases, on the production server command (the Dockerfile's CMD: gunicorn with one gevent worker; `--server
gunicorn-threads` the old `-w 1 --threads N` command, `--server werkzeug` Flask-SocketIO's own server), with 200
python-socketio clients (WebSocket transport, API-token auth) in one fresh room, spread evenly over the processes,
one process and then two processes sharing Redis (Flask-SocketIO's message queue):

- pace: a peer-support room's pace, 5 messages a second in total for 60 s (`--rate`, `--seconds`; a shorter
  `--seconds` makes a smoke run), sent on a fixed schedule by 20 members in turn (open loop: the schedule does not
  wait for deliveries). Reports send-to-receive p50/p95/p99 over every delivery to every client, beside the targets
  (p99 < 100 ms with one process, < 150 ms with two over Redis);
- saturation: 20 senders each send 10 messages closed loop (send, wait for the own echo, send the next), so the
  offered load is whatever the server takes. Reports deliveries/s. With `--anchor REV` the same saturation phase is
  run again in the same run on the code of commit REV (its tree extracted with `git archive`, same database, same
  interpreter), and each figure is printed beside the anchor's.

Latency = the sender's `emit` -> each receiver's `message` event (every client lives in this process: one clock).
Every message is counted: sent, delivered to every client (none lost), and screened (read back from the stored
verdicts: the classifiers that scored it, and none held as "unscreened"). Rate limits are off for the run. Every
wait is bounded; every server process is killed at the end (and on Ctrl-C).

    /work/main/.venv/bin/python bench/chat_latency.py --anchor 0a56458     # both phases, 1 and 2 processes
    /work/main/.venv/bin/python bench/chat_latency.py --phases pace --procs 1 --seconds 10 --backend lexicon

The two-process runs stand for the scaled-out deployment, so they use its settings: MODERATION_THREADS as the
tree's compose.yaml sets it for the app processes (1 since 2026-12-03; an older tree, such as an anchor, sets none and
runs with its default), unless MODERATION_THREADS is set for the bench. The report says which.

Needs Redis for the two-process runs (BENCH_REDIS_URL, default redis://127.0.0.1:6379/12).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import (ROOT, ThrowawayDatabase, free_port, log, percentile, production_command,  # noqa: E402
                      wait_serving)
from _support import machine as basic_machine  # noqa: E402
from socketio_load import Connection, Loop  # noqa: E402

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

    def published(self, slug: str, marker: str, sent: int, timeout: float = 60.0) -> int:
        """How many of the phase's messages were published (held ones reach their author only, by design), once all
        `sent` are stored (bounded wait)."""
        from sqlalchemy import func, select

        from community.chat.models import ChatMessage, ChatRoom
        from community.extensions import db
        deadline = time.monotonic() + timeout
        while True:
            with self.app.app_context():
                rows = dict(db.session.execute(select(ChatMessage.status, func.count(ChatMessage.id)).join(ChatRoom)
                                               .where(ChatRoom.slug == slug, ChatMessage.body.like(f"%#{marker}%"))
                                               .group_by(ChatMessage.status)).all())
                db.session.remove()
            if sum(rows.values()) >= sent or time.monotonic() > deadline:
                return rows.get("published", 0)
            time.sleep(0.2)

    def backends_used(self, slug: str, marker: str) -> dict:
        """What the server did with this phase's messages (bodies ending "#<marker>..."): how many are stored, how
        many were screened (scored by both classifiers and not held as "unscreened"), statuses, hold reasons, and the
        classifiers named in the verdicts."""
        from sqlalchemy import select

        from community.chat.models import ChatMessage, ChatRoom
        from community.extensions import db
        with self.app.app_context():
            rows = db.session.execute(select(ChatMessage.status, ChatMessage.hold_reason, ChatMessage.verdict)
                                      .join(ChatRoom).where(ChatRoom.slug == slug,
                                                            ChatMessage.body.like(f"%#{marker}%"))).all()
            db.session.remove()
        seen, statuses, reasons, screened = {}, {}, {}, 0
        for status, reason, verdict in rows:
            statuses[status] = statuses.get(status, 0) + 1
            classifiers = (verdict or {}).get("classifiers") or {}
            for slot, info in classifiers.items():
                seen[slot] = info
            if {"toxicity", "self_harm"} <= set(classifiers) and reason != "unscreened":
                screened += 1
            if status != "published":
                detail = ",".join((verdict or {}).get("reasons") or [])[:120]
                key = f"{reason}: {detail}" if detail else str(reason)
                reasons[key] = reasons.get(key, 0) + 1
        return {"stored": len(rows), "screened": screened, "classifiers": seen, "statuses": statuses,
                "hold_reasons": reasons}


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


ANCHOR_EXTRA_PATH = ""  # --anchor-path


def scale_out_threads(root: Path) -> str | None:
    """MODERATION_THREADS as the tree's compose.yaml sets it for its app processes (the scaled-out deployment that
    the two-process runs stand for), or None where it sets none (an older tree: its default)."""
    compose = root / "compose.yaml"
    found = re.search(r"^\s*MODERATION_THREADS:\s*\$\{MODERATION_THREADS:-(\d+)\}|^\s*MODERATION_THREADS:\s*\"?(\d+)",
                      compose.read_text(), re.M) if compose.exists() else None
    return (found.group(1) or found.group(2)) if found else None


class Servers:
    def __init__(self, n: int, db_url: str, redis_url: str | None, backend: str, server: str, tmp: Path,
                 threads: int, root: Path = ROOT):
        self.procs: list[subprocess.Popen] = []
        self.ports = [free_port() for _ in range(n)]
        self.logs = []
        env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": "bench", "PRIVACY_HMAC_KEY": "bench",
               "RATELIMIT_ENABLED": "false", "CHAT_RATE_LIMIT": "1000000/1 second", "SITE_URL": "",
               "MODERATION_TOXICITY_BACKEND": backend, "MODERATION_SELF_HARM_BACKEND": backend,
               "PYTHONPATH": os.pathsep.join([str(root), *([ANCHOR_EXTRA_PATH] if root != ROOT and ANCHOR_EXTRA_PATH
                                                           else [])]), "HAVEN_BACKGROUND_JOBS": "1", "UNSCREENED_RETRY_SECONDS": "3600",
               "SOCKETIO_CHANNEL": f"haven-bench-{uuid.uuid4().hex[:8]}"}
        env.pop("REDIS_URL", None)
        env.pop("RATELIMIT_STORAGE_URI", None)
        if redis_url:
            env["REDIS_URL"] = redis_url
        if n > 1 and "MODERATION_THREADS" not in os.environ:  # several processes: the tree's scale-out settings
            threads_per_proc = scale_out_threads(root)
            if threads_per_proc:
                env["MODERATION_THREADS"] = threads_per_proc
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
            self.procs.append(subprocess.Popen(cmd, cwd=root, env=env_i, stdout=out, stderr=subprocess.STDOUT,
                                               start_new_session=True))
        self.cmds = cmd

    def wait_ready(self, timeout: float) -> float:
        started = time.monotonic()
        for port, proc in zip(self.ports, self.procs):
            wait_serving(f"http://127.0.0.1:{port}/api/v1/rooms", proc, f"server on {port}", lambda: self.tail(port),
                         timeout, deadline=started + timeout)
        return time.monotonic() - started

    def tail(self, port: int) -> str:
        path = self.logs[self.ports.index(port)]
        return path.read_bytes().decode(errors="replace")[-3000:] if path.exists() else ""

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the server processes: every live process of each server's
        session (the gunicorn master and its worker; each server starts a new session). PostgreSQL and Redis are
        not counted."""
        sessions = {proc.pid for proc in self.procs}
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # gone meanwhile
            if int(fields[3]) in sessions:  # field 6 of stat: the session id
                ticks += int(fields[11]) + int(fields[12])  # fields 14, 15: utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

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

    def __init__(self):
        self.lock = threading.Lock()
        self.sent_at: dict[str, float] = {}
        self.latencies: dict[str, list[float]] = {}  # phase marker -> latencies (s)
        self.deliveries: dict[str, int] = {}
        self.last_delivery: dict[str, float] = {}
        self.held = 0
        self.errors: list[dict] = []

    def on_message(self, data) -> str:
        now = time.perf_counter()
        key = data.get("body", "").rsplit("#", 1)[-1] if isinstance(data, dict) else ""
        with self.lock:
            sent = self.sent_at.get(key)
            if sent is None:
                return key
            marker = key[:1]
            self.latencies.setdefault(marker, []).append(now - sent)
            self.deliveries[key] = self.deliveries.get(key, 0) + 1
            self.last_delivery[marker] = now
        return key

    def delivered(self, marker: str, n_clients: int) -> tuple[int, int]:
        """(deliveries, messages delivered to every client) for the phase."""
        with self.lock:
            items = [(k, v) for k, v in self.deliveries.items() if k.startswith(marker)]
        return sum(v for _, v in items), sum(1 for _, v in items if v >= n_clients)


def on_event(run: Run):
    """Every connection's server events: deliveries are timed; a connection's own message (echo), `held` or `error`
    wakes whoever waits for it."""
    def handle(conn: Connection, name: str, data) -> None:
        if name == "message":
            key = run.on_message(data)
        elif name == "held":
            key = data.get("body", "").rsplit("#", 1)[-1] if isinstance(data, dict) else ""
            with run.lock:
                run.held += 1
        elif name == "error":
            with run.lock:
                run.errors.append(data)
            for ev in list(conn.waiters.values()):
                ev.set()
            return
        elif name == "joined":
            key = "joined"
        else:
            return
        ev = conn.waiters.get(key)
        if ev is not None:
            ev.set()
    return handle


class Room:
    """Servers started, N clients connected and joined to one fresh room, one warm-up message per process."""

    def __init__(self, db: Database, tokens: list[str], n_clients: int, n_procs: int, args, tmp: Path,
                 root: Path = ROOT):
        self.n_clients, self.n_procs, self.db = n_clients, n_procs, db
        self.redis_url = REDIS_URL if n_procs > 1 else None
        if self.redis_url:
            import redis
            redis.Redis.from_url(self.redis_url, socket_timeout=2).ping()
        self.slug = db.new_room()
        self.run = Run()
        self.loop = Loop()
        self.clients: list[Connection] = []
        self.servers = Servers(n_procs, db.url, self.redis_url, args.backend, args.server, tmp, args.threads, root)
        try:
            self.startup_s = round(self.servers.wait_ready(args.start_timeout), 1)
            log(f"[{n_clients} clients / {n_procs} proc / {root.name}] servers up in {self.startup_s}s; connecting")
            t0 = time.monotonic()
            self.clients = self.loop.call(self._connect_all(tokens[:n_clients]), timeout=300)
            self.connect_s = round(time.monotonic() - t0, 1)
            self._warm_up(args)
        except BaseException:
            self.close()
            raise

    async def _connect_all(self, tokens: list[str]) -> list[Connection]:
        handler = on_event(self.run)
        gate = asyncio.Semaphore(10)  # ten handshakes at a time

        async def one(i: int, token: str) -> Connection:
            async with gate:
                conn = Connection("127.0.0.1", self.servers.ports[i % self.n_procs], token, handler)
                await conn.open()
                joined = conn.waiters["joined"] = asyncio.Event()
                conn.emit("join", {"room": self.slug})
                await asyncio.wait_for(joined.wait(), 20)
                return conn
        return list(await asyncio.gather(*(one(i, t) for i, t in enumerate(tokens))))

    async def send_and_wait(self, conn: Connection, key: str, body: str, timeout: float) -> bool:
        """Send one message and wait for its own echo (or `held`, or an error) on the sender's connection."""
        ev = conn.waiters[key] = asyncio.Event()
        with self.run.lock:
            self.run.sent_at[key] = time.perf_counter()
        conn.emit("send", {"room": self.slug, "body": body})
        try:
            await asyncio.wait_for(ev.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False
        finally:
            conn.waiters.pop(key, None)

    def _warm_up(self, args) -> None:
        """One message through each process (models loading, first screening), not measured."""
        for p in range(self.n_procs):
            if not self.loop.call(self.send_and_wait(self.clients[p], f"w{p}", f"warming up #w{p}",
                                                     args.start_timeout)):
                raise RuntimeError(f"warm-up message {p} never came back:\n{self.servers.tail(self.servers.ports[p])}")
        self.settle("w", self.n_procs, 30)
        with self.run.lock:
            self.run.held = 0
            self.run.errors.clear()

    def settle(self, marker: str, messages: int, timeout: float) -> None:
        """Wait (bounded) until `messages` messages of the phase reached every client."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.run.delivered(marker, self.n_clients)[1] >= messages:
                return
            time.sleep(0.05)

    def result(self, marker: str, sent: int, start: float, extra: dict) -> dict:
        published = self.db.published(self.slug, marker, sent)
        self.settle(marker, published, 60)
        with self.run.lock:
            lat = [x * 1000 for x in self.run.latencies.get(marker, [])]
            end = max(self.run.last_delivery.get(marker, start), start)
            held, errors = self.run.held, list(self.run.errors)
            self.run.held = 0
            self.run.errors.clear()
        delivered, complete = self.run.delivered(marker, self.n_clients)
        elapsed = end - start
        out = {"clients": self.n_clients, "processes": self.n_procs, "redis": bool(self.redis_url),
               "startup_s": self.startup_s, "connect_s": self.connect_s, "messages_sent": sent,
               "published": published, "messages_fully_delivered": complete, "deliveries": delivered,
               "deliveries_expected": published * self.n_clients, "held_live": held, "errors": errors[:5],
               "elapsed_s": round(elapsed, 2), "p50_ms": round(percentile(lat, 50), 1),
               "p95_ms": round(percentile(lat, 95), 1), "p99_ms": round(percentile(lat, 99), 1),
               "max_ms": round(max(lat), 1) if lat else None,
               "deliveries_per_s": round(delivered / elapsed, 0) if elapsed > 0 else None, **extra}
        out.update(self.db.backends_used(self.slug, marker))
        log(json.dumps(out))
        return out

    def close(self) -> None:
        for conn in self.clients:
            self.loop.loop.call_soon_threadsafe(conn.close)
        time.sleep(0.2)
        self.loop.stop()
        self.servers.kill()


def paced(room: Room, args) -> dict:
    """`args.rate` messages a second in total for `args.seconds`, on a fixed schedule (open loop), from the first
    senders in turn (they alternate between the processes)."""
    senders = min(args.senders, room.n_clients)
    total = max(1, int(round(args.rate * args.seconds)))
    log(f"pace: {total} messages at {args.rate}/s from {senders} senders")

    async def schedule(start: float) -> None:
        for k in range(total):
            pause = start + k / args.rate - time.perf_counter()
            if pause > 0:
                await asyncio.sleep(pause)
            key = f"p{k}"
            with room.run.lock:
                room.run.sent_at[key] = time.perf_counter()
            room.clients[k % senders].emit("send", {"room": room.slug, "body": f"{BODIES[k % len(BODIES)]} #{key}"})
    start = time.perf_counter()
    room.loop.call(schedule(start))
    return room.result("p", total, start, {"phase": "pace", "rate": args.rate, "seconds": args.seconds,
                                           "senders": senders})


def saturation(room: Room, args) -> dict:
    """Each sender sends its messages closed loop: the next one when its own echo (or `held`) is back."""
    senders = min(args.senders, room.n_clients)
    log(f"saturation: {senders} senders x {args.messages} messages, closed loop")

    async def sender(s: int) -> int:
        missed = 0
        for m in range(args.messages):
            key = f"s{s}m{m}"
            if not await room.send_and_wait(room.clients[s], key, f"{BODIES[(s + m) % len(BODIES)]} #{key}",
                                            args.message_timeout):
                missed += 1
        return missed

    async def all_senders() -> int:
        return sum(await asyncio.gather(*(sender(s) for s in range(senders))))
    cpu_before, own_before = room.servers.cpu_seconds(), time.process_time()
    start = time.perf_counter()
    timeouts = room.loop.call(all_senders())
    out = room.result("s", senders * args.messages, start, {"phase": "saturation", "senders": senders,
                                                            "timeouts": timeouts})
    # CPU, not wall time: what the servers spent on the phase (sending, screening, delivering, and the wait for the
    # last deliveries), per 1000 deliveries; less sensitive to other work on a shared machine than deliveries/s.
    server_cpu, own_cpu = room.servers.cpu_seconds() - cpu_before, time.process_time() - own_before
    out["server_cpu_s"], out["bench_cpu_s"] = round(server_cpu, 2), round(own_cpu, 2)
    out["server_cpu_ms_per_1000"] = round(server_cpu * 1e6 / out["deliveries"], 1) if out["deliveries"] else None
    log(f"saturation CPU: servers {out['server_cpu_s']} s, this bench (clients) {out['bench_cpu_s']} s")
    out["msgs_per_s"] = round(out["messages_fully_delivered"] / out["elapsed_s"], 1) if out["elapsed_s"] else None
    return out


# --- the anchor: an earlier commit's code, run in the same bench --------------------------------------------------

def extract(rev: str, tmp: Path) -> Path:
    """The tree of commit `rev` in tmp/anchor-<rev> (git archive: no checkout, no change to the repository)."""
    sha = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout.strip()
    target = tmp / f"anchor-{sha}"
    target.mkdir(parents=True)
    archive = subprocess.Popen(["git", "archive", sha], cwd=ROOT, stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(target)], stdin=archive.stdout, check=True)
    if archive.wait() != 0:
        raise RuntimeError(f"git archive {rev} failed")
    return target


# --- report ------------------------------------------------------------------------------------------------------

TARGET_P99_MS = {1: 100.0, 2: 150.0}


def _backend(r: dict) -> str:
    return ", ".join(f"{slot}={c.get('name')}@{c.get('version')}" if isinstance(c, dict) else f"{slot}={c}"
                     for slot, c in sorted(r.get("classifiers", {}).items())) or "?"


def _counts(r: dict) -> str:
    return (f"{r['messages_sent']} sent, {r['stored']} stored, {r['screened']} screened, {r['published']} "
            f"published: {r['deliveries']}/{r['deliveries_expected']} delivered")


def markdown(pace: list[dict], sat: list[dict], anchors: dict, anchor_rev: str | None) -> str:
    lines = []
    if pace:
        lines += ["| pace | processes | p50 ms | p95 ms | p99 ms | p99 target | max ms | messages | held | "
                  "backend (from verdicts) |", "|" + "---|" * 10]
        for r in pace:
            target = TARGET_P99_MS.get(r["processes"])
            verdict = "" if target is None else (" (met)" if r["p99_ms"] < target else " (MISSED)")
            lines.append(f"| {r['rate']}/s x {r['seconds']} s, {r['clients']} clients | {r['processes']}"
                         f"{' + Redis' if r['redis'] else ''} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | "
                         f"< {target:g}{verdict} | {r['max_ms']} | {_counts(r)} | "
                         f"{r['statuses'].get('held', 0)} | {_backend(r)} |")
    if sat:
        lines += ["", f"| saturation | processes | deliveries/s | anchor {anchor_rev or '-'} deliveries/s | ratio | "
                  "p50 ms | p99 ms | server CPU ms / 1000 deliveries (anchor) | messages | anchor messages |",
                  "|" + "---|" * 10]
        for r in sat:
            a = anchors.get(r["processes"])
            ratio = f"{r['deliveries_per_s'] / a['deliveries_per_s']:.2f}x" if a and a.get("deliveries_per_s") \
                else "-"
            lines.append(f"| {r['senders']} senders x {r['messages_sent'] // max(r['senders'], 1)}, {r['clients']} "
                         f"clients | {r['processes']}{' + Redis' if r['redis'] else ''} | {r['deliveries_per_s']} | "
                         f"{a['deliveries_per_s'] if a else '-'} | {ratio} | {r['p50_ms']} | {r['p99_ms']} | "
                         f"{r.get('server_cpu_ms_per_1000')} ({a.get('server_cpu_ms_per_1000') if a else '-'}) | "
                         f"{_counts(r)} | {_counts(a) if a else '-'} |")
    for r in pace + sat + list(anchors.values()):
        if r.get("hold_reasons"):
            lines.append(f"held ({r['phase']}, {r['processes']} process(es){', anchor' if r.get('anchor') else ''}):"
                         f" {r['hold_reasons']}")
    return "\n".join(lines)


def machine() -> dict:
    free = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.strip()
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    return {**basic_machine(), "uptime_before": uptime, "free_h": free}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phases", nargs="+", choices=["pace", "saturation"], default=["pace", "saturation"])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--procs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rate", type=float, default=5.0, help="pace: messages a second, in total")
    parser.add_argument("--seconds", type=float, default=60.0, help="pace: how long (shorter for a smoke run)")
    parser.add_argument("--senders", type=int, default=20)
    parser.add_argument("--messages", type=int, default=10, help="saturation: messages per sender")
    parser.add_argument("--anchor", help="also run the saturation phase on this commit's code, in the same run")
    parser.add_argument("--anchor-path", help="a directory added to the anchor servers' PYTHONPATH, for packages "
                                              "the anchor's code imports that this environment no longer installs "
                                              "(0a56458 imports pycountry: pip install --target DIR pycountry)")
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
    global ANCHOR_EXTRA_PATH
    ANCHOR_EXTRA_PATH = args.anchor_path or ""

    def stop(signum, frame):  # SIGTERM as Ctrl-C: the finally blocks kill the servers and drop the database
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)
    tmp = Path(tempfile.mkdtemp(prefix="haven-bench-"))
    info = machine()
    db = Database(tmp, prefer_postgres=not args.sqlite)
    pace, sat, anchors = [], [], {}
    anchor_root = extract(args.anchor, tmp) if args.anchor and "saturation" in args.phases else None
    try:
        tokens = db.members(args.clients)
        for n_procs in args.procs:
            room = Room(db, tokens, args.clients, n_procs, args, tmp)
            try:
                if "pace" in args.phases:
                    pace.append(paced(room, args))
                if "saturation" in args.phases:
                    sat.append(saturation(room, args))
            finally:
                room.close()
            if anchor_root is not None:
                room = Room(db, tokens, args.clients, n_procs, args, tmp, root=anchor_root)
                try:
                    anchors[n_procs] = {**saturation(room, args), "anchor": True}
                finally:
                    room.close()
    finally:
        db.close()
    info["uptime_after"] = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(markdown(pace, sat, anchors, args.anchor))
    print()
    print(f"database: {db.kind}; server: {args.server}"
          f"{f' -w 1 --threads {args.threads}' if args.server == 'gunicorn-threads' else ''}; backend asked: "
          f"{args.backend}; uptime before: {info['uptime_before']}; after: {info['uptime_after']}")
    def threads_used(root: Path) -> str:
        return os.environ.get("MODERATION_THREADS") or scale_out_threads(root) or "default"
    print(f"MODERATION_THREADS: one process: {os.environ.get('MODERATION_THREADS') or 'default'}; two processes: "
          f"{threads_used(ROOT)}" + (f" (anchor: {threads_used(anchor_root)})" if anchor_root is not None else ""))
    print(json.dumps(info))
    if args.json:
        Path(args.json).write_text(json.dumps({"pace": pace, "saturation": sat, "anchors": anchors,
                                               "machine": info, "database": db.kind, "args": vars(args)},
                                              indent=2))
    problems = [r for r in pace + sat if r["deliveries"] != r["deliveries_expected"] or r["screened"] < r["stored"]
                or r["stored"] < r["messages_sent"]]
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
