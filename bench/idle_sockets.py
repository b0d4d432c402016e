#!/usr/bin/env python
"""Idle WebSockets against the server: the production command (the Dockerfile's CMD, gevent worker) and, as its
anchor in the same run, the old `gunicorn -w 1 --threads 100` command.

For each server command this script:

1. starts a real Haven server on loopback on one throw-away database (SQLite by default, `--database postgresql`),
   rate limits off, the screening backend asked for (default: the embedded models);
2. opens `--sockets` (1,000) Socket.IO WebSockets, each signed in with an API token (100 members) and each as its
   own client (X-Forwarded-For, TRUST_PROXY=1, as behind nginx), 50 handshakes in flight, and keeps them idle:
   they only answer the server's pings. Every handshake is bounded (10 s) and the opening phase too (60 s);
3. while they are held, requests `/help` and `/healthz` one after the other (`--requests` each, 2 s time-out, a
   time-out counts as a failure and as 2 s in the percentiles) and has a member create a thread through the API,
   reporting its status code, its post's status and the time it took (one post is made before the sockets open,
   so that this one is not the process's first screening call, which is slow whatever the server model);
4. prints both servers side by side (and JSON with every figure), then kills the server.

Optionally `--via-nginx` puts nginx with `deploy/nginx.conf` (upstream rewritten to the loopback server) in front,
for both commands.

    /work/main/.venv/bin/python bench/idle_sockets.py                       # 1,000 sockets, embedded models
    /work/main/.venv/bin/python bench/idle_sockets.py --sockets 300 --backend lexicon
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import (ROOT, THREADED_COMMAND, ThrowawayDatabase, free_port, log, machine, percentile,  # noqa: E402
                      production_command, wait_serving)

sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

HANDSHAKE_TIMEOUT = 10.0
OPENING_BUDGET = 60.0
REQUEST_TIMEOUT = 2.0


# --- a minimal Socket.IO-over-WebSocket client: thousands of them in one asyncio loop -----------------------------

class IdleSocket:
    """One WebSocket: Engine.IO handshake, Socket.IO CONNECT with a token, then only pong answers."""

    def __init__(self, host: str, port: int, token: str, client: str):
        self.host, self.port, self.token, self.client = host, port, token, client
        self.accepted = False
        self.closed = False
        self.error = ""

    async def run(self, opened: asyncio.Event, stop: asyncio.Event) -> None:
        from wsproto import ConnectionType, WSConnection
        from wsproto.events import CloseConnection, Message, Ping, RejectConnection, Request, \
            TextMessage
        writer = None
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), HANDSHAKE_TIMEOUT)
            ws = WSConnection(ConnectionType.CLIENT)
            writer.write(ws.send(Request(host=f"{self.host}:{self.port}",
                                         target="/socket.io/?EIO=4&transport=websocket",
                                         extra_headers=[(b"x-forwarded-for", self.client.encode())])))
            deadline = time.monotonic() + HANDSHAKE_TIMEOUT
            while not self.accepted:
                data = await asyncio.wait_for(reader.read(65536), max(0.01, deadline - time.monotonic()))
                if not data:
                    raise ConnectionError("closed during the handshake")
                ws.receive_data(data)
                for event in ws.events():
                    if isinstance(event, RejectConnection):
                        raise ConnectionError(f"refused ({event.status_code})")
                    if isinstance(event, TextMessage):
                        if event.data.startswith("0"):  # Engine.IO OPEN: now sign in
                            writer.write(ws.send(Message(data="40" + json.dumps({"token": self.token}))))
                        elif event.data.startswith("40"):
                            self.accepted = True
                        elif event.data.startswith("44"):
                            raise ConnectionError(f"Socket.IO refused: {event.data[:120]}")
                        elif event.data == "2":
                            writer.write(ws.send(Message(data="3")))
                await writer.drain()
            opened.set()
            while not stop.is_set():  # idle: answer pings, nothing else
                try:
                    data = await asyncio.wait_for(reader.read(65536), 1.0)
                except asyncio.TimeoutError:
                    continue
                if not data:
                    break
                ws.receive_data(data)
                for event in ws.events():
                    if isinstance(event, TextMessage) and event.data == "2":
                        writer.write(ws.send(Message(data="3")))
                    elif isinstance(event, Ping):
                        writer.write(ws.send(event.response()))
                    elif isinstance(event, CloseConnection):
                        raise ConnectionError("closed by the server")
                await writer.drain()
        except Exception as exc:  # noqa: BLE001 - recorded, the bench goes on
            self.error = f"{type(exc).__name__}: {exc}"[:160]
        finally:
            self.closed = True
            if writer is not None:
                writer.close()


class Holder:
    """Runs the sockets in an asyncio loop on its own thread while the main thread measures."""

    def __init__(self, port: int, tokens: list[str], n: int):
        self.sockets = [IdleSocket("127.0.0.1", port, tokens[i % len(tokens)],
                                   f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}") for i in range(n)]
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.ready = threading.Event()
        self.open_seconds = float("nan")
        self._stop = None

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._main())

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        started = time.monotonic()
        gate = asyncio.Semaphore(50)
        tasks = []

        async def one(sock):
            opened = asyncio.Event()
            async with gate:
                if time.monotonic() - started > OPENING_BUDGET:
                    sock.error = "not attempted: opening budget spent"
                    sock.closed = True
                    return
                task = asyncio.ensure_future(sock.run(opened, self._stop))
                waiter = asyncio.ensure_future(opened.wait())
                await asyncio.wait([task, waiter], return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel()
            await task

        for sock in self.sockets:
            tasks.append(asyncio.ensure_future(one(sock)))
        while time.monotonic() - started < OPENING_BUDGET + HANDSHAKE_TIMEOUT + 1:
            if all(s.accepted or s.closed for s in self.sockets):
                break
            await asyncio.sleep(0.2)
        self.open_seconds = time.monotonic() - started
        self.ready.set()
        await self._stop.wait()
        await asyncio.gather(*tasks, return_exceptions=True)

    def start(self) -> None:
        self.thread.start()
        self.ready.wait(OPENING_BUDGET + HANDSHAKE_TIMEOUT + 30)

    def held(self) -> int:
        return sum(1 for s in self.sockets if s.accepted and not s.closed)

    def stop(self) -> None:
        if self._stop is not None:
            self.loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(30)

    def errors(self) -> dict:
        counts: dict[str, int] = {}
        for s in self.sockets:
            if s.error:
                key = re.sub(r"\d+", "N", s.error)
                counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: -kv[1])[:4])


# --- servers -------------------------------------------------------------------------------------------------------

class Server:
    def __init__(self, label: str, cmd_for_bind, env: dict, tmp: Path, via_nginx: bool):
        self.label = label
        self.app_port = free_port()
        self.log = tmp / f"server-{self.app_port}.log"
        self.cmd = cmd_for_bind(f"127.0.0.1:{self.app_port}")
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=env, stdout=open(self.log, "wb"),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.nginx = None
        self.port = self.app_port
        if via_nginx:
            self.port = free_port()
            conf = (ROOT / "deploy" / "nginx.conf").read_text()
            conf = re.sub(r"server app1:8000;\s*server app2:8000;", f"server 127.0.0.1:{self.app_port};", conf)
            conf = conf.replace("listen 80;", f"listen 127.0.0.1:{self.port};")
            # Every bench socket comes from 127.0.0.1: the per-address limit_conn would stop them at its cap.
            conf = re.sub(r"\s*limit_conn haven_sockets \d+;", "", conf)
            path = tmp / f"nginx-{self.port}.conf"
            path.write_text(conf)
            self.nginx = subprocess.Popen(
                [shutil.which("nginx") or "nginx", "-c", str(path), "-g",
                 f"daemon off; pid {tmp}/nginx-{self.port}.pid; error_log {tmp}/nginx-{self.port}.err;"],
                stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float) -> float:
        started = time.monotonic()
        wait_serving(f"http://127.0.0.1:{self.port}/healthz", self.proc, self.label, self.tail, timeout, pause=0.3)
        return time.monotonic() - started

    def wait_models(self, timeout: float) -> float:
        """Until the process logs that its screening models are loaded and warm (moderation/jobs.py)."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if b"screening models ready" in self.log.read_bytes():
                return time.monotonic() - started
            time.sleep(0.3)
        return float("nan")

    def tail(self) -> str:
        return self.log.read_bytes().decode(errors="replace")[-3000:] if self.log.exists() else ""

    def rss_mib(self) -> float:
        """Resident memory of the gunicorn worker (the master's child)."""
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
            pid = int(children[0]) if children else self.proc.pid
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS"):
                    return int(line.split()[1]) / 1024
        except (OSError, ValueError, IndexError):
            pass
        return float("nan")

    def kill(self) -> None:
        for proc in (self.nginx, self.proc):
            if proc is not None and proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in (self.nginx, self.proc):
            if proc is None:
                continue
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)


def timed_gets(base: str, path: str, n: int) -> dict:
    import requests
    times, failures = [], 0
    budget_end = time.monotonic() + 40
    with requests.Session() as http:
        for _ in range(n):
            if time.monotonic() > budget_end:
                break
            t0 = time.perf_counter()
            try:
                ok = http.get(base + path, timeout=REQUEST_TIMEOUT).status_code == 200
            except requests.RequestException:
                ok = False
            elapsed = time.perf_counter() - t0
            if not ok:
                failures += 1
                elapsed = max(elapsed, REQUEST_TIMEOUT)
            times.append(elapsed)
    return {"requests": len(times), "failures": failures, "p50_ms": percentile(times, 50) * 1000,
            "p99_ms": percentile(times, 99) * 1000, "max_ms": max(times) * 1000 if times else float("nan")}


def member_post(base: str, token: str) -> dict:
    import requests
    t0 = time.perf_counter()
    try:
        r = requests.post(f"{base}/api/v1/boards/anxiety/threads", timeout=30,
                          headers={"Authorization": f"Bearer {token}"},
                          json={"title": "Checking in", "body": "Had a quiet evening and made soup. Feeling okay."})
        body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
        post = body.get("post") or {}
        status = post.get("status")
        if status and status != "published":
            status += f" ({body.get('hold_reason') or post.get('hold_reason')})"
        return {"status_code": r.status_code, "post_status": status,
                "ms": (time.perf_counter() - t0) * 1000}
    except requests.RequestException as exc:
        return {"status_code": None, "post_status": f"failed: {type(exc).__name__}",
                "ms": (time.perf_counter() - t0) * 1000}


def run_one(label: str, cmd_for_bind, env: dict, tmp: Path, tokens: list[str], args) -> dict:
    log(f"[{label}] starting: {' '.join(cmd_for_bind('127.0.0.1:PORT'))}")
    server = Server(label, cmd_for_bind, env, tmp, args.via_nginx)
    holder = None
    try:
        ready = server.wait_ready(180)
        base = f"http://127.0.0.1:{server.port}"
        server.wait_models(240)  # the models load and warm in the background: the post should meet them warm
        time.sleep(args.settle)
        idle_help = timed_gets(base, "/help", 20)
        # The first real text a process screens is slow whatever the server model (on this busy machine it can pass
        # MODERATION_TIMEOUT and be held unscreened): one post before the sockets, so the one measured below is not
        # a first call.
        first_post = member_post(base, tokens[-1])
        log(f"[{label}] ready in {ready:.1f}s; /help with no sockets p99 {idle_help['p99_ms']:.0f} ms; "
            f"opening {args.sockets} sockets")
        holder = Holder(server.port, tokens, args.sockets)
        holder.start()
        opened = holder.held()
        log(f"[{label}] {opened}/{args.sockets} sockets signed in and idle after {holder.open_seconds:.1f}s")
        result = {"label": label, "command": " ".join(server.cmd), "ready_s": ready, "first_post": first_post,
                  "help_without_sockets": idle_help, "sockets_wanted": args.sockets, "sockets_opened": opened,
                  "opening_s": holder.open_seconds}
        result["help"] = timed_gets(base, "/help", args.requests)
        result["healthz"] = timed_gets(base, "/healthz", args.requests)
        result["post"] = member_post(base, tokens[0])
        result["sockets_held_at_end"] = holder.held()
        result["socket_errors"] = holder.errors()
        result["worker_rss_mib"] = server.rss_mib()
        log(f"[{label}] /help p99 {result['help']['p99_ms']:.0f} ms ({result['help']['failures']} failed), "
            f"/healthz p99 {result['healthz']['p99_ms']:.0f} ms, post {result['post']}")
        return result
    finally:
        if holder is not None:
            holder.stop()
        server.kill()


def fmt_ms(value: float) -> str:
    return "n/a" if value != value else f"{value:.0f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--requests", type=int, default=200, help="GETs of /help and of /healthz per server")
    parser.add_argument("--backend", default="embedded", help="screening backend of the servers (or lexicon)")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--via-nginx", action="store_true", help="through nginx with deploy/nginx.conf")
    parser.add_argument("--settle", type=float, default=2.0, help="seconds to wait once the models are warm")
    parser.add_argument("--only", choices=["production", "threads"], default=None)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so the servers are killed on the way out

    tmp = Path(tempfile.mkdtemp(prefix="haven-idle-"))
    database = ThrowawayDatabase(tmp, args.database, "idle")
    try:
        from community.extensions import db
        from community.members.services import create_member, issue_token
        with database.app.app_context():
            tokens = []
            for i in range(args.members):
                member, _code = create_member(f"idle-{i}", "a long bench password", allow_reserved=True)
                tokens.append(issue_token(member))
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        env = {**os.environ, "DATABASE_URL": database.url, "SECRET_KEY": "bench", "PRIVACY_HMAC_KEY": "bench",
               "RATELIMIT_ENABLED": "false", "RATELIMIT_STORAGE_URI": "memory://", "SITE_URL": "",
               "TRUST_PROXY": "1", "MODERATION_TOXICITY_BACKEND": args.backend,
               "MODERATION_SELF_HARM_BACKEND": args.backend, "PYTHONPATH": str(ROOT),
               "HAVEN_INSTANCE_PATH": str(tmp / "instance"), "UNSCREENED_RETRY_SECONDS": "3600"}
        env.pop("REDIS_URL", None)
        if args.via_nginx:
            env["TRUST_PROXY"] = "2"  # the bench's X-Forwarded-For, then nginx's own entry
        runs = []
        if args.only in (None, "production"):
            runs.append(run_one("production (Dockerfile CMD)", production_command, env, tmp, tokens, args))
        if args.only in (None, "threads"):
            runs.append(run_one("old: -w 1 --threads 100", lambda bind: [
                str(Path(sys.executable).with_name(THREADED_COMMAND[0])), *THREADED_COMMAND[1:], "-b", bind,
                "wsgi:app"], env, tmp, tokens, args))
    finally:
        database.close()
        shutil.rmtree(tmp, ignore_errors=True)

    info = machine()
    print(f"\nIdle sockets: {args.sockets} WebSockets signed in and idle, {args.requests} GETs each of /help and "
          f"/healthz while held ({REQUEST_TIMEOUT:.0f} s time-out), one thread created through the API; database "
          f"{args.database}, screening {args.backend}{', through nginx' if args.via_nginx else ''}")
    print(f"machine: {info['nproc']} cores, {info['cpu']}, {info['memory']}, load before {info['loadavg_before']} "
          "(shared with other workers)")
    rows = [
        ("command", lambda r: r["command"].split("/")[-1].replace(" -b 127.0.0.1:", " -b :")),
        ("sockets signed in and held", lambda r: f"{r['sockets_opened']} / {r['sockets_wanted']}"
                                                 f" ({r['sockets_held_at_end']} at the end)"),
        ("time to open them", lambda r: f"{r['opening_s']:.1f} s"),
        ("/help p50 / p99 (no sockets)", lambda r: f"{fmt_ms(r['help_without_sockets']['p50_ms'])} / "
                                                   f"{fmt_ms(r['help_without_sockets']['p99_ms'])}"),
        ("/help p50 / p99 while held", lambda r: f"{fmt_ms(r['help']['p50_ms'])} / {fmt_ms(r['help']['p99_ms'])}"),
        ("/help failed", lambda r: f"{r['help']['failures']} of {r['help']['requests']}"),
        ("/healthz p50 / p99 while held", lambda r: f"{fmt_ms(r['healthz']['p50_ms'])} / "
                                                    f"{fmt_ms(r['healthz']['p99_ms'])}"),
        ("/healthz failed", lambda r: f"{r['healthz']['failures']} of {r['healthz']['requests']}"),
        ("first post, no sockets yet", lambda r: f"{r['first_post']['status_code']} {r['first_post']['post_status']}"
                                                 f" in {fmt_ms(r['first_post']['ms'])}"),
        ("member's post while held", lambda r: f"{r['post']['status_code']} {r['post']['post_status']} "
                                    f"in {fmt_ms(r['post']['ms'])}"),
        ("worker RSS while held", lambda r: f"{r['worker_rss_mib']:.0f} MiB"),
        ("socket errors", lambda r: "; ".join(f"{n}x {k}" for k, n in r["socket_errors"].items()) or "none"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"{'':<{width}} | " + " | ".join(r["label"] for r in runs))
    for name, get in rows:
        print(f"{name:<{width}} | " + " | ".join(get(r) for r in runs))
    print(json.dumps({"machine": info, "args": vars(args), "runs": runs}, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
