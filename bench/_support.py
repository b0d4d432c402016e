"""What the benchmarks share: logging, free loopback ports, machine details, and a throw-away migrated database.

Not a test helper: the benches start real servers against a real PostgreSQL database (created and dropped here) or a
SQLite file, the way a deployment would.
"""
from __future__ import annotations

import json
import os
import platform
import re
import socket
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", os.environ.get("TEST_POSTGRES_URL",
                                                                   "postgresql://postgres@127.0.0.1:5432/test"))

# The app that prepares the database: cheap hashing, no limits, the lexicon (the servers load the real models).
PREP_CONFIG = {"SECRET_KEY": "bench", "PRIVACY_HMAC_KEY": "bench", "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024,
               "REDIS_URL": None, "RATELIMIT_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://",
               "MODERATION_TOXICITY_BACKEND": "lexicon", "MODERATION_SELF_HARM_BACKEND": "lexicon"}


def log(*args) -> None:
    print(*args, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_serving(url: str, proc, what: str, tail, timeout: float, deadline: float | None = None,
                 pause: float = 0.2) -> None:
    """Until `url` answers 200 (polled every `pause` s): RuntimeError with the server log's `tail()` when `proc`
    exits first or `timeout` s pass (or the time.monotonic() `deadline` several servers share)."""
    import requests
    deadline = time.monotonic() + timeout if deadline is None else deadline
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited:\n{tail()}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} not ready in {timeout}s:\n{tail()}")
        time.sleep(pause)


def production_command(bind: str) -> list[str]:
    """The Dockerfile's CMD, the production server command (README "The server command"), bound to `bind` and run
    with this interpreter's gunicorn: benches and server tests start the server exactly as a deployment does."""
    text = (ROOT / "Dockerfile").read_text()
    cmd = json.loads(re.search(r"^CMD (\[.*\])", text, re.M).group(1))
    cmd[cmd.index("-b") + 1] = bind
    cmd[0] = str(Path(sys.executable).with_name(cmd[0]))
    return cmd


# The command production used before gevent (one worker, 100 threads, one per open WebSocket): the anchor of
# bench/idle_sockets.py.
THREADED_COMMAND = ["gunicorn", "-w", "1", "--threads", "100"]


def machine() -> dict:
    """CPU model, cores, memory, Python and platform, for the RESULTS.md header."""
    cpu, mem_total = "", ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_total = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        load = "?"
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory": mem_total, "python": platform.python_version(),
            "platform": platform.platform(), "loadavg_before": load}


class ThrowawayDatabase:
    """A fresh database migrated to the newest schema: PostgreSQL (created here, dropped by close()) or a SQLite
    file in `tmp`. `self.app` is a preparation app bound to it; `self.kind` says which it is."""

    def __init__(self, tmp: Path, kind: str, name: str):
        self.pg_admin, self.pg_name = None, None
        if kind == "postgresql":
            import psycopg
            self.pg_admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
            self.pg_name = f"haven_bench_{uuid.uuid4().hex[:10]}"
            self.pg_admin.execute(f'CREATE DATABASE "{self.pg_name}"')
            self.url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + self.pg_name
        else:
            self.url = f"sqlite:///{tmp / f'{name}.sqlite3'}"
        self.kind = kind
        from community import create_app
        self.app = create_app({"DATABASE_URL": self.url, **PREP_CONFIG}, instance_path=str(tmp / f"instance-{name}"))
        from flask_migrate import upgrade
        with self.app.app_context():
            upgrade(directory=str(ROOT / "migrations"))

    def close(self) -> None:
        from community.extensions import db
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
        if self.pg_admin is not None:
            try:
                self.pg_admin.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
            finally:
                self.pg_admin.close()


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0-100) of `values`, linearly interpolated; NaN for no values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)
